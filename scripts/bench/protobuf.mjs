#!/usr/bin/env node
// Protobuf vs JSON reads (issue #17, scenario 5), in one run against one local control plane: the list rows of
// scenario 2 and an informer initial sync of 5,000 and 20,000 Pods, for this SDK reading JSON ("sdk") and protobuf
// ("sdkpb"), @kubernetes/client-node and raw undici fetch + JSON.parse. Each measurement is a fresh process; clients
// alternate within a round, several rounds; medians and ratios. The load average is printed: the machine is shared.
//   Usage: pnpm bench:protobuf [--rounds N] [--quick] [--only list,informer]
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { benchApp, ensureNode24, median, prepareBenchApp, repo, runScenario, writeRawCredentials } from "./lib.mjs";

const exec = promisify(execFile);
const argv = process.argv.slice(2);
const option = (name) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const quick = argv.includes("--quick");
const rounds = Number(option("rounds")) || (quick ? 1 : 5);
const only = option("only")?.split(",");
const want = (s) => !only || only.includes(s);
const sizes = quick ? { configMaps: 300, pageLimit: 100, pods: [100, 300] } : { configMaps: 5000, pageLimit: 500, pods: [5000, 20000] };
const clients = ["sdk", "sdkpb", "clientnode", "raw"];
const names = { sdk: "SDK, JSON", sdkpb: "SDK, protobuf", clientnode: "client-node", raw: "raw fetch" };
const log = (...a) => process.stderr.write(`${a.join(" ")}\n`);
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");

log("building the workspace packages ...");
await exec("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"], { cwd: repo });
const node24 = await ensureNode24();
const versions = { node: node24, driverNode: process.version, ...(await prepareBenchApp()) };
const runDir = join(benchApp, "run-protobuf");
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });

const results = {}; // scenario -> client -> [result]
const record = (scenario, client, result) => ((results[scenario] ??= {})[client] ??= []).push(result);
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);
const loads = [load()];

const { startControlPlane, PINNED_KUBERNETES_VERSION } = await import(join(repo, "packages/testenv/dist/index.js"));
const cp = await startControlPlane();
try {
  const base = { kubeconfig: cp.kubeconfigPath, rawCredentials: writeRawCredentials(runDir, { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem }) };
  const seeded = {};
  if (want("list")) {
    log(`seeding ${sizes.configMaps} ConfigMaps ...`);
    await runScenario({ name: "seed", args: { ...base, client: "raw", namespace: "bench-list", count: sizes.configMaps } });
  }
  if (want("informer")) {
    for (const count of sizes.pods) {
      log(`seeding ${count} Pods ...`);
      seeded[count] = await runScenario({ name: "pb-seed-pods", args: { ...base, client: "raw", namespace: `pods-${count}`, count }, timeoutMs: 1_800_000 });
      log(`  ${seeded[count].bytesPerPod} bytes of JSON per Pod, ${(seeded[count].ms / 1000).toFixed(0)} s`);
    }
  }
  for (let round = 0; round < rounds; round++) {
    log(`round ${round + 1}/${rounds} (load ${load()})`);
    const order = rotate(clients, round);
    for (const mode of want("list") ? ["paged", "all"] : []) {
      for (const client of order) record(`list-${mode}`, client, await runScenario({ name: "list", args: { ...base, client, namespace: "bench-list", mode, limit: sizes.pageLimit } }));
    }
    for (const count of want("informer") ? sizes.pods : []) {
      for (const client of order) record(`informer-${count}`, client, await runScenario({ name: "pb-informer", args: { ...base, client, namespace: `pods-${count}` }, timeoutMs: 600_000 }));
    }
    loads.push(load());
  }
} finally {
  await cp.stop();
}

const med = (scenario, client, key) => median((results[scenario]?.[client] ?? []).map((r) => r[key]));
const rows = [];
const labels = {
  "list-paged": `2. list ${sizes.configMaps} ConfigMaps, pages of ${sizes.pageLimit}`,
  "list-all": `2. list ${sizes.configMaps} ConfigMaps, one response`,
  ...Object.fromEntries(sizes.pods.map((n) => [`informer-${n}`, `informer initial sync, ${n} Pods`])),
};
for (const [scenario, label] of Object.entries(labels)) {
  if (!results[scenario]) continue;
  for (const [metric, key, unit] of [["wall", "ms", "ms"], ["peak RSS", "peakRssMiB", "MiB"]]) {
    const values = Object.fromEntries(clients.map((c) => [c, med(scenario, c, key)]));
    rows.push({ scenario: label, metric, unit, values, runs: Object.fromEntries(clients.map((c) => [c, (results[scenario][c] ?? []).map((r) => r[key])])) });
  }
}
const fmt = (v) => (v == null ? "–" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (a, b) => (a != null && b ? (a / b).toFixed(2) : "–");
const lines = [];
lines.push(`protobuf vs JSON reads: Kubernetes v${PINNED_KUBERNETES_VERSION}, scenarios on Node ${node24}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; median of ${rounds} interleaved rounds${quick ? " (QUICK sizes)" : ""}`);
lines.push(`client-node ${versions["@kubernetes/client-node"]}, undici ${versions.undici}; load average (1, 5, 15 min) at the start and after each round: ${loads.join(" | ")}`);
lines.push("");
lines.push(`| scenario | metric | ${clients.map((c) => names[c]).join(" | ")} | protobuf / client-node | protobuf / raw | protobuf / JSON | JSON / client-node |`);
lines.push(`| --- | --- | ${clients.map(() => "---").join(" | ")} | --- | --- | --- | --- |`);
for (const r of rows) {
  const v = r.values;
  lines.push(`| ${r.scenario} | ${r.metric} | ${clients.map((c) => `${fmt(v[c])} ${r.unit}`).join(" | ")} | ${ratio(v.sdkpb, v.clientnode)} | ${ratio(v.sdkpb, v.raw)} | ${ratio(v.sdkpb, v.sdk)} | ${ratio(v.sdk, v.clientnode)} |`);
}
console.log(lines.join("\n"));
mkdirSync(join(repo, "bench-results"), { recursive: true });
const outFile = join(repo, "bench-results", quick ? "protobuf-quick.json" : "protobuf.json");
writeFileSync(outFile, `${JSON.stringify({ date: new Date().toISOString(), kubernetes: PINNED_KUBERNETES_VERSION, versions, rounds, sizes, loads, rows }, null, 2)}\n`);
log(`wrote ${outFile}`);
