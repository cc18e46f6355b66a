// Scenario "informer": the initial sync of a Pod informer, as each client's users write one, with one "add"
// handler that counts. `namespace: ""` watches all namespaces. `transform: true` drops managedFields before caching
// (this SDK's `transform` option; client-node has none). Reports the time from start to synced, the peak RSS and,
// after a memory-reducing full GC with the cache still referenced, the RSS and live heap retained: V8's
// "last-resort" GC, which also gives the young generation's pages back, is the counterpart of the Go peer's
// runtime.GC() + debug.FreeOSMemory(); a plain gc() leaves up to 128 MiB of empty young generation resident on
// Node 24. Runs with --expose-gc.
//   informer '{"kubeconfig": "...", "namespace": "", "expect": 20000, "transform": false}'
import { args, clientNode, done, fail, now, sdkClient } from "./_common.mjs";

const { namespace, expect, transform } = args;
if (typeof globalThis.gc !== "function") fail(new Error("run with --expose-gc"));
let added = 0;
let items;
let stop;
let sample;
let t0;
let syncMs;
if (args.client === "sdk") {
  const { Informer } = await import("@org/k8s-core");
  const k8s = await sdkClient();
  t0 = now();
  const informer = new Informer(k8s.core.v1.pods, {
    ...(namespace ? { namespace } : { allNamespaces: true }),
    ...(transform
      ? {
          transform: (pod) => {
            pod.metadata.managedFields = undefined;
            return pod;
          },
        }
      : {}),
  });
  informer.on((event) => {
    if (event.type === "added") added++;
  });
  await informer.start();
  syncMs = now() - t0;
  items = () => informer.list();
  stop = async () => {
    await informer.stop();
    await k8s.close();
  };
} else if (args.client === "clientnode") {
  if (transform) fail(new Error("client-node's informer has no transform"));
  const { k8s, kc, core } = await clientNode();
  t0 = now();
  const path = namespace ? `/api/v1/namespaces/${namespace}/pods` : "/api/v1/pods";
  const list = namespace ? () => core.listNamespacedPod({ namespace }) : () => core.listPodForAllNamespaces();
  const informer = k8s.makeInformer(kc, path, list);
  informer.on("add", () => added++);
  await informer.start();
  syncMs = now() - t0;
  items = () => informer.list();
  stop = () => informer.stop();
} else fail(new Error(`informer: no client ${args.client}`));

const cached = items().length;
if (expect && cached !== expect) fail(new Error(`cache holds ${cached} pods, expected ${expect}`));
while (added < cached) await new Promise((resolve) => setTimeout(resolve, 1)); // handlers run after the cache is filled
const handlersMs = now() - t0;
const peakAtSyncMiB = process.resourceUsage().maxRSS / 1024;
globalThis.gc({ type: "major", execution: "sync", flavor: "last-resort" });
const memory = process.memoryUsage();
sample = items()[0]; // the cache is still referenced here, so the GC could not have dropped it
const hasManagedFields = (sample?.metadata?.managedFields?.length ?? 0) > 0;
await stop();
done({ items: cached, added, syncMs, handlersMs, peakAtSyncMiB, retainedRssMiB: memory.rss / 2 ** 20, retainedHeapMiB: memory.heapUsed / 2 ** 20, hasManagedFields });
