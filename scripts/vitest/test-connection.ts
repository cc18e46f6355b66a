import { type Connection, loadConnection } from "../../packages/auth/src/index.js";
import { inject } from "vitest";

/**
 * A real @org/k8s-auth connection to the shared control plane, from its kubeconfig: as the admin (client
 * certificate) or the unprivileged user (token), defaulting to `namespace`. `server` reroutes it (through a proxy).
 */
export function adminTestConnection(namespace = "default", identity: "admin" | "unprivileged" = "admin", server?: string): Promise<Connection> {
  const cp = inject("controlPlane");
  return kubeconfigConnection(cp.kubeconfigPath, namespace, identity, server);
}

/** A connection from any testenv kubeconfig (for control planes a test starts itself). */
export function kubeconfigConnection(kubeconfig: string, namespace = "default", identity: "admin" | "unprivileged" = "admin", server?: string): Promise<Connection> {
  return loadConnection({
    kubeconfig,
    context: identity,
    namespace,
    ...(server ? { server } : {}),
    inCluster: false,
    env: { HOME: "/nonexistent" },
  });
}
