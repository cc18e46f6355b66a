import type { Kube } from "@org/k8s-core";
import { type ConfigMap, configMaps, secrets } from "@org/k8s-core/core/v1";
import { Informer } from "@org/k8s-runtime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Controller, type ReconcileContext, type ReconcileResult, TerminalError, watchMapped } from "./controller.js";
import { itemExponentialFailureRateLimiter } from "./rate-limiter.js";
import { clusterClient, createNamespace, deleteNamespace, uniqueNamespace } from "./test/cluster.js";
import type { Logger } from "./logger.js";

// Controllers against the shared whole cluster's real API server: ConfigMaps reconciled into owned ConfigMaps.
// Each test has its own namespace, and its controller watches only that one.
let k8s: Kube;
const namespaces: string[] = [];

beforeAll(async () => {
  k8s = await clusterClient("default");
});
afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(k8s, ns);
  await k8s.close();
});

async function namespace(prefix: string): Promise<string> {
  const ns = uniqueNamespace(prefix);
  await createNamespace(k8s, ns);
  namespaces.push(ns);
  return ns;
}

/** A logger that keeps what it is told (errors are what the tests look at). */
function memoryLogger() {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const log: Logger = {
    info: (msg, fields) => void lines.push({ level: "info", msg, fields: { ...fields } }),
    error: (msg, fields) => void lines.push({ level: "error", msg, fields: { ...fields } }),
  };
  return { log, lines };
}

function controllerOf(ns: string, reconcile: (ctx: ReconcileContext<ConfigMap>) => ReconcileResult | Promise<ReconcileResult>, options: Partial<ConstructorParameters<typeof Controller<ConfigMap, true>>[0]> = {}) {
  return new Controller({ name: "test-controller", client: k8s.client, for: configMaps, namespace: ns, reconcile, ...options });
}

