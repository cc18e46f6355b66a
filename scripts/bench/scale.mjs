// The scale scenarios of the benchmark (issue 17), with client-go as a third peer: informer initial sync of many
// Pods, many concurrent watches, a burst of server-side applies. Each runs at two or three sizes, clients
// alternating within a round, several rounds; run.mjs prints the table this module builds.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchApp, benchDir, cacheRoot, median, node24Bin, runScenario } from "./lib.mjs";

export const SPREAD_NAMESPACES = 100;

/** Sizes of the scale scenarios: `full` for the README table, `quick` for development, `smoke` for `pnpm test`. */
export function scaleSizes(mode) {
  if (mode === "smoke") {
    return { informer: [12], watches: [{ watches: 3, writes: 12 }], apply: [{ count: 20, concurrency: 5 }], applyLimited: { count: 20, concurrency: 5, qps: 50, burst: 5 } };
  }
  if (mode === "quick") {
    return { informer: [300, 1000], watches: [{ watches: 10, writes: 100 }, { watches: 40, writes: 400 }], apply: [{ count: 100, concurrency: 50 }, { count: 400, concurrency: 50 }], applyLimited: { count: 400, concurrency: 50, qps: 200, burst: 50 } };
  }
  return {
    // Both layouts at 20,000 (the issue's size); the growth at 5,000 and 50,000 in one namespace.
    informer: [5_000, 20_000, 50_000],
    informerLayouts: { 5_000: ["one"], 20_000: ["one", "spread"], 50_000: ["one"] },
    watches: [{ watches: 50, writes: 500 }, { watches: 200, writes: 2_000 }],
    apply: [{ count: 500, concurrency: 50 }, { count: 2_000, concurrency: 50 }],
    applyLimited: { count: 2_000, concurrency: 50, qps: 200, burst: 50 },
  };
}

/** The informer variants: each client as its users configure it; `transform` drops managedFields. */
export const INFORMER_VARIANTS = [
  { id: "sdk", client: "sdk" },
  { id: "sdk-transform", client: "sdk", transform: true },
  { id: "sdk-h2", client: "sdk", http2: true },
  { id: "clientgo", client: "clientgo" },
  { id: "clientgo-transform", client: "clientgo", transform: true },
  { id: "clientnode", client: "clientnode" },
];

/** This SDK with the opt-in HTTP/2 transport, measured beside the default HTTP/1.1 pool (issue 17 asks which wins). */
const SDK_HTTP2 = { id: "sdk-h2", client: "sdk", http2: true };

const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);
const spreadNamespaces = (prefix) => Array.from({ length: SPREAD_NAMESPACES }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);

/** Where seeded etcd data is kept between runs, keyed by everything that shapes it. */
function seedCacheDir(name, pins) {
  const shape = ["_pods.mjs", "seed-pods.mjs"].map((f) => readFileSync(join(benchDir, "scenarios", f), "utf8"));
  const hash = createHash("sha256").update(JSON.stringify([name, pins, shape])).digest("hex").slice(0, 16);
  return join(cacheRoot, "bench-seed", `${name}-${hash}`);
}

/**
 * Runs the scale scenarios. `startControlPlane({ etcdDataDir })` starts a control plane and resolves to
 * `{ kubeconfigPath, rawCredentials, deleteConfigMaps(namespace), stop() }`: one per informer size and layout,
 * seeded once and kept for that case's rounds (the seeded etcd data is cached in ~/.cache/k8s-sdk/bench-seed, so a
 * later run starts on a copy of it instead of seeding again), one shared by the watch and apply scenarios. Returns
 * the raw results by scenario key and variant id.
 */
