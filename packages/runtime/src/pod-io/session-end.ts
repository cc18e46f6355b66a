/**
 * Ends a stream because its session failed: with the error when someone listens for one (a `for await` loop or an
 * `error` listener), else quietly, so that output nobody reads cannot crash the process with an unhandled `error`
 * event. The session's result (or `closed`) carries the error either way.
 */
export function failStream(stream: { listenerCount(event: "error"): number; destroy(error?: Error): unknown } | null, error: Error): void {
  if (!stream) return;
  if (stream.listenerCount("error") > 0) stream.destroy(error);
  else stream.destroy();
}

/** Runs `onAbort` when the caller's signal aborts before `over` settles (at once if it already has). */
export function abortWith(signal: AbortSignal | undefined, over: Promise<unknown>, onAbort: (reason: unknown) => void): void {
  if (!signal) return;
  if (signal.aborted) return onAbort(signal.reason);
  const listener = () => onAbort(signal.reason);
  signal.addEventListener("abort", listener, { once: true });
  const unfollow = () => signal.removeEventListener("abort", listener);
  over.then(unfollow, unfollow);
}
