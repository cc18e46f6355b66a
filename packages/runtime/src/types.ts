/** Kubernetes API types the runtime itself needs, independent of any generated group-version. */

/**
 * `metav1.ObjectMeta`: the fields the runtime reads or sets. Generated types carry the full definition and are
 * assignable to this one (it has no index signature, so named interfaces fit it).
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: { [key: string]: string };
  annotations?: { [key: string]: string };
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** `metav1.OwnerReference`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** `metav1.ListMeta`. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  selfLink?: string;
}

/** Any Kubernetes object. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** An object of a kind the SDK has no type for (the dynamic client): any fields beyond the common ones. */
export interface DynamicObject extends KubernetesObject {
  [field: string]: unknown;
}

/** Any Kubernetes list. */
export interface KubernetesList<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: ListMeta;
  items: T[];
}

/** `metav1.StatusCause`. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/**
 * `metav1.Status`: what the server returns for errors and for some deletes. `kind` is always `"Status"`, which is
 * what tells a Status from an object: `if (result.kind === "Status")` narrows a {@link DeleteResult}.
 */
export interface Status {
  apiVersion?: string;
  kind: "Status";
  metadata?: ListMeta;
  status?: "Success" | "Failure" | (string & {});
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code?: number;
}

/** Whether a value is a `Status` (rather than an object of the resource): for results typed `T | Status`. */
export function isStatus(value: unknown): value is Status {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "Status";
}

/**
 * What `delete` returns: the object itself while it is still being deleted (finalizers, graceful pod deletion,
 * foreground propagation) or, for some kinds, as it was when it went; else the server's `Status`.
 */
export type DeleteResult<T> = T | Status;

/** What a `BOOKMARK` event carries: no object, only the resourceVersion the watch has reached (and annotations). */
export interface Bookmark {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion: string; annotations?: { [key: string]: string } };
}

/** A change to an object. */
export interface ObjectEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: T;
}

/** A bookmark: the watch has seen everything up to `object.metadata.resourceVersion`. */
export interface BookmarkEvent {
  type: "BOOKMARK";
  object: Bookmark;
}

/**
 * One event of a watch that delivers bookmarks (`allowWatchBookmarks: true`). `ERROR` events never appear: the
 * watch throws them as typed errors ({@link ResourceExpiredError} for 410) instead.
 */
export type WatchEvent<T> = ObjectEvent<T> | BookmarkEvent;

/** How a resource may be patched. */
export type PatchType = "json" | "merge" | "strategic" | "apply";

/** A Kubernetes group/version/kind. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** A subresource as the generator describes it. */
export interface SubresourceDescriptor {
  readonly kind?: GroupVersionKind;
  readonly verbs: readonly string[];
  readonly patchTypes: readonly PatchType[];
  readonly responseContentTypes?: readonly string[];
}

/** Carries a descriptor's object and list types; it exists only at compile time. */
export declare const resourceTypes: unique symbol;

/**
 * A resource as the generator describes it. The type parameters carry the object and list types (only at compile
 * time: the `resourceTypes` member is never set).
 */
export interface ResourceDescriptor<
  T extends KubernetesObject = KubernetesObject,
  L extends KubernetesList<T> = KubernetesList<T>,
  Namespaced extends boolean = boolean,
> {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: Namespaced;
  readonly verbs: readonly string[];
  readonly patchTypes: readonly PatchType[];
  readonly subresources: { readonly [name: string]: SubresourceDescriptor };
  readonly [resourceTypes]?: { readonly object: T; readonly list: L };
}

/**
 * Attaches object and list types to a generated descriptor. Used by generated code: `defineResource<Pod, PodList>()({...})`.
 * The descriptor keeps its literal type (scope, verbs, subresource names), which `client.resource()` reads.
 */
export function defineResource<T extends KubernetesObject, L extends KubernetesList<T>>() {
  return <const D extends Omit<ResourceDescriptor<T, L, boolean>, typeof resourceTypes>>(descriptor: D): D & ResourceDescriptor<T, L, D["namespaced"]> =>
    descriptor as D & ResourceDescriptor<T, L, D["namespaced"]>;
}

/** A field's value in a {@link DeepPartial}: objects partial too, arrays of partial elements. */
export type DeepPartialValue<T> = T extends readonly (infer E)[] ? DeepPartialValue<E>[] : T extends object ? DeepPartial<T> : T;

/** Makes every property optional, recursively (elements of arrays too). */
export type DeepPartial<T> = { [K in keyof T]?: DeepPartialValue<T[K]> };

/**
 * Input of server-side apply, as client-go's apply configurations: any subset of the object. The object type itself
 * fits (`const d: Deployment = ...; apply(d, ...)`); `apiVersion` and `kind` are filled from the resource when
 * absent and `metadata.name` is checked when the call is made.
 */
export type ApplyConfiguration<T> = { [K in keyof T]?: DeepPartialValue<T[K]> };

/** A field's value in a {@link MergePatch}: arrays are replaced as a whole, so their elements are complete. */
export type MergePatchValue<T> = T extends readonly unknown[] ? T : T extends object ? MergePatch<T> : T;

/** A JSON merge patch (RFC 7386) of `T`: any subset of its fields, where `null` deletes a field. */
export type MergePatch<T> = { [K in keyof T]?: MergePatchValue<T[K]> | null };

/**
 * The directives a strategic merge patch may put into any object (`$patch: "delete"` on a list element, ...).
 * `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` are not typed: as index signatures they would stop
 * values of named types (`spec: deployment.spec`) from fitting; send those through `untypedBody`.
 */
export interface StrategicMergePatchDirectives {
  $patch?: "replace" | "merge" | "delete";
  $retainKeys?: string[];
}

/** A field's value in a {@link StrategicMergePatch}: lists merge element by element, so elements are partial too. */
export type StrategicMergePatchValue<T> = T extends readonly (infer E)[]
  ? StrategicMergePatchValue<E>[]
  : T extends object
    ? StrategicMergePatch<T>
    : T;

/**
 * A strategic merge patch of `T` (built-in kinds only): as a merge patch, except that lists with a merge key (a
 * pod's containers by name) merge element by element; plus the patch directives.
 */
export type StrategicMergePatch<T> = { [K in keyof T]?: StrategicMergePatchValue<T[K]> | null } & StrategicMergePatchDirectives;

/** One operation of a JSON patch (RFC 6902), typed by its `op`. */
export type JsonPatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };
