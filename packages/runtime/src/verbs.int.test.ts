import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminTestConnection } from "../../../scripts/vitest/test-connection.js";
import { createClient } from "./client.js";
import { ApplyConflictError, KubernetesError, isAlreadyExists, isConflict, isForbidden, isNotFound } from "./errors.js";
import { clusterRoles, configMaps, deployments, namespaces, pods } from "./test/descriptors.js";
import type { Status } from "./types.js";

const ns = `verbs-${Date.now()}`;
const connection = await adminTestConnection(ns);
const k8s = createClient(connection);
const cms = k8s.resource(configMaps);

beforeAll(async () => {
  await k8s.resource(namespaces).create({ metadata: { name: ns } });
});
afterAll(() => connection.close());

describe("verbs on a namespaced resource (ConfigMap)", () => {
  it("create, get, list, replace, delete, defaulting to the connection's namespace", async () => {
    const created = await cms.create({ metadata: { name: "a" }, data: { k: "1" } });
    expect(created.metadata?.namespace).toBe(ns);
    expect(created.metadata?.uid).toBeTruthy();
    const got = await cms.get("a");
    expect(got).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", data: { k: "1" } });

    const replaced = await cms.replace({ ...got, data: { k: "2" } });
    expect(replaced.data).toEqual({ k: "2" });
    // A replace with a stale resourceVersion is a typed conflict.
    const stale = await cms.replace({ ...got, data: { k: "3" } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);

    const list = await cms.list({ labelSelector: "" });
    expect(list.items.map((i) => i.metadata?.name)).toContain("a");

    const dry = (await cms.delete("a", { dryRun: true })) as Status;
    expect(dry).toMatchObject({ kind: "Status", status: "Success", details: { name: "a" } });
    expect((await cms.get("a")).data).toEqual({ k: "2" });

    // Preconditions: a wrong uid refuses the delete.
    const refused = await cms.delete("a", { preconditions: { uid: "not-the-uid" } }).catch((e: unknown) => e);
    expect(isConflict(refused)).toBe(true);
    await cms.delete("a", { preconditions: { uid: created.metadata!.uid! }, propagationPolicy: "Background" });
    const gone = await cms.get("a").catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
    expect((gone as KubernetesError).status).toMatchObject({ kind: "Status", code: 404, reason: "NotFound", details: { name: "a", kind: "configmaps" } });
    expect((gone as KubernetesError).message).toContain(`/api/v1/namespaces/${ns}/configmaps/a`);
  });

  it("creating an existing name is AlreadyExists", async () => {
    await cms.create({ metadata: { name: "dup" } });
    const error = await cms.create({ metadata: { name: "dup" } }).catch((e: unknown) => e);
    expect(isAlreadyExists(error)).toBe(true);
    expect(isConflict(error)).toBe(false);
  });

  it("patches with merge, strategic merge and typed JSON patch, each with its content type", async () => {
    await cms.create({ metadata: { name: "p", labels: { a: "1" } }, data: { x: "1", y: "2" } });
    const merged = await cms.patch("p", { type: "merge", body: { data: { x: "10", y: null } } as never });
    expect(merged.data).toEqual({ x: "10" });
    const strategic = await cms.patch("p", { type: "strategic", body: { metadata: { labels: { b: "2" } } } });
    expect(strategic.metadata?.labels).toEqual({ a: "1", b: "2" });
    const json = await cms.patch("p", {
      type: "json",
      body: [
        { op: "test", path: "/data/x", value: "10" },
        { op: "add", path: "/data/z", value: "3" },
        { op: "remove", path: "/metadata/labels/a" },
      ],
    });
    expect(json.data).toEqual({ x: "10", z: "3" });
    expect(json.metadata?.labels).toEqual({ b: "2" });
    const failedTest = await cms.patch("p", { type: "json", body: [{ op: "test", path: "/data/x", value: "nope" }] }).catch((e: unknown) => e);
    expect(failedTest).toBeInstanceOf(KubernetesError);
    expect((failedTest as KubernetesError).code).toBe(422);
  });

  it("server-side apply: creates, updates, reports conflicts with their managers, and force takes over", async () => {
    const applied = await cms.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { owner: "one" } }, { fieldManager: "one" });
    expect(applied.data).toEqual({ owner: "one" });
    expect(applied.metadata?.managedFields).toEqual(expect.arrayContaining([expect.objectContaining({ manager: "one", operation: "Apply" })]));

    const conflict = await cms.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { owner: "two" } }, { fieldManager: "two" }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ApplyConflictError);
    expect(isConflict(conflict)).toBe(true);
    expect((conflict as ApplyConflictError).conflicts).toEqual([expect.objectContaining({ field: ".data.owner", manager: "one" })]);

    const forced = await cms.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { owner: "two" } }, { fieldManager: "two", force: true });
    expect(forced.data).toEqual({ owner: "two" });
    await expect(cms.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" } }, { fieldManager: "" })).rejects.toThrowError(/fieldManager is required/);
  });

  it("deleteCollection by label selector", async () => {
    await Promise.all(["c1", "c2", "c3"].map((name) => cms.create({ metadata: { name, labels: { batch: name === "c3" ? "keep" : "drop" } } })));
    await cms.deleteCollection({ labelSelector: "batch=drop" });
    const left = await cms.list({ labelSelector: "batch" });
    expect(left.items.map((i) => i.metadata?.name)).toEqual(["c3"]);
  });

  it("lists across namespaces with allNamespaces, and in another namespace explicitly", async () => {
    await cms.create({ metadata: { name: "elsewhere", namespace: "default" } });
    const all = await cms.list({ allNamespaces: true, fieldSelector: "metadata.name=elsewhere" });
    expect(all.items.map((i) => i.metadata?.namespace)).toEqual(["default"]);
    expect((await cms.list({ namespace: "default", fieldSelector: "metadata.name=elsewhere" })).items).toHaveLength(1);
    expect((await cms.list({ fieldSelector: "metadata.name=elsewhere" })).items).toHaveLength(0);
    await cms.delete("elsewhere", { namespace: "default" });
  });

  it("walks every page with pages() and items()", async () => {
    await Promise.all(Array.from({ length: 23 }, (_, i) => cms.create({ metadata: { name: `page-${String(i).padStart(2, "0")}`, labels: { paged: "yes" } } })));
    const pages = [];
    for await (const page of cms.pages({ labelSelector: "paged=yes", limit: 10 })) pages.push(page.items.length);
    expect(pages).toEqual([10, 10, 3]);
    const names = [];
    for await (const item of cms.items({ labelSelector: "paged=yes", limit: 7 })) names.push(item.metadata?.name);
    expect(names).toHaveLength(23);
    expect(new Set(names).size).toBe(23);
  });

  it("honours AbortSignal and timeouts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop now"));
    await expect(cms.list({ signal: controller.signal })).rejects.toThrowError("stop now");
  });
});

