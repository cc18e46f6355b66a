// The writer of scenario "watches", in a process of its own (so the watching client's CPU and RSS are its own):
// creates `count` ConfigMaps `${prefix}-${i}` round-robin over `namespaces`, `concurrency` in flight, each
// annotated with this process's clock (µs since the epoch) just before its create is sent.
//   writer '{"rawCredentials": "...", "namespaces": ["a", "b"], "prefix": "w0", "count": 2000, "concurrency": 16}'
import { args, done, now, rawClient } from "./_common.mjs";

export const SENT_AT = "bench.k8s-sdk/sent-at-us";
const { namespaces, prefix, count, concurrency = 16, bytes = 256 } = args;
const raw = await rawClient();
const payload = "x".repeat(bytes);
const t0 = now();
let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    const namespace = namespaces[i % namespaces.length];
    const name = `${prefix}-${i}`;
    const sentAtUs = (performance.timeOrigin + performance.now()) * 1000;
    const res = await raw.fetch(`/api/v1/namespaces/${namespace}/configmaps`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, annotations: { [SENT_AT]: sentAtUs.toFixed(0) } }, data: { payload } }),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`create ${namespace}/${name}: ${res.status} ${text}`);
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
await raw.close();
done({ written: count, ms: now() - t0 });
