import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
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
});
