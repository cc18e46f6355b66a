/** Kubernetes API types the runtime itself needs, independent of any generated group-version. */

/** `metav1.ObjectMeta`, the fields the runtime reads or sets. Generated types carry the full definition. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
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

/** `metav1.Status`: what the server returns for errors and some deletes. */
export interface Status {
  apiVersion?: string;
  kind?: "Status";
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

/** One event of a watch. `BOOKMARK` objects carry only `metadata.resourceVersion` (and annotations). */
export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T }
  | { type: "BOOKMARK"; object: T };

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

/**
 * A resource as the generator describes it. The type parameters carry the object and list types (they exist only at
 * compile time).
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
  /** Phantom fields, never set: they carry the object and list types. */
  readonly __types?: { object: T; list: L };
}

/**
 * Attaches object and list types to a generated descriptor. Used by generated code: `defineResource<Pod, PodList>()({...})`.
 * The descriptor keeps its literal type (scope, verbs, subresource names), which the typed clients read.
 */
export function defineResource<T extends KubernetesObject, L extends KubernetesList<T>>() {
  return <const D extends Omit<ResourceDescriptor<T, L, boolean>, "__types">>(descriptor: D): D & { readonly __types?: { object: T; list: L } } =>
    descriptor;
}

/** Makes every property optional, recursively (arrays keep their element shape partial too). */
export type DeepPartial<T> = T extends readonly (infer E)[]
  ? DeepPartial<E>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * Input of server-side apply, as client-go's apply configurations: any subset of the object, with `apiVersion`,
 * `kind` and `metadata.name` required.
 */
export type ApplyConfiguration<T extends KubernetesObject> = DeepPartial<Omit<T, "apiVersion" | "kind" | "metadata">> & {
  apiVersion: NonNullable<T["apiVersion"]>;
  kind: NonNullable<T["kind"]>;
  metadata: DeepPartial<NonNullable<T["metadata"]>> & { name: string };
};

/** One operation of a JSON patch (RFC 6902), typed by its `op`. */
export type JsonPatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };
