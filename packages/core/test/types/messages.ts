// Compiled with errors on purpose: packed.int.test.ts checks that the compiler's messages name the types
// (`Container`, `ResourceClient<Deployment, ...>`) instead of spelling out their structure.
import { connect } from "@org/k8s-core";
import type { Pod } from "@org/k8s-core/core/v1";

export const pod: Pod = { spec: { containers: [{ image: "nginx" }] } };

export async function notANumber(): Promise<number> {
  const k8s = await connect();
  const deployments: number = k8s.apps.v1.deployments;
  return deployments;
}
