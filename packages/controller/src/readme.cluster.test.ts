import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Kube } from "@org/k8s-core";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { readmeExamples, typecheckExamples, writeRunnableExample } from "../../../scripts/vitest/readme-examples.js";
import { clusterClient, createNamespace, deleteNamespace, uniqueNamespace } from "./test/cluster.js";

// The package README's examples, extracted and run as a user would: Node against the package's build, KUBECONFIG
// pointing at the shared whole cluster. They are also type-checked under --strict.
const shared = inject("cluster");
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const workDir = join(packageDir, ".readme-examples");
const examples = readmeExamples("controller example", join(packageDir, "README.md"));
let k8s: Kube;
const ns = uniqueNamespace("readme-mirror");

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  k8s = await clusterClient(ns);
  await createNamespace(k8s, ns);
});
afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await deleteNamespace(k8s, ns);
  await k8s.close();
});

describe("README of @org/k8s-controller", () => {
  it("has the examples this test runs", () => {
    expect([...examples.keys()].sort()).toEqual(["mirror", "work-queue"]);
  });

  it("mirror: mirrors labelled ConfigMaps while leading, and releases the lease on SIGTERM", async () => {
    await k8s.core.v1.configMaps.create({ metadata: { name: "settings", labels: { mirror: "true" } }, data: { a: "1", b: "2" } }, { namespace: ns });
    const file = writeRunnableExample(workDir, "mirror", examples.get("mirror")!);
    const child: ChildProcess = spawn(process.execPath, [file], { env: { PATH: process.env.PATH, HOME: workDir, KUBECONFIG: shared.kubeconfigPath }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await vi.waitFor(async () => expect((await k8s.core.v1.configMaps.get("settings-mirror", { namespace: ns })).data).toEqual({ a: "1", b: "2" }), { timeout: 60_000, interval: 100 });
      const source = await k8s.core.v1.configMaps.get("settings", { namespace: ns });
      expect((await k8s.core.v1.configMaps.get("settings-mirror", { namespace: ns })).metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ConfigMap", name: "settings", uid: source.metadata?.uid, controller: true });
      await vi.waitFor(
        async () => expect((await k8s.events.v1.events.list({ namespace: ns })).items.map((e) => [e.reason, e.note, e.regarding?.name])).toContainEqual(["Mirrored", "copied 2 keys", "settings"]),
        { timeout: 20_000, interval: 200 },
      );
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
    const messages = stdout.trim().split("\n").map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(expect.arrayContaining(["successfully acquired lease", "controller started", "mirrored", "controller stopped", "released lease"]));
    const lease = await k8s.coordination.v1.leases.get("mirror-controller", { namespace: "default" });
    expect(lease.spec?.holderIdentity).toBe("");
  });

  it("work-queue: deduplicates, retries with backoff, drains", async () => {
    const file = writeRunnableExample(workDir, "work-queue", examples.get("work-queue")!);
    const { stdout } = await promisify(execFile)(process.execPath, [file], { env: { PATH: process.env.PATH, HOME: workDir }, timeout: 30_000 });
    expect(stdout.trim()).toBe("a:1 b:3 c:1");
  });

  it("type-checks under --strict", async () => {
    expect(await typecheckExamples(workDir, examples)).toBe("");
  });
});
