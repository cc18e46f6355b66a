/**
 * `@org/k8s-core`: typed clients for the built-in Kubernetes API.
 *
 * ```ts
 * import { connect } from "@org/k8s-core";
 * await using k8s = await connect();
 * const pods = await k8s.core.v1.pods.list({ allNamespaces: true });
 * ```
 *
 * @packageDocumentation
 */
import { type Connection, type LoadConnectionOptions, loadConnection } from "@org/k8s-auth";
import { type GeneratedApi, type KindMap, type KubeClient, type ObjectClient, type ResourceDescriptor, type TransportOptions, createClient } from "@org/k8s-runtime";
import { type Api, type Kinds, api as builtIn } from "./generated/api.js";

/** Options of {@link connect}: where to connect (as kubectl's flags) and how to send requests. */
export interface ConnectOptions extends LoadConnectionOptions, TransportOptions {}

/**
 * The typed API of a cluster, `k8s.<group>.<version>.<resource>` (`k8s.apps.v1.deployments`), plus the client and
 * connection underneath. Close it when done (`await k8s.close()`, or `await using k8s = await connect()`).
 *
 * `Known` are the kinds `k8s.objects` has types for: the built-in ones, plus those of each API added with
 * {@link Kube.with}.
 */
export interface Kube<Known extends KindMap = Kinds> extends Api, AsyncDisposable {
  /** The runtime client: `resource(descriptor)`, `dynamic(...)`, `discovery`, `fetchClient<paths>()`. */
  readonly client: KubeClient;
  /**
   * Verbs on any object by `apiVersion` and `kind` (manifests, kinds chosen at run time): typed for the built-in
   * kinds and those added with {@link Kube.with}, through the server's discovery for any other
   * (`k8s.objects.apply(object, { fieldManager })`).
   */
  readonly objects: ObjectClient<Known>;
  /** The connection in use (server, namespace, credentials; redacted when printed). */
  readonly connection: Connection;
  /** Closes the connection pool (of this object and of every one {@link Kube.with} made from it). */
  close(): Promise<void>;
  /**
   * Adds an API that k8s-gen generated in your app (its `api`, for your CRDs) to this one: the result has the
   * built-in clients, the generated ones (`k8s.exampleCom.v1.widgets`, named as k8s-gen names groups) and an
   * `objects` that knows the generated kinds too. It shares this object's connection; this object is unchanged.
   *
   * ```ts
   * import { api as widgets } from "./k8s/api.js"; // npx k8s-gen --out src/k8s --groups example.com
   * const k8s = (await connect()).with(widgets);
   * await k8s.exampleCom.v1.widgets.list();
   * ```
   *
   * @throws TypeError when a generated group would replace one of this object's own members (`client`, `objects`, ...).
   */
  with<A extends object, K extends KindMap>(api: GeneratedApi<A, K>): Kube<Known & K> & A;
}

/**
 * Connects the way kubectl does (kubeconfig, or the service account inside a pod) and returns typed clients for
 * every built-in group-version.
 */
export async function connect(options: ConnectOptions = {}): Promise<Kube> {
  const { retry, timeoutMs, headerTimeoutMs, rateLimit, warnings, requestLog, onRequest, userAgent, protobuf, ...where } = options;
  const transport: TransportOptions = { retry, timeoutMs, headerTimeoutMs, rateLimit, warnings, requestLog, onRequest, userAgent, protobuf };
  const connection = await loadConnection(where);
  return fromConnection(connection, Object.fromEntries(Object.entries(transport).filter(([, value]) => value !== undefined)) as TransportOptions);
}

/** Typed clients over a connection you already have. */
export function fromConnection(connection: Connection, options?: TransportOptions): Kube {
  const client = createClient(connection, options);
  return assemble<Kinds>(client, connection, builtIn.createApi(client), builtIn.descriptors);
}

/** Kube's own members, which a generated group must not replace. */
const OWN_MEMBERS = new Set(["client", "objects", "connection", "close", "with"]);

