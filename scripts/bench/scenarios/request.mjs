// Scenario 1, request overhead: `count` sequential GETs of one ConfigMap over one kept-alive connection (after
// `warmup` GETs that open the connection and warm the JIT). Result: total ms and µs per request.
import { args, clientNode, done, now, rawClient, sdkClient } from "./_common.mjs";

const { namespace, name, count, warmup = 100 } = args;
let get;
let close = async () => {};
if (args.client === "sdk") {
  const k8s = await sdkClient();
  get = () => k8s.core.v1.configMaps.get(name, { namespace });
  close = () => k8s.close();
} else if (args.client === "clientnode") {
  const { core } = await clientNode();
  get = () => core.readNamespacedConfigMap({ name, namespace });
} else {
  const raw = await rawClient();
  get = () => raw.json(`/api/v1/namespaces/${namespace}/configmaps/${name}`);
  close = () => raw.close();
}
let seen = 0;
for (let i = 0; i < warmup; i++) if ((await get()).metadata.name === name) seen++;
const t0 = now();
for (let i = 0; i < count; i++) if ((await get()).metadata.name === name) seen++;
const ms = now() - t0;
await close();
done({ count, seen, ms, usPerRequest: (ms * 1000) / count });
