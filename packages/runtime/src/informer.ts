import { type ExponentialBackoffOptions, exponentialBackoff, sleep } from "./backoff.js";
import { defineErrorKind } from "./error-kind.js";
import { KubernetesError } from "./errors.js";
import type { ListScopeOptions, ResourceClient } from "./resource-client.js";
import type { KubernetesList, KubernetesObject } from "./types.js";
import { watcher } from "./watcher.js";

/** A change the informer applied to its cache, or something that happened to it. */
export type InformerEvent<T> =
  | { type: "added"; object: T }
  /** `resync: true` for the periodic resync (`resyncPeriodMs`): the same object again, nothing changed. */
  | { type: "updated"; object: T; previous: T; resync?: true }
  /**
   * `finalStateUnknown: true` when the delete was not seen as an event but found by a re-list (client-go's
   * `DeletedFinalStateUnknown`): `object` is the last state the cache had.
   */
  | { type: "deleted"; object: T; finalStateUnknown?: true }
  /** The cache holds a complete, consistent view (after the first list, and after each re-list). */
  | { type: "synced" }
  /** Listing or watching failed; the informer backs off `retryInMs` and recovers by itself. */
  | { type: "error"; error: unknown; retryInMs: number };

/** Computes the values an object is indexed under (`informer.byIndex(name, value)`). */
export type IndexFunction<T> = (object: T) => readonly string[];

/** Options of {@link Informer}. */
export type InformerOptions<N extends boolean, T = KubernetesObject> = ListScopeOptions<N> & {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size of paged lists. Default 500. */
  pageSize?: number | undefined;
  /** Try a streaming list (`sendInitialEvents`) first. Default true; falls back to paged lists when refused. */
  streamingList?: boolean | undefined;
  /** Backoff after errors. Default client-go's reflector: 800 ms doubling to 30 s, jitter, reset after 2 min calm. */
  backoff?: ExponentialBackoffOptions | undefined;
  /** Server-side timeout of each watch request; a random 5-10 min by default, as client-go's reflector. */
  watchTimeoutSeconds?: number | undefined;
  /**
   * Applied to every object before it is cached and delivered: drop what you never read (`managedFields`, large
   * annotations) to keep the cache small, as controller-runtime's `TransformStripManagedFields`. Must not throw
   * (an object it throws on is cached unchanged and the error reported).
   */
  transform?: ((object: T) => T) | undefined;
  /** Extra indexes by key function (a `namespace` index is built in): `{ byNode: (pod) => [pod.spec?.nodeName ?? ""] }`. */
  indexers?: Record<string, IndexFunction<T>> | undefined;
  /** Deliver every cached object again as `updated` (with `resync: true`) this often. Default: never. */
  resyncPeriodMs?: number | undefined;
  /**
   * How far a consumer (an async iterator or an async listener) may fall behind: events queued for it beyond this
   * many plus the cache's size end it (the iterator throws {@link InformerOverflowError}; a listener is removed and
   * reported). Default 10 000. Memory then stays bounded by what the cache holds, not by how slow a consumer is.
   */
  maxQueuedEvents?: number | undefined;
  /** Called when a listener throws or rejects; default prints it with console.error. The informer goes on either way. */
  onListenerError?: ((error: unknown, event: InformerEvent<T>) => void) | undefined;
  /** Stops the informer when aborted. */
  signal?: AbortSignal | undefined;
};

/** A consumer fell further behind than `maxQueuedEvents` and was dropped. */
export class InformerOverflowError extends Error {
  static {
    defineErrorKind(this, "InformerOverflowError");
  }
}

/** The informer was stopped (or its signal aborted) before its cache synced. */
export class InformerStoppedError extends Error {
  static {
    defineErrorKind(this, "InformerStoppedError");
  }
}

/** A consumer callback; when it returns a promise, the next event waits for it. */
type Listener<T> = (event: InformerEvent<T>) => unknown;

/** One consumer's own queue, so a slow or throwing consumer affects nobody else. */
class Consumer<T> {
  readonly queue: InformerEvent<T>[] = [];
  wake: (() => void) | undefined;
  failure: unknown;
  ended = false;
  running = false;

  constructor(readonly listener: Listener<T> | undefined) {}

  push(event: InformerEvent<T>): void {
    this.queue.push(event);
    this.wake?.();
  }

  end(failure?: unknown): void {
    this.ended = true;
    if (failure !== undefined && this.failure === undefined) this.failure = failure;
    this.wake?.();
  }
}

const keyOf = (object: KubernetesObject) => (object.metadata?.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : (object.metadata?.name ?? ""));

