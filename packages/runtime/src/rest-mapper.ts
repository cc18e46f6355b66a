import type { CallOptions, Transport } from "./transport.js";
import { defineErrorKind } from "./error-kind.js";
import type { GroupVersionKind, SubresourceDescriptor } from "./types.js";
import { groupVersionPath } from "./url.js";

/** Where a kind lives on the server: what a request for an object of that kind needs. */
export interface ResourceMapping {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The resource name in URLs (`deployments`). */
  readonly plural: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames: readonly string[];
  readonly subresources: { readonly [name: string]: SubresourceDescriptor };
}

/** `apps/v1` → `{ group: "apps", version: "v1" }`; `v1` → the core group. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return { group: "", version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** A kind (or group-version) the server does not serve; the message says what it does serve. */
export class UnknownKindError extends Error {
  static {
    defineErrorKind(this, "UnknownKindError");
  }
  constructor(
    message: string,
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(message);
  }
}

// Aggregated discovery (apidiscovery.k8s.io/v2, GA in 1.30): every group-version's resources in one response per root.
const AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

interface DiscoveryResource {
  resource: string;
  responseKind?: { group?: string; version?: string; kind?: string };
  scope?: "Namespaced" | "Cluster";
  verbs?: string[];
  shortNames?: string[];
  subresources?: Array<{ subresource: string; responseKind?: { group?: string; version?: string; kind?: string }; verbs?: string[] }>;
}
interface AggregatedList {
  kind?: string;
  items?: Array<{ metadata?: { name?: string }; versions?: Array<{ version: string; resources?: DiscoveryResource[] }> }>;
}
interface LegacyResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  group?: string;
  version?: string;
}

/** group/version → kind → mapping; plus the group-versions each group serves, preferred first. */
interface Catalog {
  byGroupVersion: Map<string, Map<string, ResourceMapping>>;
  versionsOfGroup: Map<string, string[]>;
}

const gvKey = (group: string, version: string) => (group ? `${group}/${version}` : version);

/**
 * Maps `apiVersion` + `kind` to the resource that serves it, from the server's discovery documents, as client-go's
 * deferred discovery RESTMapper: read once and cached, read again once when a kind is not found (a CRD installed a
 * moment ago), and an error naming what the server does serve when it is still not there.
 */
export class RestMapper {
  readonly #transport: Transport;
  #catalog: Promise<Catalog> | undefined;
  #readAt = 0;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** The mapping of a kind; rejects with {@link UnknownKindError} when the server does not serve it. */
  async mapping(apiVersion: string, kind: string, options?: CallOptions): Promise<ResourceMapping> {
    const { group, version } = parseApiVersion(apiVersion);
    const found = (catalog: Catalog) => catalog.byGroupVersion.get(gvKey(group, version))?.get(kind);
    const cached = this.#catalog ? await this.#catalog.catch(() => undefined) : undefined;
    const hit = cached && found(cached);
    if (hit) return hit;
    // A miss (or nothing read yet): read discovery again, once, unless a read has just finished.
    const catalog = await this.#refresh(options, cached !== undefined);
    const mapping = found(catalog);
    if (mapping) return mapping;
    throw this.#unknown(catalog, group, version, kind);
  }

  /** Forgets what discovery said; the next lookup reads it again. */
  invalidate(): void {
    this.#catalog = undefined;
  }

