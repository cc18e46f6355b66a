import type { Kube } from "@org/k8s-core";
import type { Lease } from "@org/k8s-core/coordination.k8s.io/v1";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { LeaderElector, type LeaderElectionOptions } from "./leader-election.js";
import type { Logger } from "./logger.js";
import { clusterClient, createNamespace, deleteNamespace, uniqueNamespace } from "./test/cluster.js";
import { watchLease } from "./test/lease-history.js";
import { PausableProxy } from "./test/pausable-proxy.js";

// Leader election in one process, several electors, against the shared whole cluster's API server. The three-process
// test with the sample operator is in examples/operator.
let k8s: Kube;
let ns: string;
const clients: Kube[] = [];

beforeAll(async () => {
  ns = uniqueNamespace("lease");
  k8s = await clusterClient(ns);
  await createNamespace(k8s, ns);
});
afterAll(async () => {
  await deleteNamespace(k8s, ns);
  for (const client of [k8s, ...clients]) await client.close();
});

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const quiet: Logger = { info: () => {}, error: () => {} };

/** One elector and what happened to it, on the monotonic clock. */
interface Candidate {
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  startedAt?: number;
  stoppedAt?: number;
  newLeaders: string[];
}

async function candidate(identity: string, name: string, timing: Partial<LeaderElectionOptions>, server?: string): Promise<Candidate> {
  const client = server ? await clusterClient(ns, server) : k8s;
  if (server) clients.push(client);
  const stop = new AbortController();
  const c: Partial<Candidate> & { newLeaders: string[] } = { newLeaders: [], stop };
  const elector = new LeaderElector({
    client: client.client,
    namespace: ns,
    name,
    identity,
    log: process.env.DEBUG_LE ? { info: (m, f) => console.log(performance.now().toFixed(0), identity, m, JSON.stringify(f)), error: (m, f) => console.log(performance.now().toFixed(0), identity, "ERROR", m, JSON.stringify(f)), debug: (m, f) => console.log(performance.now().toFixed(0), identity, "debug", m, JSON.stringify(f)) } : quiet,
    ...timing,
    onStartedLeading: (signal) => {
      c.startedAt = performance.now();
      signal.addEventListener("abort", () => (c.stoppedAt = performance.now()), { once: true });
    },
    onNewLeader: (leader) => void c.newLeaders.push(leader),
  });
  c.elector = elector;
  c.done = elector.run({ signal: stop.signal });
  return c as Candidate;
}

const holders = (history: Array<{ spec: NonNullable<Lease["spec"]> }>) =>
  history.map((h) => h.spec.holderIdentity ?? "").filter((holder, i, all) => i === 0 || all[i - 1] !== holder);

