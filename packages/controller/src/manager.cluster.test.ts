import type { Kube } from "@org/k8s-core";
import { configMaps } from "@org/k8s-core/core/v1";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { Controller, type Reconciler } from "./controller.js";
import type { Logger } from "./logger.js";
import { LeaderElectionLostError, Manager } from "./manager.js";
import { clusterClient, createNamespace, deleteNamespace, uniqueNamespace } from "./test/cluster.js";
import { watchLease } from "./test/lease-history.js";
import { PausableProxy } from "./test/pausable-proxy.js";
import type { ConfigMap } from "@org/k8s-core/core/v1";

// The Manager ties controllers to leadership: they run only while it leads, stop before the lease is released, and
// are aborted at once when the lease cannot be renewed.
let k8s: Kube;
let ns: string;
const quiet: Logger = { info: () => {}, error: () => {} };
const timing = { leaseDurationMs: 6000, renewDeadlineMs: 4000, retryPeriodMs: 1000 };

beforeAll(async () => {
  ns = uniqueNamespace("manager");
  k8s = await clusterClient(ns);
  await createNamespace(k8s, ns);
  await k8s.core.v1.configMaps.create({ metadata: { name: "work" } }, { namespace: ns });
});
afterAll(async () => {
  await deleteNamespace(k8s, ns);
  await k8s.close();
});

/** A controller whose reconcile of "work" runs until its signal aborts or `holdMs` passes; records both. */
function slowController(client: Kube, holdMs: number) {
  const record = { started: 0, ended: 0, abortedBy: undefined as string | undefined };
  const reconcile: Reconciler<ConfigMap> = async (ctx) => {
    if (ctx.request.name !== "work") return;
    record.started = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, holdMs);
      ctx.signal.addEventListener("abort", () => (clearTimeout(timer), (record.abortedBy = (ctx.signal.reason as Error).name), resolve()), { once: true });
    });
    record.ended = Date.now();
  };
  const controller = new Controller({ name: "slow", client: client.client, for: configMaps, namespace: ns, reconcile, log: quiet });
  return { controller, record };
}


describe("Manager", () => {
  it("on shutdown finishes running reconciles while it still holds the lease, then releases it", async () => {
    const watch = watchLease(k8s, ns, "graceful");
    const { controller, record } = slowController(k8s, 1500);
    const manager = new Manager({ client: k8s.client, log: quiet, leaderElection: { namespace: ns, name: "graceful", identity: "graceful-1", ...timing } }).add(controller);
    const stop = new AbortController();
    const running = manager.run({ signal: stop.signal });
    await vi.waitFor(() => expect(record.started).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    stop.abort();
    await running;
    expect(record.abortedBy).toBeUndefined(); // it finished: 1.5 s is within the 30 s grace
    await vi.waitFor(() => expect(watch.history.some((h) => h.spec.holderIdentity === "")).toBe(true), { timeout: 10_000, interval: 20 });
    const release = watch.history.find((h) => h.spec.holderIdentity === "")!;
    expect(release.seenAtWall).toBeGreaterThanOrEqual(record.ended);
    // The holder renewed until the work was done, releasing only afterwards.
    const renewals = watch.history.filter((h) => h.spec.holderIdentity === "graceful-1").map((h) => Date.parse(h.spec.renewTime!));
    expect(Math.max(...renewals)).toBeGreaterThan(record.started);
    await watch.stop();
  });

  it("when the lease cannot be renewed, aborts running reconciles before it could expire elsewhere and rejects with LeaderElectionLostError", async () => {
    const shared = inject("cluster");
    const proxy = new PausableProxy({ host: "127.0.0.1", port: Number(new URL(shared.server).port) });
    await proxy.start();
    const partitioned = await clusterClient(ns, proxy.url);
    try {
      const { controller, record } = slowController(partitioned, 120_000);
      const manager = new Manager({ client: partitioned.client, log: quiet, leaderElection: { namespace: ns, name: "lost", identity: "lost-1", ...timing } }).add(controller);
      const running = manager.run();
      const outcome = running.then(
        () => "resolved",
        (error: unknown) => error,
      );
      await vi.waitFor(() => expect(record.started).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
      // Renewals so far, as the real server has them.
      const before = await k8s.coordination.v1.leases.get("lost", { namespace: ns });
      const pausedAt = Date.now();
      proxy.pause();
      const error = await outcome;
      expect(error).toBeInstanceOf(LeaderElectionLostError);
      expect(record.abortedBy).toBe("ControllerStoppedError");
      const lastRenewal = Date.parse(before.spec!.renewTime!);
      // Aborted within retryPeriod + renewDeadline of the last renewal the server saw, so before leaseDuration.
      expect(record.ended - pausedAt).toBeLessThanOrEqual(timing.retryPeriodMs + timing.renewDeadlineMs + 1000);
      expect(record.ended).toBeLessThan(Math.max(lastRenewal, pausedAt - timing.retryPeriodMs) + timing.leaseDurationMs);
    } finally {
      proxy.resume();
      await partitioned.close();
      await proxy.stop();
    }
  });

  it("without leader election runs its controllers until the signal, then stops them", async () => {
    const { controller, record } = slowController(k8s, 200);
    const manager = new Manager({ client: k8s.client, log: quiet }).add(controller);
    const stop = new AbortController();
    const running = manager.run({ signal: stop.signal });
    await vi.waitFor(() => expect(record.ended).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    stop.abort();
    await running;
    expect(controller.stats.running).toBe(0);
    await expect(manager.run()).rejects.toThrow(/once/);
    expect(() => manager.add(controller)).toThrow(/after run/);
  });
});
