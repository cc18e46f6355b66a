import ts from "typescript";
import { describe, expect, it } from "vitest";
import { generateFiles } from "./emit-modules.js";
import type { GroupVersionDocument, OperationObject, SchemaObject } from "./openapi.js";

/** A CRD-like group-version document: one namespaced resource per (plural, kind). */
function crdDocument(group: string, version: string, resources: Array<{ plural: string; kind: string }>, extraSchemas: Record<string, SchemaObject> = {}): GroupVersionDocument {
  const prefix = `/apis/${group}/${version}`;
  const ns = `${group.split(".").reverse().join(".")}.${version}`;
  const paths: NonNullable<GroupVersionDocument["document"]["paths"]> = {};
  const schemas: Record<string, SchemaObject> = { ...extraSchemas };
  for (const { plural, kind } of resources) {
    const gvk = { group, version, kind };
    const op = (action: string): OperationObject => ({
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
      responses: { "200": { content: { "application/json": { schema: { $ref: `#/components/schemas/${ns}.${kind}` } } } } },
    });
    paths[`${prefix}/namespaces/{namespace}/${plural}`] = { get: op("list"), post: op("post") };
    paths[`${prefix}/namespaces/{namespace}/${plural}/{name}`] = { get: op("get"), put: op("put"), delete: op("delete") };
    schemas[`${ns}.${kind}`] = {
      type: "object",
      description: `A ${kind}.\n\nSecond paragraph.`,
      properties: { apiVersion: { type: "string" }, kind: { type: "string" }, spec: { type: "object", properties: { size: { type: "integer", format: "int32", default: 0 } } } },
      "x-kubernetes-group-version-kind": [gvk],
    };
  }
  return { key: `apis/${group}/${version}`, group, version, document: { openapi: "3.0.0", paths, components: { schemas } } };
}

function syntaxErrors(files: Map<string, string>): string[] {
  return [...files].flatMap(([name, text]) => {
    const output = ts.transpileModule(text, { fileName: name, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext } });
    return (output.diagnostics ?? []).map((d) => `${name}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  });
}

describe("generateFiles: names a person would write, and code that parses", () => {
  it("sanitizes plurals and escapes reserved words, keeping versions that do not start with v", async () => {
    const files = await generateFiles([crdDocument("example.com", "2024-01", [{ plural: "dash-things", kind: "DashThing" }, { plural: "default", kind: "Default" }])]);
    expect(syntaxErrors(files)).toEqual([]);
    const index = files.get("example.com/2024-01/index.ts")!;
    expect(index).toContain("export const dashThings = defineResource<DashThing, KubernetesList<DashThing>>()");
    expect(index).toContain('plural: "dash-things",');
    expect(index).toContain("export const default_ = defineResource<Default, KubernetesList<Default>>()");
    expect(index).toContain("export interface ExampleCom2024_01Api {");
    expect(files.get("api.ts")).toContain("readonly _2024_01: exampleCom_2024_01.ExampleCom2024_01Api;");
  });

  it("exports named types only, with prose docs", async () => {
    const files = await generateFiles([crdDocument("example.com", "v1", [{ plural: "widgets", kind: "Widget" }])]);
    const index = files.get("example.com/v1/index.ts")!;
    expect(index).toContain('export type { Widget, WidgetSpec } from "../../_schemas/com.example.v1.js";');
    expect(index).not.toMatch(/\b(components|paths|operations|\$defs)\b/);
    const schema = files.get("_schemas/com.example.v1.ts")!;
    expect(schema).toContain("export interface Widget {");
    expect(schema).toContain(" * A Widget.\n *\n * Second paragraph.\n */");
    expect(schema).not.toMatch(/@description|Format: |@default 0|@enum/);
    expect(schema).toMatch(/apiVersion\?: "example.com\/v1";/);
    // A kind's inline spec is a named interface of its own.
    expect(schema).toMatch(/spec\?: WidgetSpec;/);
    expect(schema).toContain("/** The type of `Widget.spec`. */\nexport interface WidgetSpec {");
  });

  it("refuses two groups that would get one property, naming both", async () => {
    const a = crdDocument("foo-bar.example.com", "v1", [{ plural: "widgets", kind: "Widget" }]);
    const b = crdDocument("foo.bar.example.com", "v1", [{ plural: "gadgets", kind: "Gadget" }]);
    await expect(generateFiles([a, b])).rejects.toThrowError(
      'API groups: group "foo-bar.example.com" and group "foo.bar.example.com" would both be named "fooBarExampleCom"',
    );
  });

  it("refuses one schema name defined differently by two documents, but merges the kinds shared schemas list", async () => {
    const shared = (description: string, group: string): Record<string, SchemaObject> => ({
      "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": {
        description,
        properties: { apiVersion: { type: "string" }, kind: { type: "string" } },
        "x-kubernetes-group-version-kind": [{ group, version: "v1", kind: "DeleteOptions" }],
      },
    });
    const a = crdDocument("a.example.com", "v1", [{ plural: "as", kind: "A" }], shared("same", "a.example.com"));
    const b = crdDocument("b.example.com", "v1", [{ plural: "bs", kind: "B" }], shared("same", "b.example.com"));
    const files = await generateFiles([a, b]);
    // Listed by two groups, the kind is no longer one literal apiVersion.
    expect(files.get("_schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ts")).toMatch(/apiVersion\?: string;/);
    const c = crdDocument("c.example.com", "v1", [{ plural: "cs", kind: "C" }], shared("different", "c.example.com"));
    await expect(generateFiles([a, c])).rejects.toThrowError(
      "apis/c.example.com/v1: #/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions differs from the schema of the same name in apis/a.example.com/v1",
    );
  });

  it("is deterministic: same documents in any order, same bytes out", async () => {
    const docs = [crdDocument("b.example.com", "v1", [{ plural: "bs", kind: "B" }]), crdDocument("a.example.com", "v1", [{ plural: "as", kind: "A" }])];
    const one = await generateFiles(docs);
    const two = await generateFiles([...docs].reverse());
    expect([...two]).toEqual([...one]);
  });
});
