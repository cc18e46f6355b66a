import type { ManagedProcess } from "./managed-process.js";

/**
 * Polls `probe` until it returns true, failing early when `component` exits (with its exit and last log lines) and
 * at the deadline with the last answer and the component's last log lines.
 */
export async function waitFor(
  what: string,
  component: ManagedProcess,
  timeoutMs: number,
  probe: () => Promise<string | true>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (!component.running) throw new Error(`${what}: ${component.describeExit()}`);
    try {
      const result = await probe();
      if (result === true) return;
      last = result;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms (last: ${last})\n${component.tailLog()}`);
}

/** Polls `probe` every `intervalMs` until it returns a value other than `undefined`, or throws at the deadline. */
export async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`${what}: timed out after ${timeoutMs} ms${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
