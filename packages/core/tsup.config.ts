import { readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defineConfig } from "tsup";

// One entry per generated group-version, so `@org/k8s-core/apps/v1` is its own small module (see "exports"). Entries
// keep the layout of src/ so each JavaScript module sits beside its declaration file (scripts/emit-declarations.mjs).
const generated = "src/generated";
const entries: Record<string, string> = { index: "src/index.ts", runtime: "src/runtime.ts" };
for (const group of readdirSync(generated).sort()) {
  if (group.startsWith("_") || !statSync(join(generated, group)).isDirectory()) continue;
  for (const version of readdirSync(join(generated, group)).sort()) {
    // `paths.ts` holds only types (for openapi-fetch): declarations, no JavaScript.
    entries[`generated/${group}/${version}/index`] = join(generated, group, version, "index.ts");
  }
}

// The protobuf decoders (`@org/k8s-core/protobuf`) stay separate modules, each imported when first needed: every file
// under src/protobuf is its own entry, and imports of them are left as imports (of the `.cjs` twin in the CommonJS
// build) instead of being bundled into their importer. An app that never reads protobuf never loads them.
const protobuf = "src/protobuf";
const protobufFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? protobufFiles(join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.includes(".test.") ? [join(dir, e.name)] : []));
for (const file of protobufFiles(protobuf)) entries[file.slice("src/".length, -".ts".length)] = file;
const protobufDir = resolve(protobuf);
const protobufModulesStayModules = {
  name: "protobuf-modules-stay-modules",
  setup(build: { initialOptions: { outExtension?: Record<string, string> }; onResolve: (o: { filter: RegExp }, f: (a: { path: string; importer: string }) => unknown) => void }) {
    // tsup builds the CommonJS twin with `outExtension: { ".js": ".cjs" }` (and converts the format afterwards).
    const extension = build.initialOptions.outExtension?.[".js"] ?? ".js";
    build.onResolve({ filter: /^\.\.?\/.*\.js$/ }, ({ path, importer }) => {
      const target = resolve(dirname(importer), path);
      if (!target.startsWith(`${protobufDir}/`) || resolve(importer) === target.replace(/\.js$/, ".ts")) return undefined;
      return { path: path.replace(/\.js$/, extension), external: true };
    });
  },
};

export default defineConfig({
  entry: entries,
  format: ["esm", "cjs"],
  dts: false, // declarations: scripts/emit-declarations.mjs (tsc, unbundled)
  clean: true,
  sourcemap: false,
  // No shared chunks: the root entry is one module (each chunk is another file for Node to resolve and compile at
  // start-up, ~10 ms for the 48 chunks); group-version entries repeat their small descriptors instead.
  splitting: false,
  treeshake: true,
  target: "node20",
  external: ["@org/k8s-auth", "@org/k8s-runtime"],
  esbuildPlugins: [protobufModulesStayModules],
});
