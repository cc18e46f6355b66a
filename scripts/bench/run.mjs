#!/usr/bin/env node
// Benchmark suite (not a test): this SDK (@org/k8s-core, installed from its packed tarballs) against
// @kubernetes/client-node (latest) and raw undici fetch with the same TLS settings (the floor), on one real local
// control plane. Scenarios run as child processes under Node 24 (client-node needs Node >= 22), clients alternating
// within each round, several rounds; medians and ratios (this SDK / other) against the goals. Prints a markdown
// table and writes bench-results/bench.json.
// Scenario 9 (pod I/O) runs on a whole cluster of its own (testenv's startCluster), against kubectl as well.
// The scale scenarios (scale.mjs: informer, watches, apply) add client-go as a third peer (Go programs under
// scripts/bench/clientgo, built once into the cache) and print a second table.
//   Usage: pnpm bench [--rounds N] [--scale-rounds N] [--quick] [--skip-gen] [--only a,b] [--watches N:W]
//          [--informer PODS[:one|spread]] [--only request,list,watch,cold,bundle,typecheck,gen,footprint,podio,pb-informer,informer,watches,apply]
//   (pb-informer: informer sync of Pods as JSON and protobuf against client-node and raw fetch)
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { benchApp, cacheRoot, clientGoVersion, clients, ensureClientGo, ensureNode24, median, node24Bin, packTarballs, prepareBenchApp, repo, runScenario, writeRawCredentials } from "./lib.mjs";
import { runScale, scaleRows, scaleSizes, scaleTable } from "./scale.mjs";

const exec = promisify(execFile);
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const quick = flag("quick");
const rounds = Number(option("rounds")) || (quick ? 1 : 5);
const only = option("only")?.split(",");
const want = (s) => !only || only.includes(s);
const sizes = quick
  ? { gets: 50, configMaps: 300, pageLimit: 100, pods: 100, watchEvents: 300, watchWrites: 50, typecheckRounds: 1, execs: 5, forwardMiB: 4 }
  : { gets: 2000, configMaps: 5000, pageLimit: 500, pods: 5000, watchEvents: 5000, watchWrites: 1000, typecheckRounds: 5, execs: 30, forwardMiB: 32 };
const log = (...a) => process.stderr.write(`${a.join(" ")}\n`);
const names = { sdk: "this SDK", clientnode: "client-node", raw: "raw fetch" };

log("building the workspace packages ...");
await exec("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"], { cwd: repo });
const node24 = await ensureNode24();
const versions = { node: node24, driverNode: process.version, ...(await prepareBenchApp()) };
log(`versions: ${JSON.stringify(versions)}`);

const runDir = join(benchApp, "run");
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });
const raw = {}; // per scenario, per client: list of results
const record = (scenario, client, result) => ((raw[scenario] ??= {})[client] ??= []).push(result);
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

