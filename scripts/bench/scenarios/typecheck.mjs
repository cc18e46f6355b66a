// Scenario 6, type-check: `tsc --noEmit` of the same small app (five resource types: Pod, Deployment, Service,
// ConfigMap, Secret; lists, gets and a typed patch) written against one SDK, in `dir` (a project inside the app, so
// both resolve from its node_modules). tsconfig: strict, module/moduleResolution nodenext, and `--skipLibCheck`
// true (tsc --init's default) or false (tsc's own default, which also checks every declaration file).
// Client "raw" is the floor: the same project with no SDK at all (TypeScript's default libs, DOM included, and
// @types/node), so the report can say what each SDK's own types cost.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { args, done, now } from "./_common.mjs";

const apps = {
  sdk: `import { connect } from "@org/k8s-core";
import type { Pod } from "@org/k8s-core/core/v1";
import type { Deployment } from "@org/k8s-core/apps/v1";
const k8s = await connect();
const pods: Pod[] = (await k8s.core.v1.pods.list({ namespace: "default" })).items;
const deployments: Deployment[] = (await k8s.apps.v1.deployments.list({ namespace: "default" })).items;
const services = (await k8s.core.v1.services.list({ namespace: "default" })).items;
const cm = await k8s.core.v1.configMaps.get("settings", { namespace: "default" });
const secret = await k8s.core.v1.secrets.get("token", { namespace: "default" });
await k8s.apps.v1.deployments.patch("web", { type: "merge", body: { spec: { replicas: 3 } } }, { namespace: "default" });
console.log(pods.length, deployments[0]?.spec?.replicas, services[0]?.spec?.clusterIP, cm.data?.["key"], secret.type);
await k8s.close();
`,
  clientnode: `import { KubeConfig, CoreV1Api, AppsV1Api, type V1Pod, type V1Deployment } from "@kubernetes/client-node";
const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const pods: V1Pod[] = (await core.listNamespacedPod({ namespace: "default" })).items;
const deployments: V1Deployment[] = (await apps.listNamespacedDeployment({ namespace: "default" })).items;
const services = (await core.listNamespacedService({ namespace: "default" })).items;
const cm = await core.readNamespacedConfigMap({ name: "settings", namespace: "default" });
const secret = await core.readNamespacedSecret({ name: "token", namespace: "default" });
await apps.patchNamespacedDeployment({ name: "web", namespace: "default", body: { spec: { replicas: 3 } } });
console.log(pods.length, deployments[0]?.spec?.replicas, services[0]?.spec?.clusterIP, cm.data?.["key"], secret.type);
`,
};
apps.raw = `console.log(process.version);\n`;
const skipLibCheck = args.skipLibCheck ?? true;
const dir = join(process.cwd(), `tc-${args.client}-${skipLibCheck ? "skiplib" : "full"}`);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `tc-${args.client}`, private: true, type: "module" }));
writeFileSync(join(dir, "main.ts"), apps[args.client]);
writeFileSync(
  join(dir, "tsconfig.json"),
  JSON.stringify({ compilerOptions: { target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck, noEmit: true, types: ["node"] }, files: ["main.ts"] }),
);
const tsc = createRequire(join(process.cwd(), "package.json")).resolve("typescript/bin/tsc");
const t0 = now();
let output = "";
try {
  output = execFileSync(process.execPath, [tsc, "--noEmit", "-p", dir, "--extendedDiagnostics", "--pretty", "false"], { encoding: "utf8" });
} catch (error) {
  // Type errors still print the timings. Ours must be clean; a peer's errors are counted and reported.
  output = String(error.stdout ?? "");
  if (args.client === "sdk" || !/^Total time:/m.test(output)) {
    process.stderr.write(output || String(error));
    process.exit(1);
  }
}
const ms = now() - t0;
const errors = output.split("\n").filter((line) => line.includes(": error TS"));
const stat = (label) => Number(new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(output)?.[1]);
done({ ms, files: stat("Files"), types: stat("Types"), checkSec: stat("Check time"), tscMemoryKiB: Number(/^Memory used:\s+(\d+)K/m.exec(output)?.[1]), errors: errors.length, firstError: errors[0] });
