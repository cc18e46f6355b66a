import { type GroupVersionDocument, type GroupVersionKind, HTTP_METHODS, type OperationObject } from "./openapi.js";

/** How a resource may be patched, by request content type. */
export type PatchType = "json" | "merge" | "strategic" | "apply";

const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

/** A subresource (`status`, `scale`, `eviction`, `log`, ...) of a resource. */
export interface SubresourceInfo {
  name: string;
  /** The kind sent and received, when the server declares one (`Scale`, `Eviction`); absent for `log`, `exec`. */
  kind?: GroupVersionKind;
  /** Kubernetes verbs (`get`, `update`, `patch`, `create`, `connect`). */
  verbs: string[];
  patchTypes: PatchType[];
  /** Response content types of `get` other than JSON (`text/plain` for logs). */
  responseContentTypes: string[];
}

/** A resource of a group-version, as its OpenAPI paths describe it. */
export interface ResourceInfo {
  plural: string;
  kind: GroupVersionKind;
  namespaced: boolean;
  /** Kubernetes verbs, sorted: get, list, watch, create, update, patch, delete, deletecollection. */
  verbs: string[];
  patchTypes: PatchType[];
  subresources: SubresourceInfo[];
}

const VERB_ORDER = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "connect"];
const sortVerbs = (verbs: Iterable<string>) =>
  [...new Set(verbs)].sort((a, b) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b) || (a < b ? -1 : 1));

interface Accumulator {
  plural: string;
  kind?: GroupVersionKind;
  namespaced: boolean;
  verbs: Set<string>;
  patchTypes: Set<PatchType>;
  subresources: Map<string, { kind?: GroupVersionKind; verbs: Set<string>; patchTypes: Set<PatchType>; types: Set<string> }>;
}

function verbOf(action: string | undefined, method: string): string | undefined {
  switch (action) {
    case "get":
    case "list":
    case "create":
    case "update":
    case "patch":
    case "delete":
    case "deletecollection":
    case "connect":
      return action;
    case "put":
      return "update";
    case "post":
      return "create";
    case "watch":
    case "watchlist":
      return "watch";
    default:
      return method === "get" ? "get" : undefined;
  }
}

/**
 * The kind a subresource operation really sends or returns, read from the schema of its JSON body. The operation's
 * own x-kubernetes-group-version-kind names the parent kind for `scale` of CRDs and for `log`, which is wrong.
 */
function bodyKindOf(doc: GroupVersionDocument, operation: OperationObject, verb: string): GroupVersionKind | undefined {
  const content = verb === "create" ? operation.requestBody?.content : (operation.responses?.["200"] ?? operation.responses?.["201"])?.content;
  const schema = content?.["application/json"]?.schema;
  const ref = schema?.$ref ?? schema?.allOf?.[0]?.$ref;
  if (!ref) return undefined;
  const gvks = doc.document.components?.schemas?.[ref.replace("#/components/schemas/", "")]?.["x-kubernetes-group-version-kind"];
  return gvks?.length === 1 ? gvks[0] : undefined;
}

function patchTypesOf(operation: OperationObject): PatchType[] {
  return Object.keys(operation.requestBody?.content ?? {})
    .map((type) => PATCH_CONTENT_TYPES[type])
    .filter((type): type is PatchType => type !== undefined);
}

/**
 * Reads the resources of one group-version from its paths: `{prefix}/namespaces/{namespace}/{plural}[/{name}[/{sub}]]`
 * and `{prefix}/{plural}[/{name}[/{sub}]]`. The deprecated `/watch/` paths only contribute the `watch` verb.
 */
export function extractResources(doc: GroupVersionDocument): ResourceInfo[] {
  const prefix = doc.group === "" ? `/api/${doc.version}` : `/apis/${doc.group}/${doc.version}`;
  const resources = new Map<string, Accumulator>();
  const get = (plural: string) => {
    let acc = resources.get(plural);
    if (!acc) {
      acc = { plural, namespaced: false, verbs: new Set(), patchTypes: new Set(), subresources: new Map() };
      resources.set(plural, acc);
    }
    return acc;
  };

  for (const path of Object.keys(doc.document.paths ?? {}).sort()) {
    if (!path.startsWith(`${prefix}/`)) continue;
    let segments = path.slice(prefix.length + 1).split("/");
    let watchPath = false;
    if (segments[0] === "watch") {
      watchPath = true;
      segments = segments.slice(1);
    }
    let namespaced = false;
    if (segments[0] === "namespaces" && segments[1] === "{namespace}" && segments.length >= 3) {
      namespaced = true;
      segments = segments.slice(2);
    }
    const [plural, name, sub, ...rest] = segments;
    if (!plural || plural.startsWith("{") || rest.length > 0 || (name !== undefined && name !== "{name}")) continue;
    const acc = get(plural);
    if (namespaced) acc.namespaced = true;
    const item = doc.document.paths![path]!;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const verb = watchPath ? "watch" : verbOf(operation["x-kubernetes-action"], method);
      if (!verb) continue;
      const gvk = operation["x-kubernetes-group-version-kind"];
      if (sub === undefined) {
        acc.verbs.add(verb === "get" && name === undefined ? "list" : verb);
        if (verb === "patch") for (const type of patchTypesOf(operation)) acc.patchTypes.add(type);
        if (gvk && !acc.kind && !watchPath) acc.kind = gvk;
        const params = [...(item.parameters ?? []), ...(operation.parameters ?? [])];
        if (verb === "list" && params.some((p) => p.name === "watch")) acc.verbs.add("watch");
      } else {
        let subAcc = acc.subresources.get(sub);
        if (!subAcc) {
          subAcc = { verbs: new Set(), patchTypes: new Set(), types: new Set() };
          acc.subresources.set(sub, subAcc);
        }
        subAcc.verbs.add(verb);
        if (verb === "patch") for (const type of patchTypesOf(operation)) subAcc.patchTypes.add(type);
        const bodyKind = verb === "connect" ? undefined : bodyKindOf(doc, operation, verb);
        if (bodyKind && !subAcc.kind) subAcc.kind = bodyKind;
        if (method === "get") {
          for (const type of Object.keys(operation.responses?.["200"]?.content ?? {})) {
            if (!type.startsWith("application/")) subAcc.types.add(type);
          }
        }
      }
    }
  }

  const result: ResourceInfo[] = [];
  for (const acc of [...resources.values()].sort((a, b) => (a.plural < b.plural ? -1 : 1))) {
    if (!acc.kind) continue; // e.g. paths without a declared kind: not a resource clients can type
    result.push({
      plural: acc.plural,
      kind: acc.kind,
      namespaced: acc.namespaced,
      verbs: sortVerbs(acc.verbs),
      patchTypes: [...acc.patchTypes].sort(),
      subresources: [...acc.subresources.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, sub]) => ({
          name,
          ...(sub.kind ? { kind: sub.kind } : {}),
          verbs: sortVerbs(sub.verbs),
          patchTypes: [...sub.patchTypes].sort(),
          responseContentTypes: [...sub.types].sort(),
        })),
    });
  }
  return result;
}
