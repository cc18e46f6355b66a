// Consistency under chaos (issue #15): an informer over ConfigMaps in all namespaces, and a plain watch from a known
// resourceVersion, while a writer creates, updates and deletes 2,000 times in bursts, kube-apiserver is crash-restarted
// twice and the proxy cuts the watch connections twice. Afterwards the informer's cache must equal a fresh list,
// every delete must have been seen, and the watch must have delivered every write exactly once, in order.
//
// A restarted kube-apiserver rebuilds its watch cache from the current revision, so a watch that lags behind when it
// goes down gets 410 for the revisions in between, although etcd still has them (the Informer re-lists then; a plain
// watch throws ResourceExpiredError, as client-go's RetryWatcher stops). The watch is therefore let catch up before
// each crash; cuts come at any moment.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubeconfigConnection } from "../../../scripts/vitest/test-connection.js";
import { type ControlPlane, startControlPlane } from "@org/k8s-testenv";
import { type FaultProxy, startFaultProxy } from "@org/k8s-test-tools";
import { createClient } from "./client.js";
import { isAlreadyExists, isNotFound } from "./errors.js";
import { Informer } from "./informer.js";
import { type ConfigMap, configMaps, namespaces } from "./test/descriptors.js";

const NAMESPACES = ["chaos-a", "chaos-b", "chaos-c"];
const CREATES = 800;
const UPDATES = 700;
const DELETES = 500;
let cp: ControlPlane;
let proxy: FaultProxy;

beforeAll(async () => {
  cp = await startControlPlane({ binaries: inject("controlPlane").binaries });
  proxy = await startFaultProxy({ upstream: cp.adminAccess });
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await cp?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const keyOf = (o: ConfigMap) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/** Retries a write until the server takes it; a write that was applied before its answer got lost is a success. */
async function persist<T>(write: () => Promise<T>, applied: (error: unknown) => boolean): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (applied(error)) return undefined;
      if (attempt > 200) throw error;
      await sleep(100);
    }
  }
}

