import type { ApplyOptions, LogOptions, Patch, ResourceClient, ScopeOptions, WriteOptions } from "./resource-client.js";
import type { CallOptions } from "./transport.js";
import type { ApplyConfiguration, KubernetesList, KubernetesObject, ResourceDescriptor, Status } from "./types.js";
import { podContainerError } from "./pod-io/errors.js";
import type {
  AttachOptions,
  CopyOptions,
  CopyResult,
  ExecCommandOptions,
  ExecOptions,
  ExecOutput,
  PortForward,
  PortForwardOptions,
  RemoteProcess,
} from "./pod-io/types.js";

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

/**
 * A pod's `exec` subresource: run commands in a container (as `kubectl exec`), over WebSocket `v5.channel.k8s.io`
 * (`v4.channel.k8s.io` on servers before 1.30), and copy files in and out (as `kubectl cp`, tar over exec; the
 * container needs `tar`).
 */
export interface ExecSubresource<Namespaced extends boolean> {
  /**
   * Starts a command: its streams, terminal resize, and the result with its exit code. Read its output (or turn
   * it off with `stdout: false` / `stderr: false`): unread output stalls the command, as a full pipe would.
   */
  exec(name: string, options: ScopeOptions<Namespaced> & ExecOptions): Promise<RemoteProcess>;
  /** Runs a command to its end and returns its output as text and its exit code (non-zero is not an error). */
  execCommand(name: string, command: readonly string[], options?: ScopeOptions<Namespaced> & ExecCommandOptions): Promise<ExecOutput>;
  /**
   * Copies a local file or directory into the container (`kubectl cp SRC POD:DEST`): into `podPath/<name>` when
   * `podPath` is a directory there, else to `podPath`. Symlinks are copied as symlinks, never followed.
   */
  copyTo(name: string, localPath: string, podPath: string, options?: ScopeOptions<Namespaced> & CopyOptions): Promise<CopyResult>;
  /**
   * Copies a file or directory out of the container (`kubectl cp POD:SRC DEST`). Every archive entry is checked
   * first: one that would land outside `localPath` (absolute or `..` names, symlinks leading out, writes through
   * symlinks) stops the copy with an `UnsafeArchiveEntryError`.
   */
  copyFrom(name: string, podPath: string, localPath: string, options?: ScopeOptions<Namespaced> & CopyOptions): Promise<CopyResult>;
}

/** A pod's `attach` subresource: the streams of a running container (as `kubectl attach`). */
export interface AttachSubresource<Namespaced extends boolean> {
  /** Attaches to the container's main process: what it writes from now on, and its input when `stdin` is set. */
  attach(name: string, options?: ScopeOptions<Namespaced> & AttachOptions): Promise<RemoteProcess>;
}

/** A pod's `portforward` subresource (as `kubectl port-forward`). */
export interface PortForwardSubresource<Namespaced extends boolean> {
  /**
   * Opens a port-forward session to the pod: local listeners for `ports` (on 127.0.0.1), and
   * {@link PortForward.connect} for a connection as a stream. Close it when done.
   */
  portForward(name: string, options?: ScopeOptions<Namespaced> & PortForwardOptions): Promise<PortForward>;
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
  (Has<D, "binding"> extends true ? BindingSubresource<ScopeOf<D>> : unknown) &
  (Has<D, "exec"> extends true ? ExecSubresource<ScopeOf<D>> : unknown) &
  (Has<D, "attach"> extends true ? AttachSubresource<ScopeOf<D>> : unknown) &
  (Has<D, "portforward"> extends true ? PortForwardSubresource<ScopeOf<D>> : unknown);

/** Pod I/O, loaded on first use: programs that never exec, attach, forward or copy never load it. */
let podIO: Promise<typeof import("./pod-io/index.js")> | undefined;
const loadPodIO = () => (podIO ??= import("./pod-io/index.js"));

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

const rethrowPodError = (error: unknown): never => {
  throw podContainerError(error);
};

/** A log follow whose errors about the container are typed (ContainerNotFoundError, ContainerNotRunningError). */
async function* podLogStream(lines: AsyncGenerator<string>): AsyncGenerator<string> {
  try {
    yield* lines;
  } catch (error) {
    rethrowPodError(error);
  }
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
      log: (name, options) => client.readText(name, "log", logQuery(options, false), options).catch(rethrowPodError),
      logStream: (name, options) => podLogStream(client.streamText(name, "log", logQuery(options, true), options)),
    };
    define("log", log.log);
    define("logStream", log.logStream);
  }
  type Scope = ScopeOptions<N>;
  if (subs.exec) {
    const helpers: ExecSubresource<N> = {
      exec: async (name, options) => (await loadPodIO()).exec(client, name, options as Scope & ExecOptions),
      execCommand: async (name, command, options) => (await loadPodIO()).execCommand(client, name, command, options as Scope & ExecCommandOptions),
      copyTo: async (name, localPath, podPath, options) => (await loadPodIO()).copyTo(client, name, localPath, podPath, options as Scope & CopyOptions),
      copyFrom: async (name, podPath, localPath, options) => (await loadPodIO()).copyFrom(client, name, podPath, localPath, options as Scope & CopyOptions),
    };
    for (const [key, value] of Object.entries(helpers)) define(key, value);
  }
  if (subs.attach) {
    const helpers: AttachSubresource<N> = { attach: async (name, options) => (await loadPodIO()).attach(client, name, options as Scope & AttachOptions) };
    define("attach", helpers.attach);
  }
  if (subs.portforward) {
    const helpers: PortForwardSubresource<N> = {
      portForward: async (name, options) => (await loadPodIO()).portForward(client, name, options as Scope & PortForwardOptions),
    };
    define("portForward", helpers.portForward);
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
