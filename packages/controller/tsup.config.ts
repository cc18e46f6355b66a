import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: false, // declarations: scripts/emit-declarations.mjs (tsc, unbundled)
  clean: true,
  sourcemap: true,
  target: "node20",
  external: ["@org/k8s-core", "@org/k8s-runtime"],
});
