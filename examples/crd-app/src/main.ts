// Uses the Widget CRD (crds/widget.yaml) with typed clients generated into src/k8s by `npm run gen`.
import { connect, isNotFound, waitFor } from "@org/k8s-core";
import { api as exampleApi } from "./k8s/api.js";
import type { Widget } from "./k8s/example.com/v1/index.js";

// The built-in API plus the generated one: k8s.exampleCom.v1.widgets, and k8s.objects knows Widgets.
const k8s = (await connect()).with(exampleApi);
const widgets = k8s.exampleCom.v1.widgets;

const wanted: Widget = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "first" }, spec: { size: "M", replicas: 2 } };
const applied = await widgets.apply(wanted, { fieldManager: "crd-app" });
console.log("applied", applied.metadata?.name, applied.spec?.size);

// The status subresource has its own verbs; a typed merge patch on the main resource.
await widgets.status.apply({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "first" }, status: { phase: "Ready" } }, { fieldManager: "crd-app" });
await widgets.patch("first", { type: "merge", body: { spec: { replicas: 3 } } });

// By apiVersion and kind, as manifests name objects: typed as Widget because of .with(exampleApi).
const byKind = await k8s.objects.get({ apiVersion: "example.com/v1", kind: "Widget", name: "first" });
const replicas: number | undefined = byKind.spec?.replicas;
console.log("objects", byKind.kind, replicas, byKind.status?.phase);

// Wait for a condition on a watch, as `kubectl wait` does.
const ready = await waitFor(widgets, "first", (widget) => widget?.status?.phase === "Ready", { timeoutMs: 30_000 });
console.log("ready", ready?.metadata?.name);

const listed = await widgets.list();
console.log("listed", listed.items.map((widget) => `${widget.metadata?.name}:${widget.spec?.size}`).join(","));

await widgets.delete("first");
try {
  await widgets.get("first");
} catch (error) {
  if (!isNotFound(error)) throw error;
  console.log("deleted", error.status.reason);
}
await k8s.close();
