import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// Installs the packed tarballs into a fresh app outside the workspace, the way a user would after
// `npm install @org/k8s-core`, then runs it against the control plane and type-checks it under strict settings.
const exec = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const bin = (name: string) => join(repo, "node_modules/.bin", name);
const tsc = join(repo, "node_modules/typescript/bin/tsc");
const fixtures = fileURLToPath(new URL("../test/types/", import.meta.url));
const typesNodeVersion = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { devDependencies: Record<string, string> }).devDependencies["@types/node"]!;
const cp = inject("controlPlane");
const packages = ["auth", "runtime", "core"] as const;
let work: string;
let app: string;
let tarballs: Record<(typeof packages)[number], string>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-core-pack-"));
  const packs = join(work, "packs");
  for (const name of packages) await exec("pnpm", ["pack", "--pack-destination", packs], { cwd: join(repo, "packages", name) });
  const files = readdirSync(packs);
  tarballs = Object.fromEntries(packages.map((name) => [name, join(packs, files.find((f) => f.startsWith(`org-k8s-${name}-`))!)])) as typeof tarballs;
  app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "fresh-app", version: "1.0.0", private: true, type: "module" }));
  await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarballs.auth, tarballs.runtime, tarballs.core, `@types/node@${typesNodeVersion}`], {
    cwd: app,
    timeout: 180_000,
  });
}, 240_000);
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

  it("imports (ESM and CJS) from the installed tarballs and lists namespaces", async () => {
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
    writeFileSync(
      join(app, "main.cjs"),
      `const { connect } = require("@org/k8s-core");\nconst { pods } = require("@org/k8s-core/core/v1");\nconnect().then(async (k8s) => { console.log((await k8s.client.discovery.version()).gitVersion, pods.plural); await k8s.close(); });\n`,
    );
    const env = { PATH: process.env.PATH, HOME: app, KUBECONFIG: cp.kubeconfigPath };
    const esm = await exec(process.execPath, ["main.mjs"], { cwd: app, env });
    const [namespaces, ...rest] = esm.stdout.split("\n");
    // Other tests create namespaces in the same control plane concurrently: check for the built-in ones.
    expect(namespaces?.split(",")).toEqual(expect.arrayContaining(["default", "kube-node-lease", "kube-public", "kube-system"]));
    expect(rest).toEqual(["deployments true", "true", ""]);
    const cjs = await exec(process.execPath, ["main.cjs"], { cwd: app, env });
    expect(cjs.stdout.trim()).toMatch(/^v1\.\d+\.\d+ pods$/);
  }, 60_000);
});

// What users write in strict apps: the settings the SDK must be clean under (the compiler's defaults for the rest).
const STRICT = {
  strict: true,
  skipLibCheck: false,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noEmit: true,
  target: "ES2022",
  lib: ["ES2022"],
  types: ["node"],
};

async function typeCheck(project: string): Promise<string> {
  const result = await exec(process.execPath, [tsc, "-p", project, "--pretty", "false"], { cwd: app }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  return result.trim();
}

function project(name: string, dir: string, compilerOptions: Record<string, unknown>, files: string[]): string {
  const path = join(app, `tsconfig.${name}.json`);
  writeFileSync(path, JSON.stringify({ compilerOptions: { ...STRICT, ...compilerOptions }, files: files.map((f) => join(dir, f)) }, null, 2));
  return path;
}

describe("types as users get them (installed tarballs, skipLibCheck: false)", () => {
  beforeAll(() => {
    for (const dir of ["esm", "cjs"]) {
      mkdirSync(join(app, dir), { recursive: true });
      copyFileSync(join(fixtures, "usage.ts"), join(app, dir, "usage.ts"));
      copyFileSync(join(fixtures, "messages.ts"), join(app, dir, "messages.ts"));
    }
    // A CommonJS app: under NodeNext its .ts files are CommonJS and resolve the packages' `require` conditions.
    writeFileSync(join(app, "cjs/package.json"), JSON.stringify({ type: "commonjs" }));
  });

  it.each([
    ["ESM, NodeNext", "esm", { module: "NodeNext", moduleResolution: "NodeNext" }],
    ["CommonJS, NodeNext", "cjs", { module: "NodeNext", moduleResolution: "NodeNext" }],
    ["ESM, Bundler", "esm", { module: "ESNext", moduleResolution: "Bundler" }],
    ["ESM, NodeNext, with the DOM library", "esm", { module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022", "DOM"] }],
  ] as const)("%s: every line compiles and every @ts-expect-error line fails", async (name, dir, options) => {
    const output = await typeCheck(project(name.replace(/\W+/g, "-"), dir, options, ["usage.ts"]));
    expect(output).toBe("");
  }, 60_000);

  it("messages name the types instead of spelling out their structure (ESM and CJS)", async () => {
    for (const dir of ["esm", "cjs"]) {
      const output = await typeCheck(project(`messages-${dir}`, dir, { module: "NodeNext", moduleResolution: "NodeNext" }, ["messages.ts"]));
      expect(output).toContain("but required in type 'Container'");
      expect(output).toContain("Type 'ResourceClient<Deployment, DeploymentList, true> & ScaleSubresource<true> & StatusSubresource<Deployment, true>' is not assignable to type 'number'");
      expect(output).not.toContain("{ apiVersion?:");
      expect(output.split("\n").filter((line) => line.includes("error TS"))).toHaveLength(2);
    }
  }, 60_000);

  it("editor hovers show named types and prose docs", () => {
    const file = join(app, "esm/usage.ts");
    const source = readFileSync(file, "utf8");
    const options = ts.convertCompilerOptionsFromJson({ ...STRICT, module: "NodeNext", moduleResolution: "NodeNext" }, app).options;
    const service = ts.createLanguageService({
      getCompilationSettings: () => options,
      getScriptFileNames: () => [file],
      getScriptVersion: () => "1",
      getScriptSnapshot: (name) => (ts.sys.fileExists(name) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(name)!) : undefined),
      getCurrentDirectory: () => app,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    });
    const hover = (needle: string, offset: number) => {
      const info = service.getQuickInfoAtPosition(file, source.indexOf(needle) + offset)!;
      return { text: ts.displayPartsToString(info.displayParts), docs: ts.displayPartsToString(info.documentation) };
    };
    const apply = hover("k8s.apps.v1.deployments.apply(web", "k8s.apps.v1.deployments.".length);
    expect(apply.text).toBe(
      "(method) ResourceClient<Deployment, DeploymentList, true>.apply(configuration: ApplyConfiguration<Deployment>, options: NamespaceOption & ApplyOptions): Promise<Deployment>",
    );
    expect(apply.docs).toMatch(/^Server-side apply/);
    const deploymentsClient = hover("k8s.apps.v1.deployments.apply(web", "k8s.apps.v1.".length);
    expect(deploymentsClient.text).toBe(
      "(property) AppsV1Api.deployments: ResourceClient<Deployment, DeploymentList, true> & ScaleSubresource<true> & StatusSubresource<Deployment, true>",
    );
    const podIP = hover("first?.status?.podIP", "first?.status?.".length);
    expect(podIP.text).toMatch(/^\(property\) PodStatus.podIP\?: string( \| undefined)?$/);
    expect(podIP.docs).toMatch(/^podIP address allocated to the pod/);
    expect(podIP.docs).not.toMatch(/@description|Format:/);
  });
});
