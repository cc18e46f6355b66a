import type { Kube } from "@org/k8s-core";
import type { Lease } from "@org/k8s-core/coordination.k8s.io/v1";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createApi } from "./generated/api.js";
import { clusterClient, installCrd, uniqueNamespace } from "./test/cluster.js";
import { type LogLine, OperatorProcess } from "./test/operator-process.js";

// Three processes of the sample operator against one cluster, with client-go's default timing (lease 15 s, renew
// deadline 10 s, retry 2 s). Safety is checked twice: from the Lease's history as a watch saw it, and from the
// operators' own logs (every reconcile of a process lies within its time as leader; those times never overlap).
const shared = inject("cluster");
const LEASE_MS = 15_000;
const RETRY_MS = 2_000;
const JITTER = 1.2;
const ns = uniqueNamespace("ha");
let k8s: Kube;
const replicas: OperatorProcess[] = [];

/** Every write of the Lease as a watch saw it, stamped with the wall clock (the operators log wall-clock times). */
const history: Array<{ seenAt: number; spec: NonNullable<Lease["spec"]> }> = [];
const stopWatch = new AbortController();
let watching: Promise<void>;

beforeAll(async () => {
  k8s = await clusterClient(ns);
  await installCrd(k8s);
  await k8s.core.v1.namespaces.create({ metadata: { name: ns } });
  await vi.waitFor(() => k8s.core.v1.serviceAccounts.get("default", { namespace: ns }), { timeout: 30_000, interval: 200 });
  watching = (async () => {
    try {
      for await (const event of k8s.coordination.v1.leases.watch({ namespace: ns, fieldSelector: "metadata.name=website-operator", signal: stopWatch.signal })) {
        if (event.type !== "DELETED") history.push({ seenAt: Date.now(), spec: { ...event.object.spec } });
      }
    } catch (error) {
      if (!stopWatch.signal.aborted) throw error;
    }
  })();
  for (const n of [1, 2, 3]) {
    replicas.push(new OperatorProcess(shared.kubeconfigPath, ["--namespace", ns, "--leader-elect", "--lease-namespace", ns, "--identity", `replica-${n}`]));
  }
}, 90_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  stopWatch.abort();
  await watching;
  await k8s.core.v1.namespaces.delete(ns).catch(() => {});
  await k8s.close();
});

const at = (line: LogLine) => Date.parse(line.time);
const acquired = (l: LogLine) => l.msg === "successfully acquired lease";
const websites = () => createApi(k8s.client).exampleCom.v1.websites;
const createSite = (name: string) => websites().create({ metadata: { name, namespace: ns }, spec: { image: `registry.example/${name}:1`, replicas: 1 } });
const deploymentOf = (name: string) => vi.waitFor(() => k8s.apps.v1.deployments.get(name, { namespace: ns }), { timeout: 30_000, interval: 50 });

/** The first of `candidates` to log a line matching `match`, and that line. */
async function firstToLog(candidates: OperatorProcess[], match: (l: LogLine) => boolean, timeoutMs: number) {
  return Promise.any(candidates.map(async (p) => ({ process: p, line: await p.waitForLog(match, timeoutMs) })));
}

/** Lines that show a process reconciling (its controller's work, which only a leader may do). */
const reconcileLines = (p: OperatorProcess) => p.lines.filter((l) => l.controller === "website-operator" && l.request !== undefined);

