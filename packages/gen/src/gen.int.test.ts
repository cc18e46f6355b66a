import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { treeHash } from "./tree-hash.test-helper.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ControlPlaneAccess, apiRequest, startControlPlane } from "@org/k8s-testenv";
import { EXIT } from "./errors.js";
import type { SpecClient } from "./fetch-specs.js";
import { generate } from "./generate.js";

const cp = inject("controlPlane");
const admin: ControlPlaneAccess = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const runtimeSource = fileURLToPath(new URL("../../runtime/src/index.ts", import.meta.url));
const tsc = fileURLToPath(new URL("../../../node_modules/typescript/bin/tsc", import.meta.url));

/** A SpecClient over testenv's admin access; `fault` lets a test corrupt one response, as a faulty proxy would. */
function specClient(fault?: (path: string) => Response | undefined, access: ControlPlaneAccess = admin): SpecClient & { requests: string[] } {
  const requests: string[] = [];
  return {
    server: access.server,
    requests,
    describe: () => `admin@${access.server}`,
    async fetch(path) {
      requests.push(path);
      const injected = fault?.(path);
      if (injected) return injected;
      const res = await apiRequest(access, "GET", path);
      return new Response(res.text, { status: res.status });
    },
  };
}

async function typeCheck(dir: string, appSource: string): Promise<{ ok: boolean; output: string }> {
  writeFileSync(join(dir, "app.ts"), appSource);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        lib: ["ES2022", "DOM"],
        types: [],
        skipLibCheck: true,
        paths: { "@org/k8s-runtime": [runtimeSource] },
      },
      include: ["**/*.ts"],
    }),
  );
  try {
    await promisify(execFile)(process.execPath, [tsc, "-p", dir]);
    return { ok: true, output: "" };
  } catch (error) {
    return { ok: false, output: (error as { stdout?: string }).stdout ?? String(error) };
  }
}

const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.stable.example.com" },
  spec: {
    group: "stable.example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" } },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: {
                  size: { type: "string" },
                  replicas: { type: "integer" },
                  port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
                  settings: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                },
              },
              status: { type: "object", properties: { replicas: { type: "integer" } } },
            },
          },
        },
      },
    ],
  },
};