describe("verbs on a cluster-scoped resource (ClusterRole)", () => {
  const roles = k8s.resource(clusterRoles);
  const name = `runtime-test-${Date.now()}`;
  it("create, get, list, patch, apply, delete", async () => {
    await roles.create({ metadata: { name }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] });
    expect((await roles.get(name)).rules?.[0]?.verbs).toEqual(["get"]);
    expect((await roles.list()).items.some((r) => r.metadata?.name === name)).toBe(true);
    const patched = await roles.patch(name, { type: "merge", body: { metadata: { labels: { x: "y" } } } });
    expect(patched.metadata?.labels).toEqual({ x: "y" });
    const applied = await roles.apply(
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] },
      { fieldManager: "test", force: true },
    );
    expect(applied.rules?.[0]?.verbs).toEqual(["get", "list"]);
    // Gone at once: the server answers with a Status, which the result's kind tells apart from a ClusterRole.
    const deleted = await roles.delete(name);
    expect(deleted.kind).toBe("Status");
    if (deleted.kind === "Status") expect(deleted.status).toBe("Success");
    expect(isNotFound(await roles.get(name).catch((e: unknown) => e))).toBe(true);
  });
});

describe("subresources", () => {
  const deploys = k8s.resource(deployments);
  const manifest = {
    apiVersion: "apps/v1" as const,
    kind: "Deployment" as const,
    metadata: { name: "web" },
    spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } },
  };

  it("scale: get and patch the replica count", async () => {
    await deploys.create(manifest);
    const scale = await deploys.scale.get("web");
    expect(scale).toMatchObject({ apiVersion: "autoscaling/v1", kind: "Scale", spec: { replicas: 1 } });
    const scaled = await deploys.scale.patch("web", { type: "merge", body: { spec: { replicas: 3 } } });
    expect(scaled.spec?.replicas).toBe(3);
    expect((await deploys.get("web")).spec?.replicas).toBe(3);
  });

  it("scale: replace and apply send an autoscaling/v1 Scale, not the parent kind", async () => {
    const replaced = await deploys.scale.replace({ metadata: { name: "web" }, spec: { replicas: 4 } });
    expect(replaced).toMatchObject({ apiVersion: "autoscaling/v1", kind: "Scale", spec: { replicas: 4 } });
    const applied = await deploys.scale.apply({ metadata: { name: "web" }, spec: { replicas: 3 } }, { fieldManager: "scaler", force: true });
    expect(applied).toMatchObject({ kind: "Scale", spec: { replicas: 3 } });
    expect((await deploys.get("web")).spec?.replicas).toBe(3);
  });

  it("status: replace, patch and apply only the status", async () => {
    const current = await deploys.status.get("web");
    const replaced = await deploys.status.replace({ ...current, status: { observedGeneration: 7 } });
    expect(replaced.status?.observedGeneration).toBe(7);
    const patched = await deploys.status.patch("web", { type: "merge", body: { status: { replicas: 2 } } });
    expect(patched.status?.replicas).toBe(2);
    const applied = await deploys.status.apply(
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, status: { conditions: [{ type: "Available", status: "True", reason: "Test" }] } },
      { fieldManager: "status-writer", force: true },
    );
    expect(applied.status?.conditions?.[0]).toMatchObject({ type: "Available", status: "True" });
    // The spec is untouched by status writes.
    expect(applied.spec?.replicas).toBe(3);
  });

  it("pod log: text and stream reach the log endpoint with their query (no kubelet here: a pod without a node has no log)", async () => {
    const podClient = k8s.resource(pods);
    await podClient.create({ metadata: { name: "logger" }, spec: { containers: [{ name: "main", image: "busybox" }] } });
    // kube-apiserver 1.37 answers 204 No Content for a pod that has no node yet.
    expect(await podClient.log("logger", { container: "main", tailLines: 10 })).toBe("");
    const lines: string[] = [];
    for await (const line of podClient.logStream("logger", { container: "main" })) lines.push(line);
    expect(lines).toEqual([]);
    // The server validates the query: an unknown container is a typed 400 naming it.
    const error = await podClient.log("logger", { container: "nope", tailLines: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesError);
    expect((error as KubernetesError).request.url).toMatch(new RegExp(`/api/v1/namespaces/${ns}/pods/logger/log\\?container=nope&tailLines=10$`));
    expect((error as KubernetesError).code).toBe(400);
    expect((error as KubernetesError).message).toMatch(/container nope is not valid for pod logger/);
  });

  it("pod ephemeral containers: added through their subresource only", async () => {
    const podClient = k8s.resource(pods);
    await podClient.create({ metadata: { name: "debuggee" }, spec: { containers: [{ name: "main", image: "busybox" }] } });
    const updated = await podClient.ephemeralContainers.patch("debuggee", {
      type: "strategic",
      body: { spec: { ephemeralContainers: [{ name: "debugger", image: "busybox", targetContainerName: "main" }] } },
    });
    expect(updated.spec?.ephemeralContainers?.map((c) => c.name)).toEqual(["debugger"]);
    // The main resource refuses the same change.
    const refused = await podClient.patch("debuggee", { type: "strategic", body: { spec: { ephemeralContainers: [{ name: "other", image: "busybox" }] } } }).catch((e: unknown) => e);
    expect((refused as KubernetesError).code).toBe(422);
  });

  it("pod binding and eviction", async () => {
    const podClient = k8s.resource(pods);
    await podClient.create({ metadata: { name: "evictee" }, spec: { containers: [{ name: "main", image: "busybox" }] } });
    const bound = await podClient.bind("evictee", { name: "node-1" });
    expect(bound).toMatchObject({ kind: "Status", status: "Success" });
    expect((await podClient.get("evictee")).spec?.nodeName).toBe("node-1");
    const evicted = await podClient.evict("evictee");
    expect(evicted).toMatchObject({ kind: "Status", status: "Success" });
    expect((await podClient.get("evictee")).metadata?.deletionTimestamp).toBeTruthy();
  });
});

