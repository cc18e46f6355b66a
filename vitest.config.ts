import { defineConfig } from "vitest/config";

// Three projects: fast unit tests (`*.test.ts`); integration tests (`*.int.test.ts`) that share one real control
// plane per run, started by the global setup and handed to workers through `inject("controlPlane")`; and cluster
// tests (`*.cluster.test.ts`) that need controllers, a scheduler or pods, sharing one whole cluster
// (`inject("cluster")`). A run that selects no cluster test starts no cluster.
const cluster = ["packages/*/src/**/*.cluster.test.ts", "examples/*/src/**/*.cluster.test.ts", "scripts/**/*.cluster.test.ts"];
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "examples/*/src/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", ...cluster, "**/node_modules/**"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["packages/*/src/**/*.int.test.ts", "examples/*/src/**/*.int.test.ts", "scripts/**/*.int.test.ts"],
          exclude: ["**/node_modules/**"],
          environment: "node",
          globalSetup: ["scripts/vitest/control-plane.global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "cluster",
          include: cluster,
          exclude: ["**/node_modules/**"],
          environment: "node",
          globalSetup: ["scripts/vitest/cluster.global-setup.ts"],
          testTimeout: 90_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