describe("k8s-gen against the real control plane", () => {
  let work: string;
  let out: string;
  let cacheDir: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "k8s-gen-int-"));
    out = join(work, "generated");
    cacheDir = join(work, "cache");
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("generates every built-in group-version, and the result type-checks under --strict", async () => {
    const client = specClient();
    const result = await generate({ out, source: { client }, cacheDir, saveSpec: join(work, "spec") });
    expect(result.groupVersions).toEqual(expect.arrayContaining(["api/v1", "apis/apps/v1", "apis/rbac.authorization.k8s.io/v1"]));
    expect(result.download?.downloaded).toBe(result.groupVersions.length);
    expect(existsSync(join(out, "core/v1/index.ts"))).toBe(true);
    expect(existsSync(join(work, "spec/apis/apps/v1.json"))).toBe(true);

    const coreV1 = readFileSync(join(out, "core/v1/index.ts"), "utf8");
    expect(coreV1).toContain("export const pods = defineResource<");
    expect(coreV1).toMatch(/"log": \{ verbs: \["get"\], patchTypes: \[\], responseContentTypes: \["text\/plain"\] \}/);
    expect(coreV1).toMatch(/export const namespaces = defineResource<[\s\S]*?namespaced: false/);

    const check = await typeCheck(
      work,
      `import type { Pod, PodList } from "./generated/core/v1/index.js";
import { deployments, type Deployment } from "./generated/apps/v1/index.js";
const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { containers: [{ name: "c", image: "nginx" }] } };
const list: PodList = { items: [pod], metadata: {} };
const d: Deployment = { apiVersion: "apps/v1", kind: "Deployment", spec: { selector: {}, template: {} } };
const plural: "deployments" = deployments.plural;
// @ts-expect-error kind is a literal
const wrongKind: Pod = { kind: "Service" };
// @ts-expect-error containers are required in a PodSpec
const noContainers: Pod = { spec: {} };
const port: NonNullable<NonNullable<import("./generated/core/v1/index.js").ServicePort>["targetPort"]> = 8080;
const portName: typeof port | string = "http";
import { createApi } from "./generated/api.js";
import type { KubeClient } from "@org/k8s-runtime";
import type { paths as CoreV1Paths } from "./generated/core/v1/paths.js";
declare const client: KubeClient;
const api = createApi(client);
async function usage() {
  const pods = await api.core.v1.pods.list({ allNamespaces: true });
  const ip: string | undefined = pods.items[0]?.status?.podIP;
  await api.apps.v1.deployments.scale.get("web");
  await api.core.v1.pods.log("p", { container: "c" });
  // @ts-expect-error namespaces are cluster-scoped: no namespace option
  await api.core.v1.namespaces.get("x", { namespace: "y" });
  // @ts-expect-error configmaps have no scale subresource
  api.core.v1.configMaps.scale;
  const raw = client.fetchClient<CoreV1Paths>();
  const listed = await raw.GET("/api/v1/namespaces/{namespace}/configmaps", { params: { path: { namespace: "default" } } });
  const firstName: string | undefined = listed.data?.items[0]?.metadata?.name;
  await api.rbacAuthorization.v1.clusterRoles.apply({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } }, { fieldManager: "me" });
  return [ip, firstName];
}
export { list, d, plural, wrongKind, noContainers, portName, usage };
`,
    );
    expect(check.output).toBe("");
    expect(check.ok).toBe(true);
  });

  it("downloads nothing and changes nothing on a second run", async () => {
    const before = treeHash(out);
    const client = specClient();
    const result = await generate({ out, source: { client }, cacheDir });
    expect(result.download).toMatchObject({ downloaded: 0, cached: result.groupVersions.length });
    expect(client.requests).toEqual(["/openapi/v3"]);
    expect(result.diff).toEqual({ added: [], changed: [], removed: [] });
    expect(treeHash(out)).toBe(before);
  });

  it("generates byte-identical files from saved documents offline", async () => {
    const offline = join(work, "offline");
    await generate({ out: offline, source: { fromDir: join(work, "spec") } });
    expect(treeHash(offline)).toBe(treeHash(out));
  });

  it("--check reports a hand-edited file and writes nothing", async () => {
    const file = join(out, "apps/v1/index.ts");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n// hand edit\n`);
    const edited = treeHash(out);
    const result = await generate({ out, source: { fromDir: join(work, "spec") }, check: true });
    expect(result.diff.changed).toEqual(["apps/v1/index.ts"]);
    expect(treeHash(out)).toBe(edited);
    await generate({ out, source: { fromDir: join(work, "spec") } });
    expect((await generate({ out, source: { fromDir: join(work, "spec") }, check: true })).diff.changed).toEqual([]);
  });

  it("leaves the previous output intact when a run fails", async () => {
    const before = treeHash(out);
    const broken = specClient((path) => (path.startsWith("/openapi/v3/apis/batch/v1") ? new Response('{"openapi": "3.0.0", "paths": ', { status: 200 }) : undefined));
    const failure = generate({ out, source: { client: broken } }); // no cache: every document is downloaded
    await expect(failure).rejects.toMatchObject({ exitCode: EXIT.document, message: expect.stringMatching(/\/openapi\/v3\/apis\/batch\/v1: not valid JSON/) });
    expect(treeHash(out)).toBe(before);
    expect(readdirSync(work).filter((f) => f.includes("k8s-gen-new"))).toEqual([]);
  });

  it("refuses to replace a directory it did not generate", async () => {
    const foreign = join(work, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "mine.ts"), "export {};\n");
    await expect(generate({ out: foreign, source: { fromDir: join(work, "spec") } })).rejects.toMatchObject({ exitCode: EXIT.output });
    expect(readdirSync(foreign)).toEqual(["mine.ts"]);
  });

  it("picks up an installed CRD, typed, with its subresources and patch types", async () => {
    // A control plane of its own: the shared one must keep serving exactly the built-in API (core is checked against it).
    const own = await startControlPlane({ binaries: cp.binaries });
    try {
      await generateFromCrd(own.adminAccess);
    } finally {
      await own.stop();
    }
  });

  async function generateFromCrd(admin: ControlPlaneAccess): Promise<void> {
    const created = await apiRequest(admin, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD);
    expect([201, 409]).toContain(created.status);
    // The OpenAPI v3 controller publishes the new group-version shortly after the CRD is established.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const discovery = await apiRequest(admin, "GET", "/openapi/v3");
      if ((discovery.json as { paths: Record<string, unknown> }).paths["apis/stable.example.com/v1"]) break;
      if (Date.now() > deadline) throw new Error("the CRD never appeared in /openapi/v3");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const result = await generate({ out, source: { client: specClient(undefined, admin) }, cacheDir, groups: ["stable.example.com"] });
    expect(result.groupVersions).toEqual(["apis/stable.example.com/v1"]);
    const index = readFileSync(join(out, "stable.example.com/v1/index.ts"), "utf8");
    expect(index).toMatch(/export const widgets = defineResource<[\s\S]*?namespaced: true/);
    expect(index).toContain('patchTypes: ["apply", "json", "merge"],');
    expect(index).toContain('"scale": { kind: { group: "autoscaling", version: "v1", kind: "Scale" }');
    expect(index).toContain('"status": { kind: { group: "stable.example.com", version: "v1", kind: "Widget" }');

    const check = await typeCheck(
      work,
      `import type { Widget } from "./generated/stable.example.com/v1/index.js";
const w: Widget = { apiVersion: "stable.example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: "L", port: "http", settings: { any: { thing: [1] } } } };
const w2: Widget = { spec: { size: "S", port: 8080 } };
// @ts-expect-error size is required
const w3: Widget = { spec: {} };
// @ts-expect-error int-or-string is not boolean
const w4: Widget = { spec: { size: "S", port: true } };
export { w, w2, w3, w4 };
`,
    );
    expect(check.output).toBe("");
  }
});
