import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type Lease, leases } from "@org/k8s-core/coordination.k8s.io/v1";
import { type KubeClient, type TypedResourceClient, isAlreadyExists, isConflict, isNotFound } from "@org/k8s-runtime";
import { deadline } from "./deadline.js";
import { microTime } from "./events.js";
import { type Logger, describeError, errorsToConsole, safeLog, withFields } from "./logger.js";

/** Options of {@link LeaderElector}; the defaults are client-go's (and controller-runtime's). */
export interface LeaderElectionOptions {
  /** The runtime client the Lease is read and written with. */
  client: KubeClient;
  /** The Lease's namespace. */
  namespace: string;
  /** The Lease's name, shared by every replica of the app. */
  name: string;
  /** This replica, unique among them. Default `<hostname>_<random UUID>`, as controller-runtime. */
  identity?: string | undefined;
  /** How long a lease is valid after its holder last renewed it, as others see it. Default 15 s; whole seconds. */
  leaseDurationMs?: number | undefined;
  /** How long the leader keeps trying to renew before it stops leading. Default 10 s; must be below `leaseDurationMs`. */
  renewDeadlineMs?: number | undefined;
  /** Wait between attempts (to acquire: jittered by up to 1.2 times more). Default 2 s; `renewDeadlineMs` must exceed 1.2 times it. */
  retryPeriodMs?: number | undefined;
  /**
   * Give the lease up when `run`'s signal aborts, so another replica takes over at once instead of after
   * `leaseDurationMs` (client-go's `ReleaseOnCancel`). Default true (client-go: false). Only safe if the work the
   * lease guards has ended before the signal aborts: a {@link Manager} stops its controllers first.
   */
  releaseOnCancel?: boolean | undefined;
  /** Labels put on the Lease. */
  labels?: Readonly<Record<string, string>> | undefined;
  /** Called when this replica becomes the leader; `signal` aborts when it stops being one. May return a promise. */
  onStartedLeading?: ((signal: AbortSignal) => unknown) | undefined;
  /** Called once after leading ended (lost, or released on shutdown), after `onStartedLeading`'s promise settled. */
  onStoppedLeading?: (() => unknown) | undefined;
  /** Called when the holder changes as this replica observes it (`""` after a release), itself included. */
  onNewLeader?: ((identity: string) => unknown) | undefined;
  /** Default: errors to console.error. */
  log?: Logger | undefined;
}

/** client-go's `LeaderElectionRecord`: what a Lease's spec holds for leader election. */
export interface LeaderElectionRecord {
  /** Who holds the lease; `""` when released. */
  readonly holderIdentity: string;
  /** How long others wait, from when they first see this record, before taking the lease. */
  readonly leaseDurationSeconds: number;
  /** When the holder took the lease (MicroTime). */
  readonly acquireTime: string;
  /** When the holder last renewed it (MicroTime). */
  readonly renewTime: string;
  /** How many times the lease changed hands. */
  readonly leaseTransitions: number;
}

/** client-go's `JitterFactor` for the acquire loop. */
const JITTER_FACTOR = 1.2;

/**
 * Leader election on a `coordination.k8s.io/v1` Lease with client-go's `tools/leaderelection` semantics, so that of
 * several replicas exactly one does the work, on the cluster's own consensus (the API server's optimistic
 * concurrency on resourceVersion, backed by etcd):
 *
 * - **Acquire**: every `retryPeriodMs` (jittered) read the Lease; take it (create it, or update it at the
 *   resourceVersion read, counting one more `leaseTransitions`) when it has no holder or its holder has not renewed
 *   within `leaseDurationSeconds` *as this replica observed it*: expiry is judged on the local monotonic clock from
 *   when the current record was first seen (client-go's `observedTime`), never by comparing clocks across machines.
 * - **Renew**: the leader updates `renewTime` every `retryPeriodMs` (first with the resourceVersion it last wrote,
 *   falling back to a read); if no renewal succeeds within `renewDeadlineMs` (requests are cut at that deadline) it
 *   stops leading: the `onStartedLeading` signal aborts at most `retryPeriodMs + renewDeadlineMs` after the last
 *   renewal, before the lease can look expired to anyone else (`leaseDurationMs`).
 * - **Release** (`releaseOnCancel`): on shutdown the holder writes an empty holder with a 1 s duration, so another
 *   replica takes over at its next attempt.
 *
 * The record is written as client-go writes it: `holderIdentity`, `leaseDurationSeconds`, `acquireTime` and
 * `renewTime` (MicroTime), `leaseTransitions`.
 */