  #refresh(options: CallOptions | undefined, afterMiss: boolean): Promise<Catalog> {
    // Lookups that miss at the same moment share one read; a miss right after a fresh read does not read again.
    if (this.#catalog && (!afterMiss || Date.now() - this.#readAt < 1000)) return this.#catalog;
    const reading = this.#read(options).then((catalog) => {
      this.#readAt = Date.now();
      return catalog;
    });
    this.#catalog = reading;
    reading.catch(() => {
      if (this.#catalog === reading) this.#catalog = undefined;
    });
    return reading;
  }

  async #read(options: CallOptions | undefined): Promise<Catalog> {
    const get = <R>(path: string, accept?: string) =>
      this.#transport.json<R>({ method: "GET", path, ...(accept ? { accept } : {}), ...callOptions(options) });
    const catalog: Catalog = { byGroupVersion: new Map(), versionsOfGroup: new Map() };
    const [core, apis] = await Promise.all([get<AggregatedList & { versions?: string[] }>("/api", AGGREGATED), get<AggregatedList & { groups?: LegacyGroup[] }>("/apis", AGGREGATED)]);
    if (core.kind === "APIGroupDiscoveryList" && apis.kind === "APIGroupDiscoveryList") {
      for (const list of [core, apis]) for (const item of list.items ?? []) addAggregated(catalog, item.metadata?.name ?? "", item.versions ?? []);
      return catalog;
    }
    // An older server (or an aggregation layer in between) answered with the legacy documents: one read per group-version.
    const groupVersions: Array<{ group: string; version: string }> = [
      ...(core.versions ?? []).map((version) => ({ group: "", version })),
      ...(apis.groups ?? []).flatMap((g) => orderedVersions(g).map((version) => ({ group: g.name, version }))),
    ];
    for (const { group, version } of groupVersions) catalog.versionsOfGroup.set(group, [...(catalog.versionsOfGroup.get(group) ?? []), version]);
    await Promise.all(
      groupVersions.map(async ({ group, version }) => {
        const list = await get<{ resources?: LegacyResource[] }>(groupVersionPath(group, version)).catch(() => ({ resources: [] as LegacyResource[] }));
        addLegacy(catalog, group, version, list.resources ?? []);
      }),
    );
    return catalog;
  }

  #unknown(catalog: Catalog, group: string, version: string, kind: string): UnknownKindError {
    const apiVersion = gvKey(group, version);
    const kinds = catalog.byGroupVersion.get(apiVersion);
    if (kinds) {
      return new UnknownKindError(`the server has no kind "${kind}" in ${apiVersion}; it serves ${[...kinds.keys()].sort().join(", ") || "no kinds"} there`, apiVersion, kind);
    }
    const versions = catalog.versionsOfGroup.get(group);
    if (versions) return new UnknownKindError(`the server does not serve ${apiVersion}; group "${group || "core"}" is served at ${versions.join(", ")}`, apiVersion, kind);
    const groups = [...catalog.versionsOfGroup.keys()].filter(Boolean).sort();
    return new UnknownKindError(`the server does not serve the API group "${group}" (of ${kind} ${apiVersion}); it serves: ${groups.join(", ")}`, apiVersion, kind);
  }
}

interface LegacyGroup {
  name: string;
  versions: Array<{ version: string }>;
  preferredVersion?: { version: string };
}

function orderedVersions(group: LegacyGroup): string[] {
  const preferred = group.preferredVersion?.version;
  const rest = group.versions.map((v) => v.version).filter((v) => v !== preferred);
  return preferred ? [preferred, ...rest] : rest;
}

function subresourceKind(kind: { group?: string; version?: string; kind?: string } | undefined, group: string, version: string): GroupVersionKind | undefined {
  if (!kind?.kind) return undefined;
  // Aggregated discovery leaves group and version empty for the resource's own group-version.
  return kind.version ? { group: kind.group ?? "", version: kind.version, kind: kind.kind } : { group, version, kind: kind.kind };
}

function addAggregated(catalog: Catalog, group: string, versions: Array<{ version: string; resources?: DiscoveryResource[] }>): void {
  catalog.versionsOfGroup.set(group, versions.map((v) => v.version));
  for (const { version, resources } of versions) {
    const kinds = new Map<string, ResourceMapping>();
    for (const resource of resources ?? []) {
      const kind = resource.responseKind?.kind;
      if (!kind) continue;
      const subresources: Record<string, SubresourceDescriptor> = {};
      for (const sub of resource.subresources ?? []) {
        const subKind = subresourceKind(sub.responseKind, group, version);
        subresources[sub.subresource] = { ...(subKind ? { kind: subKind } : {}), verbs: sub.verbs ?? [], patchTypes: [] };
      }
      kinds.set(kind, {
        group,
        version,
        kind,
        plural: resource.resource,
        namespaced: resource.scope === "Namespaced",
        verbs: resource.verbs ?? [],
        shortNames: resource.shortNames ?? [],
        subresources,
      });
    }
    catalog.byGroupVersion.set(gvKey(group, version), kinds);
  }
}

function addLegacy(catalog: Catalog, group: string, version: string, resources: LegacyResource[]): void {
  const kinds = new Map<string, ResourceMapping>();
  const subresources = new Map<string, Record<string, SubresourceDescriptor>>();
  for (const resource of resources) {
    const [plural, sub] = resource.name.split("/");
    if (sub) {
      const subs = subresources.get(plural!) ?? {};
      const subKind = resource.kind ? { group: resource.group ?? group, version: resource.version ?? version, kind: resource.kind } : undefined;
      subs[sub] = { ...(subKind ? { kind: subKind } : {}), verbs: resource.verbs, patchTypes: [] };
      subresources.set(plural!, subs);
      continue;
    }
    kinds.set(resource.kind, { group, version, kind: resource.kind, plural: resource.name, namespaced: resource.namespaced, verbs: resource.verbs, shortNames: resource.shortNames ?? [], subresources: {} });
  }
  for (const [kind, mapping] of kinds) kinds.set(kind, { ...mapping, subresources: subresources.get(mapping.plural) ?? {} });
  catalog.byGroupVersion.set(gvKey(group, version), kinds);
}

function callOptions(options: CallOptions | undefined): CallOptions {
  return { ...(options?.signal ? { signal: options.signal } : {}), ...(options?.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) };
}