describe("Controller on the real API server", () => {
  it("reconciles every object on create and update, and an owned object's change or deletion reconciles its owner", async () => {
    const ns = await namespace("ctrl-owns");
    await k8s.core.v1.configMaps.create({ metadata: { name: "existing", labels: { role: "source" } }, data: { v: "0" } }, { namespace: ns });
    const seen: string[] = [];
    const controller = controllerOf(
      ns,
      async (ctx) => {
        seen.push(ctx.request.name);
        const source = ctx.object;
        if (!source || source.metadata?.labels?.role !== "source") return;
        await k8s.core.v1.configMaps.apply(
          { metadata: { name: `${ctx.request.name}-copy`, namespace: ns, ownerReferences: [ctx.ownerReference()] }, data: source.data ?? {} },
          { fieldManager: ctx.fieldManager, force: true, signal: ctx.signal },
        );
      },
      { owns: [configMaps] },
    );
    await controller.start();
    const copyOf = (name: string) => k8s.core.v1.configMaps.get(`${name}-copy`, { namespace: ns });
    // The object that existed before the controller started is reconciled too.
    await vi.waitFor(async () => expect((await copyOf("existing")).data).toEqual({ v: "0" }), { timeout: 20_000, interval: 100 });

    const created = performance.now();
    await k8s.core.v1.configMaps.create({ metadata: { name: "site", labels: { role: "source" } }, data: { v: "1" } }, { namespace: ns });
    await vi.waitFor(async () => expect((await copyOf("site")).data).toEqual({ v: "1" }), { timeout: 20_000, interval: 20 });
    const latency = performance.now() - created;
    const copy = await copyOf("site");
    const source = await k8s.core.v1.configMaps.get("site", { namespace: ns });
    expect(copy.metadata?.ownerReferences).toEqual([{ apiVersion: "v1", kind: "ConfigMap", name: "site", uid: source.metadata?.uid, controller: true, blockOwnerDeletion: true }]);

    await k8s.core.v1.configMaps.patch("site", { type: "merge", body: { data: { v: "2" } } }, { namespace: ns });
    await vi.waitFor(async () => expect((await copyOf("site")).data).toEqual({ v: "2" }), { timeout: 20_000, interval: 50 });

    // Someone deletes the owned object: the owner is reconciled and it comes back.
    const before = seen.filter((n) => n === "site").length;
    await k8s.core.v1.configMaps.delete("site-copy", { namespace: ns });
    await vi.waitFor(async () => expect((await copyOf("site")).metadata?.uid).not.toBe(copy.metadata?.uid), { timeout: 20_000, interval: 50 });
    expect(seen.filter((n) => n === "site").length).toBeGreaterThan(before);
    // Changing the copy by hand is reverted the same way.
    await k8s.core.v1.configMaps.patch("site-copy", { type: "merge", body: { data: { v: "tampered" } } }, { namespace: ns });
    await vi.waitFor(async () => expect((await copyOf("site")).data).toEqual({ v: "2" }), { timeout: 20_000, interval: 50 });
    await controller.stop();
    expect(controller.stats.errors).toBe(0);
    console.log(`[controller] create → owned object written: ${latency.toFixed(0)} ms`);
  });

  it("a mapped watch reconciles what its function names; a shared informer (with a transform) is replayed and never stopped", async () => {
    const ns = await namespace("ctrl-mapped");
    await k8s.core.v1.configMaps.create({ metadata: { name: "target" }, data: { v: "1" } }, { namespace: ns });
    const shared = new Informer(k8s.core.v1.configMaps, {
      namespace: ns,
      transform: (cm) => ({ ...cm, metadata: { ...cm.metadata, managedFields: undefined } }),
    });
    await shared.start(); // synced before the controller subscribes: its objects must be replayed
    const seen: Array<{ name: string; managedFields: unknown }> = [];
    const { log, lines } = memoryLogger();
    const controller = controllerOf(
      ns,
      (ctx) => {
        if (ctx.request.name === "kube-root-ca.crt") return;
        seen.push({ name: ctx.request.name, managedFields: ctx.object?.metadata?.managedFields });
        if (ctx.object?.metadata) ctx.object.metadata.labels = { mutated: "by the reconciler" }; // a copy: the cache stays as it was
      },
      {
        informer: shared,
        log,
        watches: [
          watchMapped(secrets, (secret) => {
            const target = secret.metadata?.labels?.target;
            if (target === "explode") throw new Error("bad mapping");
            return target ? { namespace: secret.metadata?.namespace, name: target } : undefined;
          }),
        ],
      },
    );
    await controller.start();
    await vi.waitFor(() => expect(seen.map((s) => s.name)).toEqual(["target"]), { timeout: 10_000, interval: 20 });
    expect(seen[0]!.managedFields).toBeUndefined(); // the shared informer's transform applies
    expect(shared.get("target", ns)?.metadata?.labels).toBeUndefined();

    await k8s.core.v1.secrets.create({ metadata: { name: "points-at-target", labels: { target: "target" } }, stringData: { k: "v" } }, { namespace: ns });
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 10_000, interval: 20 });
    await k8s.core.v1.secrets.create({ metadata: { name: "unrelated" }, stringData: { k: "v" } }, { namespace: ns });
    await k8s.core.v1.secrets.create({ metadata: { name: "explodes", labels: { target: "explode" } } }, { namespace: ns });
    await k8s.core.v1.secrets.delete("points-at-target", { namespace: ns });
    await vi.waitFor(() => expect(seen).toHaveLength(3), { timeout: 10_000, interval: 20 });
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.map((s) => s.name)).toEqual(["target", "target", "target"]);
    expect(lines.filter((l) => l.level === "error").map((l) => `${l.msg}: ${String(l.fields.error)}`)).toEqual(["mapping an object to requests failed: bad mapping"]);

    await controller.stop();
    // The shared informer was not the controller's to stop.
    await k8s.core.v1.configMaps.create({ metadata: { name: "after-stop" } }, { namespace: ns });
    await vi.waitFor(() => expect(shared.get("after-stop", ns)).toBeDefined(), { timeout: 10_000, interval: 20 });
    await shared.stop();
  });

  it("retries a failing reconcile with per-item exponential backoff, and does not retry a TerminalError", async () => {
    const ns = await namespace("ctrl-backoff");
    const attempts = new Map<string, Array<{ at: number; retries: number }>>();
    const { log, lines } = memoryLogger();
    const controller = controllerOf(
      ns,
      (ctx) => {
        const list = attempts.get(ctx.request.name) ?? [];
        list.push({ at: performance.now(), retries: ctx.retries });
        attempts.set(ctx.request.name, list);
        if (ctx.request.name === "flaky" && list.length <= 3) throw new Error(`attempt ${list.length} failed`);
        if (ctx.request.name === "broken") throw new TerminalError("cannot ever work");
        if (ctx.request.name === "later" && list.length === 1) return { requeueAfterMs: 400 };
        return undefined;
      },
      { rateLimiter: itemExponentialFailureRateLimiter(150, 10_000), log },
    );
    await controller.start();
    for (const name of ["flaky", "broken", "later"]) await k8s.core.v1.configMaps.create({ metadata: { name } }, { namespace: ns });
    await vi.waitFor(() => expect(attempts.get("flaky")).toHaveLength(4), { timeout: 20_000, interval: 50 });
    const flaky = attempts.get("flaky")!;
    expect(flaky.map((a) => a.retries)).toEqual([0, 1, 2, 3]);
    const gaps = flaky.slice(1).map((a, i) => a.at - flaky[i]!.at);
    // 150, 300, 600 ms (timers never fire early; the upper bounds leave room for a loaded machine).
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(150 * 2 ** i - 5);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
    await vi.waitFor(() => expect(attempts.get("later")).toHaveLength(2), { timeout: 20_000, interval: 50 });
    const later = attempts.get("later")!;
    expect(later[1]!.at - later[0]!.at).toBeGreaterThanOrEqual(395);
    expect(later[1]!.retries).toBe(0); // requeueAfter is not a failure
    await new Promise((r) => setTimeout(r, 1500));
    expect(attempts.get("broken")).toHaveLength(1);
    expect(lines.filter((l) => l.level === "error").map((l) => l.msg).sort()).toEqual([
      "reconcile failed (retried with backoff)",
      "reconcile failed (retried with backoff)",
      "reconcile failed (retried with backoff)",
      "reconcile failed with a terminal error (not retried)",
    ]);
    expect(lines.find((l) => l.msg === "reconcile failed (retried with backoff)")?.fields).toMatchObject({ request: `${ns}/flaky`, error: "attempt 1 failed", retries: 0 });
    await controller.stop();
    expect(controller.stats).toMatchObject({ errors: 4, running: 0 });
  });

  it("never reconciles one request twice at once, and reconciles it again after a change made meanwhile", async () => {
    const ns = await namespace("ctrl-serial");
    const running = new Set<string>();
    let overlaps = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const lastSeen = new Map<string, string | undefined>();
    const controller = controllerOf(
      ns,
      async (ctx) => {
        if (running.has(ctx.request.name)) overlaps++;
        running.add(ctx.request.name);
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await new Promise((r) => setTimeout(r, 150));
        lastSeen.set(ctx.request.name, ctx.object?.data?.v);
        concurrent--;
        running.delete(ctx.request.name);
      },
      { concurrency: 4 },
    );
    await controller.start();
    const names = ["a", "b", "c", "d", "e", "f"];
    await Promise.all(names.map((name) => k8s.core.v1.configMaps.create({ metadata: { name }, data: { v: "0" } }, { namespace: ns })));
    for (let v = 1; v <= 8; v++) {
      await Promise.all(names.map((name) => k8s.core.v1.configMaps.patch(name, { type: "merge", body: { data: { v: String(v) } } }, { namespace: ns })));
      await new Promise((r) => setTimeout(r, 40));
    }
    await vi.waitFor(() => expect(names.map((n) => lastSeen.get(n))).toEqual(names.map(() => "8")), { timeout: 30_000, interval: 100 });
    await controller.stop();
    expect(overlaps).toBe(0);
    expect(maxConcurrent).toBeGreaterThan(1);
    expect(maxConcurrent).toBeLessThanOrEqual(4);
  });

  it("survives reconcilers that throw synchronously, return nonsense, hang (ignoring their signal) or reject", async () => {
    const ns = await namespace("ctrl-hostile");
    const calls = new Map<string, number>();
    const { log, lines } = memoryLogger();
    let hungSignal: AbortSignal | undefined;
    const controller = controllerOf(
      ns,
      ((ctx: ReconcileContext<ConfigMap>) => {
        const n = (calls.get(ctx.request.name) ?? 0) + 1;
        calls.set(ctx.request.name, n);
        switch (ctx.request.name) {
          case "sync-throw":
            if (n === 1) throw new Error("boom");
            return;
          case "nonsense":
            return n === 1 ? ("banana" as unknown as ReconcileResult) : n === 2 ? { requeueAfterMs: Number.NaN } : undefined;
          case "hang":
            hungSignal = ctx.signal;
            return n === 1 ? new Promise<never>(() => {}) : undefined; // never settles, signal or not
          case "reject":
            return n === 1 ? Promise.reject(new RangeError("async boom")) : undefined;
          default:
            return;
        }
      }) as (ctx: ReconcileContext<ConfigMap>) => ReconcileResult,
      { concurrency: 1, reconcileTimeoutMs: 400, rateLimiter: itemExponentialFailureRateLimiter(20, 1000), log },
    );
    await controller.start();
    // The hanging one first: with one worker, the others only run because the timeout frees it.
    await k8s.core.v1.configMaps.create({ metadata: { name: "hang" } }, { namespace: ns });
    await vi.waitFor(() => expect(calls.get("hang")).toBe(1), { timeout: 10_000, interval: 20 });
    for (const name of ["sync-throw", "nonsense", "reject", "fine"]) await k8s.core.v1.configMaps.create({ metadata: { name } }, { namespace: ns });
    await vi.waitFor(
      () => {
        expect(calls.get("sync-throw")).toBe(2);
        expect(calls.get("nonsense")).toBe(3);
        expect(calls.get("reject")).toBe(2);
        expect(calls.get("fine")).toBe(1);
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(hungSignal?.aborted).toBe(true);
    expect((hungSignal?.reason as Error).name).toBe("ReconcileTimeoutError");
    // The hung request stays reserved: a change to it does not start a second reconcile beside the first.
    await k8s.core.v1.configMaps.patch("hang", { type: "merge", body: { data: { x: "1" } } }, { namespace: ns });
    await new Promise((r) => setTimeout(r, 800));
    expect(calls.get("hang")).toBe(1);
    const errors = lines.filter((l) => l.level === "error").map((l) => `${l.msg} ${String(l.fields.error ?? "")}`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^reconcile timed out/),
        "reconcile failed (retried with backoff) boom",
        'reconcile failed (retried with backoff) TypeError: reconcile returned "banana"; expected nothing, { requeue: true } or { requeueAfterMs }',
        "reconcile failed (retried with backoff) TypeError: reconcile returned requeueAfterMs: NaN; expected a number of milliseconds >= 0",
        "reconcile failed (retried with backoff) RangeError: async boom",
      ]),
    );
    const stopping = performance.now();
    await controller.stop({ timeoutMs: 200 });
    // The grace period, then a second after aborting: the hung reconcile does not hold the stop.
    expect(performance.now() - stopping).toBeLessThan(5000);
    expect(lines.some((l) => l.msg.startsWith("reconciles still running after their signals were aborted"))).toBe(true);
  });

  it("stop lets running reconciles finish, aborts their signals after the grace period, and drops queued requests", async () => {
    const ns = await namespace("ctrl-stop");
    const finished: string[] = [];
    const aborted: string[] = [];
    let started = 0;
    const controller = controllerOf(
      ns,
      async (ctx) => {
        if (!["quick", "slow", "queued-1", "queued-2"].includes(ctx.request.name)) return; // kube-root-ca.crt
        started++;
        const ms = ctx.request.name === "slow" ? 60_000 : 1500;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          ctx.signal.addEventListener("abort", () => (clearTimeout(timer), aborted.push(ctx.request.name), resolve()), { once: true });
        });
        if (!ctx.signal.aborted) finished.push(ctx.request.name);
      },
      { concurrency: 2 },
    );
    await controller.start();
    for (const name of ["quick", "slow"]) await k8s.core.v1.configMaps.create({ metadata: { name } }, { namespace: ns });
    await vi.waitFor(() => expect(started).toBe(2), { timeout: 10_000, interval: 20 });
    for (const name of ["queued-1", "queued-2"]) await k8s.core.v1.configMaps.create({ metadata: { name } }, { namespace: ns });
    await new Promise((r) => setTimeout(r, 100));
    const stopping = performance.now();
    await controller.stop({ timeoutMs: 2500 });
    const took = performance.now() - stopping;
    expect(finished).toEqual(["quick"]);
    expect(aborted).toEqual(["slow"]);
    expect(took).toBeGreaterThanOrEqual(2490);
    expect(took).toBeLessThan(6000);
    expect(started).toBe(2); // queued requests were never started once stopping
    await expect(controller.start()).rejects.toThrow(/was stopped; make a new one/);
  });
});
