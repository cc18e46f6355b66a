/**
 * Runs emit tasks on the calling thread and on worker threads, one thread per core in all (a generation of 200 CRDs
 * is a few hundred independent modules). Workers start when the pool is made, so loading TypeScript and
 * openapi-typescript in them overlaps the download and parsing of the documents; the calling thread loads them when
 * the first task runs. On 2 cores that is one worker: each thread pays for loading TypeScript, warming it up and its
 * own heap, so a second worker cost more CPU time and memory than it saved. With one job, or when the worker script
 * is not there (running from sources, as the unit tests do), every task runs on the calling thread: the same code,
 * the same output.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { EmitTask } from "./emit-task.js";

interface Pending {
  resolve: (text: string) => void;
  reject: (error: Error) => void;
}

/** The worker script next to this module in the build (`dist/emit-worker.js`), if there is one. */
function workerScript(): URL | undefined {
  const url = new URL("./emit-worker.js", import.meta.url);
  return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : undefined;
}

/** A worker's error as the Error class it was thrown as, for the generator's "internal error" test (TypeError...). */
function revive(error: { name: string; message: string; stack?: string }): Error {
  const classes: Record<string, ErrorConstructor> = { TypeError, RangeError, ReferenceError, SyntaxError };
  const revived = new (classes[error.name] ?? Error)(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
}

/** A task's size, to start with the largest: the number of schemas, or of paths. */
function weight(task: EmitTask): number {
  return task.kind === "schemas" ? task.schemas.length : Object.keys(task.document.paths ?? {}).length;
}

class EmitWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #failed: Error | undefined;

  constructor(script: URL) {
    this.#worker = new Worker(script);
    this.#worker.on("message", ({ id, text, error }: { id: number; text?: string; error?: { name: string; message: string; stack?: string } }) => {
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      if (error) pending?.reject(revive(error));
      else pending?.resolve(text!);
    });
    const fail = (error: Error) => {
      this.#failed ??= error;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`k8s-gen's emit worker exited with code ${code}`)));
  }

  run(task: string): Promise<string> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    this.#failed ??= new Error("the emit pool is closed");
    await this.#worker.terminate();
  }
}

/** Options of {@link EmitPool.start}. */
export interface EmitPoolOptions {
  /**
   * Threads to emit on, the calling one included. Default: the cores available (`os.availableParallelism()`) from
   * 4 cores up, else 1 — on 2 cores a worker thread lost (185 CRDs: 7.33 s / 500 MiB with one, 6.85 s / 428 MiB
   * without), its start-up and the copies of the schemas it is sent costing more than the emitting it takes over.
   */
  jobs?: number;
}

/** See {@link EmitPoolOptions.jobs}. */
export function defaultJobs(cores = availableParallelism()): number {
  return cores >= 4 ? cores : 1;
}

export class EmitPool {
  readonly #workers: EmitWorker[];

  private constructor(workers: EmitWorker[]) {
    this.#workers = workers;
  }

  static start(options: EmitPoolOptions = {}): EmitPool {
    const jobs = options.jobs ?? defaultJobs();
    const script = jobs > 1 ? workerScript() : undefined;
    return new EmitPool(script ? Array.from({ length: jobs - 1 }, () => new EmitWorker(script)) : []);
  }

  /** Threads in use, the calling one included. */
  get size(): number {
    return this.#workers.length + 1;
  }

  /**
   * Runs every task; `onDone` sees each result as it arrives. The largest tasks go first, each to the next free
   * thread, so one large namespace does not finish last alone. A worker always has a second task waiting, so it
   * does not idle while the calling thread is busy with one of its own.
   */
  async runAll(tasks: readonly EmitTask[], onDone: (index: number, text: string) => void): Promise<void> {
    const { runEmitTask } = await import("./run-emit-task.js");
    if (this.#workers.length === 0) {
      tasks.forEach((task, index) => onDone(index, runEmitTask(task)));
      return;
    }
    const queue = tasks.map((task, index) => ({ index, task })).sort((a, b) => weight(b.task) - weight(a.task) || a.index - b.index);
    let failure: Error | undefined;
    const fromWorker = async (worker: EmitWorker) => {
      for (let item = queue.shift(); item && !failure; item = queue.shift()) {
        try {
          onDone(item.index, await worker.run(JSON.stringify(item.task)));
        } catch (error) {
          failure ??= error as Error;
        }
      }
    };
    const here = async () => {
      for (let item = queue.shift(); item && !failure; item = queue.shift()) {
        onDone(item.index, runEmitTask(item.task));
        await new Promise((resolve) => setImmediate(resolve)); // let the workers' results in
      }
    };
    const running = this.#workers.flatMap((worker) => [fromWorker(worker), fromWorker(worker)]);
    try {
      await here();
    } catch (error) {
      failure ??= error as Error;
    }
    await Promise.all(running);
    if (failure) throw failure;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.close()));
  }
}
