import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Kube } from "@org/k8s-core";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import type { Website } from "./generated/example.com/v1/index.js";
import { createApi } from "./generated/api.js";
import { clusterClient, installCrd, uniqueNamespace } from "./test/cluster.js";
import { OperatorProcess } from "./test/operator-process.js";
import { FIELD_MANAGER, FINALIZER } from "./website-controller.js";

// The sample operator run as users run it (`node dist/main.js`, KUBECONFIG), against the shared whole cluster:
// kube-controller-manager rolls the Deployments out onto KWOK's simulated nodes, and collects garbage.
const shared = inject("cluster");
let k8s: Kube;
let operator: OperatorProcess;
const ns = uniqueNamespace("websites");
const timings: Record<string, number> = {};

const websites = () => createApi(k8s.client).exampleCom.v1.websites;
const site = (name: string, spec: NonNullable<Website["spec"]>): Website => ({ apiVersion: "example.com/v1", kind: "Website", metadata: { name, namespace: ns }, spec });

beforeAll(async () => {
  k8s = await clusterClient(ns);
  await installCrd(k8s);
  await k8s.core.v1.namespaces.create({ metadata: { name: ns } });
  // Pods need the namespace's default ServiceAccount, which kube-controller-manager creates.
  await vi.waitFor(() => k8s.core.v1.serviceAccounts.get("default", { namespace: ns }), { timeout: 30_000, interval: 200 });
  operator = new OperatorProcess(shared.kubeconfigPath, ["--namespace", ns]);
  await operator.waitForLog((l) => l.msg === "controller started");
}, 90_000);

afterAll(async () => {
  await operator?.stop();
  await k8s.core.v1.namespaces.delete(ns).catch(() => {});
  await k8s.close();
  console.log(`[operator] ${Object.entries(timings).map(([what, ms]) => `${what}: ${ms.toFixed(0)} ms`).join(", ")}`);
});

const deployment = (name: string) => k8s.apps.v1.deployments.get(name, { namespace: ns });
const service = (name: string) => k8s.core.v1.services.get(name, { namespace: ns });
const ready = (w: Website) => w.status?.conditions?.find((c) => c.type === "Ready");

