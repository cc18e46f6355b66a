import { Informer, type InformerEvent, type KubeClient, type KubernetesList, type KubernetesObject, type OwnerReference, type ResourceClient, type ResourceDescriptor } from "@org/k8s-runtime";
import { type EventInput, EventRecorder } from "./events.js";
import { addFinalizer, removeFinalizer } from "./finalizers.js";
import { type LogFields, type Logger, describeError, errorsToConsole, safeLog, withFields } from "./logger.js";
import { type KindOf, type ReconcileRequest, controllerReference, ownerRequests, requestFor, requestKey, requestOfKey } from "./owners.js";
import type { RateLimiter } from "./rate-limiter.js";
import { type StatusConfiguration, applyStatus } from "./status.js";
import { WorkQueue } from "./work-queue.js";

/** What a reconcile asks for next: nothing (done), a retry with backoff (`requeue`), or another look later. */
export type ReconcileResult = void | undefined | { readonly requeue: true } | { readonly requeueAfterMs: number };

/** Thrown by a reconciler for an error that retrying cannot fix: logged, not requeued (controller-runtime's `TerminalError`). */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
}

/** The reason a reconcile's signal aborts when it runs longer than `reconcileTimeoutMs`. */
export class ReconcileTimeoutError extends Error {
  override readonly name = "ReconcileTimeoutError";
}

/** The reason a reconcile's signal aborts when its controller stops (shutdown, or lost leadership). */
export class ControllerStoppedError extends Error {
  override readonly name = "ControllerStoppedError";
}

/** What a reconcile gets: the request, the object as the cache has it, and helpers bound to it. */
export interface ReconcileContext<T extends KubernetesObject> {
  /** Which object to reconcile. */
  readonly request: ReconcileRequest;
  /**
   * The object from the informer's cache (a copy: change it freely), or undefined when it no longer exists. A
   * deleted object with finalizers is still here, with `metadata.deletionTimestamp` set, until they are removed.
   */
  readonly object: T | undefined;
  /** Aborts when the controller stops or the reconcile times out: pass it to every call. */
  readonly signal: AbortSignal;
  /** How many times this request was retried with backoff since it last succeeded. */
  readonly retries: number;
  /** The controller's logger, with `controller` and `request` fields. */
  readonly log: Logger;
  /** The typed client of the reconciled kind. */
  readonly resource: ResourceClient<T, KubernetesList<T>, boolean>;
  /** The controller's field manager (server-side apply of owned objects should use it). */
  readonly fieldManager: string;
  /** An owner reference making the object the controller of another (`controller: true`, `blockOwnerDeletion: true`). */
  ownerReference(): OwnerReference;
  /** Server-side applies the object's `status` (see `applyStatus`); resolves to the object as the server has it. */
  applyStatus(status: StatusConfiguration<T>): Promise<T>;
  /** Adds a finalizer unless present (see `addFinalizer`); resolves to the object as the server has it. */
  addFinalizer(finalizer: string): Promise<T>;
  /** Removes a finalizer if present (see `removeFinalizer`); undefined once the object is gone. */
  removeFinalizer(finalizer: string): Promise<T | undefined>;
  /** Records an `events.k8s.io/v1` Event about the object (in the background, aggregated). */
  event(event: EventInput): void;
}

/** A reconcile function: makes the world match the object's spec. Throw to retry with backoff. */
export type Reconciler<T extends KubernetesObject> = (context: ReconcileContext<T>) => ReconcileResult | Promise<ReconcileResult>;

/** The parts of an `Informer` a controller uses, so informers of any type parameters (and shared ones) fit. */
export interface InformerSource<T> {
  /** Starts it (idempotent); resolves once its cache has synced. */
  start(options?: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined }): Promise<void>;
  /** Subscribes to its changes; returns the unsubscribe function. */
  on(listener: (event: InformerEvent<T>) => unknown): () => void;
  /** Its cached objects. */
  list(): T[];
}

/** Any generated resource descriptor (`deployments` from `@org/k8s-core/apps/v1`). */
export type AnyResourceDescriptor = ResourceDescriptor<KubernetesObject, KubernetesList<KubernetesObject>, boolean>;