describe("errors", () => {
  it("RBAC denials are typed 403s carrying the server's Status", async () => {
    const unprivileged = createClient(await adminTestConnection(ns, "unprivileged"));
    const error = await unprivileged.resource(configMaps).list().catch((e: unknown) => e);
    expect(isForbidden(error)).toBe(true);
    expect((error as KubernetesError).status).toMatchObject({ code: 403, reason: "Forbidden", details: { kind: "configmaps" } });
    expect((error as KubernetesError).message).toMatch(/User "unprivileged" cannot list resource "configmaps"/);
  });
});

describe("discovery and the dynamic client", () => {
  it("reads /version, /api, /apis and a group-version's resources", async () => {
    expect((await k8s.discovery.version()).gitVersion).toMatch(/^v1\.\d+\.\d+/);
    const groups = await k8s.discovery.groups();
    expect(groups.core.versions).toEqual(["v1"]);
    expect(groups.groups.map((g) => g.name)).toContain("apps");
    const resources = await k8s.discovery.resources("apps", "v1");
    expect(resources.find((r) => r.name === "deployments")).toMatchObject({ kind: "Deployment", namespaced: true });
  });

  it("a dynamic client has the same verbs for a resource that was not generated", async () => {
    const leases = k8s.dynamic({ group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true });
    const created = await leases.create({ metadata: { name: "dyn" }, spec: { holderIdentity: "me" } } as never);
    expect(created).toMatchObject({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", spec: { holderIdentity: "me" } });
    expect((await leases.list()).items).toHaveLength(1);
  });

  it("the typed openapi-fetch client reaches any path", async () => {
    type Paths = { "/api/v1/namespaces/{namespace}/configmaps": { get: { parameters: { path: { namespace: string } }; responses: { 200: { content: { "application/json": { items: unknown[] } } } } } } };
    const raw = k8s.fetchClient<Paths>();
    const { data, response } = await raw.GET("/api/v1/namespaces/{namespace}/configmaps", { params: { path: { namespace: ns } } });
    expect(response.status).toBe(200);
    expect(Array.isArray(data?.items)).toBe(true);
  });
});

describe("fetchClient (openapi-fetch) over the same transport", () => {
  it("sends through the request policy (hooks see it) and returns error answers as openapi-fetch errors", async () => {
    const seen: string[] = [];
    const client = createClient(connection, { onRequest: (request) => void seen.push(`${request.method} ${new URL(request.url).pathname}`) });
    const raw = client.fetchClient<{
      "/api/v1/namespaces/{namespace}/configmaps/{name}": { get: { parameters: { path: { namespace: string; name: string } }; responses: { 200: { content: { "application/json": { metadata?: { name?: string } } } }; 404: { content: { "application/json": { kind: "Status"; reason?: string } } } } } };
    }>();
    await cms.create({ metadata: { name: "through-openapi-fetch" } });
    const found = await raw.GET("/api/v1/namespaces/{namespace}/configmaps/{name}", { params: { path: { namespace: ns, name: "through-openapi-fetch" } } });
    expect(found.response.status).toBe(200);
    expect(found.data?.metadata?.name).toBe("through-openapi-fetch");
    const missing = await raw.GET("/api/v1/namespaces/{namespace}/configmaps/{name}", { params: { path: { namespace: ns, name: "nope" } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ kind: "Status", reason: "NotFound" });
    expect(seen).toEqual([`GET /api/v1/namespaces/${ns}/configmaps/through-openapi-fetch`, `GET /api/v1/namespaces/${ns}/configmaps/nope`]);
  });
});