const { startControlPlane, apiRequest, PINNED_ETCD_VERSION, PINNED_KUBERNETES_VERSION } = await import(join(repo, "packages/testenv/dist/index.js"));
const needsCluster = ["request", "list", "pb-informer", "watch", "cold"].some(want);
const cp = needsCluster ? await startControlPlane() : null;
try {
  if (cp) {
    const base = { kubeconfig: cp.kubeconfigPath, rawCredentials: writeRawCredentials(runDir, { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem }) };
    log(`seeding ${sizes.configMaps} ConfigMaps ...`);
    const seeded = await runScenario({ name: "seed", args: { ...base, client: "raw", namespace: "bench-list", count: sizes.configMaps } });
    await runScenario({ name: "seed", args: { ...base, client: "raw", namespace: "bench-watch", count: 0 } });
    log(`seeded ${seeded.seeded} objects in ${(seeded.ms / 1000).toFixed(1)} s`);
    if (want("pb-informer")) {
      const pods = await runScenario({ name: "pb-seed-pods", args: { ...base, client: "raw", namespace: "bench-pods", count: sizes.pods }, timeoutMs: 1_800_000 });
      log(`seeded ${sizes.pods} Pods (${pods.bytesPerPod} bytes of JSON each) in ${(pods.ms / 1000).toFixed(1)} s`);
    }
    for (let round = 0; round < rounds; round++) {
      log(`round ${round + 1}/${rounds}`);
      const order = rotate(clients, round);
      for (const client of order) {
        if (!want("request")) break;
        record("request", client, await runScenario({ name: "request", args: { ...base, client, namespace: "bench-list", name: "target-0", count: sizes.gets } }));
      }
      for (const mode of ["paged", "all"]) {
        // "sdkpb": this SDK reading protobuf (`@org/k8s-core/protobuf`), in the same rotation.
        for (const client of rotate([...clients, "sdkpb"], round)) {
          if (!want("list")) break;
          record(`list-${mode}`, client, await runScenario({ name: "list", args: { ...base, client, namespace: "bench-list", mode, limit: sizes.pageLimit } }));
        }
      }
      for (const client of rotate([...clients, "sdkpb"], round)) {
        if (!want("pb-informer")) break;
        record("pb-informer", client, await runScenario({ name: "pb-informer", args: { ...base, client, namespace: "bench-pods" }, timeoutMs: 600_000 }));
      }
      for (const client of order) {
        if (!want("watch")) break;
        record("watch", client, await runScenario({ name: "watch", args: { ...base, client, listNamespace: "bench-list", writeNamespace: "bench-watch", count: sizes.watchEvents, writes: sizes.watchWrites, prefix: `w${round}-${client}` } }));
      }
      for (const client of order) {
        if (!want("cold")) break;
        record("cold", client, await runScenario({ name: "cold", args: { ...base, client } }));
      }
    }
  }
} finally {
  await cp?.stop();
}

// Pod I/O needs pods: a whole cluster (one simulated node), after the control plane above is gone.
const podioClients = ["sdk", "clientnode", "kubectl"];
if (want("podio")) {
  const { startCluster, createNamespace, apiRequest, poll } = await import(join(repo, "packages/testenv/dist/index.js"));
  log("starting a whole cluster for the pod I/O row ...");
  const cluster = await startCluster({ nodes: 1 });
  try {
    const namespace = "bench-podio";
    await createNamespace(cluster.adminAccess, namespace);
    const created = await apiRequest(cluster.adminAccess, "POST", `/api/v1/namespaces/${namespace}/pods`, {
      metadata: { name: "echo" },
      spec: { containers: [{ name: "main", image: "registry.example/echo:1" }] },
    });
    if (created.status !== 201) throw new Error(`creating the pod: ${created.status} ${created.text}`);
    const phase = async () => (await apiRequest(cluster.adminAccess, "GET", `/api/v1/namespaces/${namespace}/pods/echo`)).json?.status?.phase;
    await poll("the bench pod Running", 60_000, async () => ((await phase()) === "Running" ? true : undefined));
    const podioArgs = { kubeconfig: cluster.kubeconfigPath, namespace, pod: "echo", execs: sizes.execs, mib: sizes.forwardMiB, kubectl: cluster.binaries.kubectl };
    for (let round = 0; round < rounds; round++) {
      log(`pod I/O round ${round + 1}/${rounds}`);
      for (const client of rotate(podioClients, round)) record("podio", client, await runScenario({ name: "podio", args: { ...podioArgs, client } }));
    }
  } finally {
    await cluster.stop();
  }
}

