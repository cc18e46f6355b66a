import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/cli.ts"],
  format: ["esm", "cjs"],
  dts: { entry: "src/index.ts" },
  clean: true,
  sourcemap: true,
  target: "node20",
  // openapi-typescript and typescript are large; load them from node_modules instead of bundling.
  external: ["openapi-typescript", "typescript"],
});
