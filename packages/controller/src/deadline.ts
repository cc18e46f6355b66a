/** A signal that aborts when `parent` does, or `ms` from now; `clear()` releases its timer and listener. */
export interface Deadline {
  /** Aborts at the deadline or with the parent. */
  readonly signal: AbortSignal;
  /** Releases the timer and the listener on the parent. */
  clear(): void;
}

/**
 * A signal for "this, but at most `ms`". Not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20 a
 * composite holds its sources weakly, and a timeout signal nobody else references is garbage-collected with its
 * timer, so the composite never times out (a leader whose renewal hangs would then lead on past its deadline).
 * Here the timer holds the controller, so the deadline always fires.
 */
export function deadline(parent: AbortSignal | undefined, ms: number, reason: () => Error): Deadline {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  const timer = setTimeout(() => controller.abort(reason()), Math.max(0, ms));
  timer.unref?.();
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
    },
  };
}
