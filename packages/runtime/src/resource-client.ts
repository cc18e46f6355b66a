import type { CallOptions, Transport } from "./transport.js";
import type {
  ApplyConfiguration,
  DeepPartial,
  JsonPatchOperation,
  KubernetesList,
  KubernetesObject,
  PatchType,
  ResourceDescriptor,
  Status,
  WatchEvent,
} from "./types.js";
import { type Query, resourcePath } from "./url.js";
import { type WatchOptions, readLines, watchPath } from "./watch.js";

/** Where a namespaced call goes: the connection's namespace unless `namespace` says otherwise. */
export interface NamespaceOption {
  namespace?: string;
}

/** Scope options: namespaced resources take a namespace; cluster-scoped ones take none (a type error otherwise). */
export type ScopeOptions<Namespaced extends boolean> = Namespaced extends true ? NamespaceOption : { namespace?: never };

/** List scope: a namespace, or `allNamespaces: true`, for namespaced resources. */
export type ListScopeOptions<Namespaced extends boolean> = Namespaced extends true
  ? { namespace?: string; allNamespaces?: false } | { namespace?: never; allNamespaces: true }
  : { namespace?: never; allNamespaces?: never };

/** Options of `list`. */
export interface ListOptions extends CallOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size. */
  limit?: number;
  /** Continue token from the previous page's `metadata.continue`. */
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
}

/** Options of writes. */
export interface WriteOptions extends CallOptions {
  /** `true` (or `"All"`): validate and run admission but persist nothing. */
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: "Ignore" | "Warn" | "Strict";
}

/** Options of server-side apply. */
export interface ApplyOptions extends CallOptions {
  /** Who owns the applied fields. Required, as for `kubectl apply --server-side --field-manager`. */
  fieldManager: string;
  /** Take ownership of fields other managers own instead of failing with a conflict. */
  force?: boolean;
  dryRun?: boolean;
  fieldValidation?: "Ignore" | "Warn" | "Strict";
}

/** Options of `delete`. */
export interface DeleteOptions extends CallOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  /** Delete only if the object still has this uid / resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** A patch of one of the kinds Kubernetes accepts, with its body typed per kind. */
export type Patch<T> =
  | { type: "merge"; body: DeepPartial<T> | Record<string, unknown> }
  | { type: "strategic"; body: DeepPartial<T> | Record<string, unknown> }
  | { type: "json"; body: JsonPatchOperation[] };

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
  container?: string;
  previous?: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
}

/**
 * Typed verbs for one resource. Made by a client from a generated descriptor (`k8s.apps.v1.deployments`).
 */
export class ResourceClient<T extends KubernetesObject, L extends KubernetesList<T>, Namespaced extends boolean> {
  readonly descriptor: ResourceDescriptor<T, L, Namespaced>;
  readonly #transport: Transport;

  constructor(transport: Transport, descriptor: ResourceDescriptor<T, L, Namespaced>) {
    this.#transport = transport;
    this.descriptor = descriptor;
  }

