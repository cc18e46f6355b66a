/**
 * Names the inline object schemas of a namespace that deserve a name. Built-in kinds reference named schemas
 * (`PodSpec`), but a CRD's schema is one self-contained tree, and real CRDs repeat large parts of it: Argo CD's
 * `ApplicationSource` appears at five places of `Application`, Prometheus Operator embeds the same `affinity` in
 * four kinds, every version of a CRD usually repeats the others. Emitted inline, 185 well-known CRDs made 19 MB of
 * TypeScript; with every repeated shape declared once and referenced by name, a fraction of that (see the
 * benchmark in the README). A kind's own top-level objects (`spec`, `status`) are named as well, whether repeated
 * or not: `CertificateSpec` is what editors and compiler messages then show instead of an expanded structure.
 *
 * Two places share a shape when everything that decides their TypeScript type and their doc comments is equal. The
 * doc keys of the place itself (its `description`, `default`, ...) stay at the place, on the property that refers to
 * the named shape, so every field keeps its own documentation; keys that change neither the type nor the comments
 * (CEL rules, list-map keys, patterns, limits) do not keep two shapes apart.
 */
import type { SchemaObject } from "./openapi.js";
import { typeName } from "./naming.js";
import { schemaShortName } from "./schemas.js";

/** Keys openapi-typescript derives a type from (see its transform/schema-object). */
const TYPE_KEYS = [
  "type",
  "properties",
  "required",
  "additionalProperties",
  "patternProperties",
  "items",
  "prefixItems",
  "enum",
  "const",
  "nullable",
  "allOf",
  "anyOf",
  "oneOf",
  "readOnly",
  "writeOnly",
] as const;
/** Keys a doc comment is written from (see doc-comments.ts); they belong to the place, not to the shape. */
const DOC_KEYS = ["description", "title", "summary", "deprecated", "default", "example", "examples"] as const;
/** Keys whose values are schemas, or maps or lists of schemas. */
const SCHEMA_KEYS = new Set(["items", "additionalProperties", "not"]);
const SCHEMA_MAP_KEYS = new Set(["properties", "patternProperties"]);
const SCHEMA_LIST_KEYS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);

const REF_PREFIX = "#/components/schemas/";
const GVK = "x-kubernetes-group-version-kind";

type Node = SchemaObject;

const isObject = (value: unknown): value is Node => value !== null && typeof value === "object" && !Array.isArray(value);
/** An inline object with fields: what gets a name. Maps (`additionalProperties` only) stay `Record`s. */
const isCandidate = (node: Node) => node.$ref === undefined && isObject(node.properties) && Object.keys(node.properties).length > 0;
const sortedKeys = (object: object) => Object.keys(object).sort();

/**
 * Structural keys, computed once per node: `shape` (type keys only) and `full` (with the node's own doc keys). Every
 * distinct key, and every distinct value (a description, an enum), is interned as a number, so a key is a short list
 * of numbers however deep the tree and however long its descriptions.
 */
class Keys {
  readonly #ids = new Map<string, number>();
  readonly #shape = new Map<Node, number>();
  readonly #full = new Map<Node, number>();

  shape(node: Node): number {
    let id = this.#shape.get(node);
    if (id === undefined) {
      let key = "s";
      for (const k of TYPE_KEYS) if (node[k] !== undefined) key += `,${k}:${this.#value(k, node[k])}`;
      id = this.#intern(key);
      this.#shape.set(node, id);
    }
    return id;
  }

  full(node: Node): number {
    let id = this.#full.get(node);
    if (id === undefined) {
      let key = node.$ref !== undefined ? `r${this.#intern(node.$ref)}` : `f${this.shape(node)}`;
      for (const k of DOC_KEYS) if (node[k] !== undefined) key += `,${k}:${this.#data(node[k])}`;
      id = this.#intern(key);
      this.#full.set(node, id);
    }
    return id;
  }

  #intern(key: string): number {
    let id = this.#ids.get(key);
    if (id === undefined) this.#ids.set(key, (id = this.#ids.size));
    return id;
  }

  /** A plain value (description, enum, default) as its number. */
  #data(value: unknown): number {
    return this.#intern(typeof value === "string" ? `"${value}` : JSON.stringify(value));
  }

  #value(key: string, value: unknown): string | number {
    if (SCHEMA_KEYS.has(key)) return isObject(value) ? this.full(value) : this.#data(value);
    if (SCHEMA_MAP_KEYS.has(key) && isObject(value)) {
      let key = "{";
      for (const k of sortedKeys(value)) key += `${this.#data(k)}=${isObject(value[k]) ? this.full(value[k] as Node) : `d${this.#data(value[k])}`};`;
      return this.#intern(key);
    }
    if (SCHEMA_LIST_KEYS.has(key) && Array.isArray(value)) return this.#intern(`[${value.map((item) => (isObject(item) ? this.full(item) : `d${this.#data(item)}`)).join(";")}`);
    return this.#data(value);
  }
}

/** The schemas a node contains, with the path segment that leads to each (`.spec`, `[]`, `{}`, `|0`). */
function* children(node: Node): Generator<[segment: string, child: Node]> {
  for (const key of sortedKeys(node)) {
    const value = node[key];
    if (SCHEMA_MAP_KEYS.has(key) && isObject(value)) {
      for (const name of sortedKeys(value)) if (isObject(value[name])) yield [key === "properties" ? `.${name}` : `{${name}}`, value[name] as Node];
    } else if (SCHEMA_KEYS.has(key) && isObject(value)) yield [key === "items" ? "[]" : key === "additionalProperties" ? "{}" : `!`, value];
    else if (SCHEMA_LIST_KEYS.has(key) && Array.isArray(value)) {
      for (const [i, item] of value.entries()) if (isObject(item)) yield [`|${key}${i}`, item];
    }
  }
}