// Scale scenarios, with client-go: control planes of their own (one per informer size, seeded once).
const scaleWanted = ["informer", "watches", "apply"].some(want);
const scaleSizing = scaleSizes(quick ? "quick" : "full");
// `--watches 200:2000`: only that many watches and creates (the many-watches row alone, say with --only watches).
const watchesSize = /^(\d+):(\d+)$/.exec(option("watches") ?? "");
if (option("watches") !== undefined && !watchesSize) throw new Error(`--watches ${option("watches")}: expected <watches>:<creates>, e.g. 200:2000`);
if (watchesSize) scaleSizing.watches = [{ watches: Number(watchesSize[1]), writes: Number(watchesSize[2]) }];
// `--informer 20000` or `--informer 20000:one`: only that informer size (and layout).
const informerSize = /^(\d+)(?::(one|spread))?$/.exec(option("informer") ?? "");
if (option("informer") !== undefined && !informerSize) throw new Error(`--informer ${option("informer")}: expected <pods>[:one|spread], e.g. 20000:one`);
if (informerSize) {
  const size = Number(informerSize[1]);
  scaleSizing.informer = [size];
  if (informerSize[2]) scaleSizing.informerLayouts = { ...scaleSizing.informerLayouts, [size]: [informerSize[2]] };
}
const scaleRounds = Number(option("scale-rounds")) || (quick ? 1 : 3);
let scaleRaw;
if (scaleWanted) {
  log("building the client-go peers (scripts/bench/clientgo) ...");
  const clientGoDir = await ensureClientGo();
  versions["k8s.io/client-go"] = clientGoVersion();
  versions.go = (await exec("go", ["env", "GOVERSION"])).stdout.trim();
  let planes = 0;
  scaleRaw = await runScale({
    want,
    sizes: scaleSizing,
    rounds: scaleRounds,
    log,
    clientGoDir,
    scratchDir: runDir,
    pins: { kubernetes: PINNED_KUBERNETES_VERSION, etcd: PINNED_ETCD_VERSION },
    startControlPlane: async (options) => {
      const plane = await startControlPlane(options);
      const access = { server: plane.server, caPem: plane.caPem, certPem: plane.admin.certPem, keyPem: plane.admin.keyPem };
      return {
        kubeconfigPath: plane.kubeconfigPath,
        rawCredentials: writeRawCredentials(join(runDir, `scale-${planes++}`), access),
        async deleteConfigMaps(namespace) {
          const res = await apiRequest(access, "DELETE", `/api/v1/namespaces/${namespace}/configmaps`, undefined, { timeoutMs: 120_000 });
          if (res.status !== 200) throw new Error(`deleting the ConfigMaps of ${namespace}: ${res.status} ${res.text}`);
        },
        stop: () => plane.stop(),
      };
    },
  });
}

// Machine-only scenarios, after the control plane is gone (no CPU taken by it).
if (want("typecheck")) {
  for (let round = 0; round < sizes.typecheckRounds; round++) {
    // "raw" = the same project without any SDK: the floor that tsc, its default libs and @types/node cost.
    for (const skipLibCheck of [true, false]) {
      const scenario = skipLibCheck ? "typecheck" : "typecheck-full";
      for (const client of rotate(["sdk", "clientnode", "raw"], round)) record(scenario, client, await runScenario({ name: "typecheck", args: { client, skipLibCheck } }));
    }
  }
}
let bundles;
if (want("bundle")) bundles = (await runScenario({ name: "bundle", args: { client: "both", outDir: join(runDir, "bundles") } })).bundles;
let footprint;
if (want("footprint")) footprint = await installFootprint();
let gen;
if (want("gen") && !flag("skip-gen") && !quick) {
  log("running scripts/bench/gen.mjs --rounds 3 ...");
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repo, "scripts/bench/gen.mjs"), "--rounds", "3"], { stdio: ["ignore", "ignore", "inherit"] });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`gen.mjs exited with ${code}`))));
  });
}
if (want("gen") && existsSync(join(repo, "bench-results/gen.json"))) gen = JSON.parse(readFileSync(join(repo, "bench-results/gen.json"), "utf8"));

