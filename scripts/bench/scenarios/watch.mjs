// Scenario 3, watch. Two phases in one process:
//  throughput: a watch of `listNamespace` (the seeded ConfigMaps) from resourceVersion "0", so the server replays
//    its watch cache as ADDED events as fast as the client takes them; `count` events, events/s.
//  delay: a watch of `writeNamespace` from its current resourceVersion while this process creates `writes`
//    ConfigMaps (raw client, `concurrency` in flight, the same writer for every client); per object, the delay from
//    the start of its create request to the delivery of its ADDED event (median and p95).
import { args, clientNode, createConfigMaps, done, now, rawClient, sdkClient } from "./_common.mjs";

const { listNamespace, writeNamespace, count, writes, concurrency = 8, prefix } = args;
const writer = await rawClient();

// Each client is imported and set up before the clock starts (the raw one's undici is already loaded by the writer):
// this row measures watching; importing and connecting is the cold-start row's.
const client = args.client === "sdk" ? await sdkClient() : args.client === "clientnode" ? await clientNode() : await rawClient();

/** Starts a watch; calls onEvent(type, object) for each event; returns { stop, ended }. */
async function startWatch(namespace, resourceVersion, onEvent) {
  if (args.client === "sdk") {
    const k8s = client;
    const controller = new AbortController();
    const ended = (async () => {
      for await (const event of k8s.core.v1.configMaps.watch({ namespace, resourceVersion, signal: controller.signal })) onEvent(event.type, event.object);
    })();
    return { stop: () => controller.abort(), ended, close: () => k8s.close() };
  }
  if (args.client === "clientnode") {
    const { k8s, kc } = client;
    let finish;
    const ended = new Promise((resolve) => (finish = resolve));
    const controller = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion, allowWatchBookmarks: true }, onEvent, (err) => finish(err));
    return { stop: () => controller.abort(), ended, close: async () => {} };
  }
  const raw = client;
  const controller = new AbortController();
  const res = await raw.fetch(`/api/v1/namespaces/${namespace}/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`, { signal: controller.signal });
  if (res.status !== 200) throw new Error(`watch: ${res.status}`);
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line) {
            const event = JSON.parse(line);
            onEvent(event.type, event.object);
          }
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return { stop: () => controller.abort(), ended, close: () => raw.close() };
}

// Phase 1: throughput of a replay of `count` events.
let received = 0;
let resolveEnough;
const enough = new Promise((resolve) => (resolveEnough = resolve));
const t0 = now();
const replay = await startWatch(listNamespace, "0", (type) => {
  if (type !== "ADDED" || received >= count) return; // events after the count (before the stop takes) are not counted
  if (++received === count) resolveEnough();
});
await enough;
const replayMs = now() - t0;
replay.stop();
await replay.ended.catch(() => {});

// Phase 2: delay from write to delivery while objects are created.
const rv = (await writer.json(`/api/v1/namespaces/${writeNamespace}/configmaps?limit=1`)).metadata.resourceVersion;
const startedAt = new Map();
const delays = [];
let resolveAll;
const all = new Promise((resolve) => (resolveAll = resolve));
const pending = new Map(); // events that arrived before the writer recorded the start (cannot happen, but be safe)
const live = await startWatch(writeNamespace, rv, (type, object) => {
  if (type !== "ADDED") return;
  const name = object.metadata.name;
  if (!name.startsWith(`${prefix}-`)) return;
  const t = now();
  const s = startedAt.get(name);
  if (s === undefined) pending.set(name, t);
  else delays.push(t - s);
  if (delays.length + pending.size === writes) resolveAll();
});
const w0 = now();
await createConfigMaps(writer, {
  namespace: writeNamespace,
  prefix,
  count: writes,
  bytes: 256,
  concurrency,
  onCreated: () => {},
  onStart: (name, t) => startedAt.set(name, t),
});
await all;
const writeMs = now() - w0;
live.stop();
await live.ended.catch(() => {});
await live.close();
await writer.close();
delays.sort((a, b) => a - b);
done({
  events: received,
  replayMs,
  eventsPerSec: (received / replayMs) * 1000,
  writes: delays.length,
  writeMs,
  liveEventsPerSec: (delays.length / writeMs) * 1000,
  delayMedianMs: delays[Math.floor(delays.length / 2)],
  delayP95Ms: delays[Math.floor(delays.length * 0.95)],
});
