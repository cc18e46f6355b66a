import type { Condition } from "@org/k8s-core";
import type { CallOptions, DeepPartialValue, KubernetesList, KubernetesObject, ResourceClient } from "@org/k8s-runtime";

/** The type of `T`'s `status` (never for kinds without one). */
export type StatusOf<T> = T extends { status?: infer S } ? S : never;

/** What {@link applyStatus} sends: any subset of the status, the fields this controller owns. */
export type StatusConfiguration<T> = DeepPartialValue<NonNullable<StatusOf<T>>>;

/** Options of {@link applyStatus}. */
export interface ApplyStatusOptions extends CallOptions {
  /** The controller's field manager (server-side apply ownership of the status fields). */
  fieldManager: string;
  /**
   * Take fields other managers own instead of failing with a conflict. Default true: a controller is the authority
   * on the status it reports (controller-runtime's `client.ForceOwnership`).
   */
  force?: boolean | undefined;
}

/**
 * Reports `object`'s status by server-side apply of the `status` subresource, as `fieldManager`: the server merges
 * the fields given with what others own, and drops status fields this manager set before and no longer sends. Only
 * name and namespace are taken from `object` (never its spec or metadata), so nothing else is written. Resolves to
 * the whole object as the server has it now. A deleted object rejects with NotFound (a status write never creates).
 */
export function applyStatus<T extends KubernetesObject>(
  resource: ResourceClient<T, KubernetesList<T>, boolean>,
  object: KubernetesObject,
  status: StatusConfiguration<T>,
  options: ApplyStatusOptions,
): Promise<T> {
  const name = object.metadata?.name;
  if (!name) throw new TypeError(`applyStatus ${resource.descriptor.kind}: the object has no metadata.name`);
  const namespace = object.metadata?.namespace;
  const metadata = namespace ? { name, namespace } : { name };
  const { fieldManager, force = true, ...call } = options;
  return resource.applySubresource<T>("status", { metadata, status } as never, {
    ...call,
    fieldManager,
    force,
    ...(namespace ? { namespace } : {}),
  } as never);
}

/** The fields of a `metav1.Condition` the helpers read; a CRD's own condition type (with a narrower `status`) fits. */
export interface ConditionLike {
  /** The condition's type (`Ready`). */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  /** When `status` last changed (metav1.Time). */
  lastTransitionTime: string;
  /** Why, machine-readable (CamelCase). */
  reason: string;
  /** Why, for humans. */
  message: string;
  /** The `metadata.generation` it was set for. */
  observedGeneration?: number | undefined;
}

/** A condition as {@link setStatusCondition} takes it: `lastTransitionTime` is filled in. */
export type ConditionInput<C extends ConditionLike = Condition> = Omit<C, "lastTransitionTime"> & { lastTransitionTime?: string | undefined };

/** `metav1.Time` as the API writes it: RFC 3339 in UTC, whole seconds. */
export function metaTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * `conditions` with `condition` set, as apimachinery's `meta.SetStatusCondition`: added if its type is new,
 * otherwise replaced, with `lastTransitionTime` kept unless the status changes (then `now`, or the time given).
 * Returns a new array; the input is not changed.
 */
export function setStatusCondition<C extends ConditionLike = Condition>(conditions: readonly C[] | undefined, condition: ConditionInput<C>, now: Date = new Date()): C[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === condition.type);
  const existing = index < 0 ? undefined : list[index]!;
  const transition = condition.lastTransitionTime ?? metaTime(now);
  const next = {
    ...condition,
    lastTransitionTime: existing && existing.status === condition.status ? existing.lastTransitionTime : transition,
  } as C;
  if (next.observedGeneration === undefined) delete next.observedGeneration;
  if (index < 0) list.push(next);
  else list[index] = next;
  return list;
}

/** The condition of `type`, if there is one (apimachinery's `meta.FindStatusCondition`). */
export function findStatusCondition<C extends ConditionLike>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Whether the condition of `type` has status `"True"` (apimachinery's `meta.IsStatusConditionTrue`). */
export function isStatusConditionTrue(conditions: readonly ConditionLike[] | undefined, type: string): boolean {
  return findStatusCondition(conditions, type)?.status === "True";
}