/** Packages and bytes that `npm install` brings into a fresh app: our three tarballs vs client-node. */
async function installFootprint() {
  const root = join(cacheRoot, "bench-footprint");
  rmSync(root, { recursive: true, force: true });
  const tarballs = await packTarballs(join(root, "packs"));
  const result = {};
  for (const [client, specs] of [["sdk", tarballs], ["clientnode", [`@kubernetes/client-node@${versions["@kubernetes/client-node"]}`]]]) {
    const app = join(root, client);
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: `footprint-${client}`, version: "1.0.0", private: true }));
    const env = { ...process.env, PATH: `${dirname(node24Bin)}:${process.env.PATH}` };
    await exec("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], { cwd: app, env, timeout: 600_000 });
    const lock = JSON.parse(readFileSync(join(app, "node_modules/.package-lock.json"), "utf8"));
    const packages = Object.keys(lock.packages).filter((k) => k.startsWith("node_modules/")).length;
    let bytes = 0;
    let files = 0;
    const walk = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (entry.isFile()) {
          bytes += statSync(p).size;
          files++;
        }
      }
    };
    walk(join(app, "node_modules"));
    result[client] = { packages, files, bytes };
  }
  rmSync(root, { recursive: true, force: true });
  return result;
}

// ---- medians, ratios, goals ----
const med = (scenario, client, key) => median((raw[scenario]?.[client] ?? []).map((r) => r[key]));
const rows = [];
/** lowerIsBetter: ratio = sdk / other must be <= goal; else ratio must be >= goal. */
function row(scenario, metric, unit, values, goals = {}, lowerIsBetter = true) {
  const ratio = (other) => (values.sdk != null && values[other] ? values.sdk / values[other] : null);
  const r = { scenario, metric, unit, values, ratios: { clientnode: ratio("clientnode"), raw: ratio("raw") }, goals, lowerIsBetter, met: {} };
  for (const [other, goal] of Object.entries(goals)) {
    const x = r.ratios[other];
    r.met[other] = x == null ? null : lowerIsBetter ? x <= goal : x >= goal;
  }
  rows.push(r);
}
const pick = (scenario, key) => Object.fromEntries(clients.map((c) => [c, med(scenario, c, key)]));
if (raw.request) row(`1. request overhead (${sizes.gets} sequential GETs)`, "per request", "µs", pick("request", "usPerRequest"), { raw: 1.1 });
for (const mode of ["paged", "all"]) {
  if (!raw[`list-${mode}`]) continue;
  const label = `2. list ${sizes.configMaps} ConfigMaps ${mode === "paged" ? `(pages of ${sizes.pageLimit})` : "(one response)"}`;
  row(label, "wall", "ms", pick(`list-${mode}`, "ms"), { clientnode: 0.5, raw: 1.15 });
  row(label, "peak RSS", "MiB", pick(`list-${mode}`, "peakRssMiB"), { clientnode: 0.5, raw: 1.15 });
  // The same list read as protobuf: goal ≤ 0.5 x client-node and below raw JSON fetch (issue #17, scenario 5).
  const protobuf = (key) => ({ ...pick(`list-${mode}`, key), sdk: med(`list-${mode}`, "sdkpb", key) });
  row(`${label}, protobuf`, "wall", "ms", protobuf("ms"), { clientnode: 0.5, raw: 1.0 });
  row(`${label}, protobuf`, "peak RSS", "MiB", protobuf("peakRssMiB"), { clientnode: 0.5, raw: 1.15 });
}
if (raw["pb-informer"]) {
  // Informer initial sync (streaming list) of realistic ~5 KiB Pods, JSON and protobuf; raw = one fetch + JSON.parse.
  const label = `2b. informer initial sync, ${sizes.pods} Pods`;
  const protobuf = (key) => ({ ...pick("pb-informer", key), sdk: med("pb-informer", "sdkpb", key) });
  row(label, "wall", "ms", pick("pb-informer", "ms"), { clientnode: 0.5 });
  row(label, "peak RSS", "MiB", pick("pb-informer", "peakRssMiB"), { clientnode: 0.5 });
  row(`${label}, protobuf`, "wall", "ms", protobuf("ms"), { clientnode: 0.5 });
  row(`${label}, protobuf`, "peak RSS", "MiB", protobuf("peakRssMiB"), { clientnode: 0.5 });
}
if (raw.watch) {
  row(`3. watch: replay of ${sizes.watchEvents} events`, "throughput", "events/s", pick("watch", "eventsPerSec"), { clientnode: 2 }, false);
  row(`3. watch: ${sizes.watchWrites} live creates`, "write→delivery median", "ms", pick("watch", "delayMedianMs"));
  row(`3. watch: ${sizes.watchWrites} live creates`, "write→delivery p95", "ms", pick("watch", "delayP95Ms"));
  row(`3. watch: ${sizes.watchWrites} live creates`, "peak RSS", "MiB", pick("watch", "peakRssMiB"));
}
if (raw.cold) {
  row("4. cold start (import, kubeconfig, list namespaces)", "process wall", "ms", pick("cold", "processMs"), { clientnode: 0.25 });
  row("4. cold start", "peak RSS", "MiB", pick("cold", "peakRssMiB"));
}
if (bundles) {
  row("5. bundle (esbuild --minify, list pods)", "size", "KiB", { sdk: bundles.sdk.bytes / 1024, clientnode: bundles.clientnode.bytes / 1024, raw: null }, { clientnode: 0.1 });
  row("5. bundle", "gzipped", "KiB", { sdk: bundles.sdk.gzipBytes / 1024, clientnode: bundles.clientnode.gzipBytes / 1024, raw: null });
}
for (const [scenario, label] of [["typecheck", "skipLibCheck: true"], ["typecheck-full", "skipLibCheck: false"]]) {
  if (!raw[scenario]) continue;
  const tsc = pick(scenario, "ms");
  row(`6. tsc --noEmit, 5 resource types, ${label} (raw = same app, no SDK)`, "wall", "ms", tsc, { clientnode: 0.5 });
  const aboveFloor = (client) => (tsc[client] != null && tsc.raw != null ? tsc[client] - tsc.raw : null);
  row(`6. tsc --noEmit, ${label}`, "above the no-SDK floor", "ms", { sdk: aboveFloor("sdk"), clientnode: aboveFloor("clientnode"), raw: null });
  row(`6. tsc --noEmit, ${label}`, "type errors in the SDK's own declarations", "", pick(scenario, "errors"));
  row(`6. tsc --noEmit, ${label}`, "files / types", "", { sdk: `${med(scenario, "sdk", "files")} / ${med(scenario, "sdk", "types")}`, clientnode: `${med(scenario, "clientnode", "files")} / ${med(scenario, "clientnode", "types")}`, raw: `${med(scenario, "raw", "files")} / ${med(scenario, "raw", "types")}` });
}
if (footprint) {
  row("8. npm install footprint", "packages", "", { sdk: footprint.sdk.packages, clientnode: footprint.clientnode.packages, raw: null });
  row("8. npm install footprint", "node_modules bytes", "MiB", { sdk: footprint.sdk.bytes / 2 ** 20, clientnode: footprint.clientnode.bytes / 2 ** 20, raw: null });
}

