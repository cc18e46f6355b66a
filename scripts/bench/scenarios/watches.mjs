// Scenario "watches": one watch of ConfigMaps per namespace, all from the current resourceVersion; once every
// watch has its response headers, a writer process (writer.mjs) creates `expect` ConfigMaps across the namespaces,
// each annotated with the time its create was sent. Reports sockets open, RSS and CPU time (from opening the
// watches to the last delivery) and the write→delivery delays (median, p99).
//   watches '{"kubeconfig": "...", "namespaces": ["a", ...], "prefix": "w0", "expect": 2000, "writer": ["node", "writer.mjs", "<json>"],
//             "http2": false}'
import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { args, clientNode, done, fail, now } from "./_common.mjs";

const SENT_AT = "bench.k8s-sdk/sent-at-us";
const { namespaces, prefix, expect, writer } = args;
const delays = [];
let resolveAll;
const all = new Promise((resolve) => (resolveAll = resolve));
const timeout = setTimeout(() => fail(new Error(`only ${delays.length} of ${expect} events arrived`)), 600_000);
function deliver(type, object) {
  if (type !== "ADDED" || !object.metadata.name.startsWith(`${prefix}-`)) return;
  const sent = Number(object.metadata.annotations?.[SENT_AT]);
  if (!Number.isFinite(sent)) return;
  delays.push(((performance.timeOrigin + performance.now()) * 1000 - sent) / 1000);
  if (delays.length === expect) resolveAll();
}
const sockets = () => readdirSync("/proc/self/fd").filter((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:");
  } catch {
    return false;
  }
}).length;

const stops = [];
let stopping = false;
let close = async () => {};
let rv;
let cpu0;
let t0;
if (args.client === "sdk") {
  const { connect } = await import("@org/k8s-core");
  let opened = 0;
  let resolveOpened;
  const allOpened = new Promise((resolve) => (resolveOpened = resolve));
  // The request hook sees each watch's response headers: that is when a watch is established.
  const onRequest = (request) => (request.stream ? { response: () => ++opened === namespaces.length && resolveOpened() } : undefined);
  const k8s = await connect({ kubeconfig: args.kubeconfig, onRequest, ...(args.http2 !== undefined ? { http2: args.http2 } : {}) });
  rv = (await k8s.core.v1.configMaps.list({ allNamespaces: true, limit: 1 })).metadata.resourceVersion;
  cpu0 = process.cpuUsage();
  t0 = now();
  for (const namespace of namespaces) {
    const controller = new AbortController();
    stops.push(() => controller.abort());
    void (async () => {
      for await (const event of k8s.core.v1.configMaps.watch({ namespace, resourceVersion: rv, signal: controller.signal })) deliver(event.type, event.object);
    })().catch(fail);
  }
  await allOpened;
  close = () => k8s.close();
} else if (args.client === "clientnode") {
  const { k8s, kc, core } = await clientNode();
  rv = (await core.listConfigMapForAllNamespaces({ limit: 1 })).metadata.resourceVersion;
  cpu0 = process.cpuUsage();
  t0 = now();
  const watch = new k8s.Watch(kc);
  const controllers = await Promise.all(
    namespaces.map((namespace) => watch.watch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: rv, allowWatchBookmarks: true }, deliver, (err) => err && !stopping && fail(err))),
  );
  for (const controller of controllers) stops.push(() => controller.abort());
} else fail(new Error(`watches: no client ${args.client}`));
const openMs = now() - t0;

const w0 = now();
const child = spawn(writer[0], writer.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
const wrote = new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`)))));
await all;
const deliveredMs = now() - w0;
const cpu = process.cpuUsage(cpu0);
const open = sockets();
const rssMiB = process.memoryUsage().rss / 2 ** 20;
await wrote;
clearTimeout(timeout);
stopping = true;
for (const stop of stops) stop();
await close();
delays.sort((a, b) => a - b);
done({
  watches: namespaces.length,
  writes: delays.length,
  openMs,
  deliveredMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  sockets: open,
  rssMiB,
  delayMedianMs: delays[Math.floor(delays.length / 2)],
  delayP99Ms: delays[Math.floor((delays.length * 99) / 100)],
});
