import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiRequest, createNamespace } from "@org/k8s-testenv";
import { poll } from "@org/k8s-testenv";
// @ts-expect-error plain .mjs helpers of the benchmark driver, without type declarations
import { copyScenarios, repo, runScenario } from "./lib.mjs";

// Smoke run of benchmark scenario 9 (pod I/O) with tiny sizes on the shared whole cluster, so `pnpm bench` cannot
// rot: this SDK (the workspace build, on this Node) and kubectl. client-node runs in the full `pnpm bench` only (its
// bench workspace is being installed by the bench smoke test of the integration project at the same time).
const shared = inject("cluster");
const admin = { server: shared.server, caPem: shared.caPem, certPem: shared.admin.certPem, keyPem: shared.admin.keyPem };
const namespace = `bench-podio-${Date.now().toString(36)}`;
let app: string;

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), "bench-podio-smoke-"));
  mkdirSync(join(app, "node_modules", "@org"), { recursive: true });
  for (const name of ["auth", "runtime", "core"]) symlinkSync(join(repo, "packages", name), join(app, "node_modules", "@org", `k8s-${name}`));
  copyScenarios(app);
  await createNamespace(admin, namespace);
  const created = await apiRequest(admin, "POST", `/api/v1/namespaces/${namespace}/pods`, { metadata: { name: "echo" }, spec: { containers: [{ name: "main", image: "registry.example/echo:1" }] } });
  expect(created.status).toBe(201);
  await poll("the bench pod Running", 60_000, async () => ((await apiRequest(admin, "GET", `/api/v1/namespaces/${namespace}/pods/echo`)).json as { status?: { phase?: string } }).status?.phase === "Running" || undefined);
}, 120_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe.each(["sdk", "kubectl"])("bench scenario 9 (pod I/O), client %s", (client) => {
  it("execs to the end and echoes through a forwarded port", async () => {
    const args = { client, kubeconfig: shared.kubeconfigPath, namespace, pod: "echo", execs: 3, warmup: 1, mib: 1, kubectl: shared.binaries.kubectl };
    const r = (await runScenario({ node: process.execPath, appDir: app, name: "podio", args, timeoutMs: 120_000 })) as Record<string, number>;
    expect(r.execs).toBe(3);
    for (const key of ["execMedianMs", "execP95Ms", "forwardMBps"]) expect(Number.isFinite(r[key]) && r[key]! > 0, key).toBe(true);
  });
});
