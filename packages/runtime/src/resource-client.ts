import { PROTOBUF_ACCEPT, type ProtobufDecoder, isProtobuf, protobufErrorBody, readBytes } from "./protobuf.js";
import type { CallOptions, RequestSpec, Transport, UpgradedStream } from "./transport.js";
import type {
  ApplyConfiguration,
  DeleteResult,
  JsonPatchOperation,
  KubernetesList,
  KubernetesObject,
  MergePatch,
  ObjectEvent,
  PatchType,
  ResourceDescriptor,
  Status,
  StrategicMergePatch,
  WatchEvent,
} from "./types.js";
import { type Query, resourcePath } from "./url.js";
import { type WatchOptions, openWatchStream, readLines, watchEvents } from "./watch.js";
import type { ListWatchSource } from "./watcher.js";
import { ResourceExpiredError } from "./errors.js";

/** Where a namespaced call goes: the connection's namespace unless `namespace` says otherwise. */
export interface NamespaceOption {
  namespace?: string | undefined;
}

/** Scope options: namespaced resources take a namespace; cluster-scoped ones take none (a type error otherwise). */
export type ScopeOptions<Namespaced extends boolean> = Namespaced extends true ? NamespaceOption : { namespace?: never };

/** List scope: a namespace, or `allNamespaces: true`, for namespaced resources. */
export type ListScopeOptions<Namespaced extends boolean> = Namespaced extends true
  ? { namespace?: string | undefined; allNamespaces?: false | undefined } | { namespace?: never; allNamespaces: true }
  : { namespace?: never; allNamespaces?: never };

/** Options of `list`. */
export interface ListOptions extends CallOptions {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size. */
  limit?: number | undefined;
  /** Continue token from the previous page's `metadata.continue`. */
  continue?: string | undefined;
  resourceVersion?: string | undefined;
  resourceVersionMatch?: "Exact" | "NotOlderThan" | undefined;
}

/** Options of writes. */
export interface WriteOptions extends CallOptions {
  /** Validate and run admission, but persist nothing (`dryRun=All`). */
  dryRun?: boolean | undefined;
  fieldManager?: string | undefined;
  fieldValidation?: "Ignore" | "Warn" | "Strict" | undefined;
}

/** Options of server-side apply. */
export interface ApplyOptions extends CallOptions {
  /** Who owns the applied fields. Required, as for `kubectl apply --server-side --field-manager`. */
  fieldManager: string;
  /** Take ownership of fields other managers own instead of failing with a conflict. */
  force?: boolean | undefined;
  dryRun?: boolean | undefined;
  fieldValidation?: "Ignore" | "Warn" | "Strict" | undefined;
}

/** Options of `delete`. */
export interface DeleteOptions extends CallOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground" | undefined;
  gracePeriodSeconds?: number | undefined;
  /** Delete only if the object still has this uid / resourceVersion. */
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  dryRun?: boolean | undefined;
}

/**
 * A patch of one of the kinds Kubernetes accepts, its body typed by kind: a merge patch is any subset of the object
 * with `null` deleting a field, a strategic merge patch likewise plus its directives, a JSON patch a list of typed
 * operations. `untypedBody` is the escape hatch for a body the types cannot describe; it is sent as is.
 */
export type Patch<T> =
  | { type: "merge"; body: MergePatch<T> }
  | { type: "strategic"; body: StrategicMergePatch<T> }
  | { type: "json"; body: readonly JsonPatchOperation[] }
  | { type: "merge" | "strategic" | "json"; untypedBody: unknown };

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

const dryRunQuery = (dryRun: boolean | undefined) => (dryRun ? "All" : undefined);

