// Puts the CRDs fetched by scripts/fetch-crds.mjs on a control plane and waits until the apiserver serves every one
// of their group-versions under /openapi/v3 (the OpenAPI controller publishes CRDs asynchronously, after they are
// Established), so a generation run sees the whole set.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Applies every CRD file in `dir` (server-side: no last-applied annotation, whose size limit large CRDs exceed). */
export async function applyCrds(cp, dir, { timeoutMs = 300_000 } = {}) {
  const kubectl = cp.binaries.kubectl;
  if (!kubectl) throw new Error("kubectl was not found next to kube-apiserver (run scripts/build-binaries.sh)");
  const run = (args) => exec(kubectl, ["--kubeconfig", cp.kubeconfigPath, ...args], { timeout: timeoutMs, maxBuffer: 256 << 20 });
  await run(["apply", "--server-side", "--force-conflicts", "-f", dir]);
  await run(["wait", "--for=condition=Established", "crd", "--all", `--timeout=${Math.round(timeoutMs / 1000)}s`]);
  const { stdout } = await run(["get", "crd", "-o", "json"]);
  const crds = JSON.parse(stdout).items;
  const expected = new Set(crds.flatMap((crd) => crd.spec.versions.filter((v) => v.served).map((v) => `apis/${crd.spec.group}/${v.name}`)));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout: listing } = await run(["get", "--raw", "/openapi/v3"]);
    const served = new Set(Object.keys(JSON.parse(listing).paths));
    const missing = [...expected].filter((key) => !served.has(key));
    if (missing.length === 0) return { crds: crds.length, groupVersions: expected.size };
    if (Date.now() > deadline) throw new Error(`/openapi/v3 still lacks ${missing.length} CRD group-versions: ${missing.slice(0, 5).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
