import { randomBytes, X509Certificate } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { type ControlPlaneAccess, apiRequest } from "./admin-client.js";
import { createNamespace, waitForDeletion, waitForDeploymentAvailable } from "./cluster-helpers.js";
import { poll } from "./wait-for.js";

// Controllers, scheduler and simulated nodes of the shared whole cluster, through kube-apiserver. Each test has a
// namespace of its own.
const shared = inject("cluster");
const admin: ControlPlaneAccess = { server: shared.server, caPem: shared.caPem, certPem: shared.admin.certPem, keyPem: shared.admin.keyPem };
const uniqueNamespace = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

interface Pod {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; hostIP?: string; conditions?: Array<{ type: string; status: string }> };
}

async function ok(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
  const res = await apiRequest(admin, method, path, body, contentType ? { contentType } : {});
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.text}`);
  return res.json;
}

const list = async <T>(path: string) => ((await ok("GET", path)) as { items: T[] }).items;

function deployment(name: string, replicas: number) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: "registry.example/app:1" }] },
      },
    },
  };
}

const isReady = (pod: Pod) => pod.status.phase === "Running" && pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");

describe("the shared whole cluster runs workloads", () => {
  it("schedules a Deployment's Pods onto the simulated nodes, where they become Running and Ready", async () => {
    const ns = uniqueNamespace("deploy");
    await createNamespace(admin, ns);
    await ok("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web", 6));
    const d = (await waitForDeploymentAvailable(admin, ns, "web")) as { status: { availableReplicas: number; readyReplicas: number } };
    expect(d.status).toMatchObject({ availableReplicas: 6, readyReplicas: 6 });

    const pods = await list<Pod>(`/api/v1/namespaces/${ns}/pods`);
    expect(pods).toHaveLength(6);
    for (const pod of pods) {
      expect(isReady(pod)).toBe(true);
      expect(shared.nodeNames).toContain(pod.spec.nodeName);
      expect(pod.status.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
      expect(pod.status.hostIP).toBe("127.0.0.1");
      expect(pod.metadata.ownerReferences?.[0]?.kind).toBe("ReplicaSet");
    }
    // The scheduler spreads replicas of one owner over nodes.
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBeGreaterThan(1);
    // The ServiceAccount admission plugin is on: pods get the projected API token volume.
    const pod = (await ok("GET", `/api/v1/namespaces/${ns}/pods/${pods[0]!.metadata.name}`)) as { spec: { volumes?: Array<{ name: string }> } };
    expect(pod.spec.volumes?.some((v) => v.name.startsWith("kube-api-access-"))).toBe(true);
  });

  it("scales a Deployment up and down to zero", async () => {
    const ns = uniqueNamespace("scale");
    await createNamespace(admin, ns);
    await ok("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web", 1));
    await waitForDeploymentAvailable(admin, ns, "web");
    const scale = (replicas: number) =>
      ok("PATCH", `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, { spec: { replicas } }, "application/merge-patch+json");

    await scale(4);
    await waitForDeploymentAvailable(admin, ns, "web");
    expect((await list<Pod>(`/api/v1/namespaces/${ns}/pods`)).filter(isReady)).toHaveLength(4);

    await scale(0);
    await waitForDeploymentAvailable(admin, ns, "web");
    await poll("pods gone after scaling to 0", 60_000, async () => ((await list<Pod>(`/api/v1/namespaces/${ns}/pods`)).length === 0 ? true : undefined));
  });

  it("rolls out a new template: a second ReplicaSet takes over and the old one is scaled to zero", async () => {
    const ns = uniqueNamespace("rollout");
    await createNamespace(admin, ns);
    await ok("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web", 3));
    await waitForDeploymentAvailable(admin, ns, "web");
    await ok(
      "PATCH",
      `/apis/apps/v1/namespaces/${ns}/deployments/web`,
      { spec: { template: { spec: { containers: [{ name: "main", image: "registry.example/app:2" }] } } } },
      "application/strategic-merge-patch+json",
    );
    const d = (await waitForDeploymentAvailable(admin, ns, "web")) as { metadata: { generation: number } };
    expect(d.metadata.generation).toBe(2);

    type ReplicaSet = { metadata: { annotations: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } };
    const sets = await list<ReplicaSet>(`/apis/apps/v1/namespaces/${ns}/replicasets`);
    expect(sets).toHaveLength(2);
    const byRevision = Object.fromEntries(sets.map((rs) => [rs.metadata.annotations["deployment.kubernetes.io/revision"], rs]));
    expect(byRevision["1"]?.spec.replicas).toBe(0);
    expect(byRevision["2"]?.spec.replicas).toBe(3);
    expect(byRevision["2"]?.spec.template.spec.containers[0]?.image).toBe("registry.example/app:2");
    const pods = await poll("only new pods left", 60_000, async () => {
      const items = await list<Pod & { spec: { containers: Array<{ image: string }> } }>(`/api/v1/namespaces/${ns}/pods`);
      return items.length === 3 && items.every((p) => p.spec.containers[0]?.image === "registry.example/app:2") ? items : undefined;
    });
    expect(pods.every(isReady)).toBe(true);
  });

  it("deletes in the foreground: the Deployment waits for its ReplicaSet and Pods, then goes", async () => {
    const ns = uniqueNamespace("fg");
    await createNamespace(admin, ns);
    await ok("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web", 2));
    await waitForDeploymentAvailable(admin, ns, "web");
    const res = await apiRequest(admin, "DELETE", `/apis/apps/v1/namespaces/${ns}/deployments/web?propagationPolicy=Foreground`);
    expect(res.status).toBe(200);
    // Still there, marked for deletion, holding the foreground finalizer until its dependents are gone.
    expect(res.json).toMatchObject({ metadata: { finalizers: ["foregroundDeletion"], deletionTimestamp: expect.any(String) } });
    await waitForDeletion(admin, `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    expect(await list(`/apis/apps/v1/namespaces/${ns}/replicasets`)).toHaveLength(0);
    expect(await list(`/api/v1/namespaces/${ns}/pods`)).toHaveLength(0);
  });

  it("deletes in the background: the Deployment goes at once, the garbage collector removes the rest", async () => {
    const ns = uniqueNamespace("bg");
    await createNamespace(admin, ns);
    await ok("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web", 2));
    await waitForDeploymentAvailable(admin, ns, "web");
    const res = await apiRequest(admin, "DELETE", `/apis/apps/v1/namespaces/${ns}/deployments/web?propagationPolicy=Background`);
    expect(res.status).toBe(200);
    expect((await apiRequest(admin, "GET", `/apis/apps/v1/namespaces/${ns}/deployments/web`)).status).toBe(404);
    await poll("garbage collection of ReplicaSet and Pods", 60_000, async () => {
      const [sets, pods] = [await list(`/apis/apps/v1/namespaces/${ns}/replicasets`), await list(`/api/v1/namespaces/${ns}/pods`)];
      return sets.length === 0 && pods.length === 0 ? true : undefined;
    });
  });

  it("orphans dependents when asked: the ReplicaSet survives its Deployment, without an owner", async () => {
    const ns = uniqueNamespace("orphan");
    await createNamespace(admin, ns);
    await ok("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web", 1));
    await waitForDeploymentAvailable(admin, ns, "web");
    await ok("DELETE", `/apis/apps/v1/namespaces/${ns}/deployments/web?propagationPolicy=Orphan`);
    await waitForDeletion(admin, `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    const sets = await poll("ReplicaSet without owner", 30_000, async () => {
      const items = await list<{ metadata: { ownerReferences?: unknown[] } }>(`/apis/apps/v1/namespaces/${ns}/replicasets`);
      return items.length === 1 && !items[0]!.metadata.ownerReferences?.length ? items : undefined;
    });
    expect(sets).toHaveLength(1);
  });

  it("runs a Job to completion", async () => {
    const ns = uniqueNamespace("job");
    await createNamespace(admin, ns);
    await ok("POST", `/apis/batch/v1/namespaces/${ns}/jobs`, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "once" },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "registry.example/job:1" }] } } },
    });
    const job = await poll("job completes", 60_000, async () => {
      const j = (await ok("GET", `/apis/batch/v1/namespaces/${ns}/jobs/once`)) as { status: { succeeded?: number; conditions?: Array<{ type: string; status: string }> } };
      return j.status.conditions?.some((c) => c.type === "Complete" && c.status === "True") ? j : undefined;
    });
    expect(job.status.succeeded).toBe(1);
  });

  it("runs each controller of kube-controller-manager as its own ServiceAccount, as kubeadm does", async () => {
    const accounts = (await list<{ metadata: { name: string } }>("/api/v1/namespaces/kube-system/serviceaccounts")).map((sa) => sa.metadata.name);
    expect(accounts).toEqual(expect.arrayContaining(["deployment-controller", "replicaset-controller", "namespace-controller", "generic-garbage-collector"]));
  });

  it("gives a new namespace its default ServiceAccount and the kube-root-ca.crt ConfigMap with the cluster CA", async () => {
    const ns = uniqueNamespace("fresh");
    await ok("POST", "/api/v1/namespaces", { metadata: { name: ns } });
    const sa = await poll("default ServiceAccount", 30_000, async () => {
      const res = await apiRequest(admin, "GET", `/api/v1/namespaces/${ns}/serviceaccounts/default`);
      return res.status === 200 ? res.json : undefined;
    });
    expect(sa).toMatchObject({ metadata: { name: "default", namespace: ns } });
    const cm = await poll("kube-root-ca.crt", 30_000, async () => {
      const res = await apiRequest(admin, "GET", `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`);
      return res.status === 200 ? (res.json as { data: Record<string, string> }) : undefined;
    });
    expect(new X509Certificate(cm.data["ca.crt"]!).fingerprint256).toBe(new X509Certificate(shared.caPem).fingerprint256);
  });

  it("finishes deleting a namespace with workloads in it", async () => {
    const ns = uniqueNamespace("gone");
    await createNamespace(admin, ns);
    await ok("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, deployment("web", 2));
    await ok("POST", `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: "settings" }, data: { a: "1" } });
    await waitForDeploymentAvailable(admin, ns, "web");
    const res = await apiRequest(admin, "DELETE", `/api/v1/namespaces/${ns}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: { phase: "Terminating" } });
    // The namespace controller deletes the contents, then the namespace itself: without it, this never ends.
    await waitForDeletion(admin, `/api/v1/namespaces/${ns}`, { timeoutMs: 90_000 });
  });
});
