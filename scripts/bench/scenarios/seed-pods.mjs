// Seeds `count` realistic Pods (see _pods.mjs) spread evenly over `namespaces`, each written as a real one is: a
// server-side apply, a status patch as "kubelet", a label patch as a controller. On a control plane without nodes
// the Pods stay unscheduled, which an informer does not mind. Raw client, `concurrency` Pods in flight.
//   seed-pods '{"rawCredentials": "...", "namespaces": ["a", "b"], "count": 20000, "prefix": "pod", "concurrency": 24}'
import { podLabelPatch, podManifest, podStatus } from "./_pods.mjs";
import { args, done, ensureNamespace, now, rawClient } from "./_common.mjs";

const { namespaces, count, prefix = "pod", concurrency = 24 } = args;
const raw = await rawClient();
const t0 = now();
for (const namespace of namespaces) await ensureNamespace(raw, namespace);

async function send(method, path, contentType, body) {
  for (let attempt = 1; ; attempt++) {
    const res = await raw.fetch(path, { method, headers: { "content-type": contentType }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.ok) return text;
    // A loaded 2-core machine may answer 429 (priority and fairness) or time out a write: retry those.
    if ((res.status === 429 || res.status >= 500) && attempt < 10) {
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      continue;
    }
    throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  }
}

let next = 0;
let bytes = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    const namespace = namespaces[i % namespaces.length];
    const name = `${prefix}-${i}`;
    const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
    await send("PATCH", `${path}?fieldManager=bench-operator&force=true`, "application/apply-patch+yaml", podManifest(namespace, name, i));
    await send("PATCH", `${path}/status?fieldManager=kubelet`, "application/strategic-merge-patch+json", podStatus(i));
    const final = await send("PATCH", `${path}?fieldManager=bench-controller`, "application/merge-patch+json", podLabelPatch(i));
    if (i === 0) bytes = Buffer.byteLength(final);
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
const seededMs = now() - t0;
// Verify (and report the sizes an informer will see): one page of Pods, with and without managedFields.
const page = await raw.json(`/api/v1/namespaces/${namespaces[0]}/pods?limit=50`);
const sizes = page.items.map((pod) => Buffer.byteLength(JSON.stringify(pod)));
const managers = page.items[0]?.metadata.managedFields?.length ?? 0;
const stripped = page.items.map((pod) => {
  delete pod.metadata.managedFields;
  return Buffer.byteLength(JSON.stringify(pod));
});
const avg = (list) => list.reduce((a, b) => a + b, 0) / Math.max(1, list.length);
await raw.close();
done({ seeded: count, ms: seededMs, perSec: (count / seededMs) * 1000, firstPodBytes: bytes, podBytes: avg(sizes), podBytesWithoutManagedFields: avg(stripped), managers });
