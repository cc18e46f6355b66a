import type {} from "vitest";
import type { ClusterBinaries, ControlPlane, ControlPlaneBinaries, TestIdentity } from "@org/k8s-testenv";

/** What the global setup hands to integration-test workers about the shared control plane. */
export interface SharedControlPlane {
  server: string;
  caPem: string;
  kubeconfigPath: string;
  admin: { user: string; certPem: string; keyPem: string };
  adminToken: TestIdentity;
  unprivileged: TestIdentity;
  binaries: ControlPlaneBinaries;
}

/** What the cluster global setup hands to the `cluster` project's workers about the shared whole cluster. */
export interface SharedCluster extends SharedControlPlane {
  binaries: ClusterBinaries;
  nodeNames: string[];
  /** For `new PodScripts(kubeletDir)`. */
  kubeletDir: string;
}

/** The plain data of a control plane that test workers need. */
export function shareControlPlane(cp: ControlPlane): SharedControlPlane {
  return {
    server: cp.server,
    caPem: cp.caPem,
    kubeconfigPath: cp.kubeconfigPath,
    admin: cp.admin,
    adminToken: cp.adminToken,
    unprivileged: cp.unprivileged,
    binaries: cp.binaries,
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    controlPlane: SharedControlPlane;
    cluster: SharedCluster;
  }
}
