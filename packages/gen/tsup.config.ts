import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/cli.ts"],
  format: ["esm", "cjs"],
  dts: false, // declarations: scripts/emit-declarations.mjs (tsc, unbundled)
  clean: true,
  sourcemap: true,
  target: "node20",
  // openapi-typescript and typescript are large; load them from node_modules instead of bundling.
  external: ["openapi-typescript", "typescript"],
});
