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
import { type KubeClient, type ObjectClient, type TransportOptions, createClient } from "@org/k8s-runtime";
import { type Api, type Kinds, createApi, descriptors } from "./generated/api.js";

/** Options of {@link connect}: where to connect (as kubectl's flags) and how to send requests. */
export interface ConnectOptions extends LoadConnectionOptions, TransportOptions {}

/**
 * The typed API of a cluster, `k8s.<group>.<version>.<resource>` (`k8s.apps.v1.deployments`), plus the client and
 * connection underneath. Close it when done (`await k8s.close()`, or `await using k8s = await connect()`).
 */
export interface Kube extends Api, AsyncDisposable {
  /** The runtime client: `resource(descriptor)`, `dynamic(...)`, `discovery`, `fetchClient<paths>()`. */
  readonly client: KubeClient;
  /**
   * Verbs on any object by `apiVersion` and `kind` (manifests, kinds chosen at run time): typed for the built-in
   * kinds, through the server's discovery for any other (`k8s.objects.apply(object, { fieldManager })`).
   */
  readonly objects: ObjectClient<Kinds>;
  /** The connection in use (server, namespace, credentials; redacted when printed). */
  readonly connection: Connection;
  /** Closes the connection pool. */
  close(): Promise<void>;
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
  const close = () => connection.close();
  const objects = client.objects<Kinds>(descriptors);
  return Object.assign(createApi(client), { client, objects, connection, close, [Symbol.asyncDispose]: close });
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
  isConflict,
  isExpired,
  isForbidden,
  isInvalid,
  isNotFound,
  isStatus,
  isTooManyRequests,
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
