import { defineConfig } from "tsup";

// A runnable process, not a library: one ES module entry, dependencies resolved from node_modules at run time.
export default defineConfig({
  entry: ["src/main.ts"],
  format: ["esm"],
  dts: false,
  clean: true,
  sourcemap: true,
  target: "node20",
});
