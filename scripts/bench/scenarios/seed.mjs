// Seeds the data the scenarios read: namespace `namespace` with `count` ConfigMaps of `bytes` bytes, plus the one
// ConfigMap `target` that the request-overhead scenario reads. Uses the raw client, 16 requests in flight.
import { args, createConfigMaps, done, ensureNamespace, now, rawClient } from "./_common.mjs";

const raw = await rawClient();
const t0 = now();
await ensureNamespace(raw, args.namespace);
await createConfigMaps(raw, { namespace: args.namespace, prefix: "target", count: 1, bytes: 256 });
await createConfigMaps(raw, { namespace: args.namespace, prefix: "cm", count: args.count, bytes: args.bytes ?? 1024, concurrency: 16 });
const list = await raw.json(`/api/v1/namespaces/${args.namespace}/configmaps`);
await raw.close();
done({ seeded: list.items.length, ms: now() - t0 });
