import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
// @ts-expect-error plain .mjs helpers of the benchmark driver, without type declarations
import { benchApp, copyScenarios, ensureClientGo, ensureNode24, prepareBenchApp, repo, runScenario, writeRawCredentials } from "./lib.mjs";

// Smoke run of every benchmark scenario with tiny sizes, so `pnpm bench` cannot rot. Timings are not asserted; what
// the scenarios saw (object and event counts, finite positive figures) is.
//  - this SDK and raw fetch: always, on this Node (20), from a throwaway app whose node_modules link to the
//    workspace packages (@org/k8s-core's built dist; undici, typescript and esbuild from the root devDependencies).
//  - client-node: on Node 24 (it needs Node >= 22) from the bench workspace (~/.cache/k8s-sdk/bench-app); both are
//    installed from the npm registry when missing (about a minute on a fresh machine), so CI always runs all three.

type Result = Record<string, unknown> & { peakRssMiB: number; processMs: number };
const cp = inject("controlPlane");
const namespace = `bench-smoke-${Date.now().toString(36)}`;
const watchNamespace = `${namespace}-w`;
const podNamespace = `${namespace}-p`;
const seeded = 20;
let app: string;
let base: { kubeconfig: string; rawCredentials: string };
await ensureNode24();
await prepareBenchApp();
const hasClientNode = existsSync(join(benchApp, "node_modules/@kubernetes/client-node/package.json"));

const positive = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v > 0;
let clientGoDir: string;
const run = (name: string, args: Record<string, unknown>, client: string, nodeFlags: string[] = []): Promise<Result> =>
  client === "clientnode"
    ? runScenario({ name, args: { ...base, client, ...args }, timeoutMs: 120_000, nodeFlags })
    : runScenario({ node: process.execPath, appDir: app, name, args: { ...base, client, ...args }, timeoutMs: 120_000, nodeFlags, clientGoDir });

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  const modules = join(app, "node_modules");
  mkdirSync(join(modules, "@org"), { recursive: true });
  mkdirSync(join(modules, "@types"), { recursive: true });
  for (const name of ["auth", "runtime", "core"]) symlinkSync(join(repo, "packages", name), join(modules, "@org", `k8s-${name}`));
  symlinkSync(realpathSync(join(repo, "node_modules/undici")), join(modules, "undici")); // the raw floor (undici 7 runs on Node 20)
  symlinkSync(realpathSync(join(repo, "node_modules/typescript")), join(modules, "typescript"));
  symlinkSync(realpathSync(join(repo, "node_modules/@types/node")), join(modules, "@types", "node"));
  const esbuild = readdirSync(join(repo, "node_modules/.pnpm")).find((d) => d.startsWith("esbuild@"));
  if (esbuild) symlinkSync(join(repo, "node_modules/.pnpm", esbuild, "node_modules/esbuild"), join(modules, "esbuild"));
  copyScenarios(app);
  base = {
    kubeconfig: cp.kubeconfigPath,
    rawCredentials: writeRawCredentials(join(app, "run"), { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem }),
  };
  if (hasClientNode) copyScenarios(benchApp); // the bench app runs the scenarios as they are in the repo now
  const seed = await run("seed", { namespace, count: seeded, bytes: 64 }, "raw");
  expect(seed.seeded).toBe(seeded + 1);
  await run("seed", { namespace: watchNamespace, count: 0 }, "raw");
  const pods = await run("pb-seed-pods", { namespace: podNamespace, count: 12 }, "raw");
  expect(pods.bytesPerPod as number).toBeGreaterThan(3000);
  // The client-go peers of the scale scenarios (built from the Go module proxy on a fresh machine; cached after).
  clientGoDir = await ensureClientGo();
}, 1_200_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

const clientsUnderTest = ["sdk", "raw", ...(hasClientNode ? ["clientnode"] : [])];

describe.each([...clientsUnderTest, "sdkpb"])("bench:protobuf scenarios, client %s", (client) => {
  if (client === "sdkpb") {
    it.each(["paged", "all"])("2. large list read as protobuf, %s", async (mode) => {
      const r = await run("list", { namespace, mode, limit: 7 }, client);
      expect(r.items).toBe(seeded + 1);
      expect(positive(r.ms)).toBe(true);
    });
  }

  it("informer initial sync of the seeded Pods", async () => {
    const r = await run("pb-informer", { namespace: podNamespace }, client);
    expect(r.items).toBe(12);
    expect(positive(r.ms)).toBe(true);
    expect(positive(r.peakRssMiB)).toBe(true);
  });
});