function callOptions(options: CallOptions | undefined): CallOptions {
  return {
    ...(options?.signal ? { signal: options.signal } : {}),
    ...(options?.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
}

/** Options of pod logs. */
export interface LogOptions extends CallOptions {
  container?: string | undefined;
  previous?: boolean | undefined;
  sinceSeconds?: number | undefined;
  sinceTime?: string | undefined;
  tailLines?: number | undefined;
  limitBytes?: number | undefined;
  timestamps?: boolean | undefined;
}

/** The body of a patch request, whichever way it was given. */
const patchBody = (patch: Patch<unknown>): unknown => ("untypedBody" in patch ? patch.untypedBody : patch.body);

const apiVersionOf = (gvk: { group: string; version: string }) => (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);

/**
 * Typed verbs for one resource. Made by a client from a generated descriptor (`k8s.apps.v1.deployments`).
 * `T` is the object type, `L` its list type, `Namespaced` whether calls take a namespace.
 */
export class ResourceClient<T extends KubernetesObject, L extends KubernetesList<T>, Namespaced extends boolean> {
  readonly descriptor: ResourceDescriptor<T, L, Namespaced>;
  readonly #transport: Transport;
  /** Set once a protobuf body failed to decode: this resource's reads are JSON from then on. */
  #jsonOnly = false;

  constructor(transport: Transport, descriptor: ResourceDescriptor<T, L, Namespaced>) {
    this.#transport = transport;
    this.descriptor = descriptor;
  }

  /** The decoders, when this resource's reads go as protobuf: the client has a codec that knows the kind. */
  #protobuf(): Promise<ProtobufDecoder> | undefined {
    const codec = this.#transport.protobuf;
    const apiVersion = apiVersionOf(this.descriptor);
    if (!codec || this.#jsonOnly || !codec.readable(apiVersion, this.descriptor.kind)) return undefined;
    const decoder = codec.load(apiVersion);
    decoder.catch(() => {}); // awaited where it is used; never an unhandled rejection while the request is out
    return decoder;
  }

  /**
   * A read (get, list): protobuf when the client has decoders for the kind (loaded while the request is out), else
   * or when the server answers JSON, JSON. A body the decoders cannot read (a RawExtension holding CBOR) is read
   * again as JSON, and so is every later read of this resource.
   */
  async #read<R>(spec: RequestSpec): Promise<R> {
    const decoder = this.#protobuf();
    if (!decoder) return this.#transport.json<R>(spec);
    const res = await this.#transport.request({ ...spec, accept: PROTOBUF_ACCEPT, protobufErrorBody: (answer) => protobufErrorBody(answer, decoder) });
    if (!isProtobuf(res.header("content-type"))) return (await res.json()) as R;
    const body = await readBytes(res.body);
    try {
      return (await decoder).object(body) as R;
    } catch (error) {
      this.#protobufFailed(error);
      return this.#transport.json<R>(spec);
    }
  }

  #protobufFailed(error: unknown): void {
    if (this.#jsonOnly) return;
    this.#jsonOnly = true;
    const why = error instanceof Error ? error.message : String(error);
    globalThis.process?.emitWarning?.(`${this.descriptor.kind}: reading protobuf failed (${why}); reading JSON instead`, "K8sProtobufWarning");
  }

  #namespace(explicit: string | undefined, object?: KubernetesObject): string | undefined {
    if (!this.descriptor.namespaced) return undefined;
    return explicit ?? object?.metadata?.namespace ?? this.#transport.connection.namespace;
  }

  #path(parts: { namespace?: string | undefined; name?: string; subresource?: string | undefined; query?: Query }): string {
    return resourcePath(this.descriptor, parts);
  }

  /**
   * Fills `apiVersion`/`kind` from the descriptor when a request body omits them: the resource's own, or for a
   * subresource the kind it takes (`scale` takes an `autoscaling/v1` Scale, not the parent kind).
   */
  #withKind<O extends KubernetesObject>(object: O, subresource?: string): O {
    const gvk = (subresource ? this.descriptor.subresources[subresource]?.kind : undefined) ?? this.descriptor;
    return { ...object, apiVersion: object.apiVersion ?? apiVersionOf(gvk), kind: object.kind ?? gvk.kind };
  }

  #nameOf(object: KubernetesObject, verb: string): string {
    const name = object.metadata?.name;
    if (typeof name !== "string" || name === "") throw new TypeError(`${verb} ${this.descriptor.kind}: metadata.name is required`);
    return name;
  }

  /** Reads one object. */
  async get(name: string, options?: ScopeOptions<Namespaced> & CallOptions & { resourceVersion?: string | undefined }): Promise<T> {
    return this.#read<T>({
      method: "GET",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, query: { resourceVersion: options?.resourceVersion } }),
      ...callOptions(options),
    });
  }

  /** Lists one page (all objects unless `limit` is set). */
  async list(options?: ListScopeOptions<Namespaced> & ListOptions): Promise<L> {
    const namespace = options?.allNamespaces ? undefined : this.#namespace(options?.namespace);
    const list = await this.#read<L>({
      method: "GET",
      path: this.#path({
        namespace,
        query: {
          labelSelector: options?.labelSelector,
          fieldSelector: options?.fieldSelector,
          limit: options?.limit,
          continue: options?.continue,
          resourceVersion: options?.resourceVersion,
          resourceVersionMatch: options?.resourceVersionMatch,
        },
      }),
      ...callOptions(options),
    });
    list.items = list.items ?? [];
    return list;
  }

  /**
   * Walks every page of a list, `limit` objects at a time (default 500), as client-go's pager: continuation pages
   * carry only the continue token (it holds the list's resourceVersion), and if a token expires mid-walk (410) the
   * rest comes from one full list at the original resourceVersion, without the objects already yielded.
   */
  async *pages(options?: ListScopeOptions<Namespaced> & Omit<ListOptions, "continue">): AsyncGenerator<L> {
    const first = { limit: 500, ...options } as ListScopeOptions<Namespaced> & ListOptions;
    const yielded = new Set<string>();
    let page: L = await this.list(first);
    for (;;) {
      for (const item of page.items) yielded.add(`${item.metadata?.namespace ?? ""}/${item.metadata?.name ?? ""}`);
      yield page;
      const token = page.metadata?.continue || undefined;
      if (!token) return;
      const { resourceVersion: _rv, resourceVersionMatch: _match, ...rest } = first;
      try {
        page = await this.list({ ...rest, continue: token } as ListScopeOptions<Namespaced> & ListOptions);
      } catch (error) {
        if (!(error instanceof ResourceExpiredError)) throw error;
        const { limit: _limit, ...full } = first;
        const all = await this.list(full as ListScopeOptions<Namespaced> & ListOptions);
        all.items = all.items.filter((item) => !yielded.has(`${item.metadata?.namespace ?? ""}/${item.metadata?.name ?? ""}`));
        if (all.metadata) delete all.metadata.continue;
        page = all;
      }
    }
  }

  /** Every object of every page, one at a time (see {@link ResourceClient.pages}). */
  async *items(options?: ListScopeOptions<Namespaced> & Omit<ListOptions, "continue">): AsyncGenerator<T> {
    for await (const page of this.pages(options)) yield* page.items;
  }

  /** Creates an object (in its own `metadata.namespace`, else the given or default namespace). */
  async create(object: T, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<T> {
    return this.#transport.json<T>({
      method: "POST",
      path: this.#path({ namespace: this.#namespace(options?.namespace, object), query: this.#writeQuery(options) }),
      body: JSON.stringify(this.#withKind(object)),
      contentType: "application/json",
      ...callOptions(options),
    });
  }

  /** Replaces an object (PUT); set `metadata.resourceVersion` for optimistic concurrency. */
  async replace(object: T, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<T> {
    return this.#put(object, undefined, options);
  }

  #put<R>(object: KubernetesObject, subresource: string | undefined, options?: NamespaceOption & WriteOptions): Promise<R> {
    return this.#transport.json<R>({
      method: "PUT",
      path: this.#path({
        namespace: this.#namespace(options?.namespace, object),
        name: this.#nameOf(object, subresource ? `replace ${subresource} of` : "replace"),
        subresource,
        query: this.#writeQuery(options),
      }),
      body: JSON.stringify(this.#withKind(object, subresource)),
      contentType: "application/json",
      ...callOptions(options),
    });
  }

  /** Patches an object with a merge patch, a JSON patch, or (built-in kinds only) a strategic merge patch. */
  async patch(name: string, patch: Patch<T>, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<T> {
    return this.#patch(name, patch.type, patchBody(patch as Patch<unknown>), undefined, options);
  }

  #patch<R>(name: string, type: PatchType, body: unknown, subresource: string | undefined, options?: NamespaceOption & WriteOptions & { force?: boolean | undefined }): Promise<R> {
    const supported = subresource ? this.descriptor.subresources[subresource]?.patchTypes : this.descriptor.patchTypes;
    if (supported && supported.length > 0 && !supported.includes(type)) {
      throw new TypeError(`${this.descriptor.kind}${subresource ? `/${subresource}` : ""} does not support ${type} patches (supported: ${supported.join(", ")})`);
    }
    return this.#transport.json<R>({
      method: "PATCH",
      path: this.#path({
        namespace: this.#namespace(options?.namespace),
        name,
        subresource,
        query: { ...this.#writeQuery(options), force: options?.force },
      }),
      body: JSON.stringify(body),
      contentType: PATCH_CONTENT_TYPE[type],
      apply: type === "apply",
      ...callOptions(options),
    });
  }

  /**
   * Server-side apply: sends the fields you manage; the server merges them and tracks ownership under
   * `fieldManager`. Takes the object type itself or any subset of it; `apiVersion` and `kind` default to the
   * resource's, `metadata.name` is required. A conflict with another manager throws ApplyConflictError listing the
   * fields; `force` takes them.
   */
  async apply(configuration: ApplyConfiguration<T>, options: ScopeOptions<Namespaced> & ApplyOptions): Promise<T> {
    return this.#apply(configuration as KubernetesObject, undefined, options);
  }

  #apply<R>(configuration: KubernetesObject, subresource: string | undefined, options: NamespaceOption & ApplyOptions): Promise<R> {
    const verb = subresource ? `apply ${subresource} of` : "apply";
    if (!options?.fieldManager) throw new TypeError(`${verb} ${this.descriptor.kind}: fieldManager is required`);
    const name = this.#nameOf(configuration, verb);
    const namespace = this.#namespace(options.namespace, configuration);
    return this.#patch(name, "apply", this.#withKind(configuration, subresource), subresource, { ...options, namespace });
  }

  /**
   * Deletes an object. Returns the object while it is still being deleted (finalizers, graceful deletion) or as it
   * went, else the server's Status: `if (result.kind === "Status")` tells them apart.
   */
  async delete(name: string, options?: ScopeOptions<Namespaced> & DeleteOptions): Promise<DeleteResult<T>> {
    const body = {
      apiVersion: "v1",
      kind: "DeleteOptions",
      ...(options?.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options?.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
      ...(options?.preconditions ? { preconditions: options.preconditions } : {}),
      ...(options?.dryRun ? { dryRun: ["All"] } : {}),
    };
    return this.#transport.json<DeleteResult<T>>({
      method: "DELETE",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name }),
      body: JSON.stringify(body),
      contentType: "application/json",
      ...callOptions(options),
    });
  }

  /** Deletes every object matching the selectors in a namespace (or cluster-wide for cluster-scoped kinds). */
  async deleteCollection(
    options?: ScopeOptions<Namespaced> & Omit<DeleteOptions, "preconditions"> & { labelSelector?: string | undefined; fieldSelector?: string | undefined },
  ): Promise<L | Status> {
    return this.#transport.json<L | Status>({
      method: "DELETE",
      path: this.#path({
        namespace: this.#namespace(options?.namespace),
        query: {
          labelSelector: options?.labelSelector,
          fieldSelector: options?.fieldSelector,
          propagationPolicy: options?.propagationPolicy,
          gracePeriodSeconds: options?.gracePeriodSeconds,
          dryRun: dryRunQuery(options?.dryRun),
        },
      }),
      ...callOptions(options),
    });
  }

  /**
   * Watches objects: an async iterable of typed events, resuming after dropped connections, throwing
   * ResourceExpiredError when the resourceVersion is too old. Stop it with `signal` or by leaving the loop.
   * Bookmarks are used to resume and only delivered with `allowWatchBookmarks: true`.
   */
  watch(options: ListScopeOptions<Namespaced> & WatchOptions & { allowWatchBookmarks: true }): AsyncGenerator<WatchEvent<T>>;
  watch(options?: ListScopeOptions<Namespaced> & WatchOptions & { allowWatchBookmarks?: false | undefined }): AsyncGenerator<ObjectEvent<T>>;
  watch(options?: ListScopeOptions<Namespaced> & WatchOptions): AsyncGenerator<WatchEvent<T>> {
    return watchEvents(this.listWatchSource(options ?? {}), options ?? {});
  }

  /** The namespace calls default to (the connection's, as kubectl's context namespace); undefined when cluster-scoped. */
  get defaultNamespace(): string | undefined {
    return this.descriptor.namespaced ? this.#transport.connection.namespace : undefined;
  }

  /**
   * The list and watch requests of one scope and selection, for the list-then-watch state machine that watches and
   * informers run on (see watcher.ts).
   */
  listWatchSource(options: ListScopeOptions<Namespaced> & { labelSelector?: string | undefined; fieldSelector?: string | undefined }): ListWatchSource<T> {
    const namespace = options.allNamespaces ? undefined : this.#namespace(options.namespace);
    const selectors = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
    return {
      list: async (page) => {
        const list = await this.#read<L>({
          method: "GET",
          path: this.#path({
            namespace,
            query: { ...selectors, limit: page.limit, continue: page.continue, resourceVersion: page.resourceVersion, resourceVersionMatch: page.resourceVersionMatch },
          }),
          signal: page.signal,
        });
        list.items = list.items ?? [];
        return list;
      },
      watch: (watch) =>
        openWatchStream<T>(
          this.#transport,
          this.#path({ namespace }),
          {
            ...selectors,
            resourceVersion: watch.resourceVersion,
            resourceVersionMatch: watch.resourceVersionMatch,
            sendInitialEvents: watch.sendInitialEvents || undefined,
            timeoutSeconds: watch.timeoutSeconds,
          },
          { idleTimeoutMs: watch.idleTimeoutMs, signal: watch.signal, protobuf: this.#protobuf(), onProtobufFailure: (error) => this.#protobufFailed(error) },
        ),
    };
  }

  /** Reads a subresource (`status`, `scale`, `ephemeralcontainers`, ...). */
  async getSubresource<S>(name: string, subresource: string, options?: ScopeOptions<Namespaced> & CallOptions): Promise<S> {
    return this.#transport.json<S>({
      method: "GET",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, subresource }),
      ...callOptions(options),
    });
  }

  /** Replaces a subresource (`status`, `scale`, ...), sending the subresource's own kind. */
  async replaceSubresource<S extends KubernetesObject>(subresource: string, object: S, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<S> {
    return this.#put<S>(object, subresource, options);
  }

  /** Patches a subresource. */
  async patchSubresource<S>(name: string, subresource: string, patch: Patch<S>, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<S> {
    return this.#patch<S>(name, patch.type, patchBody(patch as Patch<unknown>), subresource, options);
  }

  /** Server-side apply of a subresource (report the `status` fields you own). */
  async applySubresource<S>(subresource: string, configuration: ApplyConfiguration<S>, options: ScopeOptions<Namespaced> & ApplyOptions): Promise<S> {
    return this.#apply<S>(configuration as KubernetesObject, subresource, options);
  }

  /** Creates a subresource object (`eviction`, `binding`, `token`). */
  async createSubresource<S extends KubernetesObject, R = S>(name: string, subresource: string, object: S, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<R> {
    return this.#transport.json<R>({
      method: "POST",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, subresource, query: this.#writeQuery(options) }),
      body: JSON.stringify(this.#withKind(object, subresource)),
      contentType: "application/json",
      ...callOptions(options),
    });
  }

  /** Reads a text subresource (pod `log`) in one piece. */
  async readText(name: string, subresource: string, query: Query, options?: ScopeOptions<Namespaced> & CallOptions): Promise<string> {
    return this.#transport.text({
      method: "GET",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, subresource, query }),
      accept: "text/plain, */*",
      ...callOptions(options),
    });
  }

  /** Streams a text subresource line by line (pod `log` with `follow=true`). */
  async *streamText(name: string, subresource: string, query: Query, options?: ScopeOptions<Namespaced> & { signal?: AbortSignal | undefined }): AsyncGenerator<string> {
    const res = await this.#transport.request({
      method: "GET",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, subresource, query }),
      accept: "text/plain, */*",
      stream: true,
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    yield* readLines(res.body, { text: true }); // every line as written, blank ones too; 204 No Content (no log yet): none
  }

  /**
   * The `connect` verb of a subresource (a pod's `exec`, `attach`, `portforward`): an HTTP/1.1 upgrade with the
   * protocol headers given, returning the switched connection (see {@link Transport.upgrade}).
   */
  connect(
    name: string,
    subresource: string,
    query: Query,
    init: ScopeOptions<Namespaced> & { method?: "GET" | "POST" | undefined; headers: Readonly<Record<string, string>>; signal?: AbortSignal | undefined },
  ): Promise<UpgradedStream> {
    return this.#transport.upgrade({
      method: init.method ?? "GET",
      path: this.#path({ namespace: this.#namespace(init.namespace), name, subresource, query }),
      headers: init.headers,
      signal: init.signal,
    });
  }

  #writeQuery(options: WriteOptions | undefined): Query {
    return { dryRun: dryRunQuery(options?.dryRun), fieldManager: options?.fieldManager, fieldValidation: options?.fieldValidation };
  }
}
