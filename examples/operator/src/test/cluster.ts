import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { type Kube, applyManifests, fromConnection, readManifests } from "@org/k8s-core";
import { inject } from "vitest";
import { kubeconfigConnection } from "../../../../scripts/vitest/test-connection.js";

/** A namespace name no other test uses. */
export const uniqueNamespace = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

/** Typed clients for the shared whole cluster, as its admin. */
export async function clusterClient(namespace: string): Promise<Kube> {
  return fromConnection(await kubeconfigConnection(inject("cluster").kubeconfigPath, namespace));
}

/** Installs the Website CRD (config/crd.yaml) as `kubectl apply --server-side -f` would, waiting until it is Established. */
export async function installCrd(k8s: Kube): Promise<void> {
  const manifests = await readManifests(fileURLToPath(new URL("../../config/crd.yaml", import.meta.url)));
  await applyManifests(k8s.objects, manifests, { fieldManager: "operator-tests" });
}
