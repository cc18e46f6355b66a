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

/** `policy/v1` DeleteOptions of an eviction. */
export interface EvictionDeleteOptions {
  gracePeriodSeconds?: number | undefined;
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  propagationPolicy?: "Orphan" | "Background" | "Foreground" | undefined;
  dryRun?: string[] | undefined;
}

/** `policy/v1` Eviction, POSTed to a pod's `eviction` subresource. */
export interface Eviction extends KubernetesObject {
  apiVersion?: "policy/v1";
  kind?: "Eviction";
  deleteOptions?: EvictionDeleteOptions;
}

/** Where a pod is bound (`v1` Binding target). */
export interface BindingTarget {
  name: string;
  kind?: string | undefined;
  apiVersion?: string | undefined;
}

/** Verbs of one subresource (`status`, `scale`, `ephemeralcontainers`); `S` is the object the subresource takes. */
export class SubresourceClient<S extends KubernetesObject, Namespaced extends boolean> {
  readonly #parent: ResourceClient<KubernetesObject, KubernetesList<KubernetesObject>, Namespaced>;
  readonly name: string;

  constructor(parent: ResourceClient<KubernetesObject, KubernetesList<KubernetesObject>, Namespaced>, name: string) {
    this.#parent = parent;
    this.name = name;
  }

  /** Reads the subresource. */
  get(name: string, options?: ScopeOptions<Namespaced> & CallOptions): Promise<S> {
    return this.#parent.getSubresource<S>(name, this.name, options);
  }

  /** Replaces the subresource (PUT), sending its own kind. */
  replace(object: S, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<S> {
    return this.#parent.replaceSubresource<S>(this.name, object, options);
  }

  /** Patches the subresource. */
  patch(name: string, patch: Patch<S>, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<S> {
    return this.#parent.patchSubresource<S>(name, this.name, patch, options);
  }

  /** Server-side apply to the subresource (for `status`: report the status fields you own). */
  apply(configuration: ApplyConfiguration<S>, options: ScopeOptions<Namespaced> & ApplyOptions): Promise<S> {
    return this.#parent.applySubresource<S>(this.name, configuration, options);
  }
}

/** The `status` subresource: `deployments.status.apply(...)`. */
export interface StatusSubresource<T extends KubernetesObject, Namespaced extends boolean> {
  readonly status: SubresourceClient<T, Namespaced>;
}

/** The `scale` subresource, which takes an `autoscaling/v1` Scale: `deployments.scale.patch(...)`. */
export interface ScaleSubresource<Namespaced extends boolean> {
  readonly scale: SubresourceClient<Scale, Namespaced>;
}

/** A pod's `ephemeralcontainers` subresource. */
export interface EphemeralContainersSubresource<T extends KubernetesObject, Namespaced extends boolean> {
  readonly ephemeralContainers: SubresourceClient<T, Namespaced>;
}

/** A pod's `log` subresource. */
export interface LogSubresource<Namespaced extends boolean> {
  /** The container log as text (as `kubectl logs`). */
  log(name: string, options?: ScopeOptions<Namespaced> & LogOptions): Promise<string>;
  /** Follows the container log, line by line (as `kubectl logs -f`), until the signal aborts or the container ends. */
  logStream(name: string, options?: ScopeOptions<Namespaced> & Omit<LogOptions, "timeoutMs">): AsyncGenerator<string>;
}

/** A pod's `eviction` subresource. */
export interface EvictionSubresource<Namespaced extends boolean> {
  /** Evicts the pod through the eviction API (honours PodDisruptionBudgets, as `kubectl drain`). */
  evict(name: string, options?: ScopeOptions<Namespaced> & WriteOptions & { deleteOptions?: EvictionDeleteOptions | undefined }): Promise<Status>;
}

/** A pod's `binding` subresource. */
export interface BindingSubresource<Namespaced extends boolean> {
  /** Binds the pod to a node (what a scheduler does). */
  bind(name: string, target: BindingTarget, options?: ScopeOptions<Namespaced> & WriteOptions): Promise<Status>;
}

type Has<D, K extends string> = D extends { subresources: infer S } ? (K extends keyof S ? true : false) : false;
type ObjectOf<D> = D extends ResourceDescriptor<infer T, infer _L, infer _N> ? T : never;
type ScopeOf<D> = D extends { namespaced: infer N extends boolean } ? N : boolean;

/** The subresource helpers a descriptor's resource gets, by the subresources the server declares for it. */
export type SubresourceHelpers<D> = (Has<D, "status"> extends true ? StatusSubresource<ObjectOf<D>, ScopeOf<D>> : unknown) &
  (Has<D, "scale"> extends true ? ScaleSubresource<ScopeOf<D>> : unknown) &
  (Has<D, "ephemeralcontainers"> extends true ? EphemeralContainersSubresource<ObjectOf<D>, ScopeOf<D>> : unknown) &
  (Has<D, "log"> extends true ? LogSubresource<ScopeOf<D>> : unknown) &
  (Has<D, "eviction"> extends true ? EvictionSubresource<ScopeOf<D>> : unknown) &
  (Has<D, "binding"> extends true ? BindingSubresource<ScopeOf<D>> : unknown);

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
export function attachSubresources<N extends boolean>(client: ResourceClient<KubernetesObject, KubernetesList<KubernetesObject>, N>): void {
  const subs = client.descriptor.subresources;
  const define = (key: string, value: unknown) => Object.defineProperty(client, key, { value, enumerable: false });
  if (subs.status) define("status", new SubresourceClient(client, "status"));
  if (subs.scale) define("scale", new SubresourceClient(client, "scale"));
  if (subs.ephemeralcontainers) define("ephemeralContainers", new SubresourceClient(client, "ephemeralcontainers"));
  if (subs.log) {
    const log: LogSubresource<N> = {
      log: (name, options) => client.readText(name, "log", logQuery(options, false), options),
      logStream: (name, options) => client.streamText(name, "log", logQuery(options, true), options),
    };
    define("log", log.log);
    define("logStream", log.logStream);
  }
  if (subs.eviction) {
    const eviction: EvictionSubresource<N> = {
      evict: (name, options) =>
        client.createSubresource<Eviction, Status>(
          name,
          "eviction",
          {
            metadata: { name, ...(options?.namespace ? { namespace: options.namespace } : {}) },
            ...(options?.deleteOptions ? { deleteOptions: options.deleteOptions } : {}),
          },
          options,
        ),
    };
    define("evict", eviction.evict);
  }
  if (subs.binding) {
    const binding: BindingSubresource<N> = {
      bind: (name, target, options) =>
        client.createSubresource<KubernetesObject & { target: BindingTarget }, Status>(
          name,
          "binding",
          { apiVersion: "v1", kind: "Binding", metadata: { name }, target: { kind: "Node", apiVersion: "v1", ...target } },
          options,
        ),
    };
    define("bind", binding.bind);
  }
}
