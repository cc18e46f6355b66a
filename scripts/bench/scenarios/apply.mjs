// Scenario "apply": a burst of `count` server-side applies of new ConfigMaps `${prefix}-${i}`, `concurrency` in
// flight, without a client-side rate limit or (this SDK; client-node has none) with a token bucket at `qps` /
// `burst`. The connection is opened first (a GET of the namespace). Reports wall time and errors.
//   apply '{"kubeconfig": "...", "namespace": "ns", "prefix": "a0", "count": 2000, "concurrency": 50, "qps": 0, "burst": 0, "bytes": 256}'
import { args, clientNode, done, fail, now } from "./_common.mjs";

const { namespace, prefix, count, concurrency, qps = 0, burst = 0, bytes = 256 } = args;
const payload = "x".repeat(bytes);
const manifest = (i) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `${prefix}-${i}`, namespace, labels: { app: "bench", burst: prefix } },
  data: { index: String(i), payload },
});
let apply;
let close = async () => {};
if (args.client === "sdk") {
  const { connect } = await import("@org/k8s-core");
  const k8s = await connect({ kubeconfig: args.kubeconfig, ...(qps > 0 ? { rateLimit: { qps, burst } } : {}), ...(args.http2 !== undefined ? { http2: args.http2 } : {}) });
  await k8s.core.v1.namespaces.get(namespace);
  apply = (i) => k8s.core.v1.configMaps.apply(manifest(i), { namespace, fieldManager: "bench", force: true });
  close = () => k8s.close();
} else if (args.client === "clientnode") {
  if (qps > 0) fail(new Error("client-node has no client-side rate limit"));
  const { k8s, core } = await clientNode();
  await core.readNamespace({ name: namespace });
  const options = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply);
  apply = (i) => core.patchNamespacedConfigMap({ name: `${prefix}-${i}`, namespace, body: manifest(i), fieldManager: "bench", force: true }, options);
} else fail(new Error(`apply: no client ${args.client}`));

let next = 0;
let errors = 0;
let firstError;
const t0 = now();
async function worker() {
  while (next < count) {
    const i = next++;
    try {
      const applied = await apply(i);
      if (applied.metadata.name !== `${prefix}-${i}`) throw new Error(`applied ${applied.metadata.name}`);
    } catch (error) {
      errors++;
      firstError ??= String(error?.message ?? error).slice(0, 300);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
const ms = now() - t0;
await close();
done({ count, errors, ms, perSec: (count / ms) * 1000, ...(firstError ? { firstError } : {}) });