/** Where a controller hears about objects: a resource (it makes and owns an informer) or an informer you share. */
export type WatchSource<O extends KubernetesObject = KubernetesObject> = ResourceDescriptor<O, KubernetesList<O>, boolean> | InformerSource<O>;

/** A watch whose objects map to requests of the controller's kind; made by {@link watchMapped}. */
export interface MappedWatch {
  /** Where the objects come from. */
  readonly source: WatchSource;
  /** The requests an object maps to. */
  readonly map: (object: KubernetesObject) => ReconcileRequest | readonly ReconcileRequest[] | undefined;
}

/**
 * Reconciles requests of the controller's kind when objects of another kind change, as controller-runtime's
 * `EnqueueRequestsFromMapFunc`: `map` gets each object added, deleted, and both states of an update (a copy: it may
 * not change the cache), and names the requests to reconcile. A `map` that throws is logged and skipped.
 */
export function watchMapped<O extends KubernetesObject>(source: WatchSource<O>, map: (object: O) => ReconcileRequest | readonly ReconcileRequest[] | undefined): MappedWatch {
  return { source: source as WatchSource, map: map as MappedWatch["map"] };
}

/** Options of {@link Controller}. */
export interface ControllerOptions<T extends KubernetesObject, N extends boolean> {
  /** Names the controller in logs, and is the default field manager and event reporter. */
  name: string;
  /** The runtime client (`k8s.client` of `@org/k8s-core`'s `connect()`). */
  client: KubeClient;
  /** The kind reconciled: its generated descriptor (`websites`, `deployments`). */
  for: ResourceDescriptor<T, KubernetesList<T>, N>;
  /** Makes the world match one object (see {@link Reconciler}). */
  reconcile: Reconciler<T>;
  /** Watch only this namespace (primary, owned and mapped kinds). Default: all namespaces. */
  namespace?: string | undefined;
  /** Use this informer for the primary kind instead of making one (to share its cache); it is started, never stopped. */
  informer?: InformerSource<T> | undefined;
  /** Kinds this controller creates with itself as the controller owner: their changes reconcile the owner. */
  owns?: ReadonlyArray<AnyResourceDescriptor | InformerSource<KubernetesObject>> | undefined;
  /** Other watches mapped to requests ({@link watchMapped}). */
  watches?: readonly MappedWatch[] | undefined;
  /** Reconciles running at once (never two of one request). Default 1. */
  concurrency?: number | undefined;
  /** Backoff of failed reconciles and `requeue`. Default client-go's: 5 ms doubling to 1000 s, and 10 qps / 100 burst overall. */
  rateLimiter?: RateLimiter<string> | undefined;
  /**
   * A reconcile running longer has its signal aborted ({@link ReconcileTimeoutError}), counts as failed (retried with
   * backoff once it returns) and frees its worker; its request is reconciled by no other worker until it returns.
   * Default 5 min (controller-runtime has none); 0 disables.
   */
  reconcileTimeoutMs?: number | undefined;
  /** How long `stop()` waits for running reconciles before aborting their signals. Default 30 s (controller-runtime's). */
  gracefulShutdownTimeoutMs?: number | undefined;
  /** How long `start()` waits for the caches to sync. Default 2 min (controller-runtime's). */
  cacheSyncTimeoutMs?: number | undefined;
  /** Field manager of the helpers (`applyStatus`, finalizers). Default `name`. */
  fieldManager?: string | undefined;
  /** Records `ctx.event(...)`. Default: a recorder reporting as `name`, stopped with the controller. */
  recorder?: EventRecorder | undefined;
  /** Default: errors to console.error. */
  log?: Logger | undefined;
  /** Stops the controller (gracefully) when aborted. */
  signal?: AbortSignal | undefined;
}

/** Counters of a controller, for logs and tests. */
export interface ControllerStats {
  /** Reconciles finished (any outcome). */
  readonly reconciles: number;
  /** Reconciles that threw (or timed out). */
  readonly errors: number;
  /** Requests waiting for a worker. */
  readonly queued: number;
  /** Requests waiting for a delay or backoff. */
  readonly delayed: number;
  /** Reconciles running now. */
  readonly running: number;
}

interface Running {
  readonly abort: AbortController;
  settled: Promise<void>;
}

