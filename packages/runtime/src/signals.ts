/**
 * Aborts `target` when `source` aborts (with the same reason), until the returned function is called: for an
 * operation that needs its own controller (to abort it for reasons of its own) while following its caller's signal,
 * and that knows when it is over. Nothing stays attached to `source` once unfollowed, however long `source` lives.
 */
export function followSignal(source: AbortSignal | null | undefined, target: AbortController): () => void {
  if (!source) return () => {};
  if (source.aborted) {
    target.abort(source.reason);
    return () => {};
  }
  const onAbort = () => target.abort(source.reason);
  source.addEventListener("abort", onAbort, { once: true });
  return () => source.removeEventListener("abort", onAbort);
}
