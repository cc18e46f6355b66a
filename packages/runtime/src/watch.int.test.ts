import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminTestConnection, kubeconfigConnection } from "../../../scripts/vitest/test-connection.js";
import { startControlPlane } from "@org/k8s-testenv";
import { createClient } from "./client.js";
import { ResourceExpiredError } from "./errors.js";
import { Informer, type InformerEvent } from "./informer.js";
import { CuttableProxy } from "./test/tcp-proxy.js";
import { type ConfigMap, configMaps, namespaces } from "./test/descriptors.js";
import type { WatchEvent } from "./types.js";

const ns = `watch-${Date.now()}`;
const connection = await adminTestConnection(ns);
const k8s = createClient(connection);
const cms = k8s.resource(configMaps);

beforeAll(async () => {
  await k8s.resource(namespaces).create({ metadata: { name: ns } });
});
afterAll(() => connection.close());

/** Collects events from an iterator until `done` says so (or a deadline passes). */
async function collect<E>(iterator: AsyncIterator<E>, done: (events: E[]) => boolean, timeoutMs = 20_000): Promise<E[]> {
  const events: E[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(events)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out with ${events.length} events: ${JSON.stringify(events.map((e) => (e as { type: string }).type))}`);
    const next = await Promise.race([iterator.next(), new Promise<"timeout">((r) => setTimeout(() => r("timeout"), remaining))]);
    if (next === "timeout") continue;
    if (next.done) break;
    events.push(next.value);
  }
  return events;
}

const summary = (events: WatchEvent<ConfigMap>[]) =>
  events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.object.metadata?.name} ${e.object.data?.v ?? ""}`.trim());

describe("watch", () => {
  it("sees create, update and delete in order, and stops on abort", async () => {
    const start = await cms.list();
    const controller = new AbortController();
    const events = cms.watch({ resourceVersion: start.metadata?.resourceVersion, signal: controller.signal, labelSelector: "w=order" });
    const iterator = events[Symbol.asyncIterator]();
    const pending = collect(iterator, (e) => summary(e).length >= 3);
    await cms.create({ metadata: { name: "w1", labels: { w: "order" } }, data: { v: "1" } });
    await cms.patch("w1", { type: "merge", body: { data: { v: "2" } } });
    await cms.delete("w1");
    expect(summary(await pending)).toEqual(["ADDED w1 1", "MODIFIED w1 2", "DELETED w1 2"]);
    controller.abort();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("resumes from the last resourceVersion after the connection is cut, losing and repeating nothing", async () => {
    const cp = inject("controlPlane");
    const target = new URL(cp.server);
    const proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.start();
    try {
      const proxied = await adminTestConnection(ns, "admin", `https://127.0.0.1:${proxy.port}`);
      const proxiedClient = createClient(proxied);
      const start = await cms.list();
      const controller = new AbortController();
      const iterator = proxiedClient.resource(configMaps).watch({ resourceVersion: start.metadata?.resourceVersion, signal: controller.signal, labelSelector: "w=resume" })[Symbol.asyncIterator]();
      const first = collect(iterator, (e) => summary(e).length >= 2);
      await cms.create({ metadata: { name: "r1", labels: { w: "resume" } }, data: { v: "1" } });
      await cms.create({ metadata: { name: "r2", labels: { w: "resume" } }, data: { v: "1" } });
      expect(summary(await first)).toEqual(["ADDED r1 1", "ADDED r2 1"]);

      expect(proxy.cutAll()).toBeGreaterThan(0);
      // Written while the watch is disconnected: must arrive after the reconnect, once each.
      await cms.patch("r1", { type: "merge", body: { data: { v: "2" } } });
      await cms.delete("r2");
      const second = await collect(iterator, (e) => summary(e).length >= 2);
      expect(summary(second)).toEqual(["MODIFIED r1 2", "DELETED r2 1"]);
      controller.abort();
      await proxied.close();
    } finally {
      await proxy.stop();
    }
  });

  it("raises ResourceExpiredError for a resourceVersion the server no longer has", async () => {
    // A control plane of its own that compacts etcd every second and serves watches from etcd, so an old
    // resourceVersion really is gone (the shared one keeps a watch cache that hides compaction for minutes).
    const cp = await startControlPlane({ binaries: inject("controlPlane").binaries, apiServerFlags: ["--watch-cache=false", "--etcd-compaction-interval=1s"] });
    const own = await kubeconfigConnection(cp.kubeconfigPath);
    try {
      const ownCms = createClient(own).resource(configMaps);
      const created = await ownCms.create({ metadata: { name: "old" } });
      for (let i = 0; i < 3; i++) await ownCms.patch("old", { type: "merge", body: { data: { i: String(i) } } });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const iterator = ownCms.watch({ resourceVersion: created.metadata?.resourceVersion })[Symbol.asyncIterator]();
      const error = await iterator.next().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceExpiredError);
      expect((error as ResourceExpiredError).code).toBe(410);
      expect((error as ResourceExpiredError).reason).toBe("Expired");
    } finally {
      await own.close();
      await cp.stop();
    }
  });

  it("streams the initial state with sendInitialEvents, ended by a bookmark", async () => {
    await cms.create({ metadata: { name: "s1", labels: { w: "stream" } } });
    await cms.create({ metadata: { name: "s2", labels: { w: "stream" } } });
    const controller = new AbortController();
    const iterator = cms.watch({ sendInitialEvents: true, allowWatchBookmarks: true, labelSelector: "w=stream", signal: controller.signal })[Symbol.asyncIterator]();
    const events = await collect(iterator, (e) => e.some((event) => event.type === "BOOKMARK"));
    expect(events.map((e) => (e.type === "BOOKMARK" ? e.type : `${e.type} ${e.object.metadata?.name}`)).sort()).toEqual(["ADDED s1", "ADDED s2", "BOOKMARK"]);
    const bookmark = events.at(-1)!;
    expect(bookmark.type).toBe("BOOKMARK");
    expect(bookmark.object.metadata?.annotations?.["k8s.io/initial-events-end"]).toBe("true");
    expect(bookmark.object.metadata?.resourceVersion).toMatch(/^\d+$/);
    controller.abort();
  });

  it("keeps a quiet watch open across server-side timeouts", async () => {
    const start = await cms.list();
    const controller = new AbortController();
    // A short server-side timeout makes the iterator reconnect on its own; it must not end or throw.
    const iterator = cms.watch({ resourceVersion: start.metadata?.resourceVersion, timeoutSeconds: 1, signal: controller.signal, labelSelector: "w=quiet" })[Symbol.asyncIterator]();
    await new Promise((resolve) => setTimeout(resolve, 2500)); // across at least two server-side timeouts
    const pending = collect(iterator, (e) => summary(e as WatchEvent<ConfigMap>[]).length >= 1);
    await cms.create({ metadata: { name: "q1", labels: { w: "quiet" } } });
    expect(summary(await pending)).toEqual(["ADDED q1"]);
    controller.abort();
  });
});

describe("informer", () => {
  it("lists, syncs, follows changes and keeps its cache equal to the server's list", async () => {
    await cms.create({ metadata: { name: "i1", labels: { inf: "yes" } }, data: { v: "1" } });
    const informer = new Informer(cms, { labelSelector: "inf=yes" });
    const seen: InformerEvent<ConfigMap>[] = [];
    informer.on((event) => seen.push(event));
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(["i1"]);

    await cms.create({ metadata: { name: "i2", labels: { inf: "yes" } } });
    await cms.patch("i1", { type: "merge", body: { data: { v: "2" } } });
    await cms.delete("i2");
    const deadline = Date.now() + 15_000;
    while (!seen.some((e) => e.type === "deleted") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const changes = seen.filter((e) => e.type !== "synced").map((e) => `${e.type} ${"object" in e ? e.object.metadata?.name : ""}`);
    expect(changes).toEqual(["added i1", "added i2", "updated i1", "deleted i2"]);
    expect(informer.get("i1", ns)?.data).toEqual({ v: "2" });
    const server = await cms.list({ labelSelector: "inf=yes" });
    expect(informer.list().map((o) => o.metadata?.resourceVersion)).toEqual(server.items.map((o) => o.metadata?.resourceVersion));
    await informer.stop();
  });

  it("falls back to paged lists when streaming lists are off, and recovers after errors", async () => {
    const informer = new Informer(cms, { labelSelector: "inf=paged", streamingList: false, pageSize: 2, backoff: { initialMs: 50 } });
    await Promise.all(["p1", "p2", "p3"].map((name) => cms.create({ metadata: { name, labels: { inf: "paged" } } })));
    await informer.start();
    expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(["p1", "p2", "p3"]);
    await informer.stop();
  });
});
