import { defineConfig } from "tsup";

export default defineConfig({
  // emit-worker is loaded by path (new Worker(new URL("./emit-worker.js", import.meta.url))), so it is an entry of its own.
  entry: ["src/index.ts", "src/cli.ts", "src/emit-worker.ts"],
  format: ["esm", "cjs"],
  dts: false, // declarations: scripts/emit-declarations.mjs (tsc, unbundled)
  clean: true,
  sourcemap: true,
  target: "node20",
  // import.meta.url in the CommonJS build (emit-pool.ts finds the worker script next to itself).
  shims: true,
  // openapi-typescript and typescript are large; load them from node_modules instead of bundling.
  external: ["openapi-typescript", "typescript"],
});