type Outcome = { ok: true; result: ReconcileResult } | { ok: false; error: unknown };

/** How long a stop waits, after aborting reconciles' signals, for them to return. */
const ABORT_GRACE_MS = 1000;

/**
 * Reconciles one kind, as controller-runtime's controllers and kube-rs' `Controller`: an informer of the kind (and of
 * the kinds it `owns` or `watches`) feeds a {@link WorkQueue} of `namespace/name` requests, and `concurrency`
 * workers call `reconcile` for each, never two for one request. A change while a request is being reconciled
 * reconciles it once more afterwards. Results: done (the backoff is forgotten), `{ requeue: true }` (again, with
 * backoff), `{ requeueAfterMs }` (again after that long); a thrown error retries with the per-item backoff, a
 * {@link TerminalError} is only logged. Owned objects (an owner reference with `controller: true` to an object of
 * this kind, in any version) reconcile their owner.
 *
 * A reconcile that throws, rejects, hangs or returns nonsense never breaks the controller: errors are logged and
 * retried, and a hang past `reconcileTimeoutMs` is aborted and its worker freed. A controller is single-use: start
 * it, stop it, make a new one to run again.
 */
export class Controller<T extends KubernetesObject, N extends boolean = boolean> {
  /** The controller's name (logs, field manager, events). */
  readonly name: string;
  /** The typed client of the reconciled kind. */
  readonly resource: ResourceClient<T, KubernetesList<T>, N>;
  readonly #options: ControllerOptions<T, N>;
  readonly #kind: KindOf;
  readonly #log: Logger;
  readonly #queue: WorkQueue<string>;
  readonly #fieldManager: string;
  readonly #recorder: EventRecorder;
  readonly #ownsRecorder: boolean;
  readonly #primary: InformerSource<T>;
  /** Informers this controller made (and so stops). */
  readonly #madeInformers: Array<Informer<KubernetesObject, boolean>> = [];
  readonly #sources: Array<{ informer: InformerSource<KubernetesObject>; listener: (event: InformerEvent<KubernetesObject>) => void; shared: boolean; replay: (object: KubernetesObject) => void }> = [];
  readonly #unsubscribe: Array<() => void> = [];
  readonly #running = new Map<string, Running>();
  #state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  #started: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #workers: Promise<void>[] = [];
  #reconciles = 0;
  #errors = 0;

  constructor(options: ControllerOptions<T, N>) {
    if (!options.name) throw new TypeError("Controller: name is required");
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`Controller ${options.name}: concurrency must be a positive integer, got ${concurrency}`);
    this.name = options.name;
    this.#options = options;
    const descriptor = options.for;
    this.#kind = { group: descriptor.group, version: descriptor.version, kind: descriptor.kind, namespaced: descriptor.namespaced };
    this.#log = withFields(options.log ?? errorsToConsole, { controller: options.name });
    this.#queue = new WorkQueue<string>({ rateLimiter: options.rateLimiter });
    this.#fieldManager = options.fieldManager ?? options.name;
    this.#ownsRecorder = !options.recorder;
    this.#recorder = options.recorder ?? new EventRecorder({ client: options.client, reportingController: options.name, log: options.log });
    this.resource = options.client.resource(descriptor as AnyResourceDescriptor) as unknown as ResourceClient<T, KubernetesList<T>, N>;