describe("LeaderElector on a real Lease", () => {
  it("elects exactly one of three, which writes client-go's record and renews it; everyone observes the leader", async () => {
    const timing = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
    const watch = watchLease(k8s, ns, "three");
    const candidates = await Promise.all(["one", "two", "three"].map((id) => candidate(id, "three", timing)));
    await vi.waitFor(() => expect(candidates.filter((c) => c.startedAt !== undefined)).toHaveLength(1), { timeout: 15_000, interval: 50 });
    await new Promise((r) => setTimeout(r, 3000)); // a few renewals and acquire attempts later...
    const leaders = candidates.filter((c) => c.elector.isLeader());
    expect(leaders).toHaveLength(1);
    const leader = leaders[0]!;
    expect(candidates.filter((c) => c.startedAt !== undefined)).toEqual([leader]);
    for (const c of candidates) expect(c.newLeaders).toEqual([leader.elector.identity]);

    const lease = await k8s.coordination.v1.leases.get("three", { namespace: ns });
    expect(lease.spec).toMatchObject({ holderIdentity: leader.elector.identity, leaseDurationSeconds: 4, leaseTransitions: 0 });
    expect(lease.spec?.acquireTime).toMatch(MICRO_TIME);
    expect(lease.spec?.renewTime).toMatch(MICRO_TIME);
    expect(Date.parse(lease.spec!.renewTime!)).toBeGreaterThan(Date.parse(lease.spec!.acquireTime!));
    // Renewed about every retryPeriod, always by the leader, acquireTime kept.
    const renewals = watch.history.filter((h) => h.spec.holderIdentity === leader.elector.identity);
    expect(renewals.length).toBeGreaterThanOrEqual(4);
    expect(new Set(renewals.map((h) => h.spec.acquireTime)).size).toBe(1);
    expect(holders(watch.history)).toEqual([leader.elector.identity]);

    for (const c of candidates) c.stop.abort();
    await Promise.all(candidates.map((c) => c.done));
    await watch.stop();
    const released = await k8s.coordination.v1.leases.get("three", { namespace: ns });
    expect(released.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 0 });
  });

  it("a leader cut off from the API server stops leading within renewDeadline, before the lease can be taken elsewhere", async () => {
    const timing = { leaseDurationMs: 6000, renewDeadlineMs: 4000, retryPeriodMs: 1000 };
    const shared = inject("cluster");
    const proxy = new PausableProxy({ host: "127.0.0.1", port: Number(new URL(shared.server).port) });
    await proxy.start();
    try {
      const watch = watchLease(k8s, ns, "partition");
      const a = await candidate("cut-off", "partition", timing, proxy.url);
      await vi.waitFor(() => expect(a.startedAt).toBeDefined(), { timeout: 15_000, interval: 50 });
      const b = await candidate("standby", "partition", timing);
      await vi.waitFor(() => expect(b.newLeaders).toEqual(["cut-off"]), { timeout: 15_000, interval: 50 });
      await new Promise((r) => setTimeout(r, 1500));

      const pausedAt = performance.now();
      if (process.env.DEBUG_LE) console.log(pausedAt.toFixed(0), "PAUSE");
      proxy.pause();
      await vi.waitFor(() => expect(b.startedAt).toBeDefined(), { timeout: 30_000, interval: 20 });
      const stopped = a.stoppedAt! - pausedAt;
      const takenOver = b.startedAt! - pausedAt;
      // A stopped at most retryPeriod + renewDeadline after its last renewal, which was before the partition...
      expect(a.stoppedAt).toBeDefined();
      expect(stopped).toBeLessThanOrEqual(timing.retryPeriodMs + timing.renewDeadlineMs + 500);
      // ...and B could not take the lease before leaseDuration had passed since it saw A's last renewal.
      expect(takenOver).toBeGreaterThanOrEqual(timing.leaseDurationMs - timing.retryPeriodMs - 500);
      expect(a.stoppedAt!).toBeLessThan(b.startedAt!);
      expect(a.elector.isLeader()).toBe(true); // as A last observed it: it never heard otherwise
      await a.done; // run() returns: the release attempt gives up within renewDeadline

      const lease = await k8s.coordination.v1.leases.get("partition", { namespace: ns });
      expect(lease.spec).toMatchObject({ holderIdentity: "standby", leaseTransitions: 1 });
      await vi.waitFor(() => expect(holders(watch.history)).toEqual(["cut-off", "standby"]), { timeout: 10_000, interval: 20 });
      console.log(`[leader election] partitioned leader stopped after ${stopped.toFixed(0)} ms, standby led after ${takenOver.toFixed(0)} ms (lease ${timing.leaseDurationMs} ms)`);

      // Back on the network, the old leader's cached lease is stale: nothing it could write would win.
      proxy.resume();
      b.stop.abort();
      await b.done;
      await watch.stop();
    } finally {
      proxy.resume();
      await proxy.stop();
    }
  });

  it("releases on shutdown (ReleaseOnCancel), so a standby takes over at its next attempt, not after leaseDuration", async () => {
    const timing = {}; // client-go's defaults: 15 s, 10 s, 2 s
    const watch = watchLease(k8s, ns, "handover");
    const a = await candidate("first", "handover", timing);
    await vi.waitFor(() => expect(a.startedAt).toBeDefined(), { timeout: 15_000, interval: 50 });
    const b = await candidate("second", "handover", timing);
    await vi.waitFor(() => expect(b.newLeaders).toEqual(["first"]), { timeout: 15_000, interval: 50 });

    const stoppingAt = performance.now();
    a.stop.abort();
    await a.done;
    await vi.waitFor(() => expect(b.startedAt).toBeDefined(), { timeout: 15_000, interval: 20 });
    const handover = b.startedAt! - stoppingAt;
    expect(a.stoppedAt!).toBeLessThan(b.startedAt!);
    expect(handover).toBeLessThan(2000 * 2.2 + 1500); // one jittered retry period, far below the 15 s lease
    await vi.waitFor(() => expect(holders(watch.history)).toEqual(["first", "", "second"]), { timeout: 10_000, interval: 20 });
    const specs = watch.history.map((h) => h.spec);
    const release = specs.findIndex((s) => s.holderIdentity === "");
    expect(specs[release]).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(specs[release + 1]).toMatchObject({ holderIdentity: "second", leaseDurationSeconds: 15, leaseTransitions: 1 });
    expect(holders(watch.history)).toEqual(["first", "", "second"]);
    expect(b.newLeaders[0]).toBe("first");
    expect(b.newLeaders.at(-1)).toBe("second");
    console.log(`[leader election] graceful handover in ${handover.toFixed(0)} ms (lease 15000 ms)`);
    b.stop.abort();
    await b.done;
    await watch.stop();
  });
});
