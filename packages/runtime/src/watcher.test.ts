import { describe, expect, it } from "vitest";
import { exponentialBackoff } from "./backoff.js";
import { ResourceExpiredError, TransportError } from "./errors.js";
import {
  type Item,
  ScriptedSource,
  added,
  bookmark,
  closed,
  deleted,
  item,
  list,
  modified,
  recordingBackoff,
  reset,
  status,
  take,
} from "./test/scripted-source.js";
import { watchEvents } from "./watch.js";
import { type WatcherEvent, type WatcherOptions, watcher } from "./watcher.js";

/** One line per event, for readable expectations. */
const line = (event: WatcherEvent<Item>): string => {
  switch (event.type) {
    case "init":
      return "init";
    case "initApply":
      return `initApply ${event.object.metadata?.name}@${event.object.metadata?.resourceVersion}`;
    case "initDone":
      return `initDone ${event.resourceVersion}`;
    case "apply":
      return `${event.added ? "added" : "modified"} ${event.object.metadata?.name}@${event.object.metadata?.resourceVersion}`;
    case "delete":
      return `delete ${event.object.metadata?.name}`;
    case "bookmark":
      return `bookmark ${event.bookmark.metadata.resourceVersion}`;
    case "error":
      return `error(${event.restart}) ${(event.error as Error).constructor.name}`;
  }
};

function run(source: ScriptedSource<Item>, options: Partial<WatcherOptions> = {}) {
  const controller = new AbortController();
  const iterator = watcher(source, { onExpired: "relist", backoff: recordingBackoff(), timeoutSeconds: 5, ...options, signal: controller.signal })[Symbol.asyncIterator]();
  return {
    iterator,
    take: async (count: number) => (await take(iterator, count)).map(line),
    stop: () => controller.abort(),
  };
}

describe("watcher: the initial state", () => {
  it("streams it with sendInitialEvents, ends it at the initial-events-end bookmark, and keeps the same request as the watch", async () => {
    const source = new ScriptedSource<Item>([{ steps: [added(item("a", "7")), added(item("b", "3")), bookmark("10", true), modified(item("a", "11"))] }]);
    const w = run(source);
    expect(await w.take(5)).toEqual(["init", "initApply a@7", "initApply b@3", "initDone 10", "modified a@11"]);
    expect(source.watchCalls).toHaveLength(1);
    expect(source.watchCalls[0]).toMatchObject({ sendInitialEvents: true, resourceVersionMatch: "NotOlderThan", resourceVersion: undefined });
    w.stop();
  });

  it("resumes from the end bookmark, never from an initial event (initial events are not ordered)", async () => {
    const source = new ScriptedSource<Item>([
      { steps: [added(item("a", "20")), added(item("b", "5")), bookmark("15", true), { end: true }] },
      { steps: [added(item("c", "16"))] },
    ]);
    const w = run(source);
    expect(await w.take(6)).toEqual(["init", "initApply a@20", "initApply b@5", "initDone 15", "error(watch) ShortWatchError", "added c@16"]);
    expect(source.watchCalls[1]).toMatchObject({ resourceVersion: "15", sendInitialEvents: false });
    w.stop();
  });

  it("starts over from scratch (init again, sendInitialEvents again) when the stream drops before the end bookmark", async () => {
    const backoff = recordingBackoff();
    const source = new ScriptedSource<Item>([
      { steps: [added(item("a", "1")), added(item("b", "2")), { fail: reset() }] },
      { steps: [added(item("a", "1")), bookmark("9", true)] },
    ]);
    const w = run(source, { backoff });
    expect(await w.take(7)).toEqual(["init", "initApply a@1", "initApply b@2", "error(list) TransportError", "init", "initApply a@1", "initDone 9"]);
    expect(source.watchCalls.map((c) => c.sendInitialEvents)).toEqual([true, true]);
    expect(backoff.asked).toBe(1);
    w.stop();
  });

  it("treats a streaming list that ends cleanly before its bookmark as a failure", async () => {
    const source = new ScriptedSource<Item>([{ steps: [added(item("a", "1")), { end: true }] }, { steps: [bookmark("2", true)] }]);
    const w = run(source);
    expect(await w.take(5)).toEqual(["init", "initApply a@1", "error(list) ShortWatchError", "init", "initDone 2"]);
    w.stop();
  });

  it("falls back to paged lists for good when the server refuses streaming lists (422), without backing off", async () => {
    const backoff = recordingBackoff();
    const source = new ScriptedSource<Item>([{ openError: status(422, "Invalid") }], [list("5", [item("a", "4")])]);
    const w = run(source, { backoff });
    expect(await w.take(4)).toEqual(["init", "init", "initApply a@4", "initDone 5"]);
    expect(backoff.asked).toBe(0);
    expect(source.listCalls[0]).toMatchObject({ limit: 500, continue: undefined, resourceVersion: undefined });
    const watching = w.iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.watchCalls.at(-1)).toMatchObject({ resourceVersion: "5", sendInitialEvents: false });
    w.stop();
    expect(await watching).toEqual({ done: true, value: undefined });
  });

  it("pages with continue tokens only, and falls back to one full list when a token expires", async () => {
    const source = new ScriptedSource<Item>(
      [],
      [list("5", [item("a", "1")], "t1"), list("5", [item("b", "2")], "t2"), { error: status(410, "Expired") }, list("8", [item("a", "1"), item("b", "2"), item("c", "7")])],
    );
    const w = run(source, { streamingList: false, pageSize: 1, initialFromCache: true });
    expect(await w.take(8)).toEqual(["init", "initApply a@1", "initApply b@2", "init", "initApply a@1", "initApply b@2", "initApply c@7", "initDone 8"]);
    expect(source.listCalls.map((c) => [c.limit, c.continue, c.resourceVersion, c.resourceVersionMatch])).toEqual([
      [1, undefined, "0", "NotOlderThan"],
      [1, "t1", undefined, undefined],
      [1, "t2", undefined, undefined],
      [undefined, undefined, "0", undefined],
    ]);
    w.stop();
  });

  it("throws what retrying cannot fix before the first list (403), unless told to retry it", async () => {
    const forbidden = new ScriptedSource<Item>([{ openError: status(403, "Forbidden") }]);
    await expect(run(forbidden).take(2)).rejects.toMatchObject({ code: 403 });
    const retried = new ScriptedSource<Item>([{ openError: status(403, "Forbidden") }, { steps: [bookmark("3", true)] }]);
    const w = run(retried, { retryClientErrors: () => true });
    expect(await w.take(4)).toEqual(["init", "error(list) KubernetesError", "init", "initDone 3"]);
    w.stop();
  });

  it("retries server errors of the list with backoff", async () => {
    const backoff = recordingBackoff();
    const source = new ScriptedSource<Item>([{ openError: status(503, "ServiceUnavailable") }, { openError: status(429, "TooManyRequests") }, { steps: [bookmark("3", true)] }]);
    const w = run(source, { backoff });
    expect(await w.take(6)).toEqual(["init", "error(list) KubernetesError", "init", "error(list) KubernetesError", "init", "initDone 3"]);
    expect(backoff.asked).toBe(2);
    w.stop();
  });
});

