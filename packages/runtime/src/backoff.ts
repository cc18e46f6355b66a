/**
 * The one backoff policy of the SDK, client-go's `wait.Backoff` with the reset period of its
 * `ExponentialBackoffManager` (what the reflector uses: 800 ms doubling to 30 s, jitter 1.0, reset after 2 min).
 */

/** How delays grow. */
export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** The delay stops growing here (before jitter, as client-go's `Cap`). */
  maxMs: number;
  /** Growth per step. Default 2. */
  factor?: number;
  /** Each delay is stretched by up to this fraction, at random (client-go's `Jitter`). Default 1 (up to double); 0 for none. */
  jitter?: number;
  /**
   * Start again from `initialMs` when the previous delay was handed out longer ago than this (a period of healthy
   * operation). Default: never by itself; call {@link Backoff.reset}.
   */
  resetAfterMs?: number;
}

/** `ms` stretched by up to `fraction` of itself, at random: client-go's `wait.Jitter`. */
export function jittered(ms: number, fraction: number): number {
  return fraction > 0 ? ms + Math.random() * fraction * ms : ms;
}

/** Exponential backoff with jitter and an optional reset after a healthy period. */
export class Backoff {
  readonly #options: Required<Omit<BackoffOptions, "resetAfterMs">> & { resetAfterMs: number | undefined };
  #current: number;
  #lastAt = 0;

  constructor(options: BackoffOptions) {
    this.#options = { factor: 2, jitter: 1, ...options, resetAfterMs: options.resetAfterMs };
    this.#current = options.initialMs;
  }

  /** The next delay (and one step further for the one after). */
  next(): number {
    const { initialMs, maxMs, factor, jitter, resetAfterMs } = this.#options;
    const now = Date.now();
    if (resetAfterMs !== undefined && this.#lastAt !== 0 && now - this.#lastAt > resetAfterMs) this.#current = initialMs;
    this.#lastAt = now;
    const delay = Math.min(this.#current, maxMs);
    this.#current = Math.min(this.#current * factor, maxMs);
    return jittered(delay, jitter);
  }

  /** Starts again from the initial delay. */
  reset(): void {
    this.#current = this.#options.initialMs;
    this.#lastAt = 0;
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits `ms`, or until `signal` aborts, whichever comes first. Never rejects (for loops that check the signal). */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(ms, signal).catch(() => {});
}
