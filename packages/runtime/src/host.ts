/**
 * What the runtime reads of the process it runs in, typed here: the runtime's own types do not depend on
 * `@types/node` (generated clients type-check without it), and outside Node these are simply absent.
 */
interface HostProcess {
  argv?: readonly string[];
  platform?: string;
  arch?: string;
  env?: Readonly<Record<string, string | undefined>>;
  stderr?: { write(text: string): unknown };
}

/** The host's `process`, or an empty object where there is none. */
export const host: HostProcess = (globalThis as { process?: HostProcess }).process ?? {};

/** Writes one line to standard error (the console where there is no process). */
export function writeErrorLine(line: string): void {
  if (host.stderr) host.stderr.write(`${line}\n`);
  else console.error(line);
}
