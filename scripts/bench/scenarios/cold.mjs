// Scenario 4, cold start: this fresh process imports the SDK, loads the kubeconfig and lists namespaces, then
// exits. The driver measures the process's wall time from spawn to exit; `sinceStartMs` is performance.now() at the
// end (time since this process started, Node's own startup included).
import { args, clientNode, done, now, rawClient, sdkClient } from "./_common.mjs";

let names;
if (args.client === "sdk") {
  const k8s = await sdkClient();
  names = (await k8s.core.v1.namespaces.list()).items.map((ns) => ns.metadata.name);
  await k8s.close();
} else if (args.client === "clientnode") {
  const { core } = await clientNode();
  names = (await core.listNamespace()).items.map((ns) => ns.metadata.name);
} else {
  const raw = await rawClient();
  names = (await raw.json("/api/v1/namespaces")).items.map((ns) => ns.metadata.name);
  await raw.close();
}
done({ namespaces: names.length, hasDefault: names.includes("default"), sinceStartMs: now() });