describe("the Website operator", () => {
  it("reconciles a new Website into an owned Deployment and Service, with a finalizer and its status", async () => {
    // Timed from the create's response (the first write of a new CRD's kind can itself take a while).
    const created = await websites().create(site("blog", { image: "registry.example/blog:1", replicas: 2 }));
    const started = performance.now();
    await vi.waitFor(() => Promise.all([deployment("blog"), service("blog")]), { timeout: 30_000, interval: 20 });
    timings["created → Deployment and Service exist"] = performance.now() - started;

    const owner = { apiVersion: "example.com/v1", kind: "Website", name: "blog", uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true };
    const d = await deployment("blog");
    expect(d.metadata?.ownerReferences).toEqual([owner]);
    expect(d.spec?.replicas).toBe(2);
    expect(d.spec?.template?.spec?.containers).toMatchObject([{ name: "web", image: "registry.example/blog:1", ports: [{ containerPort: 80, name: "http" }] }]);
    expect(d.metadata?.managedFields?.map((f) => f.manager)).toContain(FIELD_MANAGER);
    const s = await service("blog");
    expect(s.metadata?.ownerReferences).toEqual([owner]);
    expect(s.spec?.selector).toEqual({ "app.kubernetes.io/name": "website", "app.kubernetes.io/instance": "blog" });
    expect(s.spec?.ports).toMatchObject([{ name: "http", port: 80, targetPort: 80 }]);

    // The pods roll out (KWOK makes them Ready) and the Website reports it.
    await vi.waitFor(
      async () => {
        const w = await websites().get("blog");
        expect(w.status).toMatchObject({ observedGeneration: 1, availableReplicas: 2, url: `http://blog.${ns}.svc` });
        expect(ready(w)).toMatchObject({ status: "True", reason: "Available", message: "2/2 replicas available", observedGeneration: 1 });
      },
      { timeout: 60_000, interval: 100 },
    );
    timings["created → status Ready 2/2"] = performance.now() - started;
    const w = await websites().get("blog");
    expect(w.metadata?.finalizers).toEqual([FINALIZER]);
    // Status fields are owned by the operator's field manager, on the status subresource.
    expect(w.metadata?.managedFields?.find((f) => f.manager === FIELD_MANAGER && f.subresource === "status")?.operation).toBe("Apply");
    // An Event about the Website says it became ready.
    await vi.waitFor(
      async () => {
        const events = (await k8s.events.v1.events.list({ namespace: ns })).items.filter((e) => e.regarding?.kind === "Website" && e.regarding.name === "blog");
        expect(events.map((e) => [e.reason, e.reportingController])).toContainEqual(["Ready", FIELD_MANAGER]);
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(operator.lines.some((l) => l.msg === "reconciling" && l.request === `${ns}/blog`)).toBe(true);
  });

  it("follows an update of the Website: the Deployment changes, observedGeneration and availableReplicas follow", async () => {
    const started = performance.now();
    await websites().patch("blog", { type: "merge", body: { spec: { image: "registry.example/blog:2", replicas: 3 } } });
    await vi.waitFor(
      async () => {
        const d = await deployment("blog");
        expect(d.spec?.replicas).toBe(3);
        expect(d.spec?.template?.spec?.containers?.[0]?.image).toBe("registry.example/blog:2");
      },
      { timeout: 30_000, interval: 20 },
    );
    timings["update → Deployment changed"] = performance.now() - started;
    await vi.waitFor(
      async () => {
        const w = await websites().get("blog");
        expect(w.status).toMatchObject({ observedGeneration: 2, availableReplicas: 3 });
        expect(ready(w)).toMatchObject({ status: "True", observedGeneration: 2, message: "3/3 replicas available" });
      },
      { timeout: 60_000, interval: 100 },
    );
  });

  it("recreates the Deployment when someone deletes it, and undoes changes to the Service", async () => {
    const before = await deployment("blog");
    const started = performance.now();
    await k8s.apps.v1.deployments.delete("blog", { namespace: ns });
    await vi.waitFor(
      async () => {
        const d = await deployment("blog");
        expect(d.metadata?.uid).not.toBe(before.metadata?.uid);
        expect(d.metadata?.deletionTimestamp).toBeUndefined();
        expect(d.spec?.replicas).toBe(3);
      },
      { timeout: 30_000, interval: 20 },
    );
    timings["Deployment deleted → recreated"] = performance.now() - started;
    await k8s.core.v1.services.patch("blog", { type: "merge", body: { spec: { selector: { "app.kubernetes.io/name": "hijacked" } } } });
    await vi.waitFor(async () => expect((await service("blog")).spec?.selector).toEqual({ "app.kubernetes.io/name": "website", "app.kubernetes.io/instance": "blog" }), { timeout: 30_000, interval: 20 });
    await vi.waitFor(async () => expect(ready(await websites().get("blog"))?.status).toBe("True"), { timeout: 60_000, interval: 100 });
  });

  it("runs its finalizer before the Website disappears: Deployment (pods first) and Service are gone by then", async () => {
    await websites().create(site("shop", { image: "registry.example/shop:1", replicas: 1, port: 8080 }));
    await vi.waitFor(async () => expect(ready(await websites().get("shop"))?.status).toBe("True"), { timeout: 60_000, interval: 100 });
    expect((await service("shop")).spec?.ports?.[0]?.targetPort).toBe(8080);

    // Watch the Website; when its deletion completes, look at what is left.
    const stop = new AbortController();
    const leftWhenGone = (async () => {
      for await (const event of websites().watch({ namespace: ns, fieldSelector: "metadata.name=shop", signal: stop.signal })) {
        if (event.type !== "DELETED") continue;
        const gone = async (read: () => Promise<unknown>) => read().then(() => false, (e: { code?: number }) => e.code === 404);
        const pods = await k8s.core.v1.pods.list({ namespace: ns, labelSelector: "app.kubernetes.io/instance=shop" });
        return { deploymentGone: await gone(() => deployment("shop")), serviceGone: await gone(() => service("shop")), pods: pods.items.length };
      }
      throw new Error("watch ended");
    })();
    const started = performance.now();
    await websites().delete("shop");
    const deleting = await websites().get("shop").catch(() => undefined);
    expect(deleting?.metadata?.deletionTimestamp).toBeTruthy(); // held by the finalizer
    const left = await leftWhenGone;
    timings["delete → finalizer done, Website gone"] = performance.now() - started;
    stop.abort();
    expect(left).toEqual({ deploymentGone: true, serviceGone: true, pods: 0 });
    const log = operator.lines.filter((l) => l.request === `${ns}/shop`).map((l) => l.msg);
    expect(log.indexOf("finalizing")).toBeGreaterThan(-1);
    expect(log.indexOf("finalizer removed; website deleted")).toBeGreaterThan(log.indexOf("finalizing"));
    // The other Website is untouched.
    expect(ready(await websites().get("blog"))?.status).toBe("True");
  });

  it("reconciles quickly: created → Deployment written, for ten Websites one after another", async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      await websites().create(site(`fast-${i}`, { image: "registry.example/fast:1", replicas: 0 }));
      const started = performance.now();
      await vi.waitFor(() => deployment(`fast-${i}`), { timeout: 30_000, interval: 5 });
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    timings["created → Deployment, median of 10"] = latencies[5]!;
    timings["created → Deployment, max of 10"] = latencies[9]!;
    expect(latencies[5]).toBeLessThan(5000);
  });

  it("has Website types up to date with config/crd.yaml (k8s-gen --check against the cluster it is installed in)", async () => {
    const cli = fileURLToPath(new URL("../../../packages/gen/dist/cli.js", import.meta.url));
    const out = fileURLToPath(new URL("./generated", import.meta.url));
    const result = await promisify(execFile)(process.execPath, [cli, "--kubeconfig", shared.kubeconfigPath, "--groups", "example.com", "--no-cache", "--quiet", "--check", "--out", out]).then(
      () => "up to date",
      (error: { code?: number; stdout?: string; stderr?: string }) => `exit ${error.code}: ${error.stdout ?? ""}${error.stderr ?? ""}`,
    );
    expect(result).toBe("up to date");
  });

  it("logs one JSON object per line and stops gracefully on SIGTERM (exit 0)", async () => {
    expect(operator.stderr.join("")).toBe("");
    for (const line of operator.lines) expect(line).toMatchObject({ time: expect.stringMatching(/Z$/), level: expect.stringMatching(/^(info|error)$/), msg: expect.any(String) });
    expect(operator.lines.filter((l) => l.level === "error")).toEqual([]);
    const exit = await operator.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(operator.lines.at(-1)?.msg).toBe("operator stopped");
    expect(operator.lines.some((l) => l.msg === "controller stopped")).toBe(true);
  });
});
