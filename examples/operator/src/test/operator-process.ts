import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built operator, as users run it. */
export const OPERATOR = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** One line of the operator's JSON log. */
export interface LogLine {
  time: string;
  level: string;
  msg: string;
  identity: string;
  request?: string;
  [field: string]: unknown;
}

/** The operator running as a child process, its log parsed as it comes. */
export class OperatorProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  readonly #home: string;
  readonly #waiters = new Set<() => void>();

  constructor(kubeconfig: string, args: string[]) {
    this.#home = mkdtempSync(join(tmpdir(), "website-operator-"));
    this.#child = spawn(process.execPath, [OPERATOR, ...args], {
      env: { PATH: process.env.PATH, HOME: this.#home, KUBECONFIG: kubeconfig },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffered = "";
    this.#child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.stderr.push(`(not JSON on stdout) ${line}`);
        }
      }
      for (const wake of this.#waiters) wake();
    });
    this.#child.stderr!.setEncoding("utf8").on("data", (chunk: string) => void this.stderr.push(chunk));
    this.exited = new Promise((resolve) => this.#child.once("exit", (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      rmSync(this.#home, { recursive: true, force: true });
      for (const wake of this.#waiters) wake();
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** The first log line (from `from` on) that matches, waiting up to `timeoutMs` for it. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 30_000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) throw new Error(`operator exited before logging what was awaited; stderr: ${this.stderr.join("")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`operator did not log what was awaited within ${timeoutMs} ms; last lines: ${JSON.stringify(this.lines.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const wake = () => (clearTimeout(timer), this.#waiters.delete(wake), resolve());
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  /** Sends `signal` to this process (by its PID), if it still runs. */
  kill(signal: NodeJS.Signals): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
