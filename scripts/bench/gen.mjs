#!/usr/bin/env node
// Benchmark of k8s-gen (not a test), against the project's own control planes:
//  - the built-in API: a full generation from the live server (empty document cache) and from a warm cache;
//  - real-cluster scale: the built-in API plus the CRDs of 18 well-known projects (scripts/fetch-crds.mjs, pinned
//    versions from the Go module proxy), applied to a second control plane: generation from the live server and from
//    a warm cache (default threads: one below 4 cores; and --jobs 2), output size and the share of doc comments,
//    `tsc --noEmit` of the output (time and peak RSS), and whether every run wrote the same bytes.
// Scenarios alternate within each round, so drift on the (shared) machine affects all alike; the load average is
// recorded. Prints a table and writes the figures to bench-results/gen.json.
//   Usage: pnpm bench:gen [--rounds N] [--only builtin|crds]
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { applyCrds } from "./crd-cluster.mjs";
import { fetchCrds } from "../fetch-crds.mjs";

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const flag = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const rounds = Number(flag("--rounds")) || 3;
const only = flag("--only");
const { startControlPlane, PINNED_KUBERNETES_VERSION } = await import(join(root, "packages/testenv/dist/index.js"));
const cli = join(root, "packages/gen/dist/cli.js");
const tsc = join(root, "node_modules/typescript/bin/tsc");
const preload = join(root, "scripts/bench/max-rss.cjs");
const say = (message) => process.stderr.write(`[bench:gen] ${message}\n`);

/** Runs a Node script; resolves with its wall time and peak RSS (reported by max-rss.cjs on fd 3). */
function runNode(script, args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--require", preload, script, ...args], { stdio: ["ignore", "pipe", "pipe", "pipe"] });
    let rss = 0;
    let output = "";
    child.stdio[3].on("data", (d) => (rss = Number(/max-rss-kib (\d+)/.exec(String(d))?.[1] ?? 0)));
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${script} ${args.join(" ")} exited with ${code}: ${output.slice(0, 4000)}`));
      else resolve({ ms, rssMiB: rss / 1024, load: loadavg()[0] });
    });
  });
}

const files = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
function treeHash(dir) {
  const hash = createHash("sha256");
  for (const file of files(dir)) hash.update(`${relative(dir, file)}\0`).update(readFileSync(file)).update("\0");
  return hash.digest("hex").slice(0, 16);
}
function outputSize(dir) {
  let bytes = 0;
  let docs = 0;
  for (const file of files(dir)) {
    const text = readFileSync(file, "utf8");
    bytes += Buffer.byteLength(text);
    for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) docs += Buffer.byteLength(comment[0]);
  }
  return { files: files(dir).length, bytes, docBytes: docs };
}

/** `tsc --noEmit` of a generated tree, strict, with the runtime's published declarations (as an app would have them). */
function typeCheck(dir) {
  const config = join(dir, "..", `${dir.split("/").pop()}.tsconfig.json`);
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        lib: ["ES2023"],
        types: [],
        skipLibCheck: true,
        paths: { "@org/k8s-runtime": [join(root, "packages/runtime/dist/index.d.ts")], "@org/k8s-core/runtime": [join(root, "packages/runtime/dist/index.d.ts")] },
      },
      include: [`${dir}/**/*.ts`],
    }),
  );
  return runNode(tsc, ["-p", config]);
}

/** The median; of an even count, the mean of the middle two. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
const work = mkdtempSync(join(tmpdir(), "bench-gen-"));
const results = {};
const record = (name, run) => (results[name] ??= []).push(run);
const hashes = [];
let crdInfo;
const planes = [];
try {
  const builtin = only === "crds" ? undefined : await startControlPlane();
  if (builtin) planes.push(builtin);
  let scale;
  if (only !== "builtin") {
    const { dir, crds } = await fetchCrds();
    say(`${crds.length} CRDs from ${new Set(crds.map((c) => c.module)).size} modules in ${dir}; applying them ...`);
    scale = await startControlPlane();
    planes.push(scale);
    const started = Date.now();
    crdInfo = { ...(await applyCrds(scale, dir)), modules: [...new Set(crds.map((c) => c.module))] };
    say(`${crdInfo.crds} CRDs (${crdInfo.groupVersions} group-versions) served under /openapi/v3 after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const gen = (cp, out, cache, extra = []) => runNode(cli, ["--quiet", "--kubeconfig", cp.kubeconfigPath, "--cache-dir", cache, "--out", out, ...extra]);
  for (let round = 0; round < rounds; round++) {
    say(`round ${round + 1}/${rounds} (load average ${loadavg()[0].toFixed(1)})`);
    if (builtin) {
      const cache = join(work, `cache-${round}`);
      record("builtin-live", await gen(builtin, join(work, `live-${round}`), cache));
      record("builtin-warm", await gen(builtin, join(work, `warm-${round}`), cache));
    }
    if (scale) {
      const cache = join(work, `crd-cache-${round}`);
      const outs = [join(work, `crd-live-${round}`), join(work, `crd-warm-${round}`), join(work, `crd-jobs2-${round}`)];
      record("crds-live", await gen(scale, outs[0], cache));
      record("crds-warm", await gen(scale, outs[1], cache));
      record("crds-jobs2", await gen(scale, outs[2], cache, ["--jobs", "2"]));
      record("crds-tsc", await typeCheck(outs[1]));
      hashes.push(...outs.map(treeHash));
      if (round === 0) crdInfo.output = outputSize(outs[1]);
      for (const out of outs) rmSync(out, { recursive: true, force: true });
    }
  }
} finally {
  for (const cp of planes) await cp.stop();
  rmSync(work, { recursive: true, force: true });
}

