import { describe, expect, it, vi } from "vitest";
import { Informer, InformerOverflowError, InformerStoppedError, type InformerEvent, waitForSync } from "./informer.js";
import type { ResourceClient } from "./resource-client.js";
import { type Item, ScriptedSource, added, bookmark, deleted, item, list, modified, status, take } from "./test/scripted-source.js";
import type { KubernetesList } from "./types.js";

/** Just enough of a ResourceClient for the informer: descriptor, default namespace, and a scripted source. */
function client(source: ScriptedSource<Item>): ResourceClient<Item, KubernetesList<Item>, true> {
  return {
    descriptor: { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, verbs: [], patchTypes: [], subresources: {} },
    defaultNamespace: "ns",
    listWatchSource: () => source,
  } as unknown as ResourceClient<Item, KubernetesList<Item>, true>;
}

const names = (informer: Informer<Item, true>) => informer.list().map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort();
const describeEvent = (e: InformerEvent<Item>) => ("object" in e ? `${e.type} ${e.object.metadata?.name}${"finalStateUnknown" in e && e.finalStateUnknown ? " (final state unknown)" : ""}` : e.type);
const until = async (check: () => boolean, timeoutMs = 2000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const fast = { backoff: { initialMs: 1, maxMs: 5 }, watchTimeoutSeconds: 5 } as const;

describe("Informer", () => {
  it("syncs from a streaming list, then follows the watch; get() looks in its own namespace", async () => {
    const source = new ScriptedSource<Item>([{ steps: [added(item("a", "1")), bookmark("2", true), modified(item("a", "3", { v: "2" })), added(item("b", "4"))] }]);
    const informer = new Informer(client(source), fast);
    const seen: string[] = [];
    informer.on((event) => void seen.push(describeEvent(event)));
    await informer.start();
    expect(informer.synced).toBe(true);
    await until(() => seen.length >= 4);
    expect(seen).toEqual(["added a", "synced", "updated a", "added b"]);
    expect(informer.get("a")?.data).toEqual({ v: "2" });
    expect(informer.get("a", "elsewhere")).toBeUndefined();
    await informer.stop();
  });

  it("a listener that throws on every event neither stops the cache nor another listener, and causes no re-list", async () => {
    const source = new ScriptedSource<Item>([{ steps: [added(item("a", "1")), bookmark("2", true), modified(item("a", "3")), deleted(item("a", "4")), added(item("b", "5"))] }]);
    const failures: unknown[] = [];
    const informer = new Informer(client(source), { ...fast, onListenerError: (error) => failures.push(error) });
    informer.on(() => {
      throw new Error("boom");
    });
    informer.on(async () => {
      throw new Error("async boom");
    });
    const calm: string[] = [];
    informer.on((event) => void calm.push(describeEvent(event)));
    await informer.start();
    await until(() => calm.length >= 5);
    expect(calm).toEqual(["added a", "synced", "updated a", "deleted a", "added b"]);
    expect(names(informer)).toEqual(["b@5"]);
    await until(() => failures.length >= 10);
    expect(failures.map((f) => (f as Error).message).sort()).toEqual([...Array(5).fill("async boom"), ...Array(5).fill("boom")]);
    expect(source.watchCalls).toHaveLength(1);
    expect(source.listCalls).toHaveLength(0);
    await informer.stop();
  });

  it("a slow async listener gets every event in order while another is not held up", async () => {
    const source = new ScriptedSource<Item>([{ steps: [bookmark("1", true), added(item("a", "2")), added(item("b", "3")), added(item("c", "4"))] }]);
    const informer = new Informer(client(source), fast);
    const slow: string[] = [];
    const quick: string[] = [];
    informer.on(async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      slow.push(describeEvent(event));
    });
    informer.on((event) => void quick.push(describeEvent(event)));
    await informer.start();
    await until(() => quick.length >= 4);
    expect(slow.length).toBeLessThan(4);
    await until(() => slow.length >= 4);
    expect(slow).toEqual(quick);
    await informer.stop();
  });

  it("a re-list reports objects that vanished meanwhile as deleted with their final state unknown, and changes as updates", async () => {
    const source = new ScriptedSource<Item>([
      { steps: [added(item("a", "1")), added(item("b", "2")), bookmark("3", true), { fail: status(410, "Expired") }] },
      { steps: [added(item("a", "5")), added(item("c", "6")), bookmark("7", true)] },
    ]);
    const informer = new Informer(client(source), fast);
    const seen: string[] = [];
    informer.on((event) => void seen.push(describeEvent(event)));
    await informer.start();
    await until(() => seen.filter((e) => e === "synced").length >= 2);
    expect(seen.filter((e) => e !== "error")).toEqual(["added a", "added b", "synced", "deleted b (final state unknown)", "updated a", "added c", "synced"]);
    expect(seen).toContain("error");
    expect(names(informer)).toEqual(["a@5", "c@6"]);
    await informer.stop();
  });

  it("start() rejects on 403 before the first sync and the informer stops; stop() before sync rejects start(); it is single-use", async () => {
    const forbidden = new Informer(client(new ScriptedSource<Item>([{ openError: status(403, "Forbidden") }])), fast);
    await expect(forbidden.start()).rejects.toMatchObject({ code: 403 });
    await expect(forbidden.start()).rejects.toMatchObject({ code: 403 });

    const never = new Informer(client(new ScriptedSource<Item>()), fast);
    const starting = never.start();
    await never.stop();
    await expect(starting).rejects.toBeInstanceOf(InformerStoppedError);
    await expect(never.start()).rejects.toBeInstanceOf(InformerStoppedError);
  });

  it("start() settles on its own signal or timeout, naming the last error, while the informer keeps trying", async () => {
    const source = new ScriptedSource<Item>(Array.from({ length: 50 }, () => ({ openError: status(503, "ServiceUnavailable") })));
    const informer = new Informer(client(source), { ...fast, backoff: { initialMs: 20, maxMs: 20 } });
    await expect(informer.start({ timeoutMs: 200 })).rejects.toThrowError(/did not sync within 200 ms: last error: .*503/);
    const controller = new AbortController();
    const waiting = informer.start({ signal: controller.signal });
    controller.abort(new Error("gave up"));
    await expect(waiting).rejects.toThrowError("gave up");
    const before = source.watchCalls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(source.watchCalls.length).toBeGreaterThan(before); // still retrying, with backoff
    expect(source.watchCalls.length).toBeLessThan(20);
    await informer.stop();
  });

  it("after the first sync, 403 on a re-list is retried with backoff rather than ending the informer", async () => {
    const source = new ScriptedSource<Item>([
      { steps: [bookmark("1", true), { fail: status(410, "Expired") }] },
      { openError: status(403, "Forbidden") },
      { steps: [added(item("a", "3")), bookmark("4", true)] },
    ]);
    const informer = new Informer(client(source), fast);
    await informer.start();
    await until(() => informer.list().length === 1);
    expect(names(informer)).toEqual(["a@3"]);
    await informer.stop();
  });

  it("a consumer that falls too far behind is dropped with InformerOverflowError; the cache is unaffected", async () => {
    // 30 changes of one object: the queue may hold 5 events beyond the cache's size (1).
    const events = Array.from({ length: 30 }, (_, i) => modified(item("o", String(i + 3))));
    const source = new ScriptedSource<Item>([{ steps: [added(item("o", "1")), bookmark("2", true), ...events] }]);
    const informer = new Informer(client(source), { ...fast, maxQueuedEvents: 5 });
    const iterator = informer[Symbol.asyncIterator]();
    const first = iterator.next(); // subscribes
    await informer.start();
    await until(() => informer.get("o")?.metadata?.resourceVersion === "32");
    await first;
    await expect(take(iterator, 100)).rejects.toBeInstanceOf(InformerOverflowError);
    await informer.stop();
  });

  it("iterators end when the informer stops, after what was queued", async () => {
    const source = new ScriptedSource<Item>([{ steps: [added(item("a", "1")), bookmark("2", true)] }]);
    const informer = new Informer(client(source), fast);
    const iterator = informer[Symbol.asyncIterator]();
    const pending = iterator.next();
    await informer.start();
    expect((await pending).value).toEqual({ type: "added", object: item("a", "1") });
    await informer.stop();
    expect(await iterator.next()).toEqual({ done: false, value: { type: "synced" } });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("transforms objects before caching, keeps indexes current, and resyncs", async () => {
    const source = new ScriptedSource<Item>([
      { steps: [added({ ...item("a", "1"), data: { node: "n1", big: "x".repeat(1000) } }), bookmark("2", true), modified({ ...item("a", "3"), data: { node: "n2" } })] },
    ]);
    const informer = new Informer(client(source), {
      ...fast,
      transform: (o) => ({ ...o, data: { node: o.data?.node ?? "" } }),
      indexers: { byNode: (o) => [o.data?.node ?? ""] },
      resyncPeriodMs: 30,
    });
    const resyncs: unknown[] = [];
    informer.on((e) => void (e.type === "updated" && e.resync && resyncs.push(e)));
    await informer.start();
    await until(() => informer.byIndex("byNode", "n2").length === 1);
    expect(informer.byIndex("byNode", "n1")).toEqual([]);
    expect(informer.get("a")?.data).toEqual({ node: "n2" });
    expect(informer.byNamespace("ns").map((o) => o.metadata?.name)).toEqual(["a"]);
    expect(() => informer.byIndex("nope", "x")).toThrowError(/has no index "nope" \(indexes: namespace, byNode\)/);
    await until(() => resyncs.length >= 2);
    await informer.stop();
  });

  it("waitForSync waits for several informers and stops on a signal", async () => {
    const a = new Informer(client(new ScriptedSource<Item>([{ steps: [bookmark("1", true)] }])), fast);
    const b = new Informer(client(new ScriptedSource<Item>([{ steps: [bookmark("1", true)] }])), fast);
    await waitForSync([a, b]);
    expect(a.synced && b.synced).toBe(true);
    const stuck = new Informer(client(new ScriptedSource<Item>()), fast);
    await expect(waitForSync([stuck], { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: "TimeoutError" });
    await Promise.all([a.stop(), b.stop(), stuck.stop()]);
  });

  it("no unhandled rejection escapes, whatever listeners do", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const source = new ScriptedSource<Item>([{ steps: [bookmark("1", true), added(item("a", "2"))] }]);
      const informer = new Informer(client(source), { ...fast, onListenerError: () => Promise.reject(new Error("handler too")) });
      informer.on(() => Promise.reject(new Error("listener")));
      await informer.start();
      await until(() => informer.list().length === 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await informer.stop();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });
});