/** Pod I/O compares with kubectl rather than the raw fetch floor: rows of their own. */
const podioRows = [];
if (raw.podio) {
  const value = (client, key) => median((raw.podio[client] ?? []).map((r) => r[key]));
  for (const [metric, key, unit] of [["exec round trip, median", "execMedianMs", "ms"], ["exec round trip, p95", "execP95Ms", "ms"], [`port-forward echo of ${sizes.forwardMiB} MiB`, "forwardMBps", "MB/s"]]) {
    podioRows.push({ metric, unit, values: Object.fromEntries(podioClients.map((c) => [c, value(c, key)])) });
  }
}

const fmt = (v) => (v == null ? "–" : typeof v === "string" ? v : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const fmtRatio = (r, other) => {
  const x = r.ratios[other];
  if (x == null || typeof r.values.sdk === "string") return "–";
  const goal = r.goals[other];
  if (goal === undefined) return x.toFixed(2);
  return `${x.toFixed(2)} (goal ${r.lowerIsBetter ? "≤" : "≥"} ${goal}: ${r.met[other] ? "met" : "**missed**"})`;
};
const lines = [];
lines.push(`k8s SDK benchmarks: Kubernetes v${PINNED_KUBERNETES_VERSION}, scenarios on Node ${node24} (driver ${process.version}), ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; median of ${rounds} rounds${quick ? " (QUICK sizes)" : ""}`);
lines.push(`this SDK = @org/k8s-core ${versions["@org/k8s-core"]} (+ runtime ${versions["@org/k8s-runtime"]}, auth ${versions["@org/k8s-auth"]}, from packed tarballs); client-node = @kubernetes/client-node ${versions["@kubernetes/client-node"]}; raw = undici ${versions.undici} fetch + JSON.parse`);
lines.push("");
lines.push("| scenario | metric | this SDK | client-node | raw fetch | SDK / client-node | SDK / raw |");
lines.push("| --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  const u = r.unit ? ` ${r.unit}` : "";
  const cell = (v) => (v == null ? "–" : `${fmt(v)}${typeof v === "string" ? "" : u}`);
  lines.push(`| ${r.scenario} | ${r.metric} | ${cell(r.values.sdk)} | ${cell(r.values.clientnode)} | ${cell(r.values.raw)} | ${fmtRatio(r, "clientnode")} | ${fmtRatio(r, "raw")} |`);
}
if (podioRows.length > 0) {
  lines.push("");
  lines.push(`9. pod I/O on a whole cluster (kube-apiserver -> test kubelet), ${sizes.execs} sequential \`echo\` execs; kubectl runs a process per exec:`);
  lines.push("");
  lines.push("| metric | this SDK | client-node | kubectl | SDK / client-node | SDK / kubectl |");
  lines.push("| --- | --- | --- | --- | --- | --- |");
  for (const r of podioRows) {
    const ratio = (other) => (r.values.sdk != null && r.values[other] ? (r.values.sdk / r.values[other]).toFixed(2) : "–");
    const cell = (v) => (v == null ? "–" : `${fmt(v)} ${r.unit}`);
    lines.push(`| ${r.metric} | ${cell(r.values.sdk)} | ${cell(r.values.clientnode)} | ${cell(r.values.kubectl)} | ${ratio("clientnode")} | ${ratio("kubectl")} |`);
  }
}
if (gen) {
  lines.push("");
  lines.push(`7. generation (scripts/bench/gen.mjs, bench-results/gen.json, Node ${gen.node}, median of ${gen.rounds}):`);
  for (const m of gen.medians) lines.push(`- ${m.scenario}: ${(m.wallMs / 1000).toFixed(2)} s, ${m.peakRssMiB} MiB (goal 10 s / 1 GiB: ${m.wallMs <= 10_000 && m.peakRssMiB <= 1024 ? "met" : "missed"})`);
}
if (scaleRaw) {
  lines.push("");
  lines.push(`Scale, side by side with client-go ${versions["k8s.io/client-go"]} (Go ${versions.go ?? "?"}; JSON, SharedInformerFactory, no client-side rate limit unless stated, as controller-runtime); median of ${scaleRounds} rounds${quick ? " (QUICK sizes)" : ""}:`);
  lines.push("");
  lines.push(...scaleTable(scaleRows(scaleRaw, scaleSizing)));
}
console.log(lines.join("\n"));
mkdirSync(join(repo, "bench-results"), { recursive: true });
const outFile = join(repo, "bench-results", quick ? "bench-quick.json" : "bench.json");
writeFileSync(outFile, `${JSON.stringify({ date: new Date().toISOString(), kubernetes: PINNED_KUBERNETES_VERSION, versions, rounds, sizes, machine: { cores: cpus().length, memGiB: totalmem() / 2 ** 30 }, rows, podio: podioRows, bundles, footprint, gen: gen?.medians, raw, ...(scaleRaw ? { scaleRounds, scaleSizes: scaleSizing, scaleRows: scaleRows(scaleRaw, scaleSizing), scaleRaw } : {}) }, null, 2)}\n`);
log(`wrote ${outFile}`);
