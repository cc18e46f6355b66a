/**
 * The one backoff policy of the SDK: client-go's `wait.Jitter` and its reflector's `ExponentialBackoffManager`,
 * and the two ways to wait (one that never rejects, for loops that check their signal; one that rejects with the
 * signal's reason, for calls that must end with it).
 */

/** `ms` stretched by up to `fraction` of itself, at random: client-go's `wait.Jitter` (`d + random * fraction * d`). */
export function jittered(ms: number, fraction: number): number {
  return fraction > 0 ? ms + Math.random() * fraction * ms : ms;
}

/** Waits `ms`, or until `signal` aborts. Resolves `true` when the time passed, `false` when aborted. Never rejects. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(true), ms);
    const onAbort = () => finish(false);
    function finish(elapsed: boolean) {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(elapsed);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export async function sleepOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!(await sleep(ms, signal))) throw signal!.reason;
}

/** A sequence of growing delays for retries; one instance per retrying thing (a watch, an informer). */
export interface Backoff {
  /** The next delay (ms), advancing the sequence. */
  next(): number;
  /** Starts the sequence over. */
  reset(): void;
}

/** Options of {@link exponentialBackoff}; the defaults are client-go's reflector's. */
export interface ExponentialBackoffOptions {
  /** First delay. Default 800 ms. */
  initialMs?: number | undefined;
  /** Longest delay before jitter. Default 30 s. */
  maxMs?: number | undefined;
  /** Growth per step. Default 2. */
  factor?: number | undefined;
  /** Each delay is `d + random * jitter * d`. Default 1 (between d and 2d). */
  jitter?: number | undefined;
  /** A delay asked for this long after the previous one starts over at `initialMs`. Default 2 min. */
  resetAfterMs?: number | undefined;
}

/**
 * client-go's `ExponentialBackoffManager` as its reflector configures it: 800 ms doubling to 30 s, full jitter,
 * and a reset only after a calm period (no backoff for 2 minutes), so a steady failure loop never runs fast again
 * just because one attempt got further than the last.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const initial = options.initialMs ?? 800;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 1;
  const resetAfter = options.resetAfterMs ?? 120_000;
  let current = initial;
  let last = -Infinity;
  return {
    next() {
      const now = Date.now();
      if (now - last > resetAfter) current = initial;
      last = now;
      const delay = current;
      current = Math.min(max, current * factor);
      return jittered(delay, jitter);
    },
    reset() {
      current = initial;
      last = -Infinity;
    },
  };
}
