/**
 * `@org/k8s-core/runtime`: everything `@org/k8s-runtime` exports, re-exported from the package apps install. Code
 * that k8s-gen generates in an app imports the runtime from here (its default `--runtime-import`), so an app needs
 * only `@org/k8s-core` (and `@org/k8s-gen` as a dev dependency), also under pnpm's strict `node_modules`.
 *
 * @packageDocumentation
 */
export * from "@org/k8s-runtime";
