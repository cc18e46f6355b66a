import { type ControlPlaneAccess, apiRequest } from "./admin-client.js";
import { poll } from "./wait-for.js";

interface Condition {
  type: string;
  status: string;
}

/** Options of the cluster helpers that wait. */
export interface WaitOptions {
  /** Default 60 s (a loaded 2-core machine is slow). */
  timeoutMs?: number;
}

/**
 * Creates a namespace (an existing one is fine) and waits until kube-controller-manager has given it its `default`
 * ServiceAccount, without which the ServiceAccount admission plugin refuses pods. Needs a whole cluster.
 */
export async function createNamespace(access: ControlPlaneAccess, name: string, options: WaitOptions = {}): Promise<void> {
  const res = await apiRequest(access, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  if (res.status !== 201 && res.status !== 409) throw new Error(`creating namespace ${name}: HTTP ${res.status} ${res.text}`);
  await poll(`namespace ${name} has no default ServiceAccount`, options.timeoutMs ?? 60_000, async () => {
    const sa = await apiRequest(access, "GET", `/api/v1/namespaces/${name}/serviceaccounts/default`);
    return sa.status === 200 ? true : undefined;
  });
}

/**
 * Waits until a Deployment has rolled out as `kubectl rollout status` judges it: the controller saw the latest
 * generation and every replica is updated and available. Returns the Deployment.
 */
export async function waitForDeploymentAvailable(
  access: ControlPlaneAccess,
  namespace: string,
  name: string,
  options: WaitOptions = {},
): Promise<Record<string, unknown>> {
  const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
  let last = "";
  try {
    return await poll(`deployment ${namespace}/${name} did not become available`, options.timeoutMs ?? 60_000, async () => {
      const res = await apiRequest(access, "GET", path);
      if (res.status !== 200) {
        last = `HTTP ${res.status}`;
        return undefined;
      }
      const d = res.json as {
        metadata: { generation?: number };
        spec: { replicas?: number };
        status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
      };
      const want = d.spec.replicas ?? 1;
      const s = d.status ?? {};
      last = `observedGeneration ${s.observedGeneration}/${d.metadata.generation}, updated ${s.updatedReplicas ?? 0}, available ${s.availableReplicas ?? 0}, total ${s.replicas ?? 0} of ${want}`;
      const done =
        (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
        (s.updatedReplicas ?? 0) === want &&
        (s.availableReplicas ?? 0) === want &&
        (s.replicas ?? 0) === want;
      return done ? (res.json as Record<string, unknown>) : undefined;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last status: ${last}`);
  }
}

/** Waits until the named nodes report `Ready=True`. */
export async function waitForNodesReady(access: ControlPlaneAccess, names: string[], options: WaitOptions = {}): Promise<void> {
  await poll(`nodes ${names.join(", ")} did not become Ready`, options.timeoutMs ?? 60_000, async () => {
    const res = await apiRequest(access, "GET", "/api/v1/nodes");
    if (res.status !== 200) return undefined;
    const items = (res.json as { items: Array<{ metadata: { name: string }; status?: { conditions?: Condition[] } }> }).items;
    const ready = new Set(
      items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata.name),
    );
    return names.every((n) => ready.has(n)) ? true : undefined;
  });
}

/** Waits until an object is gone (404), for example a namespace being deleted. */
export async function waitForDeletion(access: ControlPlaneAccess, path: string, options: WaitOptions = {}): Promise<void> {
  await poll(`${path} was not deleted`, options.timeoutMs ?? 60_000, async () => {
    const res = await apiRequest(access, "GET", path);
    return res.status === 404 ? true : undefined;
  });
}
