#!/usr/bin/env node
// `pnpm gen`: regenerates packages/core/src/generated with k8s-gen.
//
// With a cluster configured (KUBECONFIG, ~/.kube/config, or inside a pod) it uses that cluster, as kubectl would.
// Without one, or with --local, it starts the project's own control plane (@org/k8s-testenv, the pinned
// Kubernetes) and generates against it, so the command works on a fresh machine. Other flags go to k8s-gen
// (--check, --groups, --save-spec, ...).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, "packages/gen/dist/cli.js");
const args = process.argv.slice(2);
const local = args.includes("--local");
const passThrough = args.filter((a) => a !== "--local");
// Core's own generated code imports the runtime directly (apps' generated code goes through @org/k8s-core/runtime).
const out = passThrough.includes("--out") ? [] : ["--out", join(root, "packages/core/src/generated"), "--runtime-import", "@org/k8s-runtime"];
const say = (message) => process.stderr.write(`[gen] ${message}\n`);

function clusterConfigured(env) {
  if (env.KUBECONFIG) return "KUBECONFIG";
  if (existsSync(join(env.HOME || homedir(), ".kube", "config"))) return "~/.kube/config";
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT) return "the in-cluster service account";
  return undefined;
}

function run(extra) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...out, ...passThrough, ...extra], { stdio: "inherit" });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const configured = clusterConfigured(process.env);
if (configured && !local) {
  say(`generating against the cluster configured by ${configured}`);
  process.exitCode = await run([]);
} else {
  say(configured ? "--local: generating against the project's own control plane" : "no cluster configured (no KUBECONFIG, no ~/.kube/config, not in a pod): generating against the project's own control plane");
  const built = spawnSync("bash", [join(root, "scripts/build-binaries.sh")], { stdio: ["ignore", "ignore", "inherit"] });
  if (built.status !== 0) process.exit(built.status ?? 1);
  const { startControlPlane, PINNED_KUBERNETES_VERSION } = await import(join(root, "packages/testenv/dist/index.js"));
  const cp = await startControlPlane();
  say(`local control plane (Kubernetes v${PINNED_KUBERNETES_VERSION}) ready at ${cp.server}`);
  try {
    process.exitCode = await run(["--kubeconfig", cp.kubeconfigPath]);
  } finally {
    await cp.stop();
  }
}
