import type { TestProject } from "vitest/node";
import { startControlPlane } from "@org/k8s-testenv";
import { shareControlPlane } from "./shared-control-plane.js";

// One control plane for the whole integration run; workers reach it through inject("controlPlane").
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cp = await startControlPlane();
  process.stderr.write(`[testenv] control plane ready at ${cp.server} in ${Date.now() - started} ms\n`);
  project.provide("controlPlane", shareControlPlane(cp));
  return async () => {
    await cp.stop();
  };
}
