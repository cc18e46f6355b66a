import type { TestProject } from "vitest/node";
import { startCluster } from "@org/k8s-testenv";
import { type SharedCluster, shareControlPlane } from "./shared-control-plane.js";

// One whole cluster (controllers, scheduler, simulated nodes) for the tests of the `cluster` project; workers reach
// it through inject("cluster"). The other integration tests keep the plain control plane, which starts faster.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cluster = await startCluster({ nodes: 3 });
  process.stderr.write(`[testenv] cluster with ${cluster.nodeNames.length} nodes ready at ${cluster.server} in ${Date.now() - started} ms\n`);
  const shared: SharedCluster = {
    ...shareControlPlane(cluster.controlPlane),
    binaries: cluster.binaries,
    nodeNames: [...cluster.nodeNames],
    kubeletDir: cluster.kubeletDir,
  };
  project.provide("cluster", shared);
  return async () => {
    await cluster.stop();
  };
}