export async function runScale({ want, sizes, rounds, log, clientGoDir, startControlPlane, scratchDir, pins, extraVariants = {} }) {
  const raw = {};
  const record = (key, id, result) => ((raw[key] ??= {})[id] ??= []).push(result);
  const run = (cp, name, args, options = {}) => runScenario({ name, args: { kubeconfig: cp.kubeconfigPath, rawCredentials: cp.rawCredentials, ...args }, clientGoDir, timeoutMs: 900_000, ...options });
  const withControlPlane = async (body, options = {}) => {
    const cp = await startControlPlane(options);
    try {
      await body(cp);
    } finally {
      await cp.stop();
    }
  };
  let seeds = 0;
  /** A control plane holding what `seed(cp)` writes, from the cache when an earlier run seeded the same. */
  const withSeeded = async (name, seed, body) => {
    const cached = seedCacheDir(name, pins);
    const data = join(scratchDir, `etcd-${seeds++}`);
    rmSync(data, { recursive: true, force: true });
    if (existsSync(join(cached, ".complete"))) {
      log(`${name}: starting on the seeded data cached in ${cached}`);
      cpSync(join(cached, "etcd"), data, { recursive: true });
    } else {
      await withControlPlane(seed, { etcdDataDir: data }); // stopped cleanly, so etcd's data is complete on disk
      const tmp = `${cached}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      cpSync(data, join(tmp, "etcd"), { recursive: true });
      writeFileSync(join(tmp, ".complete"), `${new Date().toISOString()}\n`);
      rmSync(cached, { recursive: true, force: true });
      renameSync(tmp, cached);
    }
    try {
      await withControlPlane(body, { etcdDataDir: data });
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  };

  if (want("informer")) {
    for (const size of sizes.informer) {
      for (const layout of sizes.informerLayouts?.[size] ?? ["one", "spread"]) {
        // "spread": the all-namespaces informer must see exactly these, so each layout has a control plane of its own.
        const namespaces = layout === "one" ? ["scale-one"] : spreadNamespaces("scale-spread");
        const seed = async (cp) => {
          log(`informer ${size} ${layout}: seeding ${size} Pods in ${namespaces.length} namespace(s) ...`);
          const seeded = await run(cp, "seed-pods", { client: "raw", namespaces, count: size, prefix: "pod", concurrency: 24 });
          log(`  seeded in ${(seeded.ms / 1000).toFixed(1)} s (${seeded.perSec.toFixed(0)} Pods/s; ${seeded.podBytes.toFixed(0)} bytes each, ${seeded.podBytesWithoutManagedFields.toFixed(0)} without managedFields)`);
          record(`seed-${size}-${layout}`, "raw", seeded);
        };
        await withSeeded(`pods-${size}-${layout}`, seed, async (cp) => {
          const variants = [...INFORMER_VARIANTS, ...(extraVariants.informer ?? [])];
          // One discarded sync first: a fresh apiserver fills its watch cache from etcd (a cold page cache after the
          // copy) on the first read, which made whichever variant came first 2-3x slower than its later rounds.
          const warm = await run(cp, "informer", { client: "clientgo", namespace: layout === "one" ? "scale-one" : "", expect: size });
          log(`  informer ${size} ${layout}: warm-up sync (discarded) ${warm.syncMs.toFixed(0)} ms`);
          for (let round = 0; round < rounds; round++) {
            for (const variant of rotate(variants, round)) {
              const { id, ...options } = variant;
              const result = await run(cp, "informer", { ...options, namespace: layout === "one" ? "scale-one" : "", expect: size }, { nodeFlags: ["--expose-gc"] });
              record(`informer-${size}-${layout}`, id, result);
              log(`  informer ${size} ${layout} ${id}: ${result.syncMs.toFixed(0)} ms, peak ${result.peakRssMiB.toFixed(0)} MiB, retained ${result.retainedRssMiB.toFixed(0)} MiB`);
            }
          }
        });
      }
    }
  }

  if (want("watches") || want("apply")) {
    await withControlPlane(async (cp) => {
      if (want("watches")) {
        const largest = Math.max(...sizes.watches.map((s) => s.watches));
        const all = Array.from({ length: largest }, (_, i) => `watch-${String(i).padStart(3, "0")}`);
        await run(cp, "seed-pods", { client: "raw", namespaces: all, count: 0 });
        const variants = [{ id: "sdk", client: "sdk" }, SDK_HTTP2, { id: "clientgo", client: "clientgo" }, { id: "clientnode", client: "clientnode" }, ...(extraVariants.watches ?? [])];
        for (const { watches, writes } of sizes.watches) {
          const namespaces = all.slice(0, watches);
          for (let round = 0; round < rounds; round++) {
            for (const variant of rotate(variants, round)) {
              const { id, ...options } = variant;
              const prefix = `w${watches}-${round}-${id}`;
              const writer = [node24Bin, join(benchApp, "scenarios", "writer.mjs")];
              const writerArgs = { client: "raw", rawCredentials: cp.rawCredentials, namespaces, prefix, count: writes, concurrency: 16 };
              const result = await run(cp, "watches", { ...options, namespaces, prefix, expect: writes, writer: [...writer, JSON.stringify(writerArgs)] });
              record(`watches-${watches}`, id, result);
              log(`  watches ${watches} ${id}: median ${result.delayMedianMs.toFixed(1)} ms, p99 ${result.delayP99Ms.toFixed(1)} ms, ${result.sockets} sockets, ${result.rssMiB.toFixed(0)} MiB, CPU ${result.cpuMs.toFixed(0)} ms`);
            }
          }
        }
      }
      if (want("apply")) {
        await run(cp, "seed-pods", { client: "raw", namespaces: ["bench-apply"], count: 0 });
        const plain = [{ id: "sdk", client: "sdk" }, SDK_HTTP2, { id: "clientgo", client: "clientgo" }, { id: "clientnode", client: "clientnode" }, ...(extraVariants.apply ?? [])];
        const limited = [{ id: "sdk", client: "sdk" }, { id: "clientgo", client: "clientgo" }];
        const cases = [
          ...sizes.apply.map((s) => ({ key: `apply-${s.count}`, ...s, variants: plain })),
          { key: `apply-${sizes.applyLimited.count}-qps${sizes.applyLimited.qps}`, ...sizes.applyLimited, variants: limited },
        ];
        for (const { key, count, concurrency, qps = 0, burst = 0, variants } of cases) {
          for (let round = 0; round < rounds; round++) {
            for (const variant of rotate(variants, round)) {
              const { id, ...options } = variant;
              const result = await run(cp, "apply", { ...options, namespace: "bench-apply", prefix: `${key}-${round}-${id}`, count, concurrency, qps, burst });
              record(key, id, result);
              log(`  ${key} ${id}: ${result.ms.toFixed(0)} ms, ${result.errors} errors`);
              await cp.deleteConfigMaps("bench-apply"); // every burst creates new objects; clear them outside the timing
            }
          }
        }
      }
    });
  }
  return raw;
}

/** Table rows of the scale scenarios: medians, ratios (this SDK / peer) and the issue's goals. */
export function scaleRows(raw, sizes) {
  const rows = [];
  const med = (key, id, field) => median((raw[key]?.[id] ?? []).map((r) => r[field]));
  const row = (scenario, metric, unit, values, goals = {}) => {
    const ratio = (other) => (values.sdk != null && values[other] ? values.sdk / values[other] : null);
    const ratios = { clientgo: ratio("clientgo"), clientnode: ratio("clientnode") };
    const met = Object.fromEntries(Object.entries(goals).map(([other, goal]) => [other, ratios[other] == null ? null : ratios[other] <= goal]));
    rows.push({ scenario, metric, unit, values, ratios, goals, met });
  };
  const METRICS = {
    syncMs: ["time to synced", "ms"], peakRssMiB: ["peak RSS", "MiB"], retainedRssMiB: ["RSS retained after GC", "MiB"],
    delayMedianMs: ["write→delivery median", "ms"], delayP99Ms: ["write→delivery p99", "ms"], sockets: ["sockets open", ""],
    rssMiB: ["RSS", "MiB"], cpuMs: ["CPU time", "ms"], ms: ["wall", "ms"], errors: ["errors", ""],
  };
  /** The `sdk-h2` variant in the SDK column, the same peers beside it (when it ran). */
  const http2Rows = (label, key, fields) => {
    if (!raw[key]?.["sdk-h2"]) return;
    for (const field of fields) row(label, ...METRICS[field], { sdk: med(key, "sdk-h2", field), clientgo: med(key, "clientgo", field), clientnode: med(key, "clientnode", field) });
  };
  for (const size of sizes.informer) {
    for (const layout of ["one", "spread"]) {
      const key = `informer-${size}-${layout}`;
      if (!raw[key]) continue;
      const where = layout === "one" ? "one namespace" : `${SPREAD_NAMESPACES} namespaces`;
      const label = `1. informer sync, ${size} Pods, ${where}`;
      const pick = (field, suffix = "") => ({ sdk: med(key, `sdk${suffix}`, field), clientgo: med(key, `clientgo${suffix}`, field), clientnode: suffix ? null : med(key, "clientnode", field) });
      row(label, "time to synced", "ms", pick("syncMs"), { clientgo: 1.0, clientnode: 0.5 });
      row(label, "peak RSS", "MiB", pick("peakRssMiB"));
      row(label, "RSS retained after GC", "MiB", pick("retainedRssMiB"), { clientgo: 1.5, clientnode: 0.5 });
      row(`${label}, transform drops managedFields`, "time to synced", "ms", pick("syncMs", "-transform"));
      row(`${label}, transform drops managedFields`, "RSS retained after GC", "MiB", pick("retainedRssMiB", "-transform"));
      http2Rows(`${label}, this SDK over HTTP/2`, key, ["syncMs", "peakRssMiB", "retainedRssMiB"]);
      row(`${label}, SDK with transform vs client-go without`, "RSS retained after GC", "MiB", { sdk: med(key, "sdk-transform", "retainedRssMiB"), clientgo: med(key, "clientgo", "retainedRssMiB"), clientnode: null }, { clientgo: 1.0 });
    }
  }
  for (const { watches, writes } of sizes.watches) {
    const key = `watches-${watches}`;
    if (!raw[key]) continue;
    const label = `2. ${watches} watches (one per namespace), ${writes} creates`;
    const pick = (field) => ({ sdk: med(key, "sdk", field), clientgo: med(key, "clientgo", field), clientnode: med(key, "clientnode", field) });
    row(label, "write→delivery median", "ms", pick("delayMedianMs"), { clientgo: 1.0 });
    row(label, "write→delivery p99", "ms", pick("delayP99Ms"), { clientgo: 1.0 });
    row(label, "sockets open", "", pick("sockets"));
    row(label, "RSS", "MiB", pick("rssMiB"), { clientnode: 0.5 });
    row(label, "CPU time", "ms", pick("cpuMs"));
    http2Rows(`${label}, this SDK over HTTP/2`, key, ["delayMedianMs", "delayP99Ms", "sockets", "rssMiB", "cpuMs"]);
  }
  for (const key of Object.keys(raw).filter((k) => k.startsWith("apply-"))) {
    const [, count, qps] = /^apply-(\d+)(?:-qps(\d+))?$/.exec(key) ?? [];
    const label = `3. ${count} server-side applies, 50 in flight${qps ? `, client-side limit ${qps} QPS` : ""}`;
    const pick = (field) => ({ sdk: med(key, "sdk", field), clientgo: med(key, "clientgo", field), clientnode: med(key, "clientnode", field) });
    row(label, "wall", "ms", pick("ms"));
    row(label, "errors", "", pick("errors"));
    if (!qps) http2Rows(`${label}, this SDK over HTTP/2`, key, ["ms", "errors"]);
  }
  return rows;
}

/** The markdown table of {@link scaleRows}. */
export function scaleTable(rows) {
  const fmt = (v) => (v == null ? "–" : typeof v === "string" ? v : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : Number.isInteger(v) ? String(v) : v.toFixed(2));
  const ratio = (r, other) => {
    const x = r.ratios[other];
    if (x == null) return "–";
    const goal = r.goals[other];
    return goal === undefined ? x.toFixed(2) : `${x.toFixed(2)} (goal ≤ ${goal}: ${r.met[other] ? "met" : "**missed**"})`;
  };
  const lines = ["| scenario | metric | this SDK | client-go | client-node | SDK / client-go | SDK / client-node |", "| --- | --- | --- | --- | --- | --- | --- |"];
  for (const r of rows) {
    const cell = (v) => (v == null ? "–" : `${fmt(v)}${r.unit ? ` ${r.unit}` : ""}`);
    lines.push(`| ${r.scenario} | ${r.metric} | ${cell(r.values.sdk)} | ${cell(r.values.clientgo)} | ${cell(r.values.clientnode)} | ${ratio(r, "clientgo")} | ${ratio(r, "clientnode")} |`);
  }
  return lines;
}
