// Compiled by packed.int.test.ts inside a fresh app that installed the packed tarballs, under strict settings
// (`skipLibCheck: false`, `exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`), as ESM, CommonJS and with
// bundler resolution. Every line must compile, and every `@ts-expect-error` line must fail to.
import { Informer, type Kube, type KubernetesError, applyManifests, connect, isNotFound, isStatus, parseManifests, waitForCondition, waitForRollout } from "@org/k8s-core";
import { type Deployment, type DeploymentList, deployments } from "@org/k8s-core/apps/v1";
import type { ClusterRole } from "@org/k8s-core/rbac.authorization.k8s.io/v1";
import type { Container, Pod } from "@org/k8s-core/core/v1";
import type { paths } from "@org/k8s-core/core/v1/paths";

const web: Deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
  },
};

// @ts-expect-error apiVersion is a literal
const wrongVersion: Deployment = { apiVersion: "apps/v2", kind: "Deployment" };
// @ts-expect-error a container needs a name
const nameless: Container = { image: "nginx" };

export async function usage(signal: AbortSignal): Promise<unknown[]> {
  await using k8s: Kube = await connect();

  const pods = await k8s.core.v1.pods.list({ allNamespaces: true });
  const first: Pod | undefined = pods.items[0];
  const ip: string | undefined = first?.status?.podIP;
  const containers: Container[] | undefined = first?.spec?.containers;
  // @ts-expect-error a name is a string
  const wrongName: number | undefined = first?.metadata?.name;
  // @ts-expect-error allNamespaces is a boolean
  await k8s.core.v1.pods.list({ allNamespaces: "yes" });
  // @ts-expect-error no such verb
  await k8s.apps.v1.deployments.nonsense();
  // @ts-expect-error namespaces are cluster-scoped: no namespace option
  await k8s.core.v1.namespaces.get("x", { namespace: "y" });
  // @ts-expect-error component statuses cannot be created (the server serves get, list, watch)
  await k8s.core.v1.componentStatuses.create({ metadata: { name: "x" } });
  // @ts-expect-error token reviews are create-only
  await k8s.authentication.v1.tokenReviews.list();
  // @ts-expect-error configmaps have no scale subresource
  void k8s.core.v1.configMaps.scale;

  // Server-side apply takes the object type itself, or any subset of it.
  const applied: Deployment = await k8s.apps.v1.deployments.apply(web, { fieldManager: "my-app" });
  await k8s.apps.v1.deployments.apply({ metadata: { name: "web" }, spec: { replicas: 3 } }, { fieldManager: "my-app", force: true });
  await k8s.rbacAuthorization.v1.clusterRoles.apply({ metadata: { name: "r" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] }, { fieldManager: "my-app" });
  // @ts-expect-error apply needs a field manager
  await k8s.apps.v1.deployments.apply(web, {});
  // @ts-expect-error apply needs options
  await k8s.apps.v1.deployments.apply(web);
  // @ts-expect-error replicas is a number
  await k8s.apps.v1.deployments.apply({ metadata: { name: "web" }, spec: { replicas: "3" } }, { fieldManager: "my-app" });

  // Typed patches: null deletes a field in a merge patch.
  await k8s.apps.v1.deployments.patch("web", { type: "merge", body: { spec: { replicas: 3 }, metadata: { labels: { gone: null } } } });
  await k8s.apps.v1.deployments.patch("web", { type: "strategic", body: { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } } } });
  await k8s.apps.v1.deployments.patch("web", { type: "strategic", body: { spec: { template: { spec: { containers: [{ name: "old", $patch: "delete" }] } } } } });
  await k8s.apps.v1.deployments.patch("web", { type: "json", body: [{ op: "replace", path: "/spec/replicas", value: 2 }] });
  // Values of the named types fit into patches as they are.
  await k8s.apps.v1.deployments.patch("web", { type: "strategic", body: { spec: web.spec } });
  await k8s.apps.v1.deployments.patch("web", { type: "merge", body: { spec: web.spec } });
  await k8s.apps.v1.deployments.patch("web", { type: "merge", untypedBody: { spec: { anything: "goes" } } });
  // @ts-expect-error unknown field in a merge patch
  await k8s.apps.v1.deployments.patch("web", { type: "merge", body: { spec: { replicaz: 3 } } });
  // @ts-expect-error wrong field type in a merge patch
  await k8s.apps.v1.deployments.patch("web", { type: "merge", body: { spec: { replicas: "three" } } });
  // @ts-expect-error unknown field in a strategic merge patch
  await k8s.apps.v1.deployments.patch("web", { type: "strategic", body: { spec: { replicaz: 3 } } });
  // @ts-expect-error a JSON patch operation needs a path
  await k8s.apps.v1.deployments.patch("web", { type: "json", body: [{ op: "remove" }] });

  // Subresources take their own kinds.
  const scale = await k8s.apps.v1.deployments.scale.get("web");
  const replicas: number | undefined = scale.spec?.replicas;
  await k8s.apps.v1.deployments.scale.patch("web", { type: "merge", body: { spec: { replicas: 4 } } });
  await k8s.apps.v1.deployments.status.apply({ metadata: { name: "web" }, status: { observedGeneration: 1 } }, { fieldManager: "my-app" });
  const log: string = await k8s.core.v1.pods.log("p", { container: "c", tailLines: 10 });

  // Watch events tell the truth: bookmarks only when asked for, and then without an object.
  for await (const event of k8s.apps.v1.deployments.watch({ signal })) {
    const n: number | undefined = event.object.spec?.replicas;
    void n;
  }
  for await (const event of k8s.apps.v1.deployments.watch({ allowWatchBookmarks: true, signal })) {
    if (event.type === "BOOKMARK") {
      const rv: string = event.object.metadata.resourceVersion;
      // @ts-expect-error a bookmark carries no spec
      void event.object.spec;
      void rv;
    } else {
      const d: Deployment = event.object;
      void d;
    }
  }

  // delete returns the object or a Status, told apart by kind.
  const deleted = await k8s.apps.v1.deployments.delete("web", { propagationPolicy: "Foreground" });
  if (deleted.kind === "Status") {
    const message: string | undefined = deleted.message;
    void message;
  } else {
    const stillThere: Deployment = deleted;
    void stillThere;
  }
  // @ts-expect-error a delete result may be a Status
  const notNarrowed: Deployment = await k8s.apps.v1.deployments.delete("web");
  if (isStatus(deleted)) void deleted.code;

  // Informers cache the resource's own type.
  const informer = new Informer(k8s.core.v1.pods, { allNamespaces: true });
  const cached: Pod[] = informer.list();
  // @ts-expect-error the cache holds pods
  const wrongCache: Deployment[] = informer.list();

  // Errors narrow.
  const error: unknown = await k8s.core.v1.configMaps.get("nope").catch((e: unknown) => e);
  if (isNotFound(error)) {
    const message: string | undefined = error.status.message;
    const same: KubernetesError = error;
    void message;
    void same;
  }

  // The client underneath: descriptors (also under exactOptionalPropertyTypes), openapi-fetch paths, dynamic kinds.
  const typed = k8s.client.resource(deployments);
  const list: DeploymentList = await typed.list();
  await typed.status.get("web");
  const raw = k8s.client.fetchClient<paths>();
  const listed = await raw.GET("/api/v1/namespaces/{namespace}/configmaps", { params: { path: { namespace: "default" } } });
  const firstName: string | undefined = listed.data?.items[0]?.metadata?.name;
  const widgets = k8s.client.dynamic({ group: "example.com", version: "v1", plural: "widgets", namespaced: true });
  const widget = await widgets.get("w");
  const spec: unknown = widget["spec"];
  const role: ClusterRole | undefined = undefined;

  // Any object by apiVersion/kind: typed for generated kinds, untyped otherwise.
  const byKind: Deployment = await k8s.objects.apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 2 } }, { fieldManager: "my-app" });
  // @ts-expect-error replicas is a number, also through k8s.objects
  await k8s.objects.apply({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: "2" } }, { fieldManager: "my-app" });
  const gadget = await k8s.objects.get({ apiVersion: "example.com/v1", kind: "Gadget", name: "g" });
  const gadgetSpec: unknown = gadget["spec"];
  const results = await applyManifests(k8s.objects, parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"), { fieldManager: "my-app" });
  const action: "created" | "configured" | "unchanged" | "skipped" | undefined = results[0]?.action;

  // Waiting as kubectl does, typed by the resource.
  const rolledOut: Deployment = await waitForRollout(k8s.apps.v1.deployments, "web", { timeoutMs: 60_000 });
  const established = await waitForCondition(k8s.apiextensions.v1.customResourceDefinitions, "widgets.example.com", "Established");
  const crdGroup: string = established.spec.group;

  return [wrongVersion, nameless, ip, containers, wrongName, applied, replicas, log, notNarrowed, cached, wrongCache, list, firstName, spec, role, byKind, gadgetSpec, action, rolledOut, crdGroup];
}
