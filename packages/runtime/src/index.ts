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
export { Informer, InformerOverflowError, InformerStoppedError, waitForSync } from "./informer.js";
export type { IndexFunction, InformerEvent, InformerOptions } from "./informer.js";
export type { WatchOptions } from "./watch.js";
export { ShortWatchError, WatchIdleError, watcher } from "./watcher.js";
export type { ListWatchSource, RawWatchEvent, WatcherEvent, WatcherOptions } from "./watcher.js";
export { exponentialBackoff } from "./backoff.js";
export type { Backoff, ExponentialBackoffOptions } from "./backoff.js";
export { Transport, DEFAULT_RETRY, fromFetchResponse } from "./transport.js";
export type { CallOptions, HttpConnection, HttpRequestInit, HttpResponse, RetryPolicy, TransportOptions, RequestSpec } from "./transport.js";
export {
  ApplyConflictError,
  KubernetesError,
  ResourceExpiredError,
  TransportError,
  isAlreadyExists,
  isConflict,
  isExpired,
  isForbidden,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  isUnauthorized,
} from "./errors.js";
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
