import { NameRegistry, typeName } from "./naming.js";
import type { GroupVersionDocument, SchemaObject } from "./openapi.js";

const REF_PREFIX = "#/components/schemas/";

/** Every schema name referenced from a (prepared) object. */
export function referencedSchemas(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) referencedSchemas(item, into);
  else if (node !== null && typeof node === "object") {
    const object = node as Record<string, unknown>;
    if (typeof object.$ref === "string" && object.$ref.startsWith(REF_PREFIX)) into.add(object.$ref.slice(REF_PREFIX.length));
    for (const value of Object.values(object)) referencedSchemas(value, into);
  }
  return into;
}

/** Schemas grouped by namespace (`io.k8s.api.core.v1`), each namespace becoming one types module. */
export interface SchemaNamespaces {
  /** namespace → (schema name → schema), both sorted. */
  namespaces: Map<string, Map<string, SchemaObject>>;
}

/** `io.k8s.api.core.v1.Pod` → `io.k8s.api.core.v1`. */
export function schemaNamespace(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(0, dot);
}

/** `io.k8s.api.core.v1.Pod` → `Pod`. */
export function schemaShortName(name: string): string {
  return name.slice(name.lastIndexOf(".") + 1);
}

/** The exported type name of each schema of a namespace (`io.k8s.api.apps.v1.Deployment` → `Deployment`). */
export function schemaTypeNames(namespace: string, schemaNames: Iterable<string>): Map<string, string> {
  const registry = new NameRegistry(`schema namespace ${namespace}`);
  const names = new Map<string, string>();
  for (const name of schemaNames) names.set(name, registry.claim(typeName(schemaShortName(name)), name));
  return names;
}

/** The schema name a `$ref` points to. */
export function refName(ref: string, where: string): string {
  if (!ref.startsWith(REF_PREFIX)) throw new Error(`${where}: unsupported $ref "${ref}" (only ${REF_PREFIX}* is expected)`);
  return ref.slice(REF_PREFIX.length);
}

/**
 * Deep-copies a schema, checking that every `$ref` points at a defined schema, and applying the fixes Kubernetes
 * documents need: literal `apiVersion`/`kind` on top-level kinds, open objects for preserve-unknown-fields.
 */
export function prepareSchema(schema: SchemaObject, where: string, known: ReadonlySet<string>): SchemaObject {
  // The path is kept as segments and joined only for an error message: documents have millions of nodes.
  const path: Array<string | number> = [];
  const at = () => [where, ...path].join("/");
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map((item, i) => {
        path.push(i);
        const copy = visit(item);
        path.pop();
        return copy;
      });
    }
    if (node === null || typeof node !== "object") return node;
    const object = node as Record<string, unknown>;
    if (typeof object.$ref === "string") {
      const target = object.$ref.startsWith(REF_PREFIX) ? object.$ref.slice(REF_PREFIX.length) : refName(object.$ref, at());
      if (!known.has(target)) throw new Error(`${at()}: $ref to "${target}", which the document does not define`);
      return { ...object };
    }
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      path.push(key);
      copy[key] = visit(object[key]);
      path.pop();
    }
    // Fields that keep unknown members (CRD preserve-unknown-fields) accept any extra property.
    if (copy["x-kubernetes-preserve-unknown-fields"] === true && copy.properties && copy.additionalProperties === undefined) {
      copy.additionalProperties = true;
    }
    return copy;
  };
  const copy = visit(schema) as SchemaObject;
  const gvks = schema["x-kubernetes-group-version-kind"];
  if (gvks?.length === 1 && copy.properties?.apiVersion && copy.properties.kind) {
    const { group, version, kind } = gvks[0]!;
    const apiVersion = group ? `${group}/${version}` : version;
    copy.properties = {
      ...copy.properties,
      apiVersion: { ...copy.properties.apiVersion, type: "string", enum: [apiVersion] },
      kind: { ...copy.properties.kind, type: "string", enum: [kind] },
    };
  }
  return copy;
}

const GVK = "x-kubernetes-group-version-kind";

/** JSON with object keys sorted, without the kinds list: equal for schemas that define the same type. */
function canonical(schema: SchemaObject): string {
  const { [GVK]: _kinds, ...rest } = schema;
  return JSON.stringify(rest, (_key, node: unknown) =>
    node !== null && typeof node === "object" && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : node,
  );
}

const gvkKey = (gvk: { group: string; version: string; kind: string }) => `${gvk.group}/${gvk.version}/${gvk.kind}`;

/**
 * Collects the schemas of every document into namespaces. Documents repeat shared schemas (every built-in document
 * carries ObjectMeta); copies that differ only in the kinds they list (`DeleteOptions` is a kind of every group)
 * are merged with the union of those kinds, as the apiserver's merged document does. A name defined differently by
 * two documents is an error naming both: one definition would otherwise be dropped silently. Documents are taken
 * in key order, so the result does not depend on download order.
 */
export function collectSchemas(documents: readonly GroupVersionDocument[]): SchemaNamespaces {
  const sorted = [...documents].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const raw = new Map<string, { schema: SchemaObject; key: string; canonical?: string }>();
  for (const doc of sorted) {
    for (const [name, schema] of Object.entries(doc.document.components?.schemas ?? {})) {
      const first = raw.get(name);
      if (!first) {
        raw.set(name, { schema, key: doc.key });
        continue;
      }
      first.canonical ??= canonical(first.schema);
      if (canonical(schema) !== first.canonical) {
        throw new Error(
          `${doc.key}: #/components/schemas/${name} differs from the schema of the same name in ${first.key}; generate the two group-versions separately (--groups / --exclude)`,
        );
      }
      const kinds = new Map([...(first.schema[GVK] ?? []), ...(schema[GVK] ?? [])].map((gvk) => [gvkKey(gvk), gvk]));
      if (kinds.size > (first.schema[GVK]?.length ?? 0)) {
        first.schema = { ...first.schema, [GVK]: [...kinds.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, gvk]) => gvk) };
      }
    }
  }
  const known = new Set(raw.keys());
  const namespaces = new Map<string, Map<string, SchemaObject>>();
  for (const name of [...raw.keys()].sort()) {
    const { schema, key } = raw.get(name)!;
    const ns = schemaNamespace(name);
    if (!namespaces.has(ns)) namespaces.set(ns, new Map());
    namespaces.get(ns)!.set(name, prepareSchema(schema, `${key}: #/components/schemas/${name}`, known));
  }
  return { namespaces: new Map([...namespaces.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) };
}