function assemble<Known extends KindMap>(client: KubeClient, connection: Connection, groups: object, descriptors: readonly ResourceDescriptor[]): Kube<Known> {
  const close = () => connection.close();
  const own = {
    client,
    objects: client.objects<Known>(descriptors),
    connection,
    close,
    [Symbol.asyncDispose]: close,
    with<A extends object, K extends KindMap>(added: GeneratedApi<A, K>): Kube<Known & K> & A {
      const merged: Record<string, object> = { ...(groups as Record<string, object>) };
      for (const [group, versions] of Object.entries(added.createApi(client) as Record<string, object>)) {
        if (OWN_MEMBERS.has(group)) throw new TypeError(`k8s.with(api): the generated API group "${group}" would replace k8s.${group}`);
        // A group both APIs have (two generations for one group): its versions are merged, the added ones win.
        merged[group] = { ...merged[group], ...versions };
      }
      // The added descriptors come last, so they win for a kind both have.
      return assemble<Known & K>(client, connection, merged, [...descriptors, ...added.descriptors]) as Kube<Known & K> & A;
    },
  };
  return Object.assign({}, groups, own) as unknown as Kube<Known>;
}

export type { Api, Kinds } from "./generated/api.js";
export { ManifestApplyError, ManifestError, applyManifests, deleteManifests, parseManifests, readManifests } from "./manifests.js";
export type { ApplyManifestsOptions, Manifest, ManifestDeletion, ManifestResult } from "./manifests.js";
export type {
  Condition,
  LabelSelector,
  LabelSelectorRequirement,
  ListMeta,
  ManagedFieldsEntry,
  MicroTime,
  ObjectMeta,
  OwnerReference,
  Time,
} from "./generated/_schemas/io.k8s.apimachinery.pkg.apis.meta.v1.js";
export type { Quantity } from "./generated/_schemas/io.k8s.apimachinery.pkg.api.resource.js";
export type { IntOrString } from "./generated/_schemas/io.k8s.apimachinery.pkg.util.intstr.js";
export type { RawExtension } from "./generated/_schemas/io.k8s.apimachinery.pkg.runtime.js";
export type { Connection, LoadConnectionOptions } from "@org/k8s-auth";
export { ConnectionError, CredentialError, KubeconfigError, NotInClusterError } from "@org/k8s-auth";
export {
  ApplyConflictError,
  KubernetesError,
  ResourceExpiredError,
  TransportError,
  Informer,
  isAlreadyExists,
  isApplyConflict,
  isConflict,
  isExpired,
  isForbidden,
  isInvalid,
  isKubernetesError,
  isNotFound,
  isRetryable,
  isStatus,
  isTimeout,
  isTooManyRequests,
  isTransportError,
  isUnauthorized,
  UnknownKindError,
  WaitFailedError,
  WaitTimeoutError,
  hasCondition,
  isDeleted,
  rolloutComplete,
  waitFor,
  waitForCondition,
  waitForDeletion,
  waitForRollout,
  waitForSync,
} from "@org/k8s-runtime";
export type {
  ApplyConfiguration,
  ApplyOptions,
  Bookmark,
  BookmarkEvent,
  CallOptions,
  DeleteOptions,
  DeleteResult,
  DynamicObject,
  InformerEvent,
  InformerOptions,
  KindReference,
  ObjectClient,
  ObjectReference,
  WaitCondition,
  WaitOptions,
  GeneratedApi,
  KindMap,
  JsonPatchOperation,
  KubernetesList,
  KubernetesObject,
  ListOptions,
  LogOptions,
  MergePatch,
  ObjectEvent,
  Patch,
  ResourceClient,
  Status,
  StrategicMergePatch,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from "@org/k8s-runtime";

// Pod I/O: exec, attach, port-forward and copy on `k8s.core.v1.pods`.
export {
  ContainerNotFoundError,
  ContainerNotRunningError,
  CopyFailedError,
  PortForwardError,
  UnsafeArchiveEntryError,
  isContainerNotFound,
  isContainerNotRunning,
  isCopyFailed,
  isPortForwardError,
  isUnsafeArchiveEntry,
} from "@org/k8s-runtime";
export type {
  AttachOptions,
  ByteDuplex,
  ByteReadable,
  ByteWritable,
  CopyOptions,
  CopyResult,
  ExecCommandOptions,
  ExecOptions,
  ExecOutput,
  ExecResult,
  ForwardedPort,
  PortForward,
  PortForwardOptions,
  PortMapping,
  RemoteProcess,
  TerminalSize,
} from "@org/k8s-runtime";