describe("watcher: watching", () => {
  const fromVersion = (watches: ConstructorParameters<typeof ScriptedSource<Item>>[0], options: Partial<WatcherOptions> = {}) => {
    const source = new ScriptedSource<Item>(watches);
    return { source, w: run(source, { resourceVersion: "100", ...options }) };
  };

  it("moves the resume point with every event, bookmarks included, and reopens a watch the server ended", async () => {
    const { source, w } = fromVersion([
      { steps: [added(item("a", "101")), bookmark("105"), { end: true }] },
      { steps: [deleted(item("a", "106"))] },
    ]);
    expect(await w.take(3)).toEqual(["added a@101", "bookmark 105", "delete a"]);
    expect(source.watchCalls.map((c) => c.resourceVersion)).toEqual(["100", "105"]);
    expect(source.watchCalls[0]).toMatchObject({ timeoutSeconds: 5, idleTimeoutMs: 10_500 });
    w.stop();
  });

  it("backs off after a watch that ended within a second without events, instead of reopening at once", async () => {
    const backoff = recordingBackoff(200);
    const { source, w } = fromVersion([{ steps: [{ end: true }] }, { steps: [{ end: true }] }, { steps: [added(item("a", "101"))] }], { backoff });
    const started = Date.now();
    expect(await w.take(3)).toEqual(["error(watch) ShortWatchError", "error(watch) ShortWatchError", "added a@101"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(backoff.asked).toBe(2);
    expect(source.watchCalls.map((c) => c.resourceVersion)).toEqual(["100", "100", "100"]);
    w.stop();
  });

  it("re-watches from the same point after 429, 5xx, an InternalError event, a reset or a silent stream", async () => {
    const idle = new TransportError("GET https://test/api/v1/configmaps: no data for 10500 ms", { method: "GET", url: "https://test/api/v1/configmaps" }, { code: "ETIMEDOUT" });
    const { source, w } = fromVersion([
      { openError: status(429, "TooManyRequests") },
      { openError: status(503, "ServiceUnavailable") },
      { steps: [added(item("a", "101")), { fail: status(500, "InternalError") }] },
      { steps: [{ fail: reset() }] },
      { steps: [{ fail: idle }] },
      { steps: [modified(item("a", "102"))] },
    ]);
    expect(await w.take(7)).toEqual([
      "error(watch) KubernetesError",
      "error(watch) KubernetesError",
      "added a@101",
      "error(watch) KubernetesError",
      "error(watch) TransportError",
      "error(watch) TransportError",
      "modified a@102",
    ]);
    expect(source.watchCalls.map((c) => c.resourceVersion)).toEqual(["100", "100", "100", "101", "101", "101"]);
    w.stop();
  });

  it("re-lists on 410 (after a backoff), or throws it when asked to", async () => {
    const { source, w } = fromVersion([{ steps: [{ fail: status(410, "Expired") }] }, { steps: [bookmark("200", true)] }]);
    expect(await w.take(3)).toEqual(["error(list) ResourceExpiredError", "init", "initDone 200"]);
    expect(source.watchCalls[1]).toMatchObject({ sendInitialEvents: true });
    w.stop();
    const thrown = fromVersion([{ steps: [{ fail: status(410, "Expired") }] }], { onExpired: "throw" });
    await expect(thrown.w.take(1)).rejects.toBeInstanceOf(ResourceExpiredError);
  });

  it("ends with the error when the connection is closed, without retrying", async () => {
    const { source, w } = fromVersion([{ steps: [added(item("a", "101")), { fail: closed() }] }]);
    await expect(w.take(3)).rejects.toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
    expect(source.watchCalls).toHaveLength(1);
  });

  it("ends quietly when aborted, closing the open request", async () => {
    const { w } = fromVersion([{ steps: [added(item("a", "101"))] }]);
    expect(await w.take(1)).toEqual(["added a@101"]);
    w.stop();
    expect(await w.iterator.next()).toEqual({ done: true, value: undefined });
  });
});

describe("plain watch events", () => {
  const summary = async (source: ScriptedSource<Item>, count: number, options = {}) => {
    const controller = new AbortController();
    const events = await take(watchEvents(source, { signal: controller.signal, timeoutSeconds: 5, ...options })[Symbol.asyncIterator](), count);
    controller.abort();
    return events.map((e) => `${e.type} ${e.type === "BOOKMARK" ? e.object.metadata.resourceVersion : `${e.object.metadata?.name}@${e.object.metadata?.resourceVersion}`}`);
  };

  it("delivers the initial state exactly once across a restart: unchanged skipped, changed as MODIFIED, vanished as DELETED", async () => {
    const source = new ScriptedSource<Item>([
      { steps: [added(item("a", "1")), added(item("b", "2")), added(item("c", "3")), { fail: reset() }] },
      { steps: [added(item("a", "1")), added(item("c", "5")), added(item("d", "6")), bookmark("7", true), added(item("e", "8"))] },
    ]);
    expect(await summary(source, 8, { allowWatchBookmarks: true })).toEqual([
      "ADDED a@1",
      "ADDED b@2",
      "ADDED c@3",
      "MODIFIED c@5",
      "ADDED d@6",
      "DELETED b@2",
      "BOOKMARK 7",
      "ADDED e@8",
    ]);
  });

  it("hides bookmarks unless asked for, and marks the end of a paged initial state like a streamed one", async () => {
    const source = new ScriptedSource<Item>([{ steps: [bookmark("6"), added(item("b", "7"))] }], [list("5", [item("a", "4")])]);
    expect(await summary(source, 2, { sendInitialEvents: false })).toEqual(["ADDED a@4", "ADDED b@7"]);
    const marked = new ScriptedSource<Item>([], [list("5", [item("a", "4")])]);
    const controller = new AbortController();
    const [, end] = await take(watchEvents(marked, { signal: controller.signal, sendInitialEvents: false, allowWatchBookmarks: true })[Symbol.asyncIterator](), 2);
    controller.abort();
    expect(end).toEqual({ type: "BOOKMARK", object: { metadata: { resourceVersion: "5", annotations: { "k8s.io/initial-events-end": "true" } } } });
  });
});

describe("exponentialBackoff (client-go's reflector settings)", () => {
  it("doubles from 800 ms to a 30 s cap with up to 100% jitter, and starts over only after 2 min without a backoff", () => {
    const backoff = exponentialBackoff();
    const delays = Array.from({ length: 8 }, () => backoff.next());
    const bases = [800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000];
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(bases[i]!);
      expect(delay).toBeLessThan(bases[i]! * 2);
    });
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 121_000;
      expect(backoff.next()).toBeLessThan(1600);
    } finally {
      Date.now = realNow;
    }
  });
});
