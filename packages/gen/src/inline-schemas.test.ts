import { describe, expect, it } from "vitest";
import { nameInlineSchemas } from "./inline-schemas.js";
import type { SchemaObject } from "./openapi.js";

const gvk = (kind: string) => [{ group: "example.com", version: "v1", kind }];
const ref = (name: string) => `#/components/schemas/com.example.v1.${name}`;
const selector = (description: string, extra: SchemaObject = {}): SchemaObject => ({
  description,
  type: "object",
  properties: { matchLabels: { type: "object", additionalProperties: { type: "string" } }, name: { type: "string", description: "The name." } },
  ...extra,
});

describe("nameInlineSchemas", () => {
  it("declares a repeated shape once; each place keeps its own description", () => {
    const schemas = new Map<string, SchemaObject>([
      [
        "com.example.v1.Widget",
        {
          type: "object",
          "x-kubernetes-group-version-kind": gvk("Widget"),
          properties: {
            spec: {
              type: "object",
              properties: {
                // CEL rules and patterns change neither the type nor the docs: they do not keep shapes apart.
                source: selector("Where from.", { "x-kubernetes-validations": [{ rule: "self.name != ''" }] }),
                targets: { type: "array", items: selector("Where to.") },
              },
            },
          },
        },
      ],
    ]);
    const named = nameInlineSchemas("com.example.v1", schemas);
    expect([...named.keys()]).toEqual(["com.example.v1.Widget", "com.example.v1.WidgetSource", "com.example.v1.WidgetSpec"]);
    const spec = named.get("com.example.v1.WidgetSpec")!;
    expect(spec.properties!.source).toEqual({ description: "Where from.", $ref: ref("WidgetSource") });
    expect(spec.properties!.targets).toEqual({ type: "array", items: { description: "Where to.", $ref: ref("WidgetSource") } });
    expect(named.get("com.example.v1.Widget")!.properties!.spec).toEqual({ $ref: ref("WidgetSpec") });
    const source = named.get("com.example.v1.WidgetSource")!;
    expect(source.description).toBe("The type of `Widget.spec.source` and 1 more field.");
    expect(source.properties!.name).toEqual({ type: "string", description: "The name." });
    expect(source["x-kubernetes-validations"]).toBeUndefined();
  });

  it("keeps shapes whose fields are documented differently apart, and leaves one-off inner objects inline", () => {
    const schemas = new Map<string, SchemaObject>([
      [
        "com.example.v1.Widget",
        {
          type: "object",
          "x-kubernetes-group-version-kind": gvk("Widget"),
          properties: {
            spec: { type: "object", properties: { a: selector("A."), b: { ...selector("B."), properties: { ...selector("B.").properties, name: { type: "string", description: "Other." } } } } },
          },
        },
      ],
    ]);
    const named = nameInlineSchemas("com.example.v1", schemas);
    expect([...named.keys()]).toEqual(["com.example.v1.Widget", "com.example.v1.WidgetSpec"]);
    expect(named.get("com.example.v1.WidgetSpec")!.properties!.a!.properties!.name).toEqual({ type: "string", description: "The name." });
  });

  it("names each kind's own fields after the kind, sharing what they contain; a taken name gets more of the path", () => {
    const nullableRef = () => selector("Issuer.", { nullable: true });
    const spec = (): SchemaObject => ({
      type: "object",
      properties: {
        issuerRef: selector("Issuer."),
        other: { type: "object", properties: { issuerRef: nullableRef() } },
        third: { type: "object", properties: { issuerRef: nullableRef(), more: { type: "string" } } },
      },
    });
    const schemas = new Map<string, SchemaObject>([
      ["com.example.v1.Issuer", { type: "object", "x-kubernetes-group-version-kind": gvk("Issuer"), properties: { spec: spec() } }],
      ["com.example.v1.ClusterIssuer", { type: "object", "x-kubernetes-group-version-kind": gvk("ClusterIssuer"), properties: { spec: spec() } }],
      // A schema that is not a kind: its fields are named only when repeated.
      ["com.example.v1.Helper", { type: "object", properties: { spec: { type: "object", properties: { x: { type: "string" } } } } }],
    ]);
    const named = nameInlineSchemas("com.example.v1", schemas);
    expect([...named.keys()]).toEqual([
      "com.example.v1.ClusterIssuer",
      "com.example.v1.ClusterIssuerIssuerRef",
      "com.example.v1.ClusterIssuerOther",
      "com.example.v1.ClusterIssuerOtherIssuerRef",
      "com.example.v1.ClusterIssuerSpec",
      "com.example.v1.ClusterIssuerThird",
      "com.example.v1.Helper",
      "com.example.v1.Issuer",
      "com.example.v1.IssuerSpec",
    ]);
    expect(named.get("com.example.v1.IssuerSpec")!.properties!.issuerRef).toEqual({ description: "Issuer.", $ref: ref("ClusterIssuerIssuerRef") });
    expect(named.get("com.example.v1.Helper")!.properties!.spec!.properties).toEqual({ x: { type: "string" } });
    // Same input, same output.
    expect([...nameInlineSchemas("com.example.v1", schemas)]).toEqual([...named]);
  });
});
