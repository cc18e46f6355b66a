// Scenario 5, bundle: esbuild (minified, platform node, ESM) of a minimal app that lists pods, one per SDK.
// `outDir` receives the apps and bundles. Result: bytes and gzipped bytes per client.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { args, done } from "./_common.mjs";

const apps = {
  sdk: `import { connect } from "@org/k8s-core";
const k8s = await connect();
const pods = await k8s.core.v1.pods.list({ allNamespaces: true });
for (const pod of pods.items) console.log(pod.metadata?.namespace, pod.metadata?.name);
await k8s.close();
`,
  clientnode: `import { KubeConfig, CoreV1Api } from "@kubernetes/client-node";
const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const pods = await core.listPodForAllNamespaces();
for (const pod of pods.items) console.log(pod.metadata?.namespace, pod.metadata?.name);
`,
};
const { build } = await import("esbuild");
const out = {};
mkdirSync(args.outDir, { recursive: true });
for (const client of args.clients ?? Object.keys(apps)) {
  const entry = join(process.cwd(), `bundle-entry-${client}.mjs`);
  writeFileSync(entry, apps[client]);
  const outfile = join(args.outDir, `bundle-${client}.mjs`);
  const result = await build({ entryPoints: [entry], bundle: true, minify: true, platform: "node", format: "esm", target: "node20", outfile, logLevel: "silent", metafile: true });
  const code = readFileSync(outfile);
  out[client] = { bytes: code.length, gzipBytes: gzipSync(code).length, inputs: Object.keys(result.metafile.inputs).length, warnings: result.warnings.length };
}
done({ bundles: out });
