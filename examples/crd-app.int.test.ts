import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type LocalRegistry, startLocalRegistry } from "@org/k8s-test-tools";
import { type ControlPlane, startControlPlane } from "@org/k8s-testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { packPackages, repo } from "../scripts/vitest/pack.js";

// The CRD workflow exactly as a user follows it (docs/guides/crds.md), in a fresh copy of examples/crd-app outside
// the workspace: `npm install @org/k8s-core`, `npm install -D @org/k8s-gen`, `kubectl apply -f crds/`, `npx k8s-gen`,
// `tsc` with skipLibCheck: false, then the app against the cluster; under npm and under pnpm's strict layout. The
// @org packages come from a loopback registry serving the packed tarballs, everything else from the real registry.
// A control plane of its own: the shared one must keep serving exactly the built-in API (core is checked against it).
const example = fileURLToPath(new URL("./crd-app/", import.meta.url));
const shared = inject("controlPlane");
const rootManifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
// The app's own toolchain, pinned so that a new TypeScript release cannot fail this test; users pick their own.
const toolchain = [`typescript@${rootManifest.devDependencies.typescript}`, `@types/node@${rootManifest.devDependencies["@types/node"]}`];

let work: string;
let registry: LocalRegistry;
let cp: ControlPlane;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}, timeout = 240_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      // The user's environment: PATH and a HOME of the app's own (npm's and pnpm's caches stay where they are).
      { cwd, timeout, maxBuffer: 64 * 2 ** 20, env: { PATH: process.env.PATH!, HOME: homedir(), KUBECONFIG: cp.kubeconfigPath, CI: "true", ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

async function ok(command: string, args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.code}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
  return result.stdout;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-crd-app-"));
  const tarballs = await packPackages(["auth", "runtime", "core", "gen"], join(work, "packs"));
  registry = await startLocalRegistry(Object.values(tarballs));
  cp = await startControlPlane({ binaries: shared.binaries });
  // What the user does once: install the CRD and wait until it is served (and published in /openapi/v3).
  const kubectl = cp.binaries.kubectl!;
  await ok(kubectl, ["apply", "-f", join(example, "crds")], example);
  await ok(kubectl, ["wait", "--for", "condition=Established", "--timeout", "60s", "crd/widgets.example.com"], example);
  const deadline = Date.now() + 60_000;
  while (!(await ok(kubectl, ["get", "--raw", "/openapi/v3"], example)).includes('"apis/example.com/v1"')) {
    if (Date.now() > deadline) throw new Error("example.com/v1 never appeared in /openapi/v3");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 600_000);

afterAll(async () => {
  await cp?.stop();
  await registry?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A fresh copy of the example app (what the user has before installing anything), set up for one package manager. */
function freshApp(name: string): string {
  const app = join(work, name);
  cpSync(example, app, { recursive: true, filter: (source) => !/^(node_modules|dist|src\/k8s)(\/|$)/.test(relative(example, source)) });
  // Only the @org scope goes to the local registry; the store and metadata caches of pnpm stay apart from the user's.
  writeFileSync(join(app, ".npmrc"), `@org:registry=${registry.url}\nfund=false\naudit=false\n`);
  return app;
}

type Step = { command: string; args: string[]; env?: Record<string, string> };
const managers = [
  {
    name: "npm",
    add: (pkgs: string[]): Step => ({ command: "npm", args: ["install", "--loglevel=error", ...pkgs] }),
    addDev: (pkgs: string[]): Step => ({ command: "npm", args: ["install", "--loglevel=error", "--save-dev", ...pkgs] }),
    // As the guide says it (`npx k8s-gen`), with no registry reachable: the installed bin must be found.
    exec: (bin: string, args: string[]): Step => ({ command: "npx", args: [bin, ...args], env: { npm_config_registry: "http://127.0.0.1:9/" } }),
  },
  {
    name: "pnpm",
    // The store and metadata cache stay apart from the user's (the store is content-addressed and kept between runs).
    add: (pkgs: string[]): Step => ({ command: "pnpm", args: ["add", "--reporter=silent", `--store-dir=${pnpmStore}`, `--cache-dir=${join(work, "pnpm-cache")}`, ...pkgs] }),
    addDev: (pkgs: string[]): Step => ({ command: "pnpm", args: ["add", "--reporter=silent", `--store-dir=${pnpmStore}`, `--cache-dir=${join(work, "pnpm-cache")}`, "--save-dev", ...pkgs] }),
    exec: (bin: string, args: string[]): Step => ({ command: "pnpm", args: ["exec", bin, ...args] }),
  },
];
const pnpmStore = join(homedir(), ".cache/k8s-sdk/example-app-pnpm-store");

describe("the CRD workflow in an app, from the packed tarballs", () => {
  it.each(managers)(
    "$name: install core and gen, generate the CRD's client, type-check strictly and run it",
    async (pm) => {
      const app = freshApp(`app-${pm.name}`);
      const sh = (step: Step) => ok(step.command, step.args, app, step.env);

      await sh(pm.add(["@org/k8s-core"]));
      await sh(pm.addDev(["@org/k8s-gen", ...toolchain]));
      const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as Record<string, Record<string, string>>;
      expect(Object.keys(manifest.dependencies ?? {})).toEqual(["@org/k8s-core"]);
      expect(Object.keys(manifest.devDependencies ?? {}).sort()).toEqual(["@org/k8s-gen", "@types/node", "typescript"]);
      if (pm.name === "pnpm") {
        // pnpm's strict layout: the runtime is not importable by the app, only through @org/k8s-core.
        expect(existsSync(join(app, "node_modules/@org/k8s-runtime"))).toBe(false);
      }

      // A typo names what the cluster serves.
      const typoStep = pm.exec("k8s-gen", ["--out", "src/k8s", "--groups", "exmaple.com"]);
      const typo = await run(typoStep.command, typoStep.args, app, typoStep.env);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toMatch(/--groups exmaple\.com \(did you mean example\.com\?\): no such group-version in the cluster at https:\/\/127\.0\.0\.1:\d+; the groups there: core \(v1\), .*example\.com \(v1\)/);

      await sh(pm.exec("k8s-gen", ["--out", "src/k8s", "--groups", "example.com"]));
      const generated = readdirSync(join(app, "src/k8s"), { recursive: true }).map(String).filter((f) => f.endsWith(".ts"));
      expect(generated).toEqual(expect.arrayContaining(["api.ts", "example.com/v1/index.ts"]));
      const imports = new Set(generated.flatMap((f) => [...readFileSync(join(app, "src/k8s", f), "utf8").matchAll(/from "([^".][^"]*)"/g)].map((m) => m[1])));
      expect([...imports]).toEqual(["@org/k8s-core/runtime"]);

      await sh(pm.exec("tsc", ["-p", "."]));
      const output = await ok(process.execPath, ["dist/main.js"], app);
      expect(output.trim().split("\n")).toEqual(["applied first M", "objects Widget 3 Ready", "ready first", "listed first:M", "deleted NotFound"]);

      // The registry was asked only for our packages (and typescript/@types/node went to the real one).
      expect(new Set(registry.requests.filter((path) => !path.startsWith("/-/")))).toEqual(new Set(["/@org/k8s-core", "/@org/k8s-gen", "/@org/k8s-auth", "/@org/k8s-runtime"]));
    },
    600_000,
  );
});
