import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiRequest } from "@org/k8s-testenv";

// The README's examples, extracted and run as a user would: Node against the package's build, KUBECONFIG pointing
// at the control plane. They are also type-checked under --strict.
const cp = inject("controlPlane");
const admin = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const workDir = join(packageDir, ".readme-examples");
const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");
const examples = new Map<string, string>();
for (const match of readme.matchAll(/```ts\n\/\/ example: ([\w-]+)\n([\s\S]*?)```/g)) examples.set(match[1]!, match[2]!);

async function runExample(name: string): Promise<string[]> {
  const source = examples.get(name);
  if (!source) throw new Error(`README has no example "${name}"`);
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(workDir, `${name}.mjs`);
  writeFileSync(file, js);
  const { stdout } = await promisify(execFile)(process.execPath, [file], {
    env: { PATH: process.env.PATH, HOME: workDir, KUBECONFIG: cp.kubeconfigPath },
    timeout: 30_000,
  });
  return stdout.trim().split("\n");
}

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  await apiRequest(admin, "POST", "/api/v1/namespaces", { metadata: { name: "readme" } });
  await apiRequest(admin, "POST", "/api/v1/namespaces/readme/pods", { metadata: { name: "hello" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("README examples", () => {
  it("has the examples this test runs", () => {
    // in-cluster runs in a pod's view in scripts/runtimes/runtimes.int.test.ts (as do list-pods, crud, apply-and-watch
    // and informer, under every runtime); here it is type-checked.
    expect([...examples.keys()].sort()).toEqual(["apply-and-watch", "connection", "crud", "errors", "in-cluster", "informer", "list-pods", "protobuf"]);
  });

  it("crud creates, patches, replaces, lists and deletes a ConfigMap", async () => {
    expect(await runExample("crud")).toEqual(["created settings fast", "patched safe 1", "replaced slow undefined", "listed settings", "deleted true"]);
  });

  it("list-pods prints IP, namespace and name of every pod", async () => {
    const lines = await runExample("list-pods");
    // Pods are never scheduled here (no kubelet), so they have no IP yet.
    expect(lines).toContain("undefined readme hello");
  });

  it("protobuf lists the pods of a namespace as protobuf", async () => {
    expect(await runExample("protobuf")).toEqual(["hello"]);
  });

  it("apply-and-watch applies a Deployment and sees it in the watch", async () => {
    const lines = await runExample("apply-and-watch");
    expect(lines).toEqual(["ADDED web 2"]);
    const res = await apiRequest(admin, "GET", "/apis/apps/v1/namespaces/default/deployments/web");
    const applied = res.json as { metadata: { labels?: Record<string, string>; managedFields: Array<{ manager: string }> } };
    expect(applied.metadata.managedFields.map((f) => f.manager)).toContain("my-app");
    // The whole object was applied, labels included.
    expect(applied.metadata.labels).toEqual({ app: "web" });
  });

  it("informer caches the Deployment apply-and-watch applied", async () => {
    expect(await runExample("informer")).toEqual(["added web", "cached 2"]);
  });

  it("connection describes itself without secrets and fetches /version", async () => {
    const [described, version] = await runExample("connection");
    expect(described).toContain(`${cp.server} as user`);
    expect(described).not.toContain("BEGIN");
    expect(version).toMatch(/^200 v1\.\d+\.\d+/);
  });

  it("errors shows a typed NotFound", async () => {
    expect(await runExample("errors")).toEqual(['not found: configmaps "does-not-exist" not found']);
  });

  it("type-check under strict settings (skipLibCheck: false, exactOptionalPropertyTypes)", async () => {
    for (const [name, source] of examples) writeFileSync(join(workDir, `${name}.mts`), source);
    writeFileSync(
      join(workDir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          noEmit: true,
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          types: ["node"],
        },
        include: ["*.mts"],
      }),
    );
    const tsc = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
    const result = await promisify(execFile)(process.execPath, [tsc, "-p", workDir]).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  });
});