/**
 * Names for a shape first seen at `root` + `path`, shortest first: the root and the last field (`Certificate` +
 * `.spec.keystores.jks.passwordSecretRef` → `CertificatePasswordSecretRef`), then with more of the fields before it
 * (`CertificateJksPasswordSecretRef`, ...). List items and map values add no word.
 */
function* namesFromPath(root: string, path: string): Generator<string> {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  for (let n = 1; n <= words.length; n++) yield typeName(root + words.slice(-n).join(""));
  for (let i = 2; ; i++) yield typeName(`${root}${words.join("")}${i}`);
}

interface Shape {
  /** Where it appears, in walk order: `Certificate.spec`. */
  places: string[];
  /** The first node with this shape (its type keys become the named schema). */
  node: Node;
  /** A field of a kind itself (`Certificate.spec`): named even when it appears once. */
  kindField: boolean;
  name?: string;
}

/**
 * Returns the namespace's schemas with the shapes worth naming added as schemas of their own (`<namespace>.<Name>`),
 * referenced from every place they appeared. Deterministic: schemas and fields are walked in sorted order, a shape
 * is named after the first place it appears (see {@link namesFromPath}).
 */
export function nameInlineSchemas(namespace: string, schemas: ReadonlyMap<string, SchemaObject>): Map<string, SchemaObject> {
  const keys = new Keys();
  const shapes = new Map<string, Shape>();
  const roots = [...schemas.keys()].sort();
  const rootNames = new Map(roots.map((root) => [root, typeName(schemaShortName(root))]));
  // A kind's own fields are shapes of that kind (`IssuerSpec` and `ClusterIssuerSpec`, even where equal); what they
  // contain is shared across kinds.
  const shapeKey = (node: Node, kind: string | undefined) => (kind === undefined ? String(keys.shape(node)) : `${kind}:${keys.shape(node)}`);

  // Count the places of each shape; a repeated subtree's inside is walked once, so its parts count once too.
  const visit = (node: Node, place: string, kind: string | undefined) => {
    if (isCandidate(node)) {
      const key = shapeKey(node, kind);
      const shape = shapes.get(key);
      if (shape) {
        shape.places.push(place);
        return;
      }
      shapes.set(key, { places: [place], node, kindField: kind !== undefined });
    }
    for (const [segment, child] of children(node)) visit(child, place + segment, undefined);
  };
  const kindOf = (root: string) => ((schemas.get(root)![GVK]?.length ?? 0) > 0 ? rootNames.get(root) : undefined);
  for (const root of roots) {
    // The root itself is named already; its fields are where shapes start.
    for (const [segment, child] of children(schemas.get(root)!)) visit(child, rootNames.get(root)! + segment, segment.startsWith(".") ? kindOf(root) : undefined);
  }

  const taken = new Set(rootNames.values());
  for (const shape of shapes.values()) {
    if (shape.places.length < 2 && !shape.kindField) continue;
    const first = shape.places[0]!;
    const cut = first.search(/[.[{|!]/);
    let name = "";
    for (name of namesFromPath(first.slice(0, cut), first.slice(cut))) if (!taken.has(name) && !schemas.has(`${namespace}.${name}`)) break;
    taken.add(name);
    shape.name = name;
  }

  const named = new Map<string, SchemaObject>();
  // Rewrites a subtree: a named shape becomes a reference carrying the place's own doc keys.
  const rewrite = (node: Node, kind: string | undefined): Node => {
    const shape = isCandidate(node) ? shapes.get(shapeKey(node, kind)) : undefined;
    if (shape?.name === undefined) return rewriteChildren(node);
    if (!named.has(shape.name)) named.set(shape.name, describeShape(rewriteChildren(project(shape.node)), shape.places));
    return { ...pick(node, DOC_KEYS), $ref: `${REF_PREFIX}${namespace}.${shape.name}` };
  };
  const rewriteChildren = (node: Node, kind?: string): Node => {
    const copy: Node = { ...node };
    for (const key of Object.keys(copy)) {
      const value = copy[key];
      if (SCHEMA_MAP_KEYS.has(key) && isObject(value)) {
        const fieldKind = key === "properties" ? kind : undefined;
        copy[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isObject(v) ? rewrite(v as Node, fieldKind) : v]));
      } else if (SCHEMA_KEYS.has(key) && isObject(value)) copy[key] = rewrite(value, undefined);
      else if (SCHEMA_LIST_KEYS.has(key) && Array.isArray(value)) copy[key] = value.map((item) => (isObject(item) ? rewrite(item, undefined) : item));
    }
    return copy;
  };

  const result = new Map<string, SchemaObject>();
  for (const root of roots) result.set(root, rewriteChildren(schemas.get(root)!, kindOf(root)));
  for (const [name, schema] of named) result.set(`${namespace}.${name}`, schema);
  return new Map([...result.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The given keys of a node, those it has. */
function pick(node: Node, keys: readonly string[]): Node {
  const copy: Record<string, unknown> = {};
  for (const k of keys) if (node[k] !== undefined) copy[k] = node[k];
  return copy as Node;
}

/** The type keys of a node: what a named shape is made of. */
const project = (node: Node): Node => pick(node, TYPE_KEYS);

/** A named shape's own doc comment says where it is used (first place and count); each place keeps its own description. */
function describeShape(schema: Node, places: string[]): Node {
  const more = places.length - 1;
  return { description: `The type of \`${places[0]}\`${more > 0 ? ` and ${more} more field${more > 1 ? "s" : ""}` : ""}.`, ...schema };
}
