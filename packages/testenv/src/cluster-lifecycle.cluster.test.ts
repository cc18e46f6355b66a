import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { Output, exited, firstLine, isAlive, startKubectl } from "../../../scripts/vitest/kubectl.js";
import { apiRequest } from "./admin-client.js";
import { CLUSTER_COMPONENTS, startCluster } from "./cluster.js";
import { poll } from "./wait-for.js";

// Clusters of their own: start-up failures, stop() and the janitor, which must leave no process (exec'd commands
// included) and no directory.
const shared = inject("cluster");
const parent = mkdtempSync(join(tmpdir(), "cluster-lifecycle-"));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** PIDs of live processes whose command line mentions `text` (every component's does: its files are in the dir). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function podRunning(access: Parameters<typeof apiRequest>[0], ns: string, name: string): Promise<void> {
  await apiRequest(access, "POST", "/api/v1/namespaces", { metadata: { name: ns } });
  await poll(`ServiceAccount in ${ns}`, 60_000, async () => ((await apiRequest(access, "GET", `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200 ? true : undefined));
  const res = await apiRequest(access, "POST", `/api/v1/namespaces/${ns}/pods`, { metadata: { name }, spec: { containers: [{ name: "main", image: "x" }] } });
  expect(res.status).toBe(201);
  await poll(`pod ${name} Running`, 60_000, async () => {
    const pod = await apiRequest(access, "GET", `/api/v1/namespaces/${ns}/pods/${name}`);
    return (pod.json as { status?: { phase?: string } }).status?.phase === "Running" ? true : undefined;
  });
}

describe("a whole cluster of its own", () => {
  it("fails to start with an error naming the component and quoting its log, and leaves nothing behind", async () => {
    const tmpDir = mkdtempSync(join(parent, "failing-"));
    const failing = startCluster({ binaries: shared.binaries, tmpDir, controllerManagerFlags: ["--no-such-flag=1"] });
    await expect(failing).rejects.toThrowError(
      /kube-controller-manager did not become healthy: kube-controller-manager exited with code \d+\n--- last \d+ lines of .*kube-controller-manager\.log ---[\s\S]*unknown flag: --no-such-flag/,
    );
    expect(readdirSync(tmpDir)).toEqual([]);
    await poll("no process of the failed cluster", 20_000, async () => (processesMentioning(tmpDir).length === 0 ? true : undefined));
  });

  it("stop() ends every component one at a time in reverse start order, exec'd commands with test-kubelet, and removes the directory", async () => {
    // Shared controller credentials: a few seconds quicker to start, and controllers play no part here.
    const cluster = await startCluster({ binaries: shared.binaries, tmpDir: parent, nodes: 2, controllerCredentials: "shared" });
    expect(inspect(cluster)).not.toContain(cluster.controlPlane.adminToken.token);
    expect(JSON.stringify(cluster)).not.toContain("PRIVATE KEY");
    expect(cluster.nodeNames).toEqual(["node-0", "node-1"]);
    await podRunning(cluster.adminAccess, "life", "p");
    const exec = startKubectl(shared.binaries.kubectl!, ["-n", "life", "exec", "p", "--", "sh", "-c", "echo $$; sleep 300"], { kubeconfig: cluster.kubeconfigPath });
    const sandbox = Number((await new Output(exec.stdout!).waitFor(/^(\d+)\n/))[1]);

    const pids = { ...cluster.pids };
    const order = ["etcd", "kube-apiserver", ...CLUSTER_COMPONENTS] as const;
    for (const name of order) expect(isAlive(pids[name]!), name).toBe(true);
    // Watch the processes disappear while stop() runs.
    const goneAt = new Map<string, number>();
    const watch = setInterval(() => {
      for (const name of order) if (!goneAt.has(name) && !isAlive(pids[name]!)) goneAt.set(name, performance.now());
      if (!goneAt.has("sandbox") && !isAlive(sandbox)) goneAt.set("sandbox", performance.now());
    }, 2);
    await cluster.stop();
    clearInterval(watch);
    const stopOrder = [...goneAt.entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name);
    // The exec'd command goes with test-kubelet, which reaps it before it exits.
    expect(stopOrder).toEqual(["kwok", "sandbox", "test-kubelet", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"]);
    expect(isAlive(sandbox)).toBe(false);
    expect(existsSync(cluster.dir)).toBe(false);
    expect(processesMentioning(cluster.dir)).toEqual([]);
    await exited(exec); // kubectl ends once its server is gone
  });

  it("cleans up when the owning process is killed with SIGKILL, exec'd commands included", async () => {
    const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = `
      const { startCluster, createNamespace, apiRequest } = await import(${JSON.stringify(dist)});
      const { spawn } = await import("node:child_process");
      const cluster = await startCluster({ binaries: ${JSON.stringify(shared.binaries)}, tmpDir: ${JSON.stringify(parent)}, controllerCredentials: "shared" });
      await createNamespace(cluster.adminAccess, "doomed");
      await apiRequest(cluster.adminAccess, "POST", "/api/v1/namespaces/doomed/pods", { metadata: { name: "p" }, spec: { containers: [{ name: "main", image: "x" }] } });
      for (;;) {
        const pod = await apiRequest(cluster.adminAccess, "GET", "/api/v1/namespaces/doomed/pods/p");
        if (pod.json.status?.phase === "Running") break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const exec = spawn(${JSON.stringify(shared.binaries.kubectl)}, ["-n", "doomed", "exec", "p", "--", "sh", "-c", "echo $$; sleep 300"], { env: { HOME: "/nonexistent", KUBECONFIG: cluster.kubeconfigPath } });
      exec.stdout.once("data", (pid) => console.log(JSON.stringify({ dir: cluster.dir, pids: Object.values(cluster.pids), sandbox: Number(pid), kubectl: exec.pid })));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const started = JSON.parse(await Promise.race([firstLine(child.stdout!), exited(child).then((code) => Promise.reject(new Error(`child exited early with ${code}`)))])) as {
      dir: string;
      pids: number[];
      sandbox: number;
      kubectl: number;
    };
    try {
      expect(started.pids).toHaveLength(6);
      expect([...started.pids, started.sandbox].every(isAlive)).toBe(true);
      child.kill("SIGKILL");
      await poll(
        "every process and the directory gone",
        30_000,
        async () => (![...started.pids, started.sandbox].some(isAlive) && !existsSync(started.dir) && processesMentioning(started.dir).length === 0 ? true : undefined),
      );
    } finally {
      child.kill("SIGKILL");
      // The orphaned kubectl ends when its server goes; make sure of it (we started it).
      await poll("kubectl gone", 20_000, async () => (isAlive(started.kubectl) ? undefined : true)).catch(() => process.kill(started.kubectl, "SIGKILL"));
    }
  });
});