describe("three replicas of the operator with leader election", () => {
  it("exactly one reconciles; SIGKILL of the leader hands over after the lease expires; SIGTERM hands over at once; never two leaders", async () => {
    // 1. One leader among three.
    const { process: first } = await firstToLog(replicas, acquired, 60_000);
    const standbys = replicas.filter((r) => r !== first);
    for (const s of standbys) await s.waitForLog((l) => l.msg === "new leader observed" && l.leader === first.lines[0]?.identity, 30_000);
    await createSite("alpha");
    await createSite("beta");
    await deploymentOf("alpha");
    await deploymentOf("beta");
    await new Promise((r) => setTimeout(r, 3000));
    expect(replicas.filter((r) => r.lines.some(acquired))).toEqual([first]);
    expect(reconcileLines(first).length).toBeGreaterThan(0);
    for (const s of standbys) expect(reconcileLines(s)).toEqual([]);

    // 2. SIGKILL the leader: no release, so a standby waits out the lease (15 s after it last saw a renewal).
    const killedAt = Date.now();
    first.kill("SIGKILL");
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
    const { process: second, line: secondAcquired } = await firstToLog(standbys, acquired, LEASE_MS + 20_000);
    const failoverMs = at(secondAcquired) - killedAt;
    const firstId = first.lines[0]!.identity;
    const lastRenewal = Math.max(...history.filter((h) => h.spec.holderIdentity === firstId).map((h) => Date.parse(h.spec.renewTime!)));
    // Not before the lease expired as the standby saw it; within one jittered retry period after it did.
    expect(at(secondAcquired) - lastRenewal).toBeGreaterThanOrEqual(LEASE_MS - 250);
    expect(at(secondAcquired) - lastRenewal).toBeLessThanOrEqual(LEASE_MS + RETRY_MS * (1 + JITTER) + 1500);
    expect(failoverMs).toBeLessThanOrEqual(LEASE_MS + RETRY_MS * (1 + JITTER) + 1500);
    // The new leader reconciles what exists and what comes.
    await second.waitForLog((l) => l.msg === "reconciled" && l.request === `${ns}/alpha`, 30_000);
    await createSite("gamma");
    await deploymentOf("gamma");
    await websites().patch("alpha", { type: "merge", body: { spec: { replicas: 2 } } });
    await vi.waitFor(async () => expect((await k8s.apps.v1.deployments.get("alpha", { namespace: ns })).spec?.replicas).toBe(2), { timeout: 30_000, interval: 50 });
    const third = standbys.find((s) => s !== second)!;
    expect(reconcileLines(third)).toEqual([]);

    // 3. SIGTERM the new leader: it stops its controller, releases the lease, exits 0; the last one takes over at once.
    const terminatedAt = Date.now();
    expect(await second.stop()).toEqual({ code: 0, signal: null });
    const released = second.lines.find((l) => l.msg === "released lease")!;
    expect(released).toBeDefined();
    const { line: thirdAcquired } = await firstToLog([third], acquired, 20_000);
    const handoverMs = at(thirdAcquired) - at(released);
    expect(handoverMs).toBeLessThanOrEqual(RETRY_MS * (1 + JITTER) + 1500); // not the 15 s of a lease running out
    await third.waitForLog((l) => l.msg === "reconciled" && l.request === `${ns}/gamma`, 30_000);
    await createSite("delta");
    await deploymentOf("delta");
    expect(await third.stop()).toEqual({ code: 0, signal: null });
    stopWatch.abort();
    await watching;

    // 4. No two leaders, from the Lease's history: holders in order, each new holder only after the previous one's
    //    lease expired (or was released), and one more leaseTransition per new holder.
    const ids = replicas.map((r) => r.lines[0]!.identity);
    const changes = history.filter((h, i) => i === 0 || h.spec.holderIdentity !== history[i - 1]!.spec.holderIdentity);
    expect(changes.map((c) => c.spec.holderIdentity)).toEqual([firstId, second.lines[0]!.identity, "", third.lines[0]!.identity, ""]);
    for (let i = 1; i < changes.length; i++) {
      const previous = history.slice(0, history.indexOf(changes[i]!)).filter((h) => h.spec.holderIdentity === changes[i - 1]!.spec.holderIdentity).at(-1)!;
      const next = changes[i]!.spec;
      if (next.holderIdentity === "") continue; // a release by the holder itself
      if (previous.spec.holderIdentity !== "") {
        expect(Date.parse(next.acquireTime!)).toBeGreaterThanOrEqual(Date.parse(previous.spec.renewTime!) + previous.spec.leaseDurationSeconds! * 1000 - 250);
      }
      expect(next.leaseTransitions).toBe(previous.spec.leaseTransitions! + 1);
    }

    // ...and from the operators' logs: each one's time as leader, and every reconcile inside it, never overlapping.
    const ends: Record<string, number> = { [firstId]: killedAt };
    const terms = replicas.map((r, i) => {
      const start = r.lines.find(acquired);
      const end = r.lines.find((l) => l.msg === "released lease" || l.msg === "failed to renew lease within renewDeadline; stopped leading");
      return { id: ids[i]!, start: start ? at(start) : Number.POSITIVE_INFINITY, end: end ? at(end) : (ends[ids[i]!] ?? Number.POSITIVE_INFINITY), process: r };
    });
    for (const term of terms) {
      for (const line of reconcileLines(term.process)) {
        expect(at(line)).toBeGreaterThanOrEqual(term.start);
        expect(at(line)).toBeLessThanOrEqual(term.end);
      }
    }
    const ordered = [...terms].sort((a, b) => a.start - b.start);
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]!.start).toBeGreaterThan(ordered[i - 1]!.end);
    expect(replicas.flatMap((r) => r.lines.filter((l) => l.level === "error"))).toEqual([]);
    console.log(
      `[operator HA] failover after SIGKILL: ${failoverMs} ms (lease ${LEASE_MS} ms; ${at(secondAcquired) - lastRenewal} ms after the last renewal); ` +
        `handover after SIGTERM: ${handoverMs} ms from release (${at(thirdAcquired) - terminatedAt} ms from the signal)`,
    );
  }, 180_000);
});
