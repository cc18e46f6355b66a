import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

/** A long-running component (etcd, kube-apiserver) whose output goes to a log file. */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #spawnError: Error | undefined;

  constructor(name: string, binary: string, args: string[], logFile: string) {
    this.name = name;
    this.logFile = logFile;
    const log = openSync(logFile, "a");
    try {
      this.#child = spawn(binary, args, { stdio: ["ignore", log, log] });
    } finally {
      closeSync(log);
    }
    this.#child.on("error", (error) => {
      this.#spawnError = error;
    });
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => resolve({ code, signal }));
      this.#child.once("error", () => resolve({ code: null, signal: null }));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null && this.#spawnError === undefined;
  }

  /** Describes why the process is not running: exit code or signal, spawn error, and the end of its log. */
  describeExit(): string {
    const how = this.#spawnError
      ? `could not be started: ${this.#spawnError.message}`
      : `exited with ${this.#child.signalCode ? `signal ${this.#child.signalCode}` : `code ${this.#child.exitCode}`}`;
    return `${this.name} ${how}\n${this.tailLog()}`;
  }

  /** The last lines of the component's log, for error messages. */
  tailLog(lines = 25): string {
    let text: string;
    try {
      text = readFileSync(this.logFile, "utf8");
    } catch {
      return `(no log at ${this.logFile})`;
    }
    const tail = text.trimEnd().split("\n").slice(-lines);
    return `--- last ${tail.length} lines of ${this.logFile} ---\n${tail.join("\n")}`;
  }

  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process at once (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#child.kill("SIGKILL");
    await this.exited;
  }
}
