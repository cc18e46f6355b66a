/**
 * Waiting for objects to reach a state, as `kubectl wait` and `kubectl rollout status` do: built on a watch of the
 * one object (its current state first, then its changes), never on polling.
 */
import { defineErrorKind } from "./error-kind.js";
import { followSignal } from "./signals.js";
import type { ResourceClient } from "./resource-client.js";
import type { KubernetesList, KubernetesObject } from "./types.js";

/** What a condition says about an object: met, not yet (with a line saying why, for progress and timeouts), or failed. */
export type ConditionResult = boolean | { met: boolean; message?: string | undefined } | { failed: string };

/** A condition on the object's state; `undefined` means the object does not exist (or no longer). */
export type WaitCondition<T> = (object: T | undefined) => ConditionResult;

/** Options of the wait helpers. */
export interface WaitOptions {
  /** Namespace of the object; default the connection's. */
  namespace?: string | undefined;
  /** Gives up after this long with {@link WaitTimeoutError}. Default: no limit. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called with each not-yet message as the object changes (kubectl's "Waiting for deployment ... rollout to finish"). */
  onProgress?: ((message: string) => void) | undefined;
}

/** The wait ran out of time; the message names what it waited for and the last state it saw. */
export class WaitTimeoutError extends Error {
  static {
    defineErrorKind(this, "WaitTimeoutError");
  }
  constructor(
    message: string,
    /** The object as last seen (undefined when it did not exist). */
    readonly lastSeen: unknown,
  ) {
    super(message);
  }
}

/** The object reached a state it cannot leave by waiting (a rollout past its progress deadline). */
export class WaitFailedError extends Error {
  static {
    defineErrorKind(this, "WaitFailedError");
  }
  constructor(
    message: string,
    readonly lastSeen: unknown,
  ) {
    super(message);
  }
}

type AnyResourceClient<T extends KubernetesObject> = Pick<ResourceClient<T, KubernetesList<T>, boolean>, "watch" | "descriptor" | "defaultNamespace">;

const normalize = (result: ConditionResult): { met: boolean; message?: string | undefined; failed?: string } =>
  typeof result === "boolean" ? { met: result } : "failed" in result ? { met: false, failed: result.failed } : result;

/**
 * Waits until `condition` holds for the object `name` (evaluated on its current state, then on every change) and
 * resolves with the object as it was then (undefined if the condition was met by its absence).
 */
