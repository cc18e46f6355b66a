/**
 * Decides how long an item waits before it is retried, as client-go's `workqueue.TypedRateLimiter`: `when` is asked
 * once per retry (and advances the limiter), `forget` ends the item's retries, `numRequeues` counts them.
 */
export interface RateLimiter<T> {
  /** How long `item` should wait (ms) before it is processed again; counts one more retry. */
  when(item: T): number;
  /** The item is done being retried (it succeeded, or was given up on): its backoff starts over. */
  forget(item: T): void;
  /** How many times `item` has been retried since it was last forgotten. */
  numRequeues(item: T): number;
}

/**
 * Per-item exponential backoff, as client-go's `ItemExponentialFailureRateLimiter`: `baseMs * 2^retries`, capped at
 * `maxMs`. client-go's controller defaults are 5 ms and 1000 s.
 */
export function itemExponentialFailureRateLimiter<T>(baseMs = 5, maxMs = 1_000_000): RateLimiter<T> {
  if (!(baseMs > 0) || !(maxMs >= baseMs)) throw new RangeError(`itemExponentialFailureRateLimiter: need 0 < baseMs <= maxMs, got ${baseMs} and ${maxMs}`);
  const failures = new Map<T, number>();
  return {
    when(item) {
      const exp = failures.get(item) ?? 0;
      failures.set(item, exp + 1);
      const backoff = baseMs * 2 ** exp;
      return Number.isFinite(backoff) && backoff < maxMs ? backoff : maxMs;
    },
    forget: (item) => void failures.delete(item),
    numRequeues: (item) => failures.get(item) ?? 0,
  };
}

/**
 * One token bucket for every item together, as client-go's `BucketRateLimiter` over `rate.NewLimiter(qps, burst)`:
 * the bucket starts full, refills at `qps`, and each `when` reserves a token, returning how long until that token
 * exists. client-go's controller default is 10 qps with a burst of 100. Time is monotonic (`performance.now()`).
 */
export function bucketRateLimiter<T>(qps = 10, burst = 100): RateLimiter<T> {
  if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`bucketRateLimiter: need qps > 0 and burst >= 1, got ${qps} and ${burst}`);
  let tokens = burst;
  let last = performance.now();
  return {
    when() {
      const now = performance.now();
      tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : (-tokens * 1000) / qps;
    },
    forget: () => {},
    numRequeues: () => 0,
  };
}

/**
 * The longest wait any of `limiters` asks for, as client-go's `MaxOfRateLimiter` (every limiter is asked, so each
 * advances); retries are counted by the limiter that counts the most.
 */
export function maxOfRateLimiter<T>(...limiters: RateLimiter<T>[]): RateLimiter<T> {
  if (limiters.length === 0) throw new RangeError("maxOfRateLimiter: needs at least one limiter");
  return {
    when: (item) => limiters.reduce((longest, limiter) => Math.max(longest, limiter.when(item)), 0),
    forget: (item) => limiters.forEach((limiter) => limiter.forget(item)),
    numRequeues: (item) => limiters.reduce((most, limiter) => Math.max(most, limiter.numRequeues(item)), 0),
  };
}

/**
 * client-go's `DefaultTypedControllerRateLimiter`: the longer of a per-item exponential backoff (5 ms doubling to
 * 1000 s) and an overall token bucket (10 qps, burst 100), so one failing item backs off by itself and many failing
 * items together cannot retry faster than 10 per second after the first 100.
 */
export function defaultControllerRateLimiter<T>(): RateLimiter<T> {
  return maxOfRateLimiter<T>(itemExponentialFailureRateLimiter<T>(5, 1_000_000), bucketRateLimiter<T>(10, 100));
}
