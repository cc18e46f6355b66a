import { hostname } from "node:os";
import type { Kube } from "@org/k8s-core";
import { type ConfigMap, configMaps } from "@org/k8s-core/core/v1";
import type { Event } from "@org/k8s-core/events.k8s.io/v1";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EventRecorder } from "./events.js";
import { addFinalizer, hasFinalizer, removeFinalizer } from "./finalizers.js";
import type { Logger } from "./logger.js";
import { clusterClient, createNamespace, deleteNamespace, uniqueNamespace } from "./test/cluster.js";

// Finalizer helpers and the events.k8s.io/v1 recorder against the shared whole cluster's API server.
let k8s: Kube;
let ns: string;

beforeAll(async () => {
  ns = uniqueNamespace("ctrl-helpers");
  k8s = await clusterClient(ns);
  await createNamespace(k8s, ns);
});
afterAll(async () => {
  await deleteNamespace(k8s, ns);
  await k8s.close();
});

const cms = () => k8s.client.resource(configMaps);

describe("finalizer helpers", () => {
  it("add and remove never drop a finalizer someone else added meanwhile, however stale the object they start from", async () => {
    const created = await cms().create({ metadata: { name: "guarded", finalizers: ["a.example.com/first"] } }, { namespace: ns });
    // Someone else adds theirs after we read the object.
    await cms().patch("guarded", { type: "json", body: [{ op: "add", path: "/metadata/finalizers/-", value: "b.example.com/second" }] }, { namespace: ns });
    const added = await addFinalizer(cms(), created, "ours.example.com/cleanup", { fieldManager: "test" });
    expect(added.metadata?.finalizers).toEqual(["a.example.com/first", "b.example.com/second", "ours.example.com/cleanup"]);
    // Present already: no write at all.
    const again = await addFinalizer(cms(), added, "ours.example.com/cleanup");
    expect(again.metadata?.resourceVersion).toBe(added.metadata?.resourceVersion);
    expect(hasFinalizer(again, "ours.example.com/cleanup")).toBe(true);

    await cms().patch("guarded", { type: "merge", body: { data: { touched: "yes" } } }, { namespace: ns }); // makes `added` stale
    const removed = await removeFinalizer(cms(), added, "ours.example.com/cleanup");
    expect(removed?.metadata?.finalizers).toEqual(["a.example.com/first", "b.example.com/second"]);
    expect(removed?.data).toEqual({ touched: "yes" });
  });

  it("removing the last finalizer of an object being deleted lets it go; a gone object is undefined", async () => {
    const created = await cms().create({ metadata: { name: "leaving" } }, { namespace: ns });
    const guarded = await addFinalizer(cms(), created, "ours.example.com/cleanup");
    await cms().delete("leaving", { namespace: ns });
    const deleting = await cms().get("leaving", { namespace: ns });
    expect(deleting.metadata?.deletionTimestamp).toBeTruthy();
    // Adding during deletion is refused by the server.
    await expect(addFinalizer(cms(), deleting, "late.example.com/too-late")).rejects.toThrow(/forbidden|deletionTimestamp|finalizer/i);
    await removeFinalizer(cms(), guarded, "ours.example.com/cleanup"); // from a stale copy: re-read on conflict
    await expect(cms().get("leaving", { namespace: ns })).rejects.toMatchObject({ code: 404 });
    expect(await removeFinalizer(cms(), guarded, "ours.example.com/cleanup")).toBeUndefined();
    await expect(addFinalizer(cms(), created, "ours.example.com/cleanup")).rejects.toThrow(/no longer exists/);
  });

  it("refuses a finalizer that is not a qualified name before asking the server", async () => {
    await expect(addFinalizer(cms(), { metadata: { name: "x", resourceVersion: "1" } } as ConfigMap, "not a name")).rejects.toThrow(TypeError);
  });
});

