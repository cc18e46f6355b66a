// A real-world manifest set on the whole cluster: applied as `kubectl apply --server-side -f` would, verified with the
// built kubectl, rolled out, applied again (nothing changes), then deleted in reverse order.
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";
import { kubectl } from "../../../scripts/vitest/kubectl.js";
import { type Kube, applyManifests, connect, deleteManifests, readManifests, waitForDeletion, waitForRollout } from "./index.js";

const cluster = inject("cluster");
const fixture = fileURLToPath(new URL("../test/manifests/shop.yaml", import.meta.url));
let k8s: Kube | undefined;
afterAll(() => k8s?.close());

describe("a manifest set on the whole cluster", () => {
  it("applies 34 objects of 23 kinds (a CRD and its resources included), twice, and deletes them", async () => {
    k8s = await connect({ kubeconfig: cluster.kubeconfigPath, context: "admin" });
    const manifests = await readManifests(fixture);
    expect(manifests).toHaveLength(34);

    const first = await applyManifests(k8s.objects, manifests, { fieldManager: "shop-deploy" });
    expect(first.map((r) => r.action)).toEqual(Array(34).fill("created"));
    // Every object exists as kubectl sees it.
    for (const { manifest } of first) {
      const { kind, metadata } = manifest.object;
      const args = ["get", `${kind}.${manifest.object.apiVersion.includes("/") ? manifest.object.apiVersion.split("/")[0] : ""}`.replace(/\.$/, ""), String(metadata?.name), "-o", "name"];
      if (metadata?.namespace) args.push("-n", String(metadata.namespace));
      const got = await kubectl(cluster.binaries.kubectl!, args, { kubeconfig: cluster.kubeconfigPath });
      expect(got.stderr).toBe("");
      expect(got.stdout.trim().toLowerCase()).toContain(String(metadata?.name));
    }

    // Controllers and simulated nodes roll the workloads out.
    await Promise.all(["frontend", "api", "worker"].map((name) => waitForRollout(k8s!.apps.v1.deployments, name, { namespace: "shop", timeoutMs: 60_000 })));
    await waitForRollout(k8s.apps.v1.statefulSets, "db", { namespace: "shop", timeoutMs: 60_000 });
    await waitForRollout(k8s.apps.v1.daemonSets, "node-agent", { namespace: "shop", timeoutMs: 60_000 });
    const carts = await k8s.objects.list({ apiVersion: "shop.example.com/v1", kind: "Cart", namespace: "shop" });
    expect(carts.items.map((c) => c.metadata?.name).sort()).toEqual(["alice", "bob"]);

    // The same set again: the server keeps every object as it is.
    const second = await applyManifests(k8s.objects, manifests, { fieldManager: "shop-deploy" });
    expect(second.filter((r) => r.action !== "unchanged").map((r) => `${r.manifest.object.kind}/${r.manifest.object.metadata?.name}: ${r.action}`)).toEqual([]);

    // Deleting the set: custom resources and workloads first, the namespace and the CRD last.
    const deleted = await deleteManifests(k8s.objects, manifests);
    expect(deleted.every((d) => d.action === "deleted" || d.action === "deleting")).toBe(true);
    await waitForDeletion(k8s.core.v1.namespaces, "shop", { timeoutMs: 120_000 });
    const again = await deleteManifests(k8s.objects, manifests);
    expect(new Set(again.map((d) => d.action))).toEqual(new Set(["not found"]));
  }, 300_000);

  it("a dry run validates on the server and persists nothing; a bad object names its document, kind and name", async () => {
    k8s ??= await connect({ kubeconfig: cluster.kubeconfigPath, context: "admin" });
    const manifests = await readManifests(fixture);
    // Into a namespace that does not exist, a dry run validates only what does not live in it.
    const nowhere = await applyManifests(k8s.objects, manifests, { fieldManager: "shop-deploy", dryRun: true });
    expect(nowhere.filter((r) => r.action !== "skipped").map((r) => r.manifest.object.kind).sort()).toEqual(["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "IngressClass", "Namespace"]);
    expect(await k8s.core.v1.namespaces.get("shop").catch((e: unknown) => (e as { code?: number }).code)).toBe(404);
    // With the namespace there, everything but the custom resources (their CRD is not created) is validated.
    await k8s.core.v1.namespaces.create({ metadata: { name: "shop" } });
    const dry = await applyManifests(k8s.objects, manifests, { fieldManager: "shop-deploy", dryRun: true });
    expect(dry.filter((r) => r.action === "skipped").map((r) => r.manifest.object.metadata?.name)).toEqual(["alice", "bob"]);
    expect((await k8s.apps.v1.deployments.list({ namespace: "shop" })).items).toEqual([]);
    await k8s.core.v1.namespaces.delete("shop");

    const { parseManifests } = await import("./index.js");
    const bad = parseManifests(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine, namespace: default}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken, namespace: default}\nspec: {replicas: many}\n`, "bad.yaml");
    await expect(applyManifests(k8s.objects, bad, { fieldManager: "shop-deploy" })).rejects.toThrowError(/^bad\.yaml: document 1 \(Deployment default\/broken\): .*replicas/);
  }, 120_000);
});