    this.#primary = options.informer ?? (this.#makeInformer(descriptor as AnyResourceDescriptor) as unknown as InformerSource<T>);
    this.#addSource(this.#primary as InformerSource<KubernetesObject>, !!options.informer, (object) => {
      const request = requestFor(object);
      return request ? [request] : [];
    });
    for (const owned of options.owns ?? []) {
      const informer = isInformer(owned) ? owned : this.#makeInformer(owned);
      this.#addSource(informer, isInformer(owned), (object) => ownerRequests(object, this.#kind));
    }
    for (const mapped of options.watches ?? []) {
      const informer = isInformer(mapped.source) ? mapped.source : this.#makeInformer(mapped.source as AnyResourceDescriptor);
      this.#addSource(informer, isInformer(mapped.source), (object) => {
        const result = mapped.map(structuredClone(object));
        return result === undefined ? [] : Array.isArray(result) ? result : [result as ReconcileRequest];
      });
    }
    if (options.signal?.aborted) this.#state = "stopped";
    else options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  /**
   * Starts the informers, waits for their caches to sync (`cacheSyncTimeoutMs`), then starts the workers: every
   * existing object is reconciled once. Resolves when the workers run; rejects (and stops) if a cache cannot sync.
   */
  start(): Promise<void> {
    if (this.#state === "stopped" || this.#state === "stopping") return Promise.reject(new ControllerStoppedError(`controller ${this.name} was stopped; make a new one`));
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    this.#state = "starting";
    for (const source of this.#sources) this.#unsubscribe.push(source.informer.on(source.listener));
    const timeoutMs = this.#options.cacheSyncTimeoutMs ?? 120_000;
    try {
      await Promise.all(this.#sources.map((source) => source.informer.start({ timeoutMs })));
    } catch (error) {
      if (this.#state !== "starting") throw new ControllerStoppedError(`controller ${this.name} was stopped while starting`);
      safeLog(this.#log, "error", "caches did not sync; stopping", { error: describeError(error) });
      await this.stop({ timeoutMs: 0 });
      throw error;
    }
    if (this.#state !== "starting") throw new ControllerStoppedError(`controller ${this.name} was stopped while starting`);
    // A shared informer may have synced before we subscribed: its objects were never delivered to us.
    for (const source of this.#sources) if (source.shared) for (const object of source.informer.list()) source.replay(object);
    this.#state = "running";
    const concurrency = this.#options.concurrency ?? 1;
    this.#workers = Array.from({ length: concurrency }, () => this.#work());
    safeLog(this.#log, "info", "controller started", { concurrency, kind: this.#kind.kind });
  }

  /**
   * Stops taking requests and waits up to `timeoutMs` (default `gracefulShutdownTimeoutMs`, 30 s) for running
   * reconciles; then aborts their signals ({@link ControllerStoppedError}) and waits a second more. Queued
   * requests are dropped: whoever runs next lists every object and reconciles it. Stops the informers the controller
   * made. Safe to call twice.
   */
  stop(options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.#options.gracefulShutdownTimeoutMs ?? 30_000;
    // A later call with a shorter timeout hurries a stop already under way (lost leadership during a graceful stop).
    const deadline = performance.now() + timeoutMs;
    if (deadline < this.#graceDeadline) {
      this.#graceDeadline = deadline;
      clearTimeout(this.#graceTimer);
      this.#graceTimer = setTimeout(() => this.#graceOver.abort(), timeoutMs);
    }
    this.#stopped ??= this.#stop(timeoutMs);
    return this.#stopped;
  }

  #graceDeadline = Number.POSITIVE_INFINITY;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #graceOver = new AbortController();

  async #stop(timeoutMs: number): Promise<void> {
    const wasRunning = this.#state === "running";
    this.#state = "stopping";
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#queue.shutDown();
    const settled = () => Promise.all([...this.#running.values()].map((r) => r.settled));
    const graceOver = new Promise<void>((resolve) => (this.#graceOver.signal.aborted ? resolve() : this.#graceOver.signal.addEventListener("abort", () => resolve(), { once: true })));
    if (this.#running.size > 0 && !(await Promise.race([settled().then(() => true), graceOver.then(() => false)]))) {
      for (const running of this.#running.values()) running.abort.abort(new ControllerStoppedError(`controller ${this.name} is stopping`));
      if (!(await within(settled(), ABORT_GRACE_MS))) {
        safeLog(this.#log, "error", "reconciles still running after their signals were aborted; stopping without them", { requests: [...this.#running.keys()] });
      }
    }
    clearTimeout(this.#graceTimer);
    await within(Promise.all(this.#workers), ABORT_GRACE_MS);
    await Promise.all(this.#madeInformers.map((informer) => informer.stop()));
    if (this.#ownsRecorder) await this.#recorder.stop({ timeoutMs: Math.min(5000, Math.max(500, timeoutMs)) });
    this.#state = "stopped";
    if (wasRunning) safeLog(this.#log, "info", "controller stopped", { reconciles: this.#reconciles, errors: this.#errors });
  }

  /** Asks for a reconcile of `request` (after `delayMs`), as an event would. Ignored once stopping. */
  enqueue(request: ReconcileRequest, delayMs = 0): void {
    if (this.#state === "stopping" || this.#state === "stopped") return;
    if (typeof request?.name !== "string" || request.name === "") {
      safeLog(this.#log, "error", "ignored a request without a name", { request: JSON.stringify(request) });
      return;
    }
    const key = requestKey(this.#kind.namespaced ? request : { name: request.name });
    if (delayMs > 0) this.#queue.addAfter(key, delayMs);
    else this.#queue.add(key);
  }

  /** Counters: reconciles, errors, queue depth, running reconciles. */
  get stats(): ControllerStats {
    return { reconciles: this.#reconciles, errors: this.#errors, queued: this.#queue.length, delayed: this.#queue.delayed, running: this.#running.size };
  }

  #makeInformer(descriptor: AnyResourceDescriptor): Informer<KubernetesObject, boolean> {
    const client = this.#options.client.resource(descriptor);
    const scope = !descriptor.namespaced ? {} : this.#options.namespace ? { namespace: this.#options.namespace } : { allNamespaces: true };
    const informer = new Informer<KubernetesObject, boolean>(client, {
      ...scope,
      onListenerError: (error: unknown) => safeLog(this.#log, "error", "event handler failed", { error: describeError(error) }),
    } as never);
    this.#madeInformers.push(informer);
    return informer;
  }

  #addSource(informer: InformerSource<KubernetesObject>, shared: boolean, requestsOf: (object: KubernetesObject) => readonly ReconcileRequest[]): void {
    const enqueue = (object: KubernetesObject) => {
      let requests: readonly ReconcileRequest[];
      try {
        requests = requestsOf(object);
      } catch (error) {
        safeLog(this.#log, "error", "mapping an object to requests failed", { object: objectName(object), error: describeError(error) });
        return;
      }
      for (const request of requests) this.enqueue(request);
    };
    const listener = (event: InformerEvent<KubernetesObject>) => {
      if (event.type === "added" || event.type === "deleted") enqueue(event.object);
      else if (event.type === "updated") {
        enqueue(event.object);
        if (event.previous !== event.object) enqueue(event.previous);
      } else if (event.type === "error") safeLog(this.#log, "debug", "informer error (it retries by itself)", { error: describeError(event.error), retryInMs: event.retryInMs });
    };
    this.#sources.push({ informer, listener, shared, replay: enqueue });
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.#queue.get();
      if (key === undefined) return;
      if (this.#state !== "running") {
        this.#queue.done(key);
        return;
      }
      await this.#process(key);
    }
  }

  /** Reconciles one request; returns when it settles or times out (then it finishes in the background). */
  async #process(key: string): Promise<void> {
    const abort = new AbortController();
    const running: Running = { abort, settled: Promise.resolve() };
    this.#running.set(key, running);
    const request = requestOfKey(key);
    const started = performance.now();
    const outcome: Promise<Outcome> = (async () => this.#options.reconcile(this.#context(request, abort.signal, this.#queue.numRequeues(key))))().then(
      (result) => ({ ok: true, result }),
      (error: unknown) => ({ ok: false, error }),
    );
    const limit = this.#options.reconcileTimeoutMs ?? 300_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = limit > 0 ? new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), limit))) : undefined;
    running.settled = outcome.then(() => {});
    const first = await (timedOut ? Promise.race([outcome, timedOut]) : outcome);
    clearTimeout(timer);
    if (first !== "timeout") return this.#finish(key, first, started);
    const error = new ReconcileTimeoutError(`reconcile of ${key} did not finish within ${limit} ms`);
    abort.abort(error);
    safeLog(this.#log, "error", "reconcile timed out: its signal is aborted, its worker freed; it is retried with backoff once it returns", { request: key, timeoutMs: limit });
    running.settled = outcome.then(() => this.#finish(key, { ok: false, error }, started));
  }

  /** Acts on a reconcile's outcome (as controller-runtime's `reconcileHandler`) and releases the request. */
  #finish(key: string, outcome: Outcome, started: number): void {
    this.#running.delete(key);
    this.#reconciles++;
    const fields: LogFields = { request: key, durationMs: Math.round(performance.now() - started) };
    try {
      const result = outcome.ok ? parseResult(outcome.result) : outcome;
      if (!result.ok) {
        this.#errors++;
        if (result.error instanceof TerminalError) {
          this.#queue.forget(key);
          safeLog(this.#log, "error", "reconcile failed with a terminal error (not retried)", { ...fields, error: describeError(result.error) });
        } else {
          const retries = this.#queue.numRequeues(key);
          this.#queue.addRateLimited(key);
          safeLog(this.#log, "error", "reconcile failed (retried with backoff)", { ...fields, retries, error: describeError(result.error) });
        }
      } else if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.#queue.forget(key);
        this.#queue.addAfter(key, result.requeueAfterMs);
        safeLog(this.#log, "debug", "reconciled; again later", { ...fields, requeueAfterMs: result.requeueAfterMs });
      } else if (result.requeue) {
        this.#queue.addRateLimited(key);
        safeLog(this.#log, "debug", "reconciled; requeued", fields);
      } else {
        this.#queue.forget(key);
        safeLog(this.#log, "debug", "reconciled", fields);
      }
    } finally {
      this.#queue.done(key);
    }
  }

  #context(request: ReconcileRequest, signal: AbortSignal, retries: number): ReconcileContext<T> {
    const cached = this.#cached(request);
    const object = cached ? structuredClone(cached) : undefined;
    const resource = this.resource as unknown as ResourceClient<T, KubernetesList<T>, boolean>;
    const kind = this.#kind;
    const fieldManager = this.#fieldManager;
    const log = withFields(this.#log, { request: requestKey(request) });
    const need = (what: string): T => {
      if (!object) throw new TypeError(`${what}: ${kind.kind} ${requestKey(request)} does not exist (any more)`);
      return object;
    };
    return {
      request,
      object,
      signal,
      retries,
      log,
      resource,
      fieldManager,
      ownerReference: () => controllerReference(need("ownerReference"), kind),
      applyStatus: (status) => applyStatus(resource, need("applyStatus"), status, { fieldManager, signal }),
      addFinalizer: (finalizer) => addFinalizer(resource, need("addFinalizer"), finalizer, { fieldManager, signal }),
      removeFinalizer: (finalizer) => removeFinalizer(resource, need("removeFinalizer"), finalizer, { fieldManager, signal }),
      event: (event) => {
        const subject = need("event");
        const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
        this.#recorder.record({ ...subject, apiVersion, kind: kind.kind }, event);
      },
    };
  }

  #cached(request: ReconcileRequest): T | undefined {
    const primary = this.#primary as InformerSource<T> & { get?: (name: string, namespace?: string) => T | undefined };
    if (typeof primary.get === "function") return primary.get(request.name, request.namespace);
    return primary.list().find((o) => o.metadata?.name === request.name && (o.metadata?.namespace ?? undefined) === (request.namespace ?? undefined));
  }
}

function isInformer<O>(source: unknown): source is InformerSource<O> {
  return typeof (source as InformerSource<O>).on === "function" && typeof (source as InformerSource<O>).start === "function";
}

/** A reconcile's result as the controller acts on it; anything else a reconciler returns is an error. */
function parseResult(result: unknown): { ok: true; requeue?: boolean; requeueAfterMs?: number } | { ok: false; error: unknown } {
  if (result === undefined || result === null) return { ok: true };
  if (typeof result !== "object") return { ok: false, error: new TypeError(`reconcile returned ${JSON.stringify(result)}; expected nothing, { requeue: true } or { requeueAfterMs }`) };
  const { requeue, requeueAfterMs } = result as { requeue?: unknown; requeueAfterMs?: unknown };
  if (requeueAfterMs !== undefined && (typeof requeueAfterMs !== "number" || !Number.isFinite(requeueAfterMs) || requeueAfterMs < 0)) {
    return { ok: false, error: new TypeError(`reconcile returned requeueAfterMs: ${String(requeueAfterMs)}; expected a number of milliseconds >= 0`) };
  }
  return { ok: true, requeue: requeue === true, ...(requeueAfterMs !== undefined ? { requeueAfterMs: requeueAfterMs as number } : {}) };
}

/** Whether `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

const objectName = (object: KubernetesObject) => `${object.kind ?? ""} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata?.name ?? ""}`.trim();