  #namespace(explicit: string | undefined, object?: KubernetesObject): string | undefined {
    if (!this.descriptor.namespaced) return undefined;
    return explicit ?? object?.metadata?.namespace ?? this.#transport.connection.namespace;
  }

  #path(parts: { namespace?: string | undefined; name?: string; subresource?: string; query?: Query }): string {
    return resourcePath(this.descriptor, parts);
  }

  #withKind<O extends KubernetesObject>(object: O): O {
    // Lists return items without apiVersion/kind; requests may omit them. Fill them in from the descriptor.
    const apiVersion = this.descriptor.group ? `${this.descriptor.group}/${this.descriptor.version}` : this.descriptor.version;
    return { ...object, apiVersion: object.apiVersion ?? apiVersion, kind: object.kind ?? this.descriptor.kind };
  }

  #nameOf(object: KubernetesObject, verb: string): string {
    const name = object.metadata?.name;
    if (!name) throw new TypeError(`${verb} ${this.descriptor.kind}: metadata.name is required`);
    return name;
  }

  /** Reads one object. */
  get(name: string, options?: ScopeOptions<Namespaced> & CallOptions & { resourceVersion?: string }): Promise<T> {
    return this.#transport.json<T>({
      method: "GET",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, query: { resourceVersion: options?.resourceVersion } }),
      ...callOptions(options),
    });
  }

  /** Lists one page (all objects unless `limit` is set). */
  async list(options?: ListScopeOptions<Namespaced> & ListOptions): Promise<L> {
    const namespace = options?.allNamespaces ? undefined : this.#namespace(options?.namespace);
    const list = await this.#transport.json<L>({
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

  /** Walks every page of a list, `limit` objects at a time (default 500). */
  async *pages(options?: ListScopeOptions<Namespaced> & Omit<ListOptions, "continue">): AsyncGenerator<L> {
    let token: string | undefined;
    do {
      const page: L = await this.list({ limit: 500, ...options, ...(token ? { continue: token } : {}) } as ListScopeOptions<Namespaced> & ListOptions);
      yield page;
      token = page.metadata?.continue || undefined;
    } while (token);
  }

  /** Every object of every page, one at a time. */
  async *items(options?: ListScopeOptions<Namespaced> & Omit<ListOptions, "continue">): AsyncGenerator<T> {
    for await (const page of this.pages(options)) yield* page.items;
  }

  /** Creates an object (in its own `metadata.namespace`, else the given or default namespace). */
  create(object: T, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<T> {
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

  #put(object: KubernetesObject, subresource: string | undefined, options?: NamespaceOption & WriteOptions): Promise<T> {
    return this.#transport.json<T>({
      method: "PUT",
      path: this.#path({
        namespace: this.#namespace(options?.namespace, object),
        name: this.#nameOf(object, "replace"),
        ...(subresource ? { subresource } : {}),
        query: this.#writeQuery(options),
      }),
      body: JSON.stringify(this.#withKind(object)),
      contentType: "application/json",
      ...callOptions(options),
    });
  }

  /** Patches an object with a JSON patch, a merge patch, or (built-in kinds only) a strategic merge patch. */
  async patch(name: string, patch: Patch<T>, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<T> {
    return this.#patch(name, patch, undefined, options);
  }

  #patch(name: string, patch: Patch<T> | { type: "apply"; body: unknown }, subresource: string | undefined, options?: NamespaceOption & WriteOptions & { force?: boolean }): Promise<T> {
    const supported = subresource ? this.descriptor.subresources[subresource]?.patchTypes : this.descriptor.patchTypes;
    if (supported && supported.length > 0 && !supported.includes(patch.type)) {
      throw new TypeError(
        `${this.descriptor.kind}${subresource ? `/${subresource}` : ""} does not support ${patch.type} patches (supported: ${supported.join(", ")})`,
      );
    }
    return this.#transport.json<T>({
      method: "PATCH",
      path: this.#path({
        namespace: this.#namespace(options?.namespace),
        name,
        ...(subresource ? { subresource } : {}),
        query: { ...this.#writeQuery(options), force: options?.force },
      }),
      body: JSON.stringify(patch.body),
      contentType: PATCH_CONTENT_TYPE[patch.type],
      apply: patch.type === "apply",
      ...callOptions(options),
    });
  }

  /**
   * Server-side apply: sends the fields you manage; the server merges them and tracks ownership under
   * `fieldManager`. A conflict with another manager throws ApplyConflictError listing the fields; `force` takes them.
   */
  async apply(configuration: ApplyConfiguration<T>, options: ScopeOptions<Namespaced> & ApplyOptions): Promise<T> {
    return this.#apply(configuration as unknown as KubernetesObject, undefined, options);
  }

  #apply(configuration: KubernetesObject, subresource: string | undefined, options: NamespaceOption & ApplyOptions): Promise<T> {
    if (!options?.fieldManager) throw new TypeError(`apply ${this.descriptor.kind}: fieldManager is required`);
    const name = this.#nameOf(configuration, "apply");
    const namespace = this.#namespace(options.namespace, configuration);
    return this.#patch(name, { type: "apply", body: configuration }, subresource, { ...options, ...(namespace ? { namespace } : {}) });
  }

  /** Deletes an object. Returns the object while finalizers run, or the server's Status once it is gone. */
  delete(name: string, options?: ScopeOptions<Namespaced> & DeleteOptions): Promise<T | Status> {
    const body = {
      apiVersion: "v1",
      kind: "DeleteOptions",
      ...(options?.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options?.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
      ...(options?.preconditions ? { preconditions: options.preconditions } : {}),
      ...(options?.dryRun ? { dryRun: ["All"] } : {}),
    };
    return this.#transport.json<T | Status>({
      method: "DELETE",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name }),
      body: JSON.stringify(body),
      contentType: "application/json",
      ...callOptions(options),
    });
  }

  /** Deletes every object matching the selectors in a namespace (or cluster-wide for cluster-scoped kinds). */
  deleteCollection(
    options?: ScopeOptions<Namespaced> & Omit<DeleteOptions, "preconditions"> & { labelSelector?: string; fieldSelector?: string },
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
   * Watches objects: an async iterable of typed events with bookmarks, resuming after dropped connections, throwing
   * ResourceExpiredError when the resourceVersion is too old. Stop it with `signal` or by leaving the loop.
   */
  watch(options?: ListScopeOptions<Namespaced> & WatchOptions): AsyncGenerator<WatchEvent<T>> {
    const namespace = options?.allNamespaces ? undefined : this.#namespace(options?.namespace);
    return watchPath<T>(this.#transport, this.#path({ namespace }), {}, options ?? {});
  }

  /** Reads a subresource (`status`, `scale`, `ephemeralcontainers`, ...). */
  getSubresource<S extends KubernetesObject = T>(name: string, subresource: string, options?: ScopeOptions<Namespaced> & CallOptions): Promise<S> {
    return this.#transport.json<S>({
      method: "GET",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, subresource }),
      ...callOptions(options),
    });
  }

  /** Replaces a subresource (`status`, `scale`, ...). */
  async replaceSubresource<S extends KubernetesObject = T>(subresource: string, object: S, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<S> {
    return this.#put(object, subresource, options) as unknown as Promise<S>;
  }

  /** Patches a subresource. */
  async patchSubresource<S extends KubernetesObject = T>(name: string, subresource: string, patch: Patch<S>, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<S> {
    return this.#patch(name, patch as Patch<T>, subresource, options) as unknown as Promise<S>;
  }

  /** Applies a subresource (server-side apply of `status`). */
  async applySubresource(subresource: string, configuration: ApplyConfiguration<T>, options: ScopeOptions<Namespaced> & ApplyOptions): Promise<T> {
    return this.#apply(configuration as unknown as KubernetesObject, subresource, options);
  }

  /** Creates a subresource object (`eviction`, `binding`, `token`). */
  createSubresource<S extends KubernetesObject, R = S>(name: string, subresource: string, object: S, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<R> {
    return this.#transport.json<R>({
      method: "POST",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, subresource, query: this.#writeQuery(options) }),
      body: JSON.stringify(object),
      contentType: "application/json",
      ...callOptions(options),
    });
  }

  /** Reads a text subresource (pod `log`) in one piece. */
  readText(name: string, subresource: string, query: Query, options?: ScopeOptions<Namespaced> & CallOptions): Promise<string> {
    return this.#transport.text({
      method: "GET",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, subresource, query }),
      accept: "text/plain, */*",
      ...callOptions(options),
    });
  }

  /** Streams a text subresource line by line (pod `log` with `follow=true`). */
  async *streamText(name: string, subresource: string, query: Query, options?: ScopeOptions<Namespaced> & { signal?: AbortSignal }): AsyncGenerator<string> {
    const res = await this.#transport.request({
      method: "GET",
      path: this.#path({ namespace: this.#namespace(options?.namespace), name, subresource, query }),
      accept: "text/plain, */*",
      stream: true,
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    yield* readLines(res.body); // 204 No Content (no log yet): no lines
  }

  #writeQuery(options: WriteOptions | undefined): Query {
    return { dryRun: dryRunQuery(options?.dryRun), fieldManager: options?.fieldManager, fieldValidation: options?.fieldValidation };
  }
}
