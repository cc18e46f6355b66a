/**
 * Checks the shape of each OpenAPI document before anything generates from it: the parts k8s-gen reads (paths,
 * operations, parameters, request bodies, responses, schemas and the Kubernetes extensions) must have the types the
 * OpenAPI specification gives them. Every problem is reported with the document, the JSON pointer and what was
 * expected, so the emitters only ever see well-formed documents and no input reaches them that could make them
 * throw a raw runtime error. Walks are iterative and the nesting depth is bounded.
 */
import { HTTP_METHODS, type GroupVersionDocument, type OpenApiDocument } from "./openapi.js";

/** Deepest nesting of a document (arrays and objects, at any position): far beyond what Kubernetes serves. */
export const MAX_DOCUMENT_DEPTH = 200;
/** Largest document read or downloaded; Kubernetes' largest (core/v1) is about 1.5 MB. */
export const MAX_DOCUMENT_BYTES = 256 << 20;
/** Problems listed per document before the rest are counted. */
const MAX_LISTED = 12;

const REF_PREFIX = "#/components/schemas/";

/** One problem: where (a JSON pointer into the document) and what was expected there. */
export interface DocumentProblem {
  pointer: string;
  message: string;
}

/** RFC 6901: `~` is `~0`, `/` is `~1`. */
export function pointer(segments: ReadonlyArray<string | number>): string {
  return `#${segments.map((s) => `/${String(s).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("")}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? "a string" : `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value === "number" ? "the number" : ""} ${String(value)}`.trim();
  return typeof value === "object" ? "an object" : typeof value;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

type Kind =
  | "pathItem"
  | "operation"
  | "parameters"
  | "parameter"
  | "requestBody"
  | "responses"
  | "response"
  | "content"
  | "mediaType"
  | "schema"
  | "schemaOrBool"
  | "schemaMap"
  | "schemaList"
  | "gvk"
  | "gvkList"
  | "stringList"
  | "stringMap";

interface Visit {
  kind: Kind;
  value: unknown;
  at: Array<string | number>;
}

const STRING_FIELDS = new Set(["format", "description", "title", "pattern", "x-kubernetes-list-type", "x-kubernetes-map-type", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key"]);
const BOOL_FIELDS = new Set(["nullable", "deprecated", "readOnly", "writeOnly", "uniqueItems", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource"]);
const NUMBER_FIELDS = new Set(["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "multipleOf"]);
const JSON_TYPES = new Set(["string", "number", "integer", "boolean", "array", "object", "null"]);
const PARAMETER_IN = new Set(["query", "header", "path", "cookie"]);

/** Where a parsed JSON value first nests deeper than `limit` (iteratively; parents are linked, paths built once). */
function tooDeep(root: unknown, limit: number): Array<string | number> | undefined {
  interface Item {
    value: unknown;
    depth: number;
    key?: string | number;
    parent?: Item;
  }
  const stack: Item[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const { value, depth } = item;
    if (value === null || typeof value !== "object") continue;
    if (depth >= limit) {
      const path: Array<string | number> = [];
      for (let at: Item | undefined = item; at?.key !== undefined; at = at.parent) path.unshift(at.key);
      return path;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (value[i] !== null && typeof value[i] === "object") stack.push({ value: value[i], depth: depth + 1, key: i, parent: item });
    } else {
      for (const key in value) {
        const child = (value as Record<string, unknown>)[key];
        if (child !== null && typeof child === "object") stack.push({ value: child, depth: depth + 1, key, parent: item });
      }
    }
  }
  return undefined;
}

/** Problems kept per document (the rest are only counted). */
const MAX_KEPT = 1000;

/**
 * Every shape problem of one parsed document, in document order. `refs` collects each schema `$ref` (name and
 * pointer) for the cross-document check.
 */
export function documentProblems(doc: unknown, refs: Array<{ name: string; at: string }> = []): { problems: DocumentProblem[]; total: number } {
  const kept: DocumentProblem[] = [];
  let total = 0;
  const problems = {
    push(p: DocumentProblem) {
      total++;
      if (kept.length < MAX_KEPT) kept.push(p);
    },
  };
  const result = () => ({ problems: kept, total });
  const problem = (at: Array<string | number>, expected: string, value: unknown) => {
    total++;
    if (kept.length < MAX_KEPT) kept.push({ pointer: pointer(at), message: `expected ${expected}, got ${describe(value)}` });
  };

  if (!isObject(doc)) {
    problem([], "an OpenAPI 3 document (an object)", doc);
    return result();
  }
  const deep = tooDeep(doc, MAX_DOCUMENT_DEPTH);
  if (deep) {
    problems.push({ pointer: `${pointer(deep.slice(0, 8))}/…`, message: `nested more than ${MAX_DOCUMENT_DEPTH} levels deep` });
    return result();
  }
  if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3.")) {
    problems.push({ pointer: pointer(["openapi"]), message: `expected an OpenAPI 3 version ("3.0.0"), got ${describe(doc.openapi)}${"swagger" in doc ? " (a Swagger 2.0 document: k8s-gen reads /openapi/v3)" : ""}` });
  }
  const stack: Visit[] = [];
  if (doc.info !== undefined && !isObject(doc.info)) problem(["info"], "an object", doc.info);
  if (doc.paths !== undefined) {
    if (!isObject(doc.paths)) problem(["paths"], "an object of path items", doc.paths);
    else for (const key of Object.keys(doc.paths)) stack.push({ kind: "pathItem", value: doc.paths[key], at: ["paths", key] });
  }
  if (doc.components !== undefined) {
    if (!isObject(doc.components)) problem(["components"], "an object", doc.components);
    else if (doc.components.schemas !== undefined) stack.push({ kind: "schemaMap", value: doc.components.schemas, at: ["components", "schemas"] });
  }
  stack.reverse(); // document order

  const push = (visits: Visit[]) => {
    for (let i = visits.length - 1; i >= 0; i--) stack.push(visits[i]!);
  };
  const optional = (object: Record<string, unknown>, key: string, kind: Kind, at: Array<string | number>): Visit[] => (object[key] === undefined ? [] : [{ kind, value: object[key], at: [...at, key] }]);
  const scalar = (object: Record<string, unknown>, key: string, type: "string" | "boolean", at: Array<string | number>) => {
    if (object[key] !== undefined && typeof object[key] !== type) problem([...at, key], type === "string" ? "a string" : "true or false", object[key]);
  };

  while (stack.length > 0) {
    const { kind, value, at } = stack.pop()!;
    switch (kind) {
      case "pathItem": {
        if (!isObject(value)) {
          problem(at, "a path item (an object of operations)", value);
          break;
        }
        if (value.$ref !== undefined) problems.push({ pointer: pointer([...at, "$ref"]), message: "a $ref path item is not supported (k8s-gen reads inline path items)" });
        const next = optional(value, "parameters", "parameters", at);
        for (const method of HTTP_METHODS) next.push(...optional(value, method, "operation", at));
        push(next);
        break;
      }
      case "operation": {
        if (!isObject(value)) {
          problem(at, "an operation (an object)", value);
          break;
        }
        for (const key of ["operationId", "description", "summary", "x-kubernetes-action"]) scalar(value, key, "string", at);
        scalar(value, "deprecated", "boolean", at);
        push([...optional(value, "tags", "stringList", at), ...optional(value, "parameters", "parameters", at), ...optional(value, "requestBody", "requestBody", at), ...optional(value, "responses", "responses", at), ...optional(value, "x-kubernetes-group-version-kind", "gvk", at)]);
        break;
      }
      case "parameters":
        if (!Array.isArray(value)) problem(at, "an array of parameters", value);
        else push(value.map((item, i) => ({ kind: "parameter", value: item, at: [...at, i] })));
        break;
      case "parameter": {
        if (!isObject(value)) {
          problem(at, "a parameter (an object)", value);
          break;
        }
        if (value.$ref !== undefined) {
          problems.push({ pointer: pointer([...at, "$ref"]), message: "a $ref parameter is not supported (k8s-gen reads inline parameters)" });
          break;
        }
        if (typeof value.name !== "string") problem([...at, "name"], "the parameter's name (a string)", value.name);
        if (typeof value.in !== "string" || !PARAMETER_IN.has(value.in)) problem([...at, "in"], 'one of "query", "header", "path", "cookie"', value.in);
        scalar(value, "required", "boolean", at);
        scalar(value, "description", "string", at);
        push(optional(value, "schema", "schema", at));
        break;
      }
      case "requestBody": {
        if (!isObject(value)) {
          problem(at, "a request body (an object)", value);
          break;
        }
        scalar(value, "required", "boolean", at);
        scalar(value, "description", "string", at);
        push(optional(value, "content", "content", at));
        break;
      }
      case "responses":
        if (!isObject(value)) problem(at, "an object of responses by status code", value);
        else push(Object.keys(value).map((status) => ({ kind: "response", value: value[status], at: [...at, status] })));
        break;
      case "response": {
        if (!isObject(value)) {
          problem(at, "a response (an object)", value);
          break;
        }
        if (value.$ref !== undefined) problems.push({ pointer: pointer([...at, "$ref"]), message: "a $ref response is not supported (k8s-gen reads inline responses)" });
        scalar(value, "description", "string", at);
        push(optional(value, "content", "content", at));
        break;
      }
      case "content":
        if (!isObject(value)) problem(at, "an object of media types", value);
        else push(Object.keys(value).map((type) => ({ kind: "mediaType", value: value[type], at: [...at, type] })));
        break;
      case "mediaType":
        if (!isObject(value)) problem(at, "a media type object", value);
        else push(optional(value, "schema", "schema", at));
        break;
      case "schemaMap":
        if (!isObject(value)) problem(at, "an object of schemas by name", value);
        else push(Object.keys(value).map((name) => ({ kind: "schema", value: value[name], at: [...at, name] })));
        break;
      case "schemaList":
        if (!Array.isArray(value) || value.length === 0) problem(at, "a non-empty array of schemas", value);
        else push(value.map((item, i) => ({ kind: "schema", value: item, at: [...at, i] })));
        break;
      case "schemaOrBool":
        if (typeof value !== "boolean") push([{ kind: "schema", value, at }]);
        break;
      case "schema": {
        if (!isObject(value)) {
          problem(at, "a schema (an object)", value);
          break;
        }
        const next: Visit[] = [];
        for (const [key, field] of Object.entries(value)) {
          const here = [...at, key];
          if (key === "$ref") {
            if (typeof field !== "string") problem(here, "a string", field);
            else if (!field.startsWith(REF_PREFIX) || field.length === REF_PREFIX.length) problems.push({ pointer: pointer(here), message: `expected a reference to ${REF_PREFIX}<name>, got ${describe(field)}` });
            else refs.push({ name: field.slice(REF_PREFIX.length), at: pointer(here) });
          } else if (key === "type") {
            const types = Array.isArray(field) ? field : [field];
            if (types.length === 0 || !types.every((t) => typeof t === "string" && JSON_TYPES.has(t))) problem(here, "a JSON type name or an array of them", field);
          } else if (STRING_FIELDS.has(key)) {
            if (typeof field !== "string") problem(here, "a string", field);
          } else if (BOOL_FIELDS.has(key)) {
            if (typeof field !== "boolean") problem(here, "true or false", field);
          } else if (NUMBER_FIELDS.has(key)) {
            if (typeof field !== "number") problem(here, "a number", field);
          } else if (key === "exclusiveMinimum" || key === "exclusiveMaximum") {
            if (typeof field !== "number" && typeof field !== "boolean") problem(here, "a number or true/false", field);
          } else if (key === "enum") {
            if (!Array.isArray(field)) problem(here, "an array of values", field);
          } else if (key === "required") {
            next.push({ kind: "stringList", value: field, at: here });
          } else if (key === "properties" || key === "patternProperties") {
            next.push({ kind: "schemaMap", value: field, at: here });
          } else if (key === "additionalProperties") {
            next.push({ kind: "schemaOrBool", value: field, at: here });
          } else if (key === "items" || key === "not") {
            next.push({ kind: "schema", value: field, at: here });
          } else if (key === "allOf" || key === "anyOf" || key === "oneOf" || key === "prefixItems") {
            next.push({ kind: "schemaList", value: field, at: here });
          } else if (key === "discriminator") {
            if (!isObject(field) || typeof field.propertyName !== "string") problem(here, "a discriminator (an object with a propertyName string)", field);
            else if (field.mapping !== undefined) next.push({ kind: "stringMap", value: field.mapping, at: [...here, "mapping"] });
          } else if (key === "x-kubernetes-group-version-kind") {
            next.push({ kind: "gvkList", value: field, at: here });
          } else if (key === "x-kubernetes-list-map-keys") {
            next.push({ kind: "stringList", value: field, at: here });
          }
          // anything else (default, example, other extensions) may be any value
        }
        push(next);
        break;
      }
      case "gvkList":
        if (!Array.isArray(value)) problem(at, "an array of {group, version, kind}", value);
        else push(value.map((item, i) => ({ kind: "gvk", value: item, at: [...at, i] })));
        break;
      case "gvk":
        if (!isObject(value)) problem(at, "{group, version, kind} (an object)", value);
        else {
          for (const key of ["group", "version", "kind"]) if (typeof value[key] !== "string") problem([...at, key], "a string", value[key]);
          if (typeof value.kind === "string" && value.kind === "") problem([...at, "kind"], "a kind name", value.kind);
          if (typeof value.version === "string" && value.version === "") problem([...at, "version"], "a version name", value.version);
        }
        break;
      case "stringList":
        if (!Array.isArray(value)) problem(at, "an array of strings", value);
        else value.forEach((item, i) => typeof item !== "string" && problem([...at, i], "a string", item));
        break;
      case "stringMap":
        if (!isObject(value)) problem(at, "an object of strings", value);
        else for (const key of Object.keys(value)) if (typeof value[key] !== "string") problem([...at, key], "a string", value[key]);
        break;
    }
  }
  return result();
}

/** The message for a document's problems: where, each pointer and what was expected (the first few). */
export function problemsMessage(where: string, problems: DocumentProblem[], total = problems.length): string {
  const listed = problems.slice(0, MAX_LISTED).map((p) => `\n  ${p.pointer}: ${p.message}`);
  const more = total > MAX_LISTED ? `\n  ... and ${total - MAX_LISTED} more` : "";
  return `${where}: not a document k8s-gen can generate from (${total} problem${total === 1 ? "" : "s"}):${listed.join("")}${more}`;
}

/** JSON.parse's complaint as a place in the text: line and column, or that the text ends early. */
function jsonProblem(text: string, reason: string): string {
  const m = /at position (\d+)/.exec(reason);
  const position = m ? Number(m[1]) : undefined;
  if (/Unexpected end of JSON input|Unterminated/.test(reason) || (position !== undefined && position >= text.length - 1)) {
    return `it ends early, after ${text.length} characters: truncated?`;
  }
  if (position === undefined) return reason.replace(/\s*in JSON\b.*$/, "");
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `${reason.replace(/\s*in JSON at position \d+.*$/, "").replace(/, ".*" is not valid JSON$/, "")} at line ${line}, column ${column}`;
}

/** The schema references of each validated document, and where it came from (for messages). */
const validated = new WeakMap<object, { refs: Array<{ name: string; at: string }>; where: string }>();

/**
 * Parses a document's JSON and checks its shape; throws an Error naming the document, each JSON pointer and what was
 * expected. A valid document is remembered for {@link referenceProblems}.
 */
export function parseAndValidate(text: string, where: string): OpenApiDocument {
  if (text.length > MAX_DOCUMENT_BYTES) throw new Error(`${where}: the document is ${(text.length / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_DOCUMENT_BYTES / 2 ** 20} MiB k8s-gen reads`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${jsonProblem(text, (error as Error).message)})`);
  }
  const refs: Array<{ name: string; at: string }> = [];
  const { problems, total } = documentProblems(parsed, refs);
  if (total > 0) throw new Error(problemsMessage(where, problems, total));
  validated.set(parsed as object, { refs, where });
  return parsed as OpenApiDocument;
}

/** Every `$ref` must name a schema some selected document defines (schemas are shared across documents). */
export function referenceProblems(documents: readonly GroupVersionDocument[]): string | undefined {
  const known = new Set<string>();
  for (const doc of documents) for (const name of Object.keys(doc.document.components?.schemas ?? {})) known.add(name);
  const dangling: string[] = [];
  for (const doc of documents) {
    const info = validated.get(doc.document);
    for (const ref of info?.refs ?? []) if (!known.has(ref.name)) dangling.push(`${info!.where}: ${ref.at}: $ref to "${ref.name}", which no selected document defines`);
  }
  if (dangling.length === 0) return undefined;
  const listed = dangling.slice(0, MAX_LISTED).join("\n  ");
  return `dangling schema references (${dangling.length}):\n  ${listed}${dangling.length > MAX_LISTED ? `\n  ... and ${dangling.length - MAX_LISTED} more` : ""}`;
}
