import { sleepOrAbort } from "./backoff.js";

/** Decides when a request may be sent (client-go's `flowcontrol.RateLimiter`). */
export interface RateLimiter {
  /** Resolves when the next request may go; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
}

/** QPS and burst of a {@link TokenBucket}. */
export interface RateLimit {
  /** Sustained requests per second. */
  qps: number;
  /** Requests that may go at once after a quiet period (the bucket's size). */
  burst: number;
}

/**
 * A token bucket, as client-go's `NewTokenBucketRateLimiter` (golang.org/x/time/rate): it starts full with `burst`
 * tokens and refills at `qps`; each request takes one, waiting for it when the bucket is empty. Waiters are served
 * in arrival order. One bucket is shared by every resource client of a {@link KubeClient}.
 */
export class TokenBucket implements RateLimiter {
  readonly qps: number;
  readonly burst: number;
  #tokens: number;
  #updatedAt: number;

  constructor({ qps, burst }: RateLimit) {
    if (!(qps > 0) || !Number.isFinite(qps)) throw new RangeError(`rate limit: qps must be a positive number, got ${qps}`);
    if (!(burst >= 1) || !Number.isInteger(burst)) throw new RangeError(`rate limit: burst must be a positive integer, got ${burst}`);
    this.qps = qps;
    this.burst = burst;
    this.#tokens = burst;
    this.#updatedAt = performance.now();
  }

  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.qps);
    this.#updatedAt = now;
    // Reserve a token now (the count may go negative): later callers queue behind earlier ones.
    this.#tokens -= 1;
    if (this.#tokens >= 0) return Promise.resolve();
    const waitMs = (-this.#tokens / this.qps) * 1000;
    return sleepOrAbort(waitMs, signal).catch((reason: unknown) => {
      this.#tokens += 1; // the reservation is given back
      throw reason;
    });
  }
}
