import { describe, expect, it } from "vitest";
import { parseAndValidate, pointer, referenceProblems } from "./validate-document.js";

const ok = {
  openapi: "3.0.0",
  info: { title: "t", version: "v" },
  paths: {
    "/apis/example.com/v1/namespaces/{namespace}/widgets": {
      parameters: [{ name: "namespace", in: "path", required: true, schema: { type: "string" } }],
      get: {
        operationId: "listWidgets",
        "x-kubernetes-action": "list",
        "x-kubernetes-group-version-kind": { group: "example.com", version: "v1", kind: "Widget" },
        responses: { "200": { description: "OK", content: { "application/json": { schema: { $ref: "#/components/schemas/com.example.v1.WidgetList" } } } } },
      },
    },
  },
  components: {
    schemas: {
      "com.example.v1.WidgetList": { type: "object", properties: { items: { type: "array", items: { $ref: "#/components/schemas/com.example.v1.Widget" } } } },
      "com.example.v1.Widget": {
        type: "object",
        required: ["spec"],
        "x-kubernetes-group-version-kind": [{ group: "example.com", version: "v1", kind: "Widget" }],
        properties: { spec: { type: "object", additionalProperties: true, "x-kubernetes-preserve-unknown-fields": true }, port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] } },
      },
    },
  },
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const set = (path: Array<string | number>, value: Json) => {
  const doc = JSON.parse(JSON.stringify(ok)) as { [key: string]: Json };
  let node: Json = doc;
  for (const key of path.slice(0, -1)) node = (node as Record<string, Json>)[key]!;
  (node as Record<string, Json>)[path[path.length - 1]!] = value;
  return JSON.stringify(doc);
};
const errorOf = (text: string) => {
  try {
    parseAndValidate(text, "/spec/apis/example.com/v1.json");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("no error");
};

const LIST = ["paths", "/apis/example.com/v1/namespaces/{namespace}/widgets"];
const WIDGET = ["components", "schemas", "com.example.v1.Widget"];

describe("document shape", () => {
  it("accepts a well-formed document", () => {
    expect(parseAndValidate(JSON.stringify(ok), "x").openapi).toBe("3.0.0");
  });

  it.each([
    ["a schema's properties: 5", [...WIDGET, "properties"], 5, `${pointer([...WIDGET, "properties"])}: expected an object of schemas by name, got the number 5`],
    ["the group-version-kind extension as a string", [...WIDGET, "x-kubernetes-group-version-kind"], "example.com/v1 Widget", "expected an array of {group, version, kind}"],
    ["responses as an array", [...LIST, "get", "responses"], [], `${pointer([...LIST, "get", "responses"])}: expected an object of responses by status code, got an array`],
    ["parameters as an object", [...LIST, "parameters"], {}, "expected an array of parameters, got an object"],
    ["a null parameter", [...LIST, "parameters", 0], null, "expected a parameter (an object), got null"],
    ["a parameter without a name", [...LIST, "parameters", 0, "name"], 7, "expected the parameter's name (a string), got the number 7"],
    ["a parameter in the wrong place", [...LIST, "parameters", 0, "in"], "body", 'expected one of "query", "header", "path", "cookie"'],
    ["an operation that is a string", [...LIST, "get"], "list", "expected an operation (an object)"],
    ["the operation's kind as a list", [...LIST, "get", "x-kubernetes-group-version-kind"], [], "expected {group, version, kind} (an object), got an array"],
    ["an action that is not a string", [...LIST, "get", "x-kubernetes-action"], 1, `${pointer([...LIST, "get", "x-kubernetes-action"])}: expected a string`],
    ["a kind without a name", [...WIDGET, "x-kubernetes-group-version-kind", 0, "kind"], "", "expected a kind name"],
    ["paths as an array", ["paths"], [], "#/paths: expected an object of path items, got an array"],
    ["schemas as an array", ["components", "schemas"], [], "#/components/schemas: expected an object of schemas by name"],
    ["a type that is not a type", [...WIDGET, "type"], "thing", 'expected a JSON type name or an array of them, got the string "thing"'],
    ["required as a string", [...WIDGET, "required"], "spec", "expected an array of strings"],
    ["allOf as an object", [...WIDGET, "allOf"], {}, "expected a non-empty array of schemas"],
    ["items as an array", [...WIDGET, "items"], [], "expected a schema (an object), got an array"],
    ["enum as a string", [...WIDGET, "enum"], "a", "expected an array of values"],
    ["a description that is not text", [...WIDGET, "description"], 5, "expected a string, got the number 5"],
    ["additionalProperties as a string", [...WIDGET, "properties", "spec", "additionalProperties"], "yes", "expected a schema (an object)"],
    ["int-or-string as a string", [...WIDGET, "properties", "port", "x-kubernetes-int-or-string"], "true", "expected true or false"],
    ["a $ref that is not a string", [...WIDGET, "properties", "spec", "$ref"], 5, "expected a string, got the number 5"],
    ["a $ref elsewhere than to a schema", [...WIDGET, "properties", "spec", "$ref"], "#/components/parameters/x", "expected a reference to #/components/schemas/<name>"],
    ["a parameter $ref", [...LIST, "parameters", 0], { $ref: "#/components/parameters/namespace" }, "a $ref parameter is not supported"],
    ["a content map as a string", [...LIST, "get", "responses", "200", "content"], "json", "expected an object of media types"],
    ["a media type that is a list", [...LIST, "get", "responses", "200", "content", "application/json"], [], "expected a media type object"],
  ])("%s", (_what, path, value, message) => {
    const text = errorOf(set(path as Array<string | number>, value as Json));
    expect(text).toMatch(/^\/spec\/apis\/example\.com\/v1\.json: not a document k8s-gen can generate from \(\d+ problems?\):/);
    expect(text).toContain(message);
  });

  it("not JSON, truncated, not an object, Swagger 2.0", () => {
    expect(errorOf("{ nope")).toMatch(/v1\.json: not valid JSON/);
    for (const cut of [1, 30, 100, 500]) expect(errorOf(JSON.stringify(ok).slice(0, cut))).toMatch(/v1\.json: not valid JSON \(it ends early, after \d+ characters: truncated\?\)$/);
    expect(errorOf('{"openapi": "3.0.0",\n "paths": {,}}')).toMatch(/not valid JSON \(.* at line 2, column \d+\)$/);
    expect(errorOf("[]")).toMatch(/#: expected an OpenAPI 3 document \(an object\), got an array/);
    expect(errorOf('{"swagger": "2.0"}')).toMatch(/#\/openapi: expected an OpenAPI 3 version .*Swagger 2\.0/);
  });

  it("bounds the nesting anywhere in the document (also in values no check reads)", () => {
    const deep = set([...WIDGET, "default"], 0).replace('"default":0', `"default":${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(errorOf(deep)).toMatch(/nested more than 200 levels deep/);
  });

  it("lists the first problems and counts the rest", () => {
    const many = { openapi: "3.0.0", paths: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`/p${i}`, 5])) };
    const text = errorOf(JSON.stringify(many));
    expect(text).toMatch(/\(50 problems\)/);
    expect(text).toMatch(/\.\.\. and 38 more$/);
  });

  it("pointers escape ~ and /", () => expect(pointer(["paths", "/api/v1", "a~b"])).toBe("#/paths/~1api~1v1/a~0b"));

  it("a $ref to a schema no selected document defines is named with its document and pointer", () => {
    const doc = parseAndValidate(set([...WIDGET, "properties", "spec", "$ref"], "#/components/schemas/io.k8s.Missing"), "/spec/apis/example.com/v1.json");
    const message = referenceProblems([{ key: "apis/example.com/v1", group: "example.com", version: "v1", document: doc }]);
    expect(message).toContain('/spec/apis/example.com/v1.json: #/components/schemas/com.example.v1.Widget/properties/spec/$ref: $ref to "io.k8s.Missing", which no selected document defines');
    expect(referenceProblems([{ key: "k", group: "g", version: "v1", document: parseAndValidate(JSON.stringify(ok), "x") }])).toBeUndefined();
  });
});
