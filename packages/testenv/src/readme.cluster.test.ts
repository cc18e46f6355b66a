import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// The README's whole-cluster example, extracted and run as a user would: Node against the package's build, binaries
// through the envtest-style TEST_ASSET_* variables. It is also type-checked under --strict.
const shared = inject("cluster");
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const workDir = join(packageDir, ".readme-examples");
const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");
const examples = new Map<string, string>();
for (const match of readme.matchAll(/```ts\n\/\/ testenv example: ([\w-]+)\n([\s\S]*?)```/g)) examples.set(match[1]!, match[2]!);

beforeAll(() => mkdirSync(workDir, { recursive: true }));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("README: the whole-cluster example", () => {
  it("is there", () => {
    expect([...examples.keys()]).toEqual(["whole-cluster"]);
  });

  it("starts a cluster, rolls out a Deployment, scripts a pod's log and exec, and stops", async () => {
    const js = ts.transpileModule(examples.get("whole-cluster")!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const file = join(workDir, "whole-cluster.mjs");
    writeFileSync(file, js);
    const b = shared.binaries;
    const { stdout } = await promisify(execFile)(process.execPath, [file], {
      env: {
        PATH: process.env.PATH,
        HOME: workDir,
        TEST_ASSET_KUBE_APISERVER: b.kubeApiserver,
        TEST_ASSET_ETCD: b.etcd,
        TEST_ASSET_KUBECTL: b.kubectl,
        TEST_ASSET_KUBE_CONTROLLER_MANAGER: b.kubeControllerManager,
        TEST_ASSET_KUBE_SCHEDULER: b.kubeScheduler,
        TEST_ASSET_KWOK: b.kwok,
        TEST_ASSET_TEST_KUBELET: b.testKubelet,
      },
      timeout: 150_000,
    });
    expect(stdout.trim().split("\n")).toEqual(["scheduled on a simulated node", "log: GET / 200", "exec: migrating db exit 3"]);
  });

  it("type-checks under --strict", async () => {
    writeFileSync(join(workDir, "whole-cluster.mts"), examples.get("whole-cluster")!);
    writeFileSync(
      join(workDir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", types: ["node"], skipLibCheck: true }, include: ["*.mts"] }),
    );
    const tsc = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));
    const result = await promisify(execFile)(process.execPath, [tsc, "-p", workDir]).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  });
});