export class LeaderElector {
  /** This replica's identity (the Lease's `holderIdentity` while it leads). */
  readonly identity: string;
  readonly #options: LeaderElectionOptions;
  readonly #leases: TypedResourceClient<typeof leases>;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #log: Logger;
  /** The Lease as last read or written (its resourceVersion is the optimistic lock). */
  #lease: Lease | undefined;
  #observed: LeaderElectionRecord | undefined;
  #observedRaw = "";
  /** `performance.now()` when `#observed` was set. */
  #observedAt = 0;
  #reportedLeader: string | undefined;
  #running = false;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    const where = `leader election ${options.namespace}/${options.name}`;
    if (!options.name || !options.namespace) throw new TypeError(`${where}: the Lease's name and namespace are required`);
    if (!this.identity) throw new TypeError(`${where}: identity must not be empty`);
    if (!(this.#leaseDurationMs >= 1000)) throw new TypeError(`${where}: leaseDurationMs must be at least 1000 (the Lease holds whole seconds), got ${this.#leaseDurationMs}`);
    if (!(this.#leaseDurationMs > this.#renewDeadlineMs)) throw new TypeError(`${where}: leaseDurationMs must be greater than renewDeadlineMs`);
    if (!(this.#retryPeriodMs > 0)) throw new TypeError(`${where}: retryPeriodMs must be greater than zero`);
    if (!(this.#renewDeadlineMs > JITTER_FACTOR * this.#retryPeriodMs)) throw new TypeError(`${where}: renewDeadlineMs must be greater than retryPeriodMs * ${JITTER_FACTOR}`);
    this.#leases = options.client.resource(leases);
    this.#log = withFields(options.log ?? errorsToConsole, { lease: `${options.namespace}/${options.name}`, identity: this.identity });
  }

  /** Whether this replica holds the lease, as it last observed it. */
  isLeader(): boolean {
    return this.#observed?.holderIdentity === this.identity;
  }

  /** The holder as last observed (`""` when released, undefined before the first read). */
  get leader(): string | undefined {
    return this.#observed?.holderIdentity;
  }

  /**
   * Campaigns until this replica leads, leads until it cannot renew or `signal` aborts, then (with
   * `releaseOnCancel`) releases the lease. Resolves once leading ended (at once if `signal` aborts while
   * campaigning); never rejects on API errors (they are logged and retried). One `run` at a time.
   */
  async run(options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    if (this.#running) throw new Error(`leader election ${this.#options.namespace}/${this.#options.name}: run() is already running`);
    this.#running = true;
    const signal = options.signal ?? new AbortController().signal;
    try {
      safeLog(this.#log, "info", "attempting to acquire leader lease");
      const acquired = await this.#acquire(signal);
      if (signal.aborted) {
        // Stopped while (or just after) taking the lease: hand it back rather than sit on it until it expires.
        if (acquired && (this.#options.releaseOnCancel ?? true)) await this.#release();
        return;
      }
      safeLog(this.#log, "info", "successfully acquired lease", { leaseTransitions: this.#observed?.leaseTransitions });
      const leading = new AbortController();
      const work = this.#call("onStartedLeading", () => this.#options.onStartedLeading?.(leading.signal));
      const lost = await this.#renew(signal);
      leading.abort(new Error(lost ? "leader election lost" : "leader election stopped"));
      if (lost) safeLog(this.#log, "error", "failed to renew lease within renewDeadline; stopped leading", { renewDeadlineMs: this.#renewDeadlineMs });
      // Let the guarded work notice before the lease is given up (bounded: a hung callback must not hold it).
      await Promise.race([work, new Promise((resolve) => setTimeout(resolve, this.#renewDeadlineMs).unref?.())]);
      if (this.#options.releaseOnCancel ?? true) await this.#release();
      await this.#call("onStoppedLeading", () => this.#options.onStoppedLeading?.());
    } finally {
      this.#running = false;
    }
  }

  /** client-go's `acquire`: tries every retryPeriod (jittered, sliding) until it holds the lease or `signal` aborts. */
  async #acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      const attempt = deadline(signal, this.#renewDeadlineMs, () => new Error("lease request timed out"));
      const acquired = await this.#tryAcquireOrRenew(attempt.signal).finally(attempt.clear);
      this.#maybeReportTransition();
      if (acquired) return true;
      safeLog(this.#log, "debug", "lease is held by another replica", { holder: this.#observed?.holderIdentity });
      await sleep(this.#retryPeriodMs * (1 + Math.random() * JITTER_FACTOR), signal);
    }
    return false;
  }

  /**
   * client-go's `renew`: every retryPeriod, a round of attempts (each retryPeriod apart) that must succeed within
   * renewDeadline. Returns true when leadership was lost, false when `signal` aborted.
   */
  async #renew(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      const end = performance.now() + this.#renewDeadlineMs;
      const round = deadline(signal, this.#renewDeadlineMs, () => new Error("renewDeadline passed"));
      let renewed = false;
      try {
        for (;;) {
          renewed = await this.#tryAcquireOrRenew(round.signal);
          if (renewed || round.signal.aborted || performance.now() >= end) break;
          await sleep(Math.min(this.#retryPeriodMs, end - performance.now()), round.signal);
          if (round.signal.aborted || performance.now() >= end) break;
        }
      } finally {
        round.clear();
      }
      this.#maybeReportTransition();
      if (signal.aborted) return false;
      if (!renewed) return true;
      safeLog(this.#log, "debug", "renewed lease");
      await sleep(this.#retryPeriodMs, signal);
    }
  }

  /** client-go's `tryAcquireOrRenew`, request by request. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = microTime(new Date());
    const durationSeconds = Math.floor(this.#leaseDurationMs / 1000);
    let record: LeaderElectionRecord = { holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };

    // 1. The leader's fast path: update at the resourceVersion it last wrote, assuming nothing changed since.
    if (this.isLeader() && this.#isLeaseValid() && this.#lease) {
      record = { ...record, acquireTime: this.#observed!.acquireTime, leaseTransitions: this.#observed!.leaseTransitions };
      try {
        await this.#update(record, signal);
        this.#setObserved(record);
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        safeLog(this.#log, "debug", "failed to update lease optimistically, falling back to the slow path", { error: describeError(error) });
      }
    }

    // 2. Read (or create) the Lease.
    let current: Lease;
    try {
      current = await this.#leases.get(this.#options.name, { namespace: this.#options.namespace, signal });
    } catch (error) {
      if (!isNotFound(error)) {
        if (!signal.aborted) safeLog(this.#log, "error", "error retrieving lease", { error: describeError(error) });
        return false;
      }
      try {
        this.#lease = await this.#leases.create(
          { metadata: { name: this.#options.name, namespace: this.#options.namespace, ...(this.#options.labels ? { labels: { ...this.#options.labels } } : {}) }, spec: toSpec(record) },
          { namespace: this.#options.namespace, signal },
        );
      } catch (createError) {
        // Another replica creating it first is the usual race at start-up, not a problem.
        if (!signal.aborted) safeLog(this.#log, isAlreadyExists(createError) ? "debug" : "error", "error initially creating lease", { error: describeError(createError) });
        return false;
      }
      this.#setObserved(record);
      return true;
    }
    this.#lease = current;

    // 3. A record not seen before restarts the expiry clock.
    const old = fromSpec(current.spec);
    const raw = JSON.stringify(old);
    if (raw !== this.#observedRaw) {
      this.#setObserved(old);
      this.#observedRaw = raw;
    }
    if (old.holderIdentity !== "" && this.#isLeaseValid() && !this.isLeader()) return false;

    // 4. Take it (or renew it through the slow path).
    record = this.isLeader()
      ? { ...record, acquireTime: old.acquireTime, leaseTransitions: old.leaseTransitions }
      : { ...record, leaseTransitions: old.leaseTransitions + 1 };
    try {
      await this.#update(record, signal);
    } catch (error) {
      if (!signal.aborted) safeLog(this.#log, isConflict(error) ? "debug" : "error", "failed to update lease", { error: describeError(error) });
      return false;
    }
    this.#setObserved(record);
    return true;
  }

  /**
   * client-go's `release`, within renewDeadline: re-read the Lease and, if this replica still holds it, write an
   * empty holder with a 1 s duration (retrying conflicts). Unlike client-go, the holder is checked on the Lease as
   * read, not as last observed, so a replica that lost the lease can never clear its successor's.
   */
  async #release(): Promise<boolean> {
    const { signal, clear } = deadline(undefined, this.#renewDeadlineMs, () => new Error("release timed out"));
    try {
      return await this.#releaseWithin(signal);
    } finally {
      clear();
    }
  }

  async #releaseWithin(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      let current: Lease;
      try {
        current = await this.#leases.get(this.#options.name, { namespace: this.#options.namespace, signal });
      } catch (error) {
        if (!signal.aborted) safeLog(this.#log, "error", isNotFound(error) ? "lease not found; nothing to release" : "error retrieving lease to release it", { error: describeError(error) });
        return false;
      }
      this.#lease = current;
      const old = fromSpec(current.spec);
      if (!this.isLeader() || old.holderIdentity !== this.identity) return true;
      const now = microTime(new Date());
      const record: LeaderElectionRecord = { holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: old.leaseTransitions };
      try {
        await this.#update(record, signal);
        this.#setObserved(record);
        safeLog(this.#log, "info", "released lease");
        this.#maybeReportTransition();
        return true;
      } catch (error) {
        if (isConflict(error)) continue;
        if (!signal.aborted) safeLog(this.#log, "error", "failed to release lease", { error: describeError(error) });
        return false;
      }
    }
    safeLog(this.#log, "error", "could not release lease within renewDeadline");
    return false;
  }

  /** A PUT of the Lease last read or written, with the new record: fails with a conflict if it changed since. */
  async #update(record: LeaderElectionRecord, signal: AbortSignal): Promise<void> {
    const lease = this.#lease;
    if (!lease) throw new Error("lease not initialized: get or create it first");
    const labels = this.#options.labels ? { ...lease.metadata?.labels, ...this.#options.labels } : lease.metadata?.labels;
    const next: Lease = { ...lease, metadata: { ...lease.metadata, ...(labels ? { labels } : {}) }, spec: { ...lease.spec, ...toSpec(record) } };
    this.#lease = await this.#leases.replace(next, { namespace: this.#options.namespace, signal });
  }

  #setObserved(record: LeaderElectionRecord): void {
    this.#observed = record;
    this.#observedAt = performance.now();
  }

  /** client-go's `isLeaseValid`: observed time plus the observed record's duration, on the monotonic clock. */
  #isLeaseValid(): boolean {
    return this.#observed !== undefined && this.#observedAt + this.#observed.leaseDurationSeconds * 1000 > performance.now();
  }

  #maybeReportTransition(): void {
    const holder = this.#observed?.holderIdentity;
    if (holder === undefined || holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    safeLog(this.#log, "info", "new leader observed", { leader: holder });
    if (this.#options.onNewLeader) void this.#call("onNewLeader", () => this.#options.onNewLeader?.(holder));
  }

  /** Runs a user callback so that a throw or a rejection is logged and never reaches the election. */
  async #call(name: string, callback: () => unknown): Promise<void> {
    try {
      await callback();
    } catch (error) {
      safeLog(this.#log, "error", `${name} failed`, { error: describeError(error) });
    }
  }
}

/** client-go's `LeaderElectionRecordToLeaseSpec`. */
function toSpec(record: LeaderElectionRecord): NonNullable<Lease["spec"]> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime,
    renewTime: record.renewTime,
    leaseTransitions: record.leaseTransitions,
  };
}

/** client-go's `LeaseSpecToLeaderElectionRecord`: missing fields read as empty. */
export function fromSpec(spec: Lease["spec"]): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? "",
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: spec?.acquireTime ?? "",
    renewTime: spec?.renewTime ?? "",
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

/** Waits `ms` or until `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
