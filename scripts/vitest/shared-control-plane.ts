import type {} from "vitest";
import type { ControlPlaneBinaries, TestIdentity } from "../../packages/testenv/src/index.js";

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

declare module "vitest" {
  export interface ProvidedContext {
    controlPlane: SharedControlPlane;
  }
}
