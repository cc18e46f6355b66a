import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** The result of a finished kubectl run. */
export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  kubeconfig: string;
  /** Written to stdin, which is then closed. Without it stdin is closed at once. */
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Kill (SIGKILL) after this long and fail. Default 30 s. */
  timeoutMs?: number;
}

/** Runs the built kubectl to the end, as a user's shell would. */
export function kubectl(binary: string, args: string[], options: KubectlOptions): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = startKubectl(binary, args, options);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`kubectl ${args.join(" ")} did not finish in ${options.timeoutMs ?? 30_000} ms; stderr: ${Buffer.concat(err)}`));
    }, options.timeoutMs ?? 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin!.end(options.input);
  });
}

/** Starts kubectl and leaves it running (for -f, attach, port-forward); the caller kills it by its PID. */
export function startKubectl(binary: string, args: string[], options: Omit<KubectlOptions, "input" | "timeoutMs">): ChildProcess {
  return spawn(binary, args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", KUBECONFIG: options.kubeconfig, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Collects a running process's output and waits for text to appear in it. */
export class Output {
  text = "";
  constructor(stream: NodeJS.ReadableStream) {
    stream.on("data", (chunk: Buffer) => {
      this.text += chunk.toString("utf8");
    });
  }

  async waitFor(pattern: string | RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray | string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (typeof pattern === "string" ? this.text.includes(pattern) : pattern.test(this.text)) {
        return typeof pattern === "string" ? pattern : this.text.match(pattern)!;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in output: ${JSON.stringify(this.text.slice(-500))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Resolves with the first line of a stream. */
export function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => createInterface({ input: stream }).once("line", resolve));
}

/** Resolves when the process has exited, with its code (or null after a signal). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Whether a PID names a live process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
