import { type CallOptions, type KubernetesList, type KubernetesObject, type ResourceClient, isConflict, isNotFound } from "@org/k8s-runtime";

/** Options of {@link addFinalizer} and {@link removeFinalizer}. */
export interface FinalizerOptions extends CallOptions {
  /** Recorded as the patch's field manager. */
  fieldManager?: string | undefined;
}

/** How often a finalizer patch is tried against a changing object (client-go's `retry.DefaultRetry` has 5 steps). */
const ATTEMPTS = 5;

/** Whether `object` lists `finalizer` (controller-runtime's `controllerutil.ContainsFinalizer`). */
export function hasFinalizer(object: KubernetesObject | undefined, finalizer: string): boolean {
  return object?.metadata?.finalizers?.includes(finalizer) ?? false;
}

/**
 * Adds `finalizer` to the object on the server unless it is there, and resolves to the object as the server has it.
 * The patch replaces the list only at the resourceVersion it was computed from (an optimistic lock, as
 * controller-runtime's `MergeFromWithOptimisticLock`), so a finalizer someone else added meanwhile is never lost:
 * on a conflict the object is read again and the patch recomputed (up to 5 times). Adding to an object that is
 * being deleted is refused by the server (it allows only removals then).
 */
export async function addFinalizer<T extends KubernetesObject>(
  resource: ResourceClient<T, KubernetesList<T>, boolean>,
  object: T,
  finalizer: string,
  options: FinalizerOptions = {},
): Promise<T> {
  checkFinalizer(finalizer);
  const result = await patchFinalizers(resource, object, options, (list) => (list.includes(finalizer) ? undefined : [...list, finalizer]));
  if (!result) throw new Error(`addFinalizer ${finalizer}: ${describe(resource.descriptor.kind, object)} no longer exists`);
  return result;
}

/**
 * Removes `finalizer` from the object on the server if it is there, with the same optimistic lock as
 * {@link addFinalizer}; others' finalizers stay. Resolves to the object as the server has it, or `undefined` when it
 * is gone (removing the last finalizer of an object being deleted lets the server delete it).
 */
export async function removeFinalizer<T extends KubernetesObject>(
  resource: ResourceClient<T, KubernetesList<T>, boolean>,
  object: T,
  finalizer: string,
  options: FinalizerOptions = {},
): Promise<T | undefined> {
  checkFinalizer(finalizer);
  return patchFinalizers(resource, object, options, (list) => (list.includes(finalizer) ? list.filter((f) => f !== finalizer) : undefined));
}

/** Applies `change` (undefined: nothing to do) to the finalizers at the object's resourceVersion, re-reading on conflicts. */
async function patchFinalizers<T extends KubernetesObject>(
  resource: ResourceClient<T, KubernetesList<T>, boolean>,
  object: T,
  options: FinalizerOptions,
  change: (finalizers: readonly string[]) => string[] | undefined,
): Promise<T | undefined> {
  const name = object.metadata?.name;
  if (!name) throw new TypeError(`finalizers of ${resource.descriptor.kind}: the object has no metadata.name`);
  const namespace = object.metadata?.namespace;
  const scope = { ...(namespace ? { namespace } : {}), ...(options.signal ? { signal: options.signal } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) };
  let current: T = object;
  for (let attempt = 1; ; attempt++) {
    const finalizers = change(current.metadata?.finalizers ?? []);
    if (!finalizers) return current;
    const resourceVersion = current.metadata?.resourceVersion;
    if (!resourceVersion) throw new TypeError(`finalizers of ${describe(resource.descriptor.kind, current)}: the object has no metadata.resourceVersion to patch at`);
    try {
      return await resource.patch(
        name,
        { type: "merge", untypedBody: { metadata: { resourceVersion, finalizers } } },
        { ...scope, ...(options.fieldManager ? { fieldManager: options.fieldManager } : {}) } as never,
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
    }
    try {
      current = await resource.get(name, scope as never);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function checkFinalizer(finalizer: string): void {
  // The API requires a qualified name (`example.com/cleanup`); say so before the server does.
  if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(finalizer)) {
    throw new TypeError(`finalizer ${JSON.stringify(finalizer)} is not a qualified name (e.g. "example.com/cleanup")`);
  }
}

const describe = (kind: string, object: KubernetesObject) =>
  `${kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata?.name ?? ""}`;
