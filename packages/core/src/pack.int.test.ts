import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// Installs the packed tarballs into a fresh app outside the workspace and runs it against the control plane,
// the way a user would after `npm install @org/k8s-core`.
const exec = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const bin = (name: string) => join(repo, "node_modules/.bin", name);
const cp = inject("controlPlane");
const packages = ["auth", "runtime", "core"] as const;
let work: string;
let tarballs: Record<(typeof packages)[number], string>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-core-pack-"));
  const packs = join(work, "packs");
  for (const name of packages) await exec("pnpm", ["pack", "--pack-destination", packs], { cwd: join(repo, "packages", name) });
  const files = readdirSync(packs);
  tarballs = Object.fromEntries(packages.map((name) => [name, join(packs, files.find((f) => f.startsWith(`org-k8s-${name}-`))!)])) as typeof tarballs;
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("published packages", () => {
  it.each(packages)("@org/k8s-%s passes publint", async (name) => {
    const { stdout } = await exec(bin("publint"), ["run", join(repo, "packages", name), "--strict"], { cwd: repo });
    expect(stdout).not.toMatch(/Errors?:|Warnings?:/);
  });

  it.each(packages)("@org/k8s-%s passes are-the-types-wrong (node16 and bundler resolution)", async (name) => {
    const entrypoints = name === "core" ? ["--entrypoints", ".", "core/v1", "apps/v1", "rbac.authorization.k8s.io/v1"] : [];
    const result = await exec(bin("attw"), [tarballs[name], "--profile", "node16", "--format", "ascii", ...entrypoints]).then(
      ({ stdout }) => ({ ok: true, stdout }),
      (error: { stdout?: string }) => ({ ok: false, stdout: error.stdout ?? String(error) }),
    );
    // node10 cannot see subpath exports at all; engines require Node >= 20, so that resolution is ignored.
    const problems = result.stdout.split("\n").filter((line) => /💀|❌|⚠️|🥴|🎭/.test(line) && !line.includes("ignored"));
    expect(problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("installs from tarballs into a fresh app, which imports (ESM and CJS) and lists namespaces", async () => {
    const app = join(work, "app");
    await exec("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "fresh-app", version: "1.0.0", private: true, type: "module" }));
    await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarballs.auth, tarballs.runtime, tarballs.core], { cwd: app, timeout: 180_000 });
    writeFileSync(
      join(app, "main.mjs"),
      `import { connect, isNotFound } from "@org/k8s-core";
import { deployments } from "@org/k8s-core/apps/v1";
const k8s = await connect();
const namespaces = await k8s.core.v1.namespaces.list();
console.log(namespaces.items.map((ns) => ns.metadata.name).sort().join(","));
console.log(deployments.plural, deployments.namespaced);
console.log(isNotFound(await k8s.core.v1.configMaps.get("nope").catch((e) => e)));
await k8s.close();
`,
    );
    writeFileSync(join(app, "main.cjs"), `const { connect } = require("@org/k8s-core");\nconnect().then(async (k8s) => { console.log((await k8s.discovery?.version?.()) ?? (await k8s.client.discovery.version()).gitVersion); await k8s.close(); });\n`);
    const env = { PATH: process.env.PATH, HOME: app, KUBECONFIG: cp.kubeconfigPath };
    const esm = await exec(process.execPath, ["main.mjs"], { cwd: app, env });
    const [namespaces, ...rest] = esm.stdout.split("\n");
    // Other tests create namespaces in the same control plane concurrently: check for the built-in ones.
    expect(namespaces?.split(",")).toEqual(expect.arrayContaining(["default", "kube-node-lease", "kube-public", "kube-system"]));
    expect(rest).toEqual(["deployments true", "true", ""]);
    const cjs = await exec(process.execPath, ["main.cjs"], { cwd: app, env });
    expect(cjs.stdout.trim()).toMatch(/^v1\.\d+\.\d+$/);
  }, 240_000);
});
