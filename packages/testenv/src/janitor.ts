import { type ChildProcess, spawn } from "node:child_process";

// Runs in its own process group, reading PIDs from a pipe held by the test process. When that pipe closes (the
// test process stopped, crashed, or was killed with SIGKILL), it terminates every PID still registered and removes
// the scratch directory, so no etcd, kube-apiserver or temp dir outlives its owner.
const JANITOR_SOURCE = `
const fs = require("node:fs");
const dir = process.argv[1];
const pids = new Set();
let buffered = "";
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf("\\n")) >= 0) {
    const [verb, pid] = buffered.slice(0, nl).split(" ");
    buffered = buffered.slice(nl + 1);
    if (verb === "add") pids.add(Number(pid)); else pids.delete(Number(pid));
  }
});
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
process.stdin.on("close", async () => {
  for (const pid of pids) { try { process.kill(pid, "SIGTERM"); } catch {} }
  for (let i = 0; i < 50 && [...pids].some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) { try { process.kill(pid, "SIGKILL"); } catch {} }
  try { fs.rmSync(dir, { recursive: true, force: true }); } catch {}
  process.exit(0);
});
`;

/** Cleans up a control plane's processes and directory when the owning process goes away, however it goes. */
export class Janitor {
  readonly #process: ChildProcess;

  constructor(scratchDir: string) {
    this.#process = spawn(process.execPath, ["-e", JANITOR_SOURCE, scratchDir], {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    });
    this.#process.unref();
    // The pipe must not keep the test process alive; it only signals when that process is gone.
    (this.#process.stdin as unknown as { unref?: () => void }).unref?.();
  }

  watch(pid: number): void {
    this.#process.stdin?.write(`add ${pid}\n`);
  }

  forget(pid: number): void {
    this.#process.stdin?.write(`del ${pid}\n`);
  }

  /** Ends the janitor after a clean stop: it removes the directory if anything is left and exits. */
  async release(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.#process.exitCode !== null || this.#process.signalCode !== null) resolve();
      else this.#process.once("exit", () => resolve());
    });
    // Waiting on an unref'd child would let the event loop run dry; hold it until the janitor is done.
    this.#process.ref();
    this.#process.stdin?.end();
    await exited;
  }
}
