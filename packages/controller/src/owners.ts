import type { KubernetesObject, OwnerReference } from "@org/k8s-runtime";

/** What a reconcile is asked to do: bring the object `namespace/name` (or cluster-scoped `name`) to its desired state. */
export interface ReconcileRequest {
  /** Undefined for cluster-scoped kinds. */
  readonly namespace?: string | undefined;
  /** The object's name. */
  readonly name: string;
}

/** A kind as owner references name it: `apiVersion` (any version of the group matches) and `kind`. */
export interface KindOf {
  /** API group (`""` for the core group). */
  readonly group: string;
  /** Version written into references made for it. */
  readonly version: string;
  /** The kind (`Deployment`). */
  readonly kind: string;
  /** Whether its objects live in namespaces. */
  readonly namespaced: boolean;
}

/** The work-queue key of a request: `namespace/name`, or `name` (client-go's `MetaNamespaceKeyFunc`). */
export function requestKey(request: ReconcileRequest): string {
  return request.namespace ? `${request.namespace}/${request.name}` : request.name;
}

/** The request a key stands for (the inverse of {@link requestKey}). */
export function requestOfKey(key: string): ReconcileRequest {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The request that reconciles `object` itself. */
export function requestFor(object: KubernetesObject): ReconcileRequest | undefined {
  const name = object.metadata?.name;
  if (!name) return undefined;
  return object.metadata?.namespace ? { namespace: object.metadata.namespace, name } : { name };
}

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "");
const apiVersionOf = (kind: KindOf) => (kind.group ? `${kind.group}/${kind.version}` : kind.version);

/** Error of {@link setControllerReference}: the object already has another controller. */
export class AlreadyOwnedError extends Error {
  override readonly name = "AlreadyOwnedError";
  constructor(
    message: string,
    /** The controller reference the object already has. */
    readonly owner: OwnerReference,
  ) {
    super(message);
  }
}

/**
 * The owner reference that makes `owner` the controller of an object: `controller: true` and
 * `blockOwnerDeletion: true`, as controller-runtime's `SetControllerReference` writes it. The kind's apiVersion and
 * kind are taken from `kind` (objects from lists carry none).
 */
export function controllerReference(owner: KubernetesObject, kind: KindOf): OwnerReference {
  const name = owner.metadata?.name;
  const uid = owner.metadata?.uid;
  if (!name || !uid) throw new TypeError(`controllerReference: the owner ${kind.kind} needs metadata.name and metadata.uid (got ${JSON.stringify({ name, uid })})`);
  return { apiVersion: apiVersionOf(kind), kind: kind.kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/**
 * `object`'s owner references with `owner` as its controller (replacing a reference to the same owner; others kept),
 * as controller-runtime's `SetControllerReference`. Throws {@link AlreadyOwnedError} when another object already
 * controls it. Returns the new list; `object` is not changed.
 */
export function setControllerReference(owner: KubernetesObject, kind: KindOf, object: KubernetesObject): OwnerReference[] {
  const reference = controllerReference(owner, kind);
  const sameOwner = (ref: OwnerReference) => groupOf(ref.apiVersion) === kind.group && ref.kind === kind.kind && ref.name === reference.name;
  const existing = object.metadata?.ownerReferences ?? [];
  const other = existing.find((ref) => ref.controller && !sameOwner(ref));
  if (other) {
    const what = `${object.metadata?.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata?.name ?? "(unnamed)"}`;
    throw new AlreadyOwnedError(`${what} is already controlled by ${other.kind} ${other.name}, so ${kind.kind} ${reference.name} cannot control it`, other);
  }
  return [...existing.filter((ref) => !sameOwner(ref)), reference];
}

/**
 * The requests for the owners of kind `owner` named by `object`'s owner references (only its controller unless
 * `onlyController` is false), as controller-runtime's `EnqueueRequestForOwner`: any version of the owner's group
 * matches, and a namespaced owner is in the object's namespace.
 */
export function ownerRequests(object: KubernetesObject, owner: KindOf, onlyController = true): ReconcileRequest[] {
  const requests: ReconcileRequest[] = [];
  for (const ref of object.metadata?.ownerReferences ?? []) {
    if (onlyController && ref.controller !== true) continue;
    if (ref.kind !== owner.kind || groupOf(ref.apiVersion) !== owner.group || !ref.name) continue;
    if (!owner.namespaced) requests.push({ name: ref.name });
    else if (object.metadata?.namespace) requests.push({ namespace: object.metadata.namespace, name: ref.name });
  }
  return requests;
}
