import { Backoff, pause } from "./backoff.js";
import { KubernetesError, ResourceExpiredError } from "./errors.js";
import type { ListOptions, ListScopeOptions, ResourceClient } from "./resource-client.js";
import type { KubernetesList, KubernetesObject, WatchEvent } from "./types.js";

/** A change the informer applied to its cache. */
export type InformerEvent<T> =
  | { type: "added" | "updated"; object: T; previous?: T }
  | { type: "deleted"; object: T }
  /** The cache holds a complete, consistent view (after the first list, and after each re-list). */
  | { type: "synced" }
  /** Something failed; the informer backs off and recovers by itself. */
  | { type: "error"; error: unknown };

/** Options of {@link Informer}. */
export type InformerOptions<N extends boolean> = ListScopeOptions<N> & {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of the initial list. Default 500. */
  pageSize?: number;
  /** Try a streaming list (`sendInitialEvents`) first. Default true; falls back to paged lists when refused. */
  streamingList?: boolean;
  /** Backoff after errors: starts at `minBackoffMs` (800), doubles to `maxBackoffMs` (30 000), with jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Server-side timeout of each watch request; a random 5-10 min by default, as client-go's reflector. */
  watchTimeoutSeconds?: number;
};

const keyOf = (object: KubernetesObject) => (object.metadata?.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : (object.metadata?.name ?? ""));
const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/**
 * List-then-watch with a cache, as client-go's informers: lists (streaming where the server supports it, else in
 * pages), watches from the list's resourceVersion, re-lists when the watch expires, and recovers from any error
 * with exponential backoff and jitter instead of stopping. Consume changes with `for await (const e of informer)`.
 */
export class Informer<T extends KubernetesObject, N extends boolean> implements AsyncIterable<InformerEvent<T>> {
  readonly #client: ResourceClient<T, KubernetesList<T>, N>;
  readonly #options: InformerOptions<N>;
  readonly #cache = new Map<string, T>();
  readonly #abort = new AbortController();
  readonly #listeners = new Set<(event: InformerEvent<T>) => void>();
  #synced = false;
  #streaming: boolean;
  #running: Promise<void> | undefined;
  #syncedOnce: { promise: Promise<void>; resolve: () => void };

  constructor(client: ResourceClient<T, KubernetesList<T>, N>, options: InformerOptions<N> = {} as InformerOptions<N>) {
    this.#client = client;
    this.#options = options;
    this.#streaming = options.streamingList ?? true;
    let resolve!: () => void;
    this.#syncedOnce = { promise: new Promise<void>((r) => (resolve = r)), resolve };
  }

  /** Starts listing and watching; resolves once the cache is first synced. */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return this.#syncedOnce.promise;
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  /** Whether the cache has been synced (stays true across re-lists). */
  get synced(): boolean {
    return this.#synced;
  }

  /** Cached objects. */
  list(): T[] {
    return [...this.#cache.values()];
  }

  /** A cached object by name (and namespace, for namespaced kinds). */
  get(name: string, namespace?: string): T | undefined {
    return this.#cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Calls `listener` for every change; returns a function that removes it. */
  on(listener: (event: InformerEvent<T>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every change from now on, until the informer stops. */
  async *[Symbol.asyncIterator](): AsyncIterator<InformerEvent<T>> {
    const queue: InformerEvent<T>[] = [];
    let wake: (() => void) | undefined;
    const off = this.on((event) => {
      queue.push(event);
      wake?.();
    });
    const onAbort = () => wake?.();
    this.#abort.signal.addEventListener("abort", onAbort);
    try {
      while (!this.#abort.signal.aborted || queue.length > 0) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        while (queue.length > 0) yield queue.shift()!;
      }
    } finally {
      off();
      this.#abort.signal.removeEventListener("abort", onAbort);
    }
  }

  #emit(event: InformerEvent<T>): void {
    for (const listener of this.#listeners) listener(event);
  }

  #markSynced(): void {
    this.#synced = true;
    this.#emit({ type: "synced" });
    this.#syncedOnce.resolve();
  }

  #apply(event: WatchEvent<T>): void {
    const key = keyOf(event.object);
    if (event.type === "DELETED") {
      this.#cache.delete(key);
      this.#emit({ type: "deleted", object: event.object });
    } else if (event.type === "ADDED" || event.type === "MODIFIED") {
      const previous = this.#cache.get(key);
      this.#cache.set(key, event.object);
      this.#emit(previous ? { type: "updated", object: event.object, previous } : { type: "added", object: event.object });
    }
  }

  /** Replaces the cache with a fresh list, emitting the differences. */
  #replace(objects: Map<string, T>): void {
    for (const [key, old] of this.#cache) if (!objects.has(key)) {
      this.#cache.delete(key);
      this.#emit({ type: "deleted", object: old });
    }
    for (const [key, object] of objects) {
      const previous = this.#cache.get(key);
      if (previous?.metadata?.resourceVersion === object.metadata?.resourceVersion) continue;
      this.#cache.set(key, object);
      this.#emit(previous ? { type: "updated", object, previous } : { type: "added", object });
    }
  }

  #scope(): ListScopeOptions<N> {
    const { namespace, allNamespaces } = this.#options as { namespace?: string; allNamespaces?: boolean };
    return (allNamespaces ? { allNamespaces: true } : namespace ? { namespace } : {}) as ListScopeOptions<N>;
  }

  async #pagedList(): Promise<string | undefined> {
    const fresh = new Map<string, T>();
    let resourceVersion: string | undefined;
    for await (const page of this.#client.pages({
      ...this.#scope(),
      limit: this.#options.pageSize ?? 500,
      signal: this.#abort.signal,
      ...(this.#options.labelSelector ? { labelSelector: this.#options.labelSelector } : {}),
      ...(this.#options.fieldSelector ? { fieldSelector: this.#options.fieldSelector } : {}),
    } as ListScopeOptions<N> & ListOptions)) {
      for (const item of page.items) fresh.set(keyOf(item), item);
      resourceVersion = page.metadata?.resourceVersion;
    }
    this.#replace(fresh);
    this.#markSynced();
    return resourceVersion;
  }

  #watch(resourceVersion: string | undefined, sendInitialEvents: boolean) {
    const timeoutSeconds = this.#options.watchTimeoutSeconds ?? Math.floor(300 + Math.random() * 300);
    return this.#client.watch({
      ...this.#scope(),
      ...(resourceVersion ? { resourceVersion } : {}),
      ...(sendInitialEvents ? { sendInitialEvents: true } : {}),
      ...(this.#options.labelSelector ? { labelSelector: this.#options.labelSelector } : {}),
      ...(this.#options.fieldSelector ? { fieldSelector: this.#options.fieldSelector } : {}),
      timeoutSeconds,
      signal: this.#abort.signal,
    } as unknown as ListScopeOptions<N> & { signal: AbortSignal });
  }

  async #run(): Promise<void> {
    const backoff = new Backoff({ initialMs: this.#options.minBackoffMs ?? 800, maxMs: this.#options.maxBackoffMs ?? 30_000, jitter: 0.5 });
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        let resourceVersion: string | undefined;
        if (this.#streaming) {
          // Streaming list: the initial state arrives as ADDED events, then a bookmark marks the end.
          const fresh = new Map<string, T>();
          let initial = true;
          for await (const event of this.#watch(undefined, true)) {
            if (initial) {
              if (event.type === "ADDED") fresh.set(keyOf(event.object), event.object);
              else if (event.type === "BOOKMARK" && event.object.metadata?.annotations?.[INITIAL_EVENTS_END] === "true") {
                initial = false;
                this.#replace(fresh);
                this.#markSynced();
                backoff.reset();
              }
            } else {
              this.#apply(event);
              backoff.reset();
            }
          }
          continue;
        }
        resourceVersion = await this.#pagedList();
        backoff.reset();
        for await (const event of this.#watch(resourceVersion, false)) {
          this.#apply(event);
          backoff.reset();
        }
      } catch (error) {
        if (signal.aborted) break;
        if (this.#streaming && error instanceof KubernetesError && (error.code === 400 || error.code === 422 || error.code === 403)) {
          // The server (or a policy) refuses streaming lists: use paged lists from now on.
          if (error.code !== 403) {
            this.#streaming = false;
            continue;
          }
        }
        if (!(error instanceof ResourceExpiredError)) this.#emit({ type: "error", error });
        // An expired watch re-lists at once; anything else backs off.
        if (!(error instanceof ResourceExpiredError)) await pause(backoff.next(), signal);
      }
    }
  }
}
