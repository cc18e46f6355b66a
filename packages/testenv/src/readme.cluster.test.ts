import { execFile } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readmeExamples, typecheckExamples, writeRunnableExample } from "../../../scripts/vitest/readme-examples.js";

// The README's whole-cluster example, extracted and run as a user would: Node against the package's build, binaries
// through the envtest-style TEST_ASSET_* variables. It is also type-checked under --strict.
const shared = inject("cluster");
const workDir = join(fileURLToPath(new URL("..", import.meta.url)), ".readme-examples");
const examples = readmeExamples("testenv example");

beforeAll(() => mkdirSync(workDir, { recursive: true }));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("README: the whole-cluster example", () => {
  it("is there", () => {
    expect([...examples.keys()]).toEqual(["whole-cluster"]);
  });

  it("starts a cluster, rolls out a Deployment, scripts a pod's log and exec, and stops", async () => {
    const file = writeRunnableExample(workDir, "whole-cluster", examples.get("whole-cluster")!);
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
    expect(await typecheckExamples(workDir, examples)).toBe("");
  });
});
