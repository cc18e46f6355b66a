import type { KubeClient } from "@org/k8s-runtime";
import { type LeaderElectionOptions, LeaderElector } from "./leader-election.js";
import { type Logger, describeError, errorsToConsole, safeLog } from "./logger.js";

/** What a {@link Manager} runs: a {@link Controller}, or anything else that starts and stops the same way. */
export interface Runnable {
  /** For logs. */
  readonly name: string;
  /** Resolves once running (a controller: caches synced, workers started). */
  start(): Promise<void>;
  /** Stops, waiting up to `timeoutMs` for work in progress; a later call with a shorter timeout hurries a stop under way. */
  stop(options?: { timeoutMs?: number | undefined }): Promise<void>;
}

/** Leader election settings of a {@link Manager}: a {@link LeaderElector}'s, without the callbacks it uses itself. */
export type ManagerLeaderElection = Omit<LeaderElectionOptions, "client" | "log" | "onStartedLeading" | "onStoppedLeading">;

/** Options of {@link Manager}. */
export interface ManagerOptions {
  /** The runtime client of the Lease. */
  client: KubeClient;
  /** Run the controllers only while this replica holds the Lease. Default: no election (always run). */
  leaderElection?: ManagerLeaderElection | undefined;
  /** How long a graceful stop waits for running reconciles. Default 30 s (controller-runtime's). */
  gracefulShutdownTimeoutMs?: number | undefined;
  /** Default: errors to console.error. */
  log?: Logger | undefined;
}

/** {@link Manager.run} rejects with this when the replica could not renew its lease (controller-runtime exits then). */
export class LeaderElectionLostError extends Error {
  override readonly name = "LeaderElectionLostError";
}

/**
 * Runs controllers for one process, as controller-runtime's manager: with `leaderElection`, only while this replica
 * leads. On shutdown (`run`'s signal) the controllers stop first, finishing their reconciles while the lease is still
 * renewed, and only then is the lease released, so the next leader starts at once and never overlaps. If the lease
 * cannot be renewed, the controllers' reconciles are aborted at once (before the lease can expire for anyone else) and
 * `run` rejects with {@link LeaderElectionLostError}: exit the process and let it restart, as controller-runtime
 * does. Single-use, like the controllers it runs.
 */
export class Manager {
  /** The elector, with `leaderElection`. */
  readonly elector: LeaderElector | undefined;
  readonly #runnables: Runnable[] = [];
  readonly #options: ManagerOptions;
  readonly #log: Logger;
  #ran = false;

  constructor(options: ManagerOptions) {
    this.#options = options;
    this.#log = options.log ?? errorsToConsole;
    if (options.leaderElection) {
      this.elector = new LeaderElector({
        ...options.leaderElection,
        client: options.client,
        log: this.#log,
        onStartedLeading: (signal) => this.#lead(signal),
      });
    }
  }

  /** Adds a controller (before `run`). */
  add(runnable: Runnable): this {
    if (this.#ran) throw new Error("Manager: add() after run()");
    this.#runnables.push(runnable);
    return this;
  }

  /**
   * Runs until `signal` aborts (then stops gracefully and resolves), or until leadership is lost or a controller
   * cannot start (then rejects).
   */
  async run(options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    if (this.#ran) throw new Error("Manager: run() can be called once");
    this.#ran = true;
    const signal = options.signal ?? new AbortController().signal;
    if (!this.elector) {
      try {
        await this.#startAll();
      } catch (error) {
        await this.#stopAll(0);
        throw error;
      }
      await aborted(signal);
      await this.#stopAll(this.#graceMs());
      return;
    }
    const election = new AbortController();
    this.#signal = signal;
    const onAbort = () => {
      // Finish the guarded work while the lease is still renewed, then end the election (which releases it).
      void this.#stopAll(this.#graceMs()).finally(() => election.abort());
    };
    if (signal.aborted) election.abort();
    else signal.addEventListener("abort", onAbort, { once: true });
    this.#election = election;
    try {
      await this.elector.run({ signal: election.signal });
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  #election: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #failure: unknown;

  /** While leading: start everything, then stop it when leading ends (at once if the lease was lost). */
  async #lead(leading: AbortSignal): Promise<void> {
    if (this.#signal?.aborted) return; // shutting down: the election ends (and releases) in a moment
    try {
      await this.#startAll();
    } catch (error) {
      safeLog(this.#log, "error", "a controller failed to start; giving up leadership", { error: describeError(error) });
      this.#failure ??= error;
      await this.#stopAll(0);
      this.#election?.abort();
      return;
    }
    await aborted(leading);
    if (!this.#election?.signal.aborted) {
      this.#failure ??= new LeaderElectionLostError(`lost the lease ${this.#options.leaderElection!.namespace}/${this.#options.leaderElection!.name}`);
      await this.#stopAll(0);
    }
  }

  async #startAll(): Promise<void> {
    await Promise.all(this.#runnables.map((runnable) => runnable.start()));
  }

  /** Stops every runnable (each call may shorten a stop already under way). */
  async #stopAll(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.#runnables.map((runnable) =>
        runnable.stop({ timeoutMs }).catch((error: unknown) => safeLog(this.#log, "error", "a controller failed to stop", { controller: runnable.name, error: describeError(error) })),
      ),
    );
  }

  #graceMs(): number {
    return this.#options.gracefulShutdownTimeoutMs ?? 30_000;
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