export async function waitFor<T extends KubernetesObject>(client: AnyResourceClient<T>, name: string, condition: WaitCondition<T>, options: WaitOptions = {}): Promise<T | undefined> {
  const { kind, namespaced } = client.descriptor;
  const namespace = namespaced ? (options.namespace ?? client.defaultNamespace) : undefined;
  const what = `${kind.toLowerCase()} ${namespace ? `${namespace}/` : ""}${name}`;
  // A timer of our own rather than AbortSignal.timeout combined with AbortSignal.any: on Node 20 a combined signal can
  // lose a timeout source to garbage collection and never fire.
  const stop = new AbortController();
  let timedOut = false;
  const timer =
    options.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          stop.abort();
        }, options.timeoutMs)
      : undefined;
  const unfollow = followSignal(options.signal, stop);
  const signal = stop.signal;
  let current: T | undefined;
  let lastMessage: string | undefined;
  const check = (): { done: true; value: T | undefined } | undefined => {
    const result = normalize(condition(current));
    if (result.failed !== undefined) throw new WaitFailedError(`${what}: ${result.failed}`, current);
    if (result.met) return { done: true, value: current };
    if (result.message && result.message !== lastMessage) {
      lastMessage = result.message;
      options.onProgress?.(result.message);
    }
    return undefined;
  };
  try {
    let initial = true;
    for await (const event of client.watch({
      ...(namespace !== undefined ? { namespace } : {}),
      fieldSelector: `metadata.name=${name}`,
      allowWatchBookmarks: true,
      signal,
    } as never) as AsyncIterable<{ type: string; object: T }>) {
      if (event.type === "BOOKMARK") {
        // The end of the initial state: an object that is not there by now does not exist.
        if (initial) {
          initial = false;
          const met = check();
          if (met) return met.value;
        }
        continue;
      }
      // Objects of a paged initial state come without their kind; conditions may read it.
      current = event.type === "DELETED" ? undefined : event.object.kind ? event.object : { ...event.object, kind };
      if (initial) continue; // judge the initial state once it is complete
      const met = check();
      if (met) return met.value;
    }
  } finally {
    clearTimeout(timer);
    unfollow();
    stop.abort();
  }
  if (options.signal?.aborted) throw options.signal.reason;
  if (timedOut) {
    const state = lastMessage ? `: ${lastMessage}` : current === undefined ? " (it does not exist)" : "";
    throw new WaitTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${what}${state}`, current);
  }
  throw new Error(`waiting for ${what}: the watch ended`);
}

interface Conditioned extends KubernetesObject {
  status?: { conditions?: ReadonlyArray<{ type?: string; status?: string; reason?: string; message?: string; observedGeneration?: number }> };
}

/**
 * `kubectl wait --for=condition=TYPE[=STATUS]`: the object's `status.conditions` has `type` (any case) with
 * `status` (default `"True"`), and the condition is not older than the object's generation.
 */
export function hasCondition<T extends KubernetesObject>(type: string, status = "True"): WaitCondition<T> {
  return (object) => {
    if (!object) return { met: false, message: "the object does not exist" };
    const conditions = (object as Conditioned).status?.conditions ?? [];
    const found = conditions.find((c) => c.type?.toLowerCase() === type.toLowerCase());
    const generation = object.metadata?.generation;
    if (found && found.observedGeneration !== undefined && generation !== undefined && found.observedGeneration < generation) {
      return { met: false, message: `condition ${type} describes generation ${found.observedGeneration}, not ${generation}` };
    }
    if (found?.status?.toLowerCase() === status.toLowerCase()) return true;
    return { met: false, message: found ? `condition ${type} is ${found.status}${found.reason ? ` (${found.reason})` : ""}` : `no condition ${type} yet` };
  };
}

/** `kubectl wait --for=delete`: the object no longer exists. */
export const isDeleted = <T extends KubernetesObject>(): WaitCondition<T> => (object) =>
  object === undefined ? true : { met: false, message: object.metadata?.deletionTimestamp ? "being deleted" : "still exists" };

/** Waits for a condition (`kubectl wait --for=condition=Available deployment/web`). */
export function waitForCondition<T extends KubernetesObject>(client: AnyResourceClient<T>, name: string, type: string, options: WaitOptions & { status?: string } = {}): Promise<T> {
  return waitFor(client, name, hasCondition<T>(type, options.status), options) as Promise<T>;
}

/** Waits until the object is gone (`kubectl wait --for=delete`); resolves at once when it does not exist. */
export async function waitForDeletion<T extends KubernetesObject>(client: AnyResourceClient<T>, name: string, options: WaitOptions = {}): Promise<void> {
  await waitFor(client, name, isDeleted<T>(), options);
}

interface Workload extends KubernetesObject {
  spec?: {
    replicas?: number;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  };
  status?: Conditioned["status"] & {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

/**
 * `kubectl rollout status`: the Deployment, StatefulSet or DaemonSet has rolled out its current spec, by kubectl's
 * rules (`rollout_status.go`). A Deployment past its progress deadline fails instead of waiting on.
 */
export function rolloutComplete<T extends KubernetesObject>(): WaitCondition<T> {
  return (object) => {
    if (!object) return { met: false, message: "the object does not exist" };
    const w = object as Workload;
    const name = w.metadata?.name ?? "";
    const generation = w.metadata?.generation ?? 0;
    const status = w.status ?? {};
    const observed = status.observedGeneration ?? 0;
    switch (w.kind) {
      case "Deployment": {
        if (generation > observed) return { met: false, message: "Waiting for deployment spec update to be observed..." };
        const progressing = status.conditions?.find((c) => c.type === "Progressing");
        if (progressing?.reason === "ProgressDeadlineExceeded") return { failed: `deployment "${name}" exceeded its progress deadline` };
        const updated = status.updatedReplicas ?? 0;
        if (w.spec?.replicas !== undefined && updated < w.spec.replicas) {
          return { met: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${w.spec.replicas} new replicas have been updated...` };
        }
        if ((status.replicas ?? 0) > updated) {
          return { met: false, message: `Waiting for deployment "${name}" rollout to finish: ${(status.replicas ?? 0) - updated} old replicas are pending termination...` };
        }
        if ((status.availableReplicas ?? 0) < updated) {
          return { met: false, message: `Waiting for deployment "${name}" rollout to finish: ${status.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
        }
        return true;
      }
      case "DaemonSet": {
        if (w.spec?.updateStrategy?.type && w.spec.updateStrategy.type !== "RollingUpdate") return { failed: "rollout status is only available for the RollingUpdate strategy type" };
        if (generation > observed) return { met: false, message: "Waiting for daemon set spec update to be observed..." };
        const desired = status.desiredNumberScheduled ?? 0;
        if ((status.updatedNumberScheduled ?? 0) < desired) {
          return { met: false, message: `Waiting for daemon set "${name}" rollout to finish: ${status.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...` };
        }
        if ((status.numberAvailable ?? 0) < desired) {
          return { met: false, message: `Waiting for daemon set "${name}" rollout to finish: ${status.numberAvailable ?? 0} of ${desired} updated pods are available...` };
        }
        return true;
      }
      case "StatefulSet": {
        const strategy = w.spec?.updateStrategy;
        if (strategy?.type && strategy.type !== "RollingUpdate") return { failed: "rollout status is only available for the RollingUpdate strategy type" };
        if (observed === 0 || generation > observed) return { met: false, message: "Waiting for statefulset spec update to be observed..." };
        const replicas = w.spec?.replicas;
        if (replicas !== undefined && (status.readyReplicas ?? 0) < replicas) return { met: false, message: `Waiting for ${replicas - (status.readyReplicas ?? 0)} pods to be ready...` };
        const partition = strategy?.rollingUpdate?.partition;
        if (replicas !== undefined && partition !== undefined) {
          const want = replicas - partition;
          if ((status.updatedReplicas ?? 0) < want) {
            return { met: false, message: `Waiting for partitioned roll out to finish: ${status.updatedReplicas ?? 0} out of ${want} new pods have been updated...` };
          }
          return true;
        }
        if (status.updateRevision !== status.currentRevision) {
          return { met: false, message: `waiting for statefulset rolling update to complete ${status.updatedReplicas ?? 0} pods at revision ${status.updateRevision}...` };
        }
        return true;
      }
      default:
        return { failed: `rollout status is only available for Deployments, StatefulSets and DaemonSets, not ${w.kind ?? "this kind"}` };
    }
  };
}

/** Waits for a rollout to complete (`kubectl rollout status deployment/web`). */
export function waitForRollout<T extends KubernetesObject>(client: AnyResourceClient<T>, name: string, options: WaitOptions = {}): Promise<T> {
  return waitFor(client, name, rolloutComplete<T>(), options) as Promise<T>;
}
