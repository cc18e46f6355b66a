import { randomBytes } from "node:crypto";
import { type Kube, fromConnection } from "@org/k8s-core";
import { inject } from "vitest";
import { kubeconfigConnection } from "../../../../scripts/vitest/test-connection.js";

/** A namespace name no other test uses. */
export const uniqueNamespace = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

/** Typed clients for the shared whole cluster as its admin, defaulting to `namespace`; `server` reroutes (a proxy). */
export async function clusterClient(namespace: string, server?: string): Promise<Kube> {
  const connection = await kubeconfigConnection(inject("cluster").kubeconfigPath, namespace, "admin", server);
  return fromConnection(connection);
}

/** Creates a namespace (and nothing else: the tests here run no pods). */
export async function createNamespace(k8s: Kube, name: string): Promise<void> {
  await k8s.core.v1.namespaces.create({ metadata: { name } });
}

/** Deletes a namespace, not waiting for it to go. */
export async function deleteNamespace(k8s: Kube, name: string): Promise<void> {
  await k8s.core.v1.namespaces.delete(name).catch(() => {});
}
