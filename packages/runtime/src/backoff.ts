/**
 * Waits about `ms` (jittered between half and all of it, so many clients do not retry in step), or until `signal`
 * aborts, whichever comes first. Never rejects.
 */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const jittered = ms / 2 + (Math.random() * ms) / 2;
  return new Promise((resolve) => {
    const timer = setTimeout(done, jittered);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
