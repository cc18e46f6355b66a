// Informer initial sync: from start to a synced cache of every Pod of `namespace` (pb-seed-pods.mjs). "sdk" and
// "sdkpb": our Informer (streaming list, JSON or protobuf); "clientnode": client-node's makeInformer (list, then
// watch); "raw": the floor of a list-based sync, one undici fetch + JSON.parse of the whole list. The connection is
// opened first (a list with limit=1), so `ms` is the sync itself.
import { args, clientNode, done, isSdk, now, rawClient, sdkClient } from "./_common.mjs";

const { namespace } = args;
let items;
let ms;
if (isSdk(args.client)) {
  const k8s = await sdkClient({ protobuf: args.client === "sdkpb" });
  const { Informer } = await import("@org/k8s-core");
  await k8s.core.v1.pods.list({ namespace, limit: 1 });
  const t0 = now();
  const informer = new Informer(k8s.core.v1.pods, { namespace });
  await informer.start();
  ms = now() - t0;
  items = informer.list().length;
  await informer.stop();
  await k8s.close();
} else if (args.client === "clientnode") {
  const { k8s, kc, core } = await clientNode();
  await core.listNamespacedPod({ namespace, limit: 1 });
  const t0 = now();
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace }));
  await informer.start();
  ms = now() - t0;
  items = informer.list().length;
  await informer.stop();
} else {
  const raw = await rawClient();
  await raw.json(`/api/v1/namespaces/${namespace}/pods?limit=1`);
  const t0 = now();
  items = (await raw.json(`/api/v1/namespaces/${namespace}/pods`)).items.length;
  ms = now() - t0;
  await raw.close();
}
done({ items, ms });