describe.each(clientsUnderTest)("bench scenarios, client %s", (client) => {
  it("1. request overhead: sequential GETs of one ConfigMap", async () => {
    const r = await run("request", { namespace, name: "target-0", count: 5, warmup: 2 }, client);
    expect(r.seen).toBe(7);
    expect(positive(r.usPerRequest)).toBe(true);
    expect(positive(r.peakRssMiB)).toBe(true);
  });

  it.each(["paged", "all"])("2. large list, %s", async (mode) => {
    const r = await run("list", { namespace, mode, limit: 7 }, client);
    expect(r.items).toBe(seeded + 1);
    expect(positive(r.ms)).toBe(true);
    expect(positive(r.peakRssMiB)).toBe(true);
  });

  it("3. watch: replay throughput and write-to-delivery delay", async () => {
    const r = await run("watch", { listNamespace: namespace, writeNamespace: watchNamespace, count: seeded, writes: 5, concurrency: 2, prefix: `smoke-${client}` }, client);
    expect(r.events).toBe(seeded);
    expect(r.writes).toBe(5);
    for (const key of ["eventsPerSec", "delayMedianMs", "delayP95Ms"]) expect(positive(r[key]), key).toBe(true);
  });

  it("4. cold start: import, load kubeconfig, list namespaces", async () => {
    const r = await run("cold", {}, client);
    expect(r.hasDefault).toBe(true);
    expect(r.namespaces as number).toBeGreaterThanOrEqual(4);
    expect(positive(r.processMs)).toBe(true);
  });

  // Raw fetch has no SDK to bundle: scenario 5 compares the two SDKs only; in scenario 6 "raw" is the no-SDK floor.
  if (client !== "raw") it("5. bundle of a minimal app", async () => {
    const outDir = join(client === "clientnode" ? benchApp : app, "run", "smoke-bundles");
    const r = await run("bundle", { outDir, clients: [client] }, client);
    const bundle = (r.bundles as Record<string, { bytes: number; gzipBytes: number }>)[client];
    expect(bundle.bytes).toBeGreaterThan(1000);
    expect(bundle.gzipBytes).toBeLessThan(bundle.bytes);
    rmSync(dirname(join(outDir, "x")), { recursive: true, force: true });
  });

  it.each([true, false])("6. tsc --noEmit of the five-resource app, skipLibCheck: %s", async (skipLibCheck) => {
    const r = await run("typecheck", { skipLibCheck }, client);
    expect(r.files as number).toBeGreaterThan(10);
    expect(positive(r.ms)).toBe(true);
    // The SDK's own declarations check clean (the scenario exits non-zero otherwise); a peer's errors are counted.
    if (client !== "clientnode") expect(r.errors).toBe(0);
  });
});

// The scale scenarios (scale.mjs) at their smoke sizes: every client, this SDK over HTTP/2 too, client-go included.
describe("scale scenarios, smoke sizes", () => {
  const sizes = { pods: 12, watches: 3, writes: 12, applies: 20 };
  const podsNamespace = `${namespace}-pods`;
  const watchNamespaces = Array.from({ length: sizes.watches }, (_, i) => `${namespace}-sw${i}`);
  const applyNamespace = `${namespace}-apply`;
  const variants: [string, Record<string, unknown>][] = [
    ["sdk", { client: "sdk" }],
    ["sdk-h2", { client: "sdk", http2: true }],
    ["clientgo", { client: "clientgo" }],
    ...(hasClientNode ? ([["clientnode", { client: "clientnode" }]] as [string, Record<string, unknown>][]) : []),
  ];
  const client = (options: Record<string, unknown>) => String(options.client);

  beforeAll(async () => {
    const seededPods = await run("seed-pods", { namespaces: [podsNamespace], count: sizes.pods, prefix: "pod", concurrency: 4 }, "raw");
    expect(seededPods.podBytes as number).toBeGreaterThan(2000); // realistic Pods, managedFields included
    await run("seed-pods", { namespaces: [...watchNamespaces, applyNamespace], count: 0 }, "raw");
  }, 120_000);

  it.each(variants)("1. informer sync, %s", async (_, options) => {
    const r = await run("informer", { ...options, namespace: podsNamespace, expect: sizes.pods }, client(options), ["--expose-gc"]);
    expect(r.items).toBe(sizes.pods);
    expect(r.hasManagedFields).toBe(true);
    for (const key of ["syncMs", "retainedRssMiB"]) expect(positive(r[key]), key).toBe(true);
  });

  it.each(variants)("2. many watches, %s", async (id, options) => {
    const prefix = `smoke-${id}`;
    const writer = [process.execPath, join(app, "scenarios", "writer.mjs"), JSON.stringify({ client: "raw", rawCredentials: base.rawCredentials, namespaces: watchNamespaces, prefix, count: sizes.writes, concurrency: 4 })];
    const r = await run("watches", { ...options, namespaces: watchNamespaces, prefix, expect: sizes.writes, writer }, client(options));
    expect(r.watches).toBe(sizes.watches);
    expect(r.writes).toBe(sizes.writes);
    for (const key of ["delayMedianMs", "delayP99Ms", "sockets", "rssMiB", "cpuMs"]) expect(positive(r[key]), key).toBe(true);
  });

  it.each(variants)("3. burst of server-side applies, %s", async (id, options) => {
    const r = await run("apply", { ...options, namespace: applyNamespace, prefix: `smoke-${id}`, count: sizes.applies, concurrency: 5 }, client(options));
    expect(r).toMatchObject({ count: sizes.applies, errors: 0 });
    expect(positive(r.ms)).toBe(true);
  });
});
