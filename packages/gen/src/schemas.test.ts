import { describe, expect, it } from "vitest";
import { collectSchemas, prepareSchema, schemaNamespace, schemaShortName } from "./schemas.js";

describe("prepareSchema", () => {
  it("gives top-level kinds literal apiVersion and kind", () => {
    const prepared = prepareSchema(
      {
        type: "object",
        properties: { apiVersion: { type: "string" }, kind: { type: "string" }, spec: { type: "object" } },
        "x-kubernetes-group-version-kind": [{ group: "apps", version: "v1", kind: "Deployment" }],
      },
      "test",
      new Set(),
    );
    expect(prepared.properties?.apiVersion?.enum).toEqual(["apps/v1"]);
    expect(prepared.properties?.kind?.enum).toEqual(["Deployment"]);
  });

  it("leaves kinds shared by several group-versions (DeleteOptions) open", () => {
    const prepared = prepareSchema(
      {
        properties: { apiVersion: { type: "string" }, kind: { type: "string" } },
        "x-kubernetes-group-version-kind": [
          { group: "", version: "v1", kind: "DeleteOptions" },
          { group: "apps", version: "v1", kind: "DeleteOptions" },
        ],
      },
      "test",
      new Set(),
    );
    expect(prepared.properties?.apiVersion?.enum).toBeUndefined();
  });

  it("keeps $refs and rejects dangling ones with their location", () => {
    const known = new Set(["io.k8s.api.core.v1.PodSpec"]);
    const prepared = prepareSchema({ properties: { spec: { allOf: [{ $ref: "#/components/schemas/io.k8s.api.core.v1.PodSpec" }] } } }, "t", known);
    expect(prepared.properties?.spec?.allOf?.[0]).toEqual({ $ref: "#/components/schemas/io.k8s.api.core.v1.PodSpec" });
    expect(() => prepareSchema({ properties: { x: { $ref: "#/components/schemas/nope.Missing" } } }, "apis/x/v1: #/components/schemas/A", known)).toThrowError(
      'apis/x/v1: #/components/schemas/A/properties/x: $ref to "nope.Missing", which the document does not define',
    );
  });

  it("opens objects that preserve unknown fields", () => {
    const prepared = prepareSchema({ type: "object", properties: { a: { type: "string" } }, "x-kubernetes-preserve-unknown-fields": true }, "t", new Set());
    expect(prepared.additionalProperties).toBe(true);
  });
});

describe("collectSchemas", () => {
  it("groups by namespace, sorted; a schema repeated by several documents appears once", () => {
    const a = { key: "apis/b/v1", group: "b", version: "v1", document: { openapi: "3.0.0", components: { schemas: { "x.v1.T": { description: "shared" } } } } };
    const b = { key: "apis/a/v1", group: "a", version: "v1", document: { openapi: "3.0.0", components: { schemas: { "x.v1.T": { description: "shared" }, "w.v1.U": {} } } } };
    const { namespaces } = collectSchemas([a, b]);
    expect([...namespaces.keys()]).toEqual(["w.v1", "x.v1"]);
    expect([...namespaces.get("x.v1")!.keys()]).toEqual(["x.v1.T"]);
  });

  it("splits names", () => {
    expect(schemaNamespace("io.k8s.api.core.v1.Pod")).toBe("io.k8s.api.core.v1");
    expect(schemaShortName("io.k8s.api.core.v1.Pod")).toBe("Pod");
  });
});