const LABELS = {
  "builtin-live": "built-in API, from the live server (empty cache)",
  "builtin-warm": "built-in API, from a warm document cache",
  "crds-live": "built-in API + CRDs, from the live server (empty cache)",
  "crds-warm": "built-in API + CRDs, from a warm document cache",
  "crds-jobs2": "built-in API + CRDs, warm cache, --jobs 2 (one worker thread)",
  "crds-tsc": "`tsc --noEmit` of the built-in API + CRDs output",
};
// Issue #17's goals on 2 cores: generation ≤ 10 s and ≤ 512 MiB, `tsc --noEmit` of the output ≤ 5 s.
const GOALS = { gen: { ms: 10_000, rssMiB: 512 }, tsc: { ms: 5_000 } };
const rows = Object.entries(results).map(([scenario, runs]) => ({
  scenario,
  label: LABELS[scenario],
  wallMs: Math.round(median(runs.map((r) => r.ms))),
  peakRssMiB: Math.round(median(runs.map((r) => r.rssMiB))),
  runsMs: runs.map((r) => Math.round(r.ms)),
  load: Number(median(runs.map((r) => r.load)).toFixed(1)),
}));
const deterministic = new Set(hashes).size <= 1;
console.log(`k8s-gen, Kubernetes v${PINNED_KUBERNETES_VERSION}, median of ${rounds} rounds, Node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`);
if (crdInfo) {
  const o = crdInfo.output;
  console.log(
    `CRDs: ${crdInfo.crds} from ${crdInfo.modules.length} modules, ${crdInfo.groupVersions} group-versions; output ${o.files} files, ${(o.bytes / 1e6).toFixed(1)} MB ` +
      `(doc comments ${((100 * o.docBytes) / o.bytes).toFixed(0)} %); ${hashes.length} outputs ${deterministic ? "byte-identical" : "DIFFER"}`,
  );
}
console.log("| scenario | wall (median) | peak RSS | runs | wall / goal | RSS / goal | load average |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) {
  const goal = row.scenario.endsWith("-tsc") ? GOALS.tsc : GOALS.gen;
  const rssRatio = goal.rssMiB ? (row.peakRssMiB / goal.rssMiB).toFixed(2) : "–";
  console.log(
    `| ${row.label} | ${(row.wallMs / 1000).toFixed(2)} s | ${row.peakRssMiB} MiB | ${row.runsMs.map((ms) => (ms / 1000).toFixed(1)).join(", ")} s | ` +
      `${(row.wallMs / goal.ms).toFixed(2)} | ${rssRatio} | ${row.load} |`,
  );
}
mkdirSync(join(root, "bench-results"), { recursive: true });
writeFileSync(
  join(root, "bench-results/gen.json"),
  `${JSON.stringify({ kubernetes: PINNED_KUBERNETES_VERSION, node: process.version, cores: cpus().length, goals: GOALS, rounds, crds: crdInfo, deterministic, hashes, results, medians: rows }, null, 2)}\n`,
);
if (!deterministic) process.exitCode = 1;