describe("consistency under chaos", () => {
  it("informer and watch: nothing lost, nothing duplicated, nothing stale", async () => {
    const direct = await kubeconfigConnection(cp.kubeconfigPath);
    const writer = createClient(direct, { retry: { maxRetries: 0 } }).resource(configMaps);
    for (const name of NAMESPACES) await createClient(direct).resource(namespaces).create({ metadata: { name } });
    const proxiedConnection = await kubeconfigConnection(cp.kubeconfigPath, "default", "admin", proxy.url);
    const proxied = createClient(proxiedConnection).resource(configMaps);

    const informer = new Informer(proxied, { allNamespaces: true, labelSelector: "chaos=yes", backoff: { initialMs: 200, maxMs: 2000 } });
    const deletedSeen = new Set<string>();
    informer.on((event) => void (event.type === "deleted" && deletedSeen.add(keyOf(event.object))));
    await informer.start();

    const from = (await writer.list({ allNamespaces: true, limit: 1 })).metadata!.resourceVersion!;
    const stopWatch = new AbortController();
    const watched: Array<{ type: string; key: string; rv: string }> = [];
    let watchError: unknown;
    const watching = (async () => {
      for await (const event of proxied.watch({ allNamespaces: true, resourceVersion: from, labelSelector: "chaos=yes", signal: stopWatch.signal })) {
        watched.push({ type: event.type, key: keyOf(event.object), rv: event.object.metadata!.resourceVersion! });
      }
    })().catch((error: unknown) => (watchError = error));
    const caughtUp = async () => {
      const deadline = Date.now() + 30_000;
      while (watched.length < written.length && Date.now() < deadline && watchError === undefined) await sleep(50);
    };

    // The writer: creates, then updates and deletes, in bursts of 100 with 10 in flight, with chaos in between.
    const written: Array<{ type: string; key: string; rv: string | undefined }> = [];
    const ops: Array<() => Promise<void>> = [];
    for (let i = 0; i < CREATES; i++) {
      const namespace = NAMESPACES[i % NAMESPACES.length]!;
      ops.push(async () => {
        const created = await persist(() => writer.create({ metadata: { name: `cm-${i}`, labels: { chaos: "yes" } }, data: { v: "0" } }, { namespace }), isAlreadyExists);
        written.push({ type: "ADDED", key: `${namespace}/cm-${i}`, rv: created?.metadata?.resourceVersion });
      });
    }
    for (let i = 0; i < UPDATES; i++) {
      const namespace = NAMESPACES[i % NAMESPACES.length]!;
      ops.push(async () => {
        const patched = await persist(() => writer.patch(`cm-${i}`, { type: "merge", body: { data: { v: "1" } } }, { namespace }), () => false);
        written.push({ type: "MODIFIED", key: `${namespace}/cm-${i}`, rv: patched?.metadata?.resourceVersion });
      });
    }
    for (let i = CREATES - DELETES; i < CREATES; i++) {
      const namespace = NAMESPACES[i % NAMESPACES.length]!;
      ops.push(async () => {
        await persist(() => writer.delete(`cm-${i}`, { namespace }), isNotFound);
        written.push({ type: "DELETED", key: `${namespace}/cm-${i}`, rv: undefined });
      });
    }
    const chaos: Record<number, () => Promise<unknown>> = {
      500: async () => proxy.cutAll(),
      900: async () => {
        await caughtUp();
        await cp.restartApiServer({ crash: true });
      },
      1300: async () => proxy.cutAll(),
      1700: async () => {
        await caughtUp();
        await cp.restartApiServer({ crash: true });
      },
    };
    const started = Date.now();
    for (let burst = 0; burst < ops.length; burst += 100) {
      await chaos[burst]?.();
      const batch = ops.slice(burst, burst + 100);
      let next = 0;
      await Promise.all(Array.from({ length: 10 }, async () => {
        while (next < batch.length) await batch[next++]!();
      }));
    }
    const writeSeconds = (Date.now() - started) / 1000;

    // Settle: the informer's cache must come to equal a fresh list.
    const fresh = async () => (await writer.list({ allNamespaces: true, labelSelector: "chaos=yes" })).items.map((o) => `${keyOf(o)}@${o.metadata?.resourceVersion}`).sort();
    const cached = () => informer.list().map((o) => `${keyOf(o)}@${o.metadata?.resourceVersion}`).sort();
    const deadline = Date.now() + 60_000;
    let expected = await fresh();
    while (JSON.stringify(cached()) !== JSON.stringify(expected) && Date.now() < deadline) {
      await sleep(200);
      expected = await fresh();
    }
    const finalKeys = new Set(expected.map((entry) => entry.slice(0, entry.indexOf("@"))));
    const cachedNow = new Map(cached().map((entry) => [entry.slice(0, entry.indexOf("@")), entry]));
    const stale = expected.filter((entry) => cachedNow.get(entry.slice(0, entry.indexOf("@"))) !== entry).length + [...cachedNow.keys()].filter((k) => !finalKeys.has(k)).length;
    const deletes = written.filter((w) => w.type === "DELETED").map((w) => w.key);
    const missedDeletes = deletes.filter((key) => !deletedSeen.has(key)).length;

    // The watch: every write after `from` exactly once, in resourceVersion order.
    const wantedEvents = written.length;
    const watchDeadline = Date.now() + 30_000;
    while (watched.length < wantedEvents && Date.now() < watchDeadline && watchError === undefined) await sleep(200);
    stopWatch.abort();
    await watching;
    expect(watchError).toBeUndefined();
    const seen = new Map<string, number>();
    for (const event of watched) seen.set(`${event.type} ${event.key}@${event.rv}`, (seen.get(`${event.type} ${event.key}@${event.rv}`) ?? 0) + 1);
    const duplicated = [...seen.values()].filter((n) => n > 1).length;
    const watchedKeys = new Set(watched.map((e) => `${e.type} ${e.key}`));
    const lost = written.filter((w) => !watchedKeys.has(`${w.type} ${w.key}`)).length;
    const outOfOrder = watched.filter((e, i) => i > 0 && BigInt(e.rv) <= BigInt(watched[i - 1]!.rv)).length;

    console.log(
      `[chaos] ${written.length} writes in ${writeSeconds.toFixed(1)} s (2 apiserver crashes, 2 cuts); informer: stale ${stale}, deletes missed ${missedDeletes} of ${deletes.length}; ` +
        `watch: ${watched.length} events, lost ${lost}, duplicated ${duplicated}, out of order ${outOfOrder}; proxy saw ${proxy.requests.length} requests`,
    );
    expect({ stale, missedDeletes, lost, duplicated, outOfOrder }).toEqual({ stale: 0, missedDeletes: 0, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(watched).toHaveLength(wantedEvents);
    await informer.stop();
    await proxiedConnection.close();
    await direct.close();
  }, 240_000);
});
