// Scenario 2, large list: every ConfigMap of `namespace`, in pages of `limit` (mode "paged") or in one response
// (mode "all"); client "sdkpb" is our SDK reading protobuf. The connection is opened first (a list with limit=1), so `ms` is the list itself. Peak RSS is the
// whole process's (the scenario runs in a fresh process per measurement).
import { args, clientNode, done, isSdk, now, rawClient, sdkClient } from "./_common.mjs";

const { namespace, mode, limit = 500 } = args;
let items = 0;
let ms;
if (isSdk(args.client)) {
  const k8s = await sdkClient({ protobuf: args.client === "sdkpb" });
  await k8s.core.v1.configMaps.list({ namespace, limit: 1 });
  const t0 = now();
  if (mode === "paged") for await (const page of k8s.core.v1.configMaps.pages({ namespace, limit })) items += page.items.length;
  else items = (await k8s.core.v1.configMaps.list({ namespace })).items.length;
  ms = now() - t0;
  await k8s.close();
} else if (args.client === "clientnode") {
  const { core } = await clientNode();
  await core.listNamespacedConfigMap({ namespace, limit: 1 });
  const t0 = now();
  if (mode === "paged") {
    let token;
    do {
      const page = await core.listNamespacedConfigMap({ namespace, limit, _continue: token });
      items += page.items.length;
      token = page.metadata?._continue || undefined;
    } while (token);
  } else items = (await core.listNamespacedConfigMap({ namespace })).items.length;
  ms = now() - t0;
} else {
  const raw = await rawClient();
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  await raw.json(`${path}?limit=1`);
  const t0 = now();
  if (mode === "paged") {
    let token;
    do {
      const page = await raw.json(`${path}?limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ""}`);
      items += page.items.length;
      token = page.metadata?.continue || undefined;
    } while (token);
  } else items = (await raw.json(path)).items.length;
  ms = now() - t0;
  await raw.close();
}
done({ mode, items, ms });
