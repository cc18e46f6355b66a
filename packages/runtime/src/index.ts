/**
 * `@org/k8s-runtime`: the runtime shared by generated Kubernetes clients.
 *
 * @packageDocumentation
 */
export { KubeClient, bindGroupVersion, createClient } from "./client.js";
export type { ApiResource, Discovery, DynamicResourceClient, TypedResourceClient, VersionInfo } from "./client.js";
export { ResourceClient } from "./resource-client.js";
export { RestMapper, UnknownKindError, parseApiVersion } from "./rest-mapper.js";
export type { ResourceMapping } from "./rest-mapper.js";
export { ObjectClient } from "./objects.js";
export type { GeneratedApi } from "./generated-api.js";
export { WaitFailedError, WaitTimeoutError, hasCondition, isDeleted, rolloutComplete, waitFor, waitForCondition, waitForDeletion, waitForRollout } from "./wait.js";
export type { ConditionResult, WaitCondition, WaitOptions } from "./wait.js";
export type { KindMap, KindReference, ObjectInput, ObjectOfKind, ObjectReference, ResourceClientFactory } from "./objects.js";
export type {
  ApplyOptions,
  DeleteOptions,
  ListOptions,
  ListScopeOptions,
  LogOptions,
  NamespaceOption,
  Patch,
  ScopeOptions,
  WriteOptions,
} from "./resource-client.js";
export { SubresourceClient } from "./subresources.js";
export type {
  AttachSubresource,
  ExecSubresource,
  PortForwardSubresource,
  BindingSubresource,
  BindingTarget,
  EphemeralContainersSubresource,
  Eviction,
  EvictionDeleteOptions,
  EvictionSubresource,
  LogSubresource,
  Scale,
  ScaleSubresource,
  StatusSubresource,
  SubresourceHelpers,
} from "./subresources.js";
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
} from "./pod-io/errors.js";
export type {
  AttachOptions,
  ByteDuplex,
  ByteReadable,
  ByteSink,
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
  ProcessInput,
  RemoteCommandProtocol,
  RemoteProcess,
  TerminalSize,
} from "./pod-io/types.js";
export { Informer, InformerOverflowError, InformerStoppedError, waitForSync } from "./informer.js";
export type { IndexFunction, InformerEvent, InformerOptions } from "./informer.js";
export type { WatchOptions } from "./watch.js";
export { ShortWatchError, watcher } from "./watcher.js";
export type { ListWatchSource, RawWatchEvent, WatcherEvent, WatcherOptions } from "./watcher.js";
export { exponentialBackoff, jittered, sleep, sleepOrAbort } from "./backoff.js";
export { followSignal } from "./signals.js";
export type { Backoff, ExponentialBackoffOptions } from "./backoff.js";
export { Transport, DEFAULT_RETRY, fromFetchResponse } from "./transport.js";
export { PROTOBUF_ACCEPT, PROTOBUF_MEDIA_TYPE } from "./protobuf.js";
export type { ProtobufCodec, ProtobufDecoder } from "./protobuf.js";
export type {
  CallOptions,
  HttpConnection,
  HttpRequestInit,
  HttpResponse,
  RetryPolicy,
  TransportOptions,
  RequestSpec,
  UpgradeRequestInit,
  UpgradeResponse,
  UpgradeSpec,
  UpgradedSocket,
  UpgradedStream,
} from "./transport.js";
export type { RequestEvent, RequestHook, RequestObserver, ResponseEvent } from "./hooks.js";
export { TokenBucket } from "./rate-limit.js";
export type { RateLimit, RateLimiter } from "./rate-limit.js";
export { defaultWarningHandler, parseWarningHeader, printWarningsOnce } from "./warnings.js";
export type { PrintWarningsOptions, Warning, WarningHandler } from "./warnings.js";
export { REQUEST_LOG_ENV, maskHeaderValue, requestLogHook, requestLogLevelFromEnv } from "./request-log.js";
export type { RequestLogOptions } from "./request-log.js";
export { SDK_VERSION, defaultUserAgent } from "./user-agent.js";
export { describeCause, innermostCause } from "./cause.js";
export type { FailureCause } from "./cause.js";
export { defineErrorKind, hasErrorKind } from "./error-kind.js";
export {
  ApplyConflictError,
  KubernetesError,
  ResourceExpiredError,
  TransportError,
  isAlreadyExists,
  isApplyConflict,
  isConflict,
  isExpired,
  isForbidden,
  isInvalid,
  isKubernetesError,
  isNotFound,
  isRetryable,
  isTimeout,
  isTooManyRequests,
  isTransportError,
  isUnauthorized,
} from "./errors.js";
export type { RequestDescription } from "./errors.js";
export { defineResource, isStatus } from "./types.js";
export type {
  ApplyConfiguration,
  Bookmark,
  BookmarkEvent,
  DeepPartial,
  DeepPartialValue,
  DeleteResult,
  DynamicObject,
  GroupVersionKind,
  JsonPatchOperation,
  KubernetesList,
  KubernetesObject,
  ListMeta,
  MergePatch,
  MergePatchValue,
  ObjectEvent,
  ObjectMeta,
  OwnerReference,
  PatchType,
  ResourceDescriptor,
  Status,
  StatusCause,
  StrategicMergePatch,
  StrategicMergePatchDirectives,
  StrategicMergePatchValue,
  SubresourceDescriptor,
  WatchEvent,
} from "./types.js";
