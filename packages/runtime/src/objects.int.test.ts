// The REST mapper, verbs on any object by apiVersion/kind, and the wait helpers, against a real kube-apiserver of its
// own (these tests install CRDs; the shared control plane must keep serving exactly the built-in API).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubeconfigConnection } from "../../../scripts/vitest/test-connection.js";
import { type ControlPlane, startControlPlane } from "@org/k8s-testenv";
import { type KubeClient, createClient } from "./client.js";
import { UnknownKindError } from "./rest-mapper.js";
import { configMaps } from "./test/descriptors.js";
import type { Connection } from "@org/k8s-auth";
import { WaitTimeoutError, waitForCondition, waitForDeletion } from "./wait.js";

let cp: ControlPlane;
let connection: Connection;
let k8s: KubeClient;
const ns = "objects";

const widgetsCrd = (group: string) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
  },
});

beforeAll(async () => {
  cp = await startControlPlane({ binaries: inject("controlPlane").binaries });
  connection = await kubeconfigConnection(cp.kubeconfigPath, ns);
  k8s = createClient(connection);
  await k8s.objects().create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
}, 120_000);
afterAll(async () => {
  await connection?.close();
  await cp?.stop();
});

describe("RestMapper", () => {
  it("maps built-in kinds from aggregated discovery, with scope, plural and subresources", async () => {
    const deployment = await k8s.mapper.mapping("apps/v1", "Deployment");
    expect(deployment).toMatchObject({ group: "apps", version: "v1", plural: "deployments", namespaced: true });
    expect(deployment.subresources.scale?.kind).toEqual({ group: "autoscaling", version: "v1", kind: "Scale" });
    expect(await k8s.mapper.mapping("v1", "Namespace")).toMatchObject({ group: "", plural: "namespaces", namespaced: false });
  });

  it("says what the server serves when a kind, version or group is unknown", async () => {
    await expect(k8s.mapper.mapping("apps/v1", "Deploymnet")).rejects.toThrowError(/the server has no kind "Deploymnet" in apps\/v1; it serves .*Deployment.*StatefulSet/);
    await expect(k8s.mapper.mapping("apps/v2", "Deployment")).rejects.toThrowError('the server does not serve apps/v2; group "apps" is served at v1');
    const error = await k8s.mapper.mapping("nope.example.com/v1", "Thing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownKindError);
    expect((error as Error).message).toMatch(/does not serve the API group "nope\.example\.com" .*; it serves: .*apps.*rbac\.authorization\.k8s\.io/);
  });

  it("finds a CRD installed after the first lookup: discovery is read again once on a miss", async () => {
    await k8s.mapper.mapping("v1", "ConfigMap"); // discovery read and cached, before the CRD exists
    const objects = k8s.objects();
    await objects.create(widgetsCrd("late.example.com") as never);
    await waitForCondition(await objects.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition"), "widgets.late.example.com", "Established", { timeoutMs: 30_000 });
    // Aggregated discovery lags the Established condition by a moment; the mapper reads it again on each miss.
    const deadline = Date.now() + 15_000;
    let mapping;
    while (!mapping) {
      mapping = await k8s.mapper.mapping("late.example.com/v1", "Widget").catch((error: unknown) => {
        if (Date.now() > deadline) throw error;
        return undefined;
      });
      if (!mapping) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(mapping).toMatchObject({ plural: "widgets", namespaced: true });
  });
});

describe("verbs on any object", () => {
  it("applies, reads, patches, lists, watches and deletes built-in and custom kinds by apiVersion/kind", async () => {
    const objects = k8s.objects([configMaps]);
    const applied = await objects.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "by-kind" }, data: { a: "1" } }, { fieldManager: "objects-test" });
    expect(applied.metadata?.namespace).toBe(ns); // the connection's namespace, as kubectl
    const patched = await objects.patch({ apiVersion: "v1", kind: "ConfigMap", name: "by-kind" }, { type: "merge", body: { data: { b: "2" } } });
    expect((patched as { data?: Record<string, string> }).data).toEqual({ a: "1", b: "2" });

    await objects.create(widgetsCrd("objects.example.com") as never);
    await waitForCondition(await objects.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition"), "widgets.objects.example.com", "Established", { timeoutMs: 30_000 });
    const widget = { apiVersion: "objects.example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: "L" } };
    let created;
    for (const deadline = Date.now() + 15_000; !created; ) {
      created = await objects.apply(widget, { fieldManager: "objects-test" }).catch((error: unknown) => {
        if (!(error instanceof UnknownKindError) || Date.now() > deadline) throw error;
        return undefined;
      });
      if (!created) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(created.spec).toEqual({ size: "L" });
    expect((await objects.get({ apiVersion: "objects.example.com/v1", kind: "Widget", name: "w1" })).spec).toEqual({ size: "L" });
    expect((await objects.list({ apiVersion: "objects.example.com/v1", kind: "Widget" })).items.map((w) => w.metadata?.name)).toEqual(["w1"]);

    const controller = new AbortController();
    const iterator = objects.watch({ apiVersion: "objects.example.com/v1", kind: "Widget" }, { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: "ADDED", object: { metadata: { name: "w1" } } });
    await objects.delete({ apiVersion: "objects.example.com/v1", kind: "Widget", name: "w1" });
    expect((await iterator.next()).value).toMatchObject({ type: "DELETED", object: { metadata: { name: "w1" } } });
    controller.abort();
  });
});

describe("wait helpers", () => {
  it("waitForDeletion resolves when the object goes (and at once when it is gone); a condition that never holds times out naming it", async () => {
    const cms = k8s.resource(configMaps);
    await cms.create({ metadata: { name: "doomed", finalizers: ["example.com/hold"] } });
    const waiting = waitForDeletion(cms, "doomed", { timeoutMs: 20_000 });
    await cms.delete("doomed");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cms.patch("doomed", { type: "merge", body: { metadata: { finalizers: null } } });
    await waiting;
    await waitForDeletion(cms, "doomed", { timeoutMs: 5_000 });

    await cms.create({ metadata: { name: "plain" } });
    const error = await waitForCondition(cms, "plain", "Ready", { timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe(`timed out after 1500 ms waiting for configmap ${ns}/plain: no condition Ready yet`);
  });
});
