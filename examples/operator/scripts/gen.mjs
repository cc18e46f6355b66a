#!/usr/bin/env node
// `pnpm --filter @org/example-operator gen`: regenerates src/generated (the typed Website client) with k8s-gen, from
// a throwaway control plane (@org/k8s-testenv) with config/crd.yaml installed, so the types always follow the CRD.
// Extra flags go to k8s-gen (`--check` exits 1 when src/generated is out of date).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const example = dirname(dirname(fileURLToPath(import.meta.url)));
const root = join(example, "../..");
const run = (command, args) => {
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run("bash", [join(root, "scripts/build-binaries.sh")]);
const { startControlPlane } = await import(join(root, "packages/testenv/dist/index.js"));
const cp = await startControlPlane();
try {
  const kubectl = (...args) => run(cp.binaries.kubectl, ["--kubeconfig", cp.kubeconfigPath, ...args]);
  kubectl("apply", "--server-side", "-f", join(example, "config/crd.yaml"));
  kubectl("wait", "--for=condition=Established", "crd/websites.example.com", "--timeout=60s");
  const gen = spawnSync(
    process.execPath,
    [join(root, "packages/gen/dist/cli.js"), "--kubeconfig", cp.kubeconfigPath, "--groups", "example.com", "--no-cache", "--out", join(example, "src/generated"), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  process.exitCode = gen.status ?? 1;
} finally {
  await cp.stop();
}
