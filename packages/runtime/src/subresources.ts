import type { ApplyOptions, LogOptions, Patch, ResourceClient, ScopeOptions, WriteOptions } from "./resource-client.js";
import type { CallOptions } from "./transport.js";
import type { ApplyConfiguration, KubernetesList, KubernetesObject, ResourceDescriptor, Status } from "./types.js";

/** `autoscaling/v1` Scale, the body of every `scale` subresource. */
export interface Scale extends KubernetesObject {
  apiVersion?: "autoscaling/v1";
  kind?: "Scale";
  spec?: { replicas?: number };
  status?: { replicas: number; selector?: string };
}

/** `policy/v1` Eviction, POSTed to a pod's `eviction` subresource. */
export interface Eviction extends KubernetesObject {
  apiVersion?: "policy/v1";
  kind?: "Eviction";
  deleteOptions?: Record<string, unknown>;
}

/** Verbs of one subresource (`status`, `scale`, `ephemeralcontainers`). */
export class SubresourceClient<S extends KubernetesObject, Namespaced extends boolean, T extends KubernetesObject = S> {
  readonly #parent: ResourceClient<T, KubernetesList<T>, Namespaced>;
  readonly name: string;

  constructor(parent: ResourceClient<T, KubernetesList<T>, Namespaced>, name: string) {
    this.#parent = parent;
    this.name = name;
  }

  /** Reads the subresource. */
  get(name: string, options?: ScopeOptions<Namespaced> & CallOptions): Promise<S> {
    return this.#parent.getSubresource<S>(name, this.name, options);
  }

  /** Replaces the subresource (PUT). */
  replace(object: S, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<S> {
    return this.#parent.replaceSubresource<S>(this.name, object, options);
  }

  /** Patches the subresource. */
  patch(name: string, patch: Patch<S>, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<S> {
    return this.#parent.patchSubresource<S>(name, this.name, patch, options);
  }

  /** Server-side apply to the subresource (for `status`: report status fields you own). */
  apply(configuration: ApplyConfiguration<T>, options: ScopeOptions<Namespaced> & ApplyOptions): Promise<T> {
    return this.#parent.applySubresource(this.name, configuration, options);
  }
}

type Has<D, K extends string> = D extends { subresources: infer S } ? (K extends keyof S ? true : false) : false;
type ObjectOf<D> = D extends ResourceDescriptor<infer T, infer _L, infer _N> ? T : never;
type ScopeOf<D> = D extends { namespaced: infer N extends boolean } ? N : boolean;

/** The subresource helpers a descriptor's resource gets, by the subresources the server declares for it. */
export type SubresourceHelpers<D> = (Has<D, "status"> extends true ? { readonly status: SubresourceClient<ObjectOf<D>, ScopeOf<D>> } : unknown) &
  (Has<D, "scale"> extends true ? { readonly scale: SubresourceClient<Scale, ScopeOf<D>, ObjectOf<D>> } : unknown) &
  (Has<D, "ephemeralcontainers"> extends true ? { readonly ephemeralContainers: SubresourceClient<ObjectOf<D>, ScopeOf<D>> } : unknown) &
  (Has<D, "log"> extends true
    ? {
        /** The container log as text (as `kubectl logs`). */
        log(name: string, options?: ScopeOptions<ScopeOf<D>> & LogOptions): Promise<string>;
        /** Follows the container log, line by line (as `kubectl logs -f`), until the signal aborts or the container ends. */
        logStream(name: string, options?: ScopeOptions<ScopeOf<D>> & Omit<LogOptions, "timeoutMs">): AsyncGenerator<string>;
      }
    : unknown) &
  (Has<D, "eviction"> extends true
    ? {
        /** Evicts the pod through the eviction API (honours PodDisruptionBudgets, as `kubectl drain`). */
        evict(name: string, options?: ScopeOptions<ScopeOf<D>> & WriteOptions & { deleteOptions?: Record<string, unknown> }): Promise<Status>;
      }
    : unknown) &
  (Has<D, "binding"> extends true
    ? {
        /** Binds the pod to a node (what a scheduler does). */
        bind(name: string, target: { kind?: string; name: string; apiVersion?: string }, options?: ScopeOptions<ScopeOf<D>> & WriteOptions): Promise<Status>;
      }
    : unknown);

function logQuery(options: LogOptions | undefined, follow: boolean) {
  return {
    container: options?.container,
    previous: options?.previous,
    sinceSeconds: options?.sinceSeconds,
    sinceTime: options?.sinceTime,
    tailLines: options?.tailLines,
    limitBytes: options?.limitBytes,
    timestamps: options?.timestamps,
    follow: follow || undefined,
  };
}

/** Attaches the helpers of {@link SubresourceHelpers} that the descriptor declares. */
export function attachSubresources<T extends KubernetesObject, N extends boolean>(client: ResourceClient<T, KubernetesList<T>, N>): void {
  const subs = client.descriptor.subresources;
  const define = (key: string, value: unknown) => Object.defineProperty(client, key, { value, enumerable: false });
  if (subs.status) define("status", new SubresourceClient(client, "status"));
  if (subs.scale) define("scale", new SubresourceClient(client, "scale"));
  if (subs.ephemeralcontainers) define("ephemeralContainers", new SubresourceClient(client, "ephemeralcontainers"));
  if (subs.log) {
    define("log", (name: string, options?: ScopeOptions<N> & LogOptions) => client.readText(name, "log", logQuery(options, false), options));
    define("logStream", (name: string, options?: ScopeOptions<N> & LogOptions) => client.streamText(name, "log", logQuery(options, true), options));
  }
  if (subs.eviction) {
    define("evict", (name: string, options?: ScopeOptions<N> & WriteOptions & { deleteOptions?: Record<string, unknown> }) =>
      client.createSubresource<Eviction, Status>(
        name,
        "eviction",
        {
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name, ...(options?.namespace ? { namespace: options.namespace } : {}) },
          ...(options?.deleteOptions ? { deleteOptions: options.deleteOptions } : {}),
        },
        options,
      ),
    );
  }
  if (subs.binding) {
    define("bind", (name: string, target: { kind?: string; name: string; apiVersion?: string }, options?: ScopeOptions<N> & WriteOptions) =>
      client.createSubresource<KubernetesObject, Status>(
        name,
        "binding",
        { apiVersion: "v1", kind: "Binding", metadata: { name }, target: { kind: "Node", apiVersion: "v1", ...target } } as KubernetesObject,
        options,
      ),
    );
  }
}