/**
 * A cache of one resource kept current by list-then-watch, as client-go's shared informers: it lists (streaming
 * where the server supports it, else in pages), watches from the list's resourceVersion, re-lists when the watch
 * expires, and recovers from errors with client-go's backoff. Changes reach consumers through their own queues
 * (`for await (const event of informer)`, or {@link Informer.on}), so a slow or failing consumer never stalls the
 * cache or other consumers. An informer is single-use: once stopped, make a new one.
 *
 * Before the first sync, answers that retrying cannot fix (401, 403, 404, credentials that cannot be obtained)
 * make {@link Informer.start} reject and stop the informer; after it, the informer keeps retrying them, as
 * client-go does, and reports each as an `error` event.
 */
export class Informer<T extends KubernetesObject, N extends boolean> implements AsyncIterable<InformerEvent<T>> {
  readonly #client: ResourceClient<T, KubernetesList<T>, N>;
  readonly #options: InformerOptions<N, T>;
  readonly #cache = new Map<string, T>();
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  /** The indexers in a fixed order, with their index: walked for every object stored. */
  readonly #indexerList: { index: IndexFunction<T>; entries: Map<string, Set<string>> }[] = [];
  readonly #indexed = new Map<string, (readonly string[])[]>(); // key → its values, per indexer in #indexerList's order
  readonly #abort = new AbortController();
  readonly #consumers = new Set<Consumer<T>>();
  readonly #namespace: string | undefined;
  #state: "new" | "running" | "stopped" | "failed" = "new";
  #synced = false;
  #failure: unknown;
  #running: Promise<void> | undefined;
  readonly #syncWaiters = new Set<{ resolve: () => void; reject: (error: unknown) => void }>();

