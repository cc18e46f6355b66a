#!/usr/bin/env node
// Benchmark of k8s-gen (not a test): wall time and peak RSS of a full generation of the built-in API, from the live
// server (empty document cache) and from a warm cache, against the project's own control plane. Prints a table and
// writes the figures to bench-results/gen.json.   Usage: pnpm bench:gen [--rounds N]
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 3;
const { startControlPlane, PINNED_KUBERNETES_VERSION } = await import(join(root, "packages/testenv/dist/index.js"));
const cli = join(root, "packages/gen/dist/cli.js");
const preload = join(root, "scripts/bench/max-rss.cjs");

function runCli(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--require", preload, cli, "--quiet", ...args], { stdio: ["ignore", "ignore", "pipe", "pipe"] });
    let rss = 0;
    let stderr = "";
    child.stdio[3].on("data", (d) => (rss = Number(/max-rss-kib (\d+)/.exec(String(d))?.[1] ?? 0)));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`k8s-gen exited with ${code}: ${stderr}`));
      else resolve({ ms, rssMiB: rss / 1024 });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const work = mkdtempSync(join(tmpdir(), "bench-gen-"));
const cp = await startControlPlane();
const results = { live: [], warm: [] };
try {
  for (let round = 0; round < rounds; round++) {
    // Alternate the two scenarios so drift on the machine affects both alike.
    const cache = join(work, `cache-${round}`);
    results.live.push(await runCli(["--kubeconfig", cp.kubeconfigPath, "--cache-dir", cache, "--out", join(work, `live-${round}`)]));
    results.warm.push(await runCli(["--kubeconfig", cp.kubeconfigPath, "--cache-dir", cache, "--out", join(work, `warm-${round}`)]));
  }
} finally {
  await cp.stop();
  rmSync(work, { recursive: true, force: true });
}

const goal = { ms: 10_000, rssMiB: 1024 };
const rows = Object.entries(results).map(([scenario, runs]) => ({
  scenario: scenario === "live" ? "from the live server (empty cache)" : "from a warm document cache",
  wallMs: Math.round(median(runs.map((r) => r.ms))),
  peakRssMiB: Math.round(median(runs.map((r) => r.rssMiB))),
}));
console.log(`k8s-gen, full built-in API of Kubernetes v${PINNED_KUBERNETES_VERSION}, median of ${rounds} rounds, Node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`);
console.log("| scenario | wall | peak RSS | wall / 10 s goal | RSS / 1 GiB goal |");
console.log("| --- | --- | --- | --- | --- |");
for (const row of rows) {
  console.log(`| ${row.scenario} | ${(row.wallMs / 1000).toFixed(2)} s | ${row.peakRssMiB} MiB | ${(row.wallMs / goal.ms).toFixed(2)} | ${(row.peakRssMiB / goal.rssMiB).toFixed(2)} |`);
}
mkdirSync(join(root, "bench-results"), { recursive: true });
writeFileSync(join(root, "bench-results/gen.json"), `${JSON.stringify({ kubernetes: PINNED_KUBERNETES_VERSION, node: process.version, rounds, results, medians: rows }, null, 2)}\n`);
