import { type Connection, loadConnection } from "@org/k8s-auth";
import { writeFileSync } from "node:fs";
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

/** A kubeconfig file with one cluster, user and context (user fields as in a kubeconfig: token, exec, client-*-data). */
export function writeKubeconfig(
  file: string,
  options: { server: string; caPem: string; user: Record<string, unknown>; namespace?: string },
): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "c",
      clusters: [{ name: "c", cluster: { server: options.server, "certificate-authority-data": b64(options.caPem) } }],
      users: [{ name: "u", user: options.user }],
      contexts: [{ name: "c", context: { cluster: "c", user: "u", ...(options.namespace ? { namespace: options.namespace } : {}) } }],
    }),
  );
  return file;
}