  constructor(client: ResourceClient<T, KubernetesList<T>, N>, options: InformerOptions<N, T> = {} as InformerOptions<N, T>) {
    this.#client = client;
    this.#options = options;
    const scope = options as { namespace?: string; allNamespaces?: boolean };
    this.#namespace = scope.allNamespaces ? undefined : (scope.namespace ?? client.defaultNamespace);
    const indexers: Record<string, IndexFunction<T>> = { namespace: (object) => [object.metadata?.namespace ?? ""], ...options.indexers };
    for (const [name, index] of Object.entries(indexers)) {
      const entries = new Map<string, Set<string>>();
      this.#indexes.set(name, entries);
      this.#indexerList.push({ index, entries });
    }
    if (options.signal?.aborted) this.#abort.abort(options.signal.reason);
    else options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  /**
   * Starts listing and watching (once; later calls only wait). Resolves when the cache has first synced; rejects
   * with the error when it cannot sync (see the class comment), with {@link InformerStoppedError} when stopped first,
   * and on `signal` or `timeoutMs` (the informer keeps running then: only this wait ends).
   */
  start(options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}): Promise<void> {
    if (this.#state === "new" && !this.#abort.signal.aborted) {
      this.#state = "running";
      this.#running = this.#run();
    }
    if (this.#synced) return Promise.resolve();
    if (this.#state === "failed") return Promise.reject(this.#failure);
    if (this.#state === "stopped" || this.#abort.signal.aborted) return Promise.reject(new InformerStoppedError(`informer of ${this.#what()} was stopped before it synced`));
    return new Promise<void>((resolve, reject) => {
      const cleanups: Array<() => void> = [];
      const waiter = {
        resolve: () => finish(() => resolve()),
        reject: (error: unknown) => finish(() => reject(error)),
      };
      const finish = (settle: () => void) => {
        this.#syncWaiters.delete(waiter);
        for (const cleanup of cleanups) cleanup();
        settle();
      };
      this.#syncWaiters.add(waiter);
      const { signal, timeoutMs } = options;
      if (signal) {
        if (signal.aborted) return waiter.reject(signal.reason);
        const onAbort = () => waiter.reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener("abort", onAbort));
      }
      if (timeoutMs !== undefined) {
        const timer = setTimeout(() => waiter.reject(new Error(`informer of ${this.#what()} did not sync within ${timeoutMs} ms${this.#lastError ? `: last error: ${describe(this.#lastError)}` : ""}`)), timeoutMs);
        cleanups.push(() => clearTimeout(timer));
      }
    });
  }

  /** Stops listing and watching; consumers' iterators end once they have taken what was queued. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#state === "new") this.#state = "stopped";
    this.#abort.abort();
    await this.#running;
    if (this.#state === "running") this.#state = "stopped";
    this.#settleWaiters(new InformerStoppedError(`informer of ${this.#what()} was stopped before it synced`));
    for (const consumer of this.#consumers) consumer.end();
  }

  /** Whether the cache has synced at least once (stays true across re-lists, as client-go's `HasSynced`). */
  get synced(): boolean {
    return this.#synced;
  }

  /** Cached objects. */
  list(): T[] {
    return [...this.#cache.values()];
  }

  /** A cached object by name; namespaced kinds look in `namespace`, else in the informer's own namespace. */
  get(name: string, namespace?: string): T | undefined {
    if (!this.#client.descriptor.namespaced) return this.#cache.get(name);
    const ns = namespace ?? this.#namespace;
    return ns === undefined ? undefined : this.#cache.get(`${ns}/${name}`);
  }

  /** Cached objects of one namespace. */
  byNamespace(namespace: string): T[] {
    return this.byIndex("namespace", namespace);
  }

  /** Cached objects an index maps `value` to (`indexers` option; `namespace` is built in). */
  byIndex(index: string, value: string): T[] {
    const entries = this.#indexes.get(index);
    if (!entries) throw new TypeError(`informer of ${this.#what()} has no index "${index}" (indexes: ${[...this.#indexes.keys()].join(", ")})`);
    return [...(entries.get(value) ?? [])].flatMap((key) => {
      const object = this.#cache.get(key);
      return object ? [object] : [];
    });
  }

  /**
   * Calls `listener` for every change from now on, in order; an async listener is awaited before it gets the next
   * event. A listener that throws or rejects is reported (`onListenerError`) and keeps getting events; nothing it
   * does can disturb the cache or other consumers. Returns a function that removes it.
   */
  on(listener: Listener<T>): () => void {
    const consumer = new Consumer<T>(listener);
    this.#consumers.add(consumer);
    return () => {
      consumer.end();
      this.#consumers.delete(consumer);
    };
  }

  /** Every change from now on, until the informer stops (or fails: then the iterator throws its error). */
  async *[Symbol.asyncIterator](): AsyncIterator<InformerEvent<T>> {
    const consumer = new Consumer<T>(undefined);
    if (this.#state === "stopped" || this.#state === "failed") consumer.end(this.#failure);
    this.#consumers.add(consumer);
    try {
      for (;;) {
        if (consumer.queue.length === 0) {
          if (consumer.ended) break;
          await new Promise<void>((resolve) => (consumer.wake = resolve));
          consumer.wake = undefined;
          continue;
        }
        yield consumer.queue.shift()!;
      }
      if (consumer.failure !== undefined) throw consumer.failure;
    } finally {
      this.#consumers.delete(consumer);
    }
  }

  #what(): string {
    const { group, version, plural } = this.#client.descriptor;
    return `${group ? `${group}/` : ""}${version} ${plural}${this.#namespace ? ` in ${this.#namespace}` : ""}`;
  }

  #lastError: unknown;

  #emit(event: InformerEvent<T>): void {
    const limit = (this.#options.maxQueuedEvents ?? 10_000) + this.#cache.size;
    for (const consumer of this.#consumers) {
      if (consumer.ended) continue;
      if (consumer.queue.length >= limit) {
        const overflow = new InformerOverflowError(`a consumer of the informer of ${this.#what()} fell ${consumer.queue.length} events behind and was dropped; re-read informer.list() to catch up`);
        consumer.queue.length = 0;
        if (consumer.listener) {
          this.#consumers.delete(consumer);
          this.#listenerFailed(overflow, event);
        }
        consumer.end(overflow);
        continue;
      }
      consumer.push(event);
      if (consumer.listener && !consumer.running) void this.#deliver(consumer);
    }
  }

  /** Runs one listener over its queue, one event at a time, isolated from everything else. */
  async #deliver(consumer: Consumer<T>): Promise<void> {
    consumer.running = true;
    try {
      while (consumer.queue.length > 0 && !consumer.ended) {
        const event = consumer.queue.shift()!;
        try {
          await consumer.listener!(event);
        } catch (error) {
          this.#listenerFailed(error, event);
        }
      }
    } finally {
      consumer.running = false;
    }
  }

  #listenerFailed(error: unknown, event: InformerEvent<T>): void {
    const report = this.#options.onListenerError;
    try {
      if (report) {
        const result: unknown = report(error, event);
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") (result as PromiseLike<unknown>).then(undefined, () => {});
      } else console.error(`[informer ${this.#what()}] a listener failed on a "${event.type}" event: ${describe(error)}`);
    } catch {
      // a failing error handler must not take the informer down either
    }
  }

  #transform(object: T): T {
    const transform = this.#options.transform;
    if (!transform) return object;
    try {
      return transform(object);
    } catch (error) {
      this.#listenerFailed(error, { type: "added", object });
      return object;
    }
  }

  #store(key: string, object: T): void {
    this.#cache.set(key, object);
    this.#unindex(key);
    const values: (readonly string[])[] = [];
    for (const { index, entries } of this.#indexerList) {
      let keysOf: readonly string[];
      try {
        keysOf = index(object);
      } catch (error) {
        this.#listenerFailed(error, { type: "added", object });
        keysOf = [];
      }
      values.push(keysOf);
      for (const value of keysOf) {
        let keys = entries.get(value);
        if (!keys) entries.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
    this.#indexed.set(key, values);
  }

  #remove(key: string): void {
    this.#cache.delete(key);
    this.#unindex(key);
  }

  #unindex(key: string): void {
    const values = this.#indexed.get(key);
    if (!values) return;
    for (let i = 0; i < values.length; i++) {
      const entries = this.#indexerList[i]!.entries;
      for (const value of values[i]!) {
        const keys = entries.get(value);
        keys?.delete(key);
        if (keys?.size === 0) entries.delete(value);
      }
    }
    this.#indexed.delete(key);
  }

  /** Replaces the cache with a complete initial state, delivering the differences. */
  #replace(objects: Map<string, T>): void {
    for (const [key, old] of this.#cache) {
      if (objects.has(key)) continue;
      this.#remove(key);
      this.#emit({ type: "deleted", object: old, finalStateUnknown: true });
    }
    for (const [key, object] of objects) {
      const previous = this.#cache.get(key);
      if (previous && previous.metadata?.resourceVersion === object.metadata?.resourceVersion) continue;
      this.#store(key, object);
      this.#emit(previous ? { type: "updated", object, previous } : { type: "added", object });
    }
  }

  #settleWaiters(error?: unknown): void {
    for (const waiter of [...this.#syncWaiters]) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }

  async #run(): Promise<void> {
    const options = this.#options;
    const scope = (options as { allNamespaces?: boolean }).allNamespaces ? { allNamespaces: true } : { namespace: this.#namespace };
    const source = this.#client.listWatchSource({
      ...(scope as ListScopeOptions<N>),
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    });
    const resync = options.resyncPeriodMs ? this.#resync(options.resyncPeriodMs) : undefined;
    let initial = new Map<string, T>();
    try {
      for await (const event of watcher(source, {
        streamingList: options.streamingList,
        pageSize: options.pageSize,
        timeoutSeconds: options.watchTimeoutSeconds,
        backoff: exponentialBackoff(options.backoff),
        onExpired: "relist",
        retryClientErrors: () => this.#synced,
        signal: this.#abort.signal,
      })) {
        switch (event.type) {
          case "init":
            initial = new Map();
            break;
          case "initApply": {
            const object = this.#transform(event.object);
            initial.set(keyOf(object), object);
            break;
          }
          case "initDone":
            this.#replace(initial);
            initial = new Map();
            this.#synced = true;
            this.#lastError = undefined;
            this.#emit({ type: "synced" });
            this.#settleWaiters();
            break;
          case "apply": {
            const object = this.#transform(event.object);
            const key = keyOf(object);
            const previous = this.#cache.get(key);
            this.#store(key, object);
            this.#emit(previous ? { type: "updated", object, previous } : { type: "added", object });
            break;
          }
          case "delete": {
            const key = keyOf(event.object);
            const last = this.#cache.get(key) ?? this.#transform(event.object);
            this.#remove(key);
            this.#emit({ type: "deleted", object: last });
            break;
          }
          case "bookmark":
            break;
          case "error":
            this.#lastError = event.error;
            this.#emit({ type: "error", error: event.error, retryInMs: event.retryInMs });
            break;
        }
      }
    } catch (error) {
      this.#state = "failed";
      this.#failure = error;
      this.#emit({ type: "error", error, retryInMs: Number.POSITIVE_INFINITY });
      this.#settleWaiters(error);
      for (const consumer of this.#consumers) consumer.end(error);
    } finally {
      resync?.abort();
    }
  }

  /** Re-delivers every cached object as `updated` every `periodMs`, while the informer runs. */
  #resync(periodMs: number): AbortController {
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, this.#abort.signal]);
    void (async () => {
      while (await sleep(periodMs, signal)) {
        if (!this.#synced) continue;
        for (const object of this.#cache.values()) this.#emit({ type: "updated", object, previous: object, resync: true });
      }
    })();
    return stop;
  }
}

/** Waits until every informer has synced (starting those not started yet); rejects as {@link Informer.start}. */
export async function waitForSync(
  informers: ReadonlyArray<{ start(options?: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined }): Promise<void> }>,
  options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
): Promise<void> {
  await Promise.all(informers.map((informer) => informer.start(options)));
}

function describe(error: unknown): string {
  if (error instanceof KubernetesError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