describe("EventRecorder (events.k8s.io/v1, client-go's series aggregation)", () => {
  const quiet = (): { log: Logger; errors: string[] } => {
    const errors: string[] = [];
    return { log: { info: () => {}, error: (msg, fields) => void errors.push(`${msg} ${JSON.stringify(fields)}`) }, errors };
  };
  const eventsAbout = async (name: string) =>
    (await k8s.events.v1.events.list({ namespace: ns })).items.filter((e: Event) => e.regarding?.name === name).sort((a, b) => (a.reason ?? "").localeCompare(b.reason ?? ""));

  it("writes one Event per series: the first occurrence, then count 2, and the final count when the series ends", async () => {
    const subject = await cms().create({ metadata: { name: "noisy" } }, { namespace: ns });
    const { log, errors } = quiet();
    const recorder = new EventRecorder({ client: k8s.client, reportingController: "example.com/test-controller", log, finishSeriesAfterMs: 1500 });
    const regarding = { ...subject, apiVersion: "v1", kind: "ConfigMap" };
    recorder.record(regarding, { reason: "Synced", action: "Sync", note: "first" });
    await recorder.flush();
    const [event] = await eventsAbout("noisy");
    expect(event).toMatchObject({
      type: "Normal",
      reason: "Synced",
      action: "Sync",
      note: "first",
      reportingController: "example.com/test-controller",
      reportingInstance: `example.com/test-controller-${hostname()}`,
      regarding: { apiVersion: "v1", kind: "ConfigMap", name: "noisy", namespace: ns, uid: subject.metadata?.uid, resourceVersion: subject.metadata?.resourceVersion },
    });
    expect(event!.series).toBeUndefined();
    expect(event!.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(event!.metadata?.name).toMatch(/^noisy\.[0-9a-f]+$/);

    for (let i = 0; i < 9; i++) recorder.record(regarding, { reason: "Synced", action: "Sync", note: `again ${i}` }); // the note is not part of the key
    recorder.record(regarding, { type: "Warning", reason: "Failed", action: "Sync", note: "a different series" });
    await recorder.flush();
    const afterBurst = await eventsAbout("noisy");
    expect(afterBurst.map((e) => [e.reason, e.series?.count])).toEqual([
      ["Failed", undefined],
      ["Synced", 2], // later occurrences only count locally until the series ends (or is refreshed)
    ]);
    // The series ends 1.5 s after its last occurrence: its final count is written.
    await vi.waitFor(async () => expect((await eventsAbout("noisy")).find((e) => e.reason === "Synced")?.series?.count).toBe(10), { timeout: 15_000, interval: 250 });
    const synced = (await eventsAbout("noisy")).find((e) => e.reason === "Synced")!;
    expect(synced.metadata?.name).toBe(event!.metadata?.name);
    expect(Date.parse(synced.series!.lastObservedTime)).toBeGreaterThanOrEqual(Date.parse(event!.eventTime));
    // A forgotten series starts over as a new Event.
    recorder.record(regarding, { reason: "Synced", action: "Sync" });
    await recorder.stop();
    expect((await eventsAbout("noisy")).filter((e) => e.reason === "Synced")).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it("stop writes every series' current count; bad input throws; a note over 1 kB is cut", async () => {
    const subject = await cms().create({ metadata: { name: "stopping" } }, { namespace: ns });
    const recorder = new EventRecorder({ client: k8s.client, reportingController: "example.com/test-controller", log: quiet().log });
    const regarding = { ...subject, apiVersion: "v1", kind: "ConfigMap" };
    for (let i = 0; i < 4; i++) recorder.record(regarding, { reason: "Tick", action: "Count", note: "é".repeat(2000) });
    expect(() => recorder.record(regarding, { type: "Bad" as "Normal", reason: "X", action: "Y" })).toThrow(/"Normal" or "Warning"/);
    expect(() => recorder.record(regarding, { reason: "", action: "Y" })).toThrow(/reason must be 1-128/);
    expect(() => recorder.record({ metadata: subject.metadata } as never, { reason: "X", action: "Y" })).toThrow(/needs apiVersion, kind and name/);
    await recorder.stop();
    const [event] = await eventsAbout("stopping");
    expect(event?.series?.count).toBe(4);
    expect(Buffer.byteLength(event!.note!)).toBeLessThanOrEqual(1024);
    expect(event!.note!.endsWith("…")).toBe(true);
    recorder.record(regarding, { reason: "Tick", action: "Count" }); // stopped: dropped, never throws
  });
});
