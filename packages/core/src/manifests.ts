/**
 * Manifests: multi-document YAML (or JSON, or `List` kinds) read as kubectl reads them, applied as a set with
 * server-side apply in a safe order (`kubectl apply --server-side -f`), and deleted in reverse order.
 */
import { join } from "node:path";
import { ManifestSyntaxError, parseManifestDocuments } from "@org/k8s-auth";
import {
  type DynamicObject,
  type KindMap,
  type ObjectClient,
  isNotFound,
  isStatus,
  waitForCondition,
} from "@org/k8s-runtime";

/** One object of a manifest set. */
export interface Manifest {
  /** Where it came from (file or URL), when read from one. */
  readonly source: string | undefined;
  /** Index of its document in that source (0-based, as written); items of a `List` share their list's. */
  readonly index: number;
  readonly object: DynamicObject & { apiVersion: string; kind: string };
}

/** A manifest that cannot be used; the message names the source, document, kind and name. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(
    message: string,
    readonly source: string | undefined,
    readonly index: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const where = (source: string | undefined, index: number) => `${source ? `${source}: ` : ""}document ${index}`;
const describeObject = (object: { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } }) =>
  `${String(object.kind ?? "object")}${object.metadata?.namespace ? ` ${String(object.metadata.namespace)}/` : " "}${String(object.metadata?.name ?? "(no name)")}`;

/**
 * Reads manifests from text: `---`-separated YAML documents (YAML 1.1 as kubectl reads it) or JSON; empty and
 * comment-only documents are skipped; `List` kinds (`v1 List`, `ConfigMapList`, ...) are flattened into their items.
 */
export function parseManifests(text: string, source?: string): Manifest[] {
  let documents;
  try {
    documents = parseManifestDocuments(text);
  } catch (error) {
    if (error instanceof ManifestSyntaxError) throw new ManifestError(`${source ? `${source}: ` : ""}${error.message}`, source, error.document, { cause: error });
    throw error;
  }
  const manifests: Manifest[] = [];
  for (const { index, value } of documents) {
    if (value === null || value === undefined) continue;
    const add = (item: unknown, path: string) => {
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        throw new ManifestError(`${where(source, index)}${path}: expected an object with apiVersion and kind, found ${Array.isArray(item) ? "a list" : typeof item}`, source, index);
      }
      const object = item as DynamicObject;
      const missing = [typeof object.apiVersion === "string" && object.apiVersion ? "" : "apiVersion", typeof object.kind === "string" && object.kind ? "" : "kind"].filter(Boolean);
      if (missing.length > 0) throw new ManifestError(`${where(source, index)}${path} (${describeObject(object)}): ${missing.join(" and ")} not set`, source, index);
      if (object.kind!.endsWith("List") && Array.isArray(object.items)) {
        (object.items as unknown[]).forEach((child, i) => add(child, `${path}.items[${i}]`));
        return;
      }
      manifests.push({ source, index, object: object as Manifest["object"] });
    };
    add(value, "");
  }
  return manifests;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/**
 * Reads manifests from a file, a directory (its `.yaml`, `.yml` and `.json` files, sorted by name, as `kubectl -f
 * dir`), or an `http(s)` URL (with the global `fetch`, or the one given).
 */
export async function readManifests(location: string | URL, options: { signal?: AbortSignal; fetch?: typeof fetch } = {}): Promise<Manifest[]> {
  const text = typeof location === "string" ? location : location.href;
  if (/^https?:\/\//i.test(text)) {
    const res = await (options.fetch ?? fetch)(text, options.signal ? { signal: options.signal } : {});
    if (!res.ok) throw new ManifestError(`${text}: HTTP ${res.status} ${res.statusText}`, text, 0);
    return parseManifests(await res.text(), text);
  }
  const path = location instanceof URL ? location.pathname : location;
  // Loaded here, not at the top: node:fs/promises brings Node's readline into every process that imports the SDK.
  const { readFile, readdir, stat } = await import("node:fs/promises");
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new ManifestError(`${path}: cannot read (${error.code ?? error.message})`, path, 0, { cause: error });
  });
  if (info.isDirectory()) {
    const files = (await readdir(path)).filter((name) => MANIFEST_FILE.test(name)).sort();
    const sets = await Promise.all(files.map((name) => readManifests(join(path, name), options)));
    return sets.flat();
  }
  // A file is read whatever its name, as `kubectl -f FILE`; only a directory's entries are filtered by extension.
  return parseManifests(await readFile(path, "utf8"), path);
}

/**
 * The order objects are applied in: what others depend on first (Helm's install order), kinds it does not know
 * (custom resources) last, after their CustomResourceDefinitions are established.
 */
const INSTALL_ORDER = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
];
const rank = (object: { kind: string; apiVersion: string }) => {
  const known = INSTALL_ORDER.indexOf(object.kind);
  return known >= 0 ? known : INSTALL_ORDER.length;
};

/** What applying one object did. */
export interface ManifestResult {
  readonly manifest: Manifest;
  /** `created`, `configured` (changed), `unchanged` (the server kept the same resourceVersion), or `skipped` (see `message`). */
  readonly action: "created" | "configured" | "unchanged" | "skipped";
  readonly message?: string;
  /** The object as the server returned it (absent when skipped). */
  readonly object?: DynamicObject;
}

/** Options of {@link applyManifests}. */
export interface ApplyManifestsOptions {
  /** Field manager of the server-side apply (`kubectl apply --server-side --field-manager`). */
  fieldManager: string;
  /** Take over fields other managers own. */
  force?: boolean | undefined;
  /** Validate and run admission on the server, persisting nothing (`--dry-run=server`). */
  dryRun?: boolean | undefined;
  /** Namespace of namespaced objects that name none; default the connection's (as kubectl's context namespace). */
  namespace?: string | undefined;
  /** How long to wait for each CustomResourceDefinition to be Established. Default 60 s. */
  crdTimeoutMs?: number | undefined;
  /** Requests in flight at once within one step of the order. Default 8. */
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The same manifest set failed partway; `results` holds what was done before (and it stays done, as with kubectl). */
export class ManifestApplyError extends ManifestError {
  constructor(
    message: string,
    manifest: Manifest,
    readonly results: readonly ManifestResult[],
    options?: { cause?: unknown },
  ) {
    super(message, manifest.source, manifest.index, options);
  }
}

async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

const namespacedCopy = (manifest: Manifest, namespace: string | undefined, namespaced: boolean) => {
  const object = manifest.object;
  if (!namespaced || object.metadata?.namespace || namespace === undefined) return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
};

/**
 * Applies a manifest set with server-side apply, as `kubectl apply --server-side -f`: Namespaces and
 * CustomResourceDefinitions first (waiting for each CRD to be Established before its custom resources), then the
 * rest in dependency order. Applying the same set again changes nothing (`unchanged`). Results come in the
 * manifests' order; a failure throws {@link ManifestApplyError} naming the document, kind and name.
 */
export async function applyManifests<Known extends KindMap>(objects: ObjectClient<Known>, manifests: readonly Manifest[], options: ApplyManifestsOptions): Promise<ManifestResult[]> {
  const results = new Map<Manifest, ManifestResult>();
  const done = () => manifests.flatMap((m) => (results.has(m) ? [results.get(m)!] : []));
  const crdKinds = new Set<string>();
  for (const { object } of manifests) {
    if (object.kind === "CustomResourceDefinition" && object.apiVersion.startsWith("apiextensions.k8s.io/")) {
      const spec = object.spec as { group?: string; names?: { kind?: string }; versions?: Array<{ name?: string }> } | undefined;
      for (const version of spec?.versions ?? []) crdKinds.add(`${spec?.group}/${version.name}/${spec?.names?.kind}`);
    }
  }
  const steps = new Map<number, Manifest[]>();
  for (const manifest of manifests) steps.set(rank(manifest.object), [...(steps.get(rank(manifest.object)) ?? []), manifest]);
  /** Namespaces a dry run "created": they do not exist, so objects in them cannot be validated. */
  const dryRunNamespaces = new Set<string>();

  for (const [step, batch] of [...steps.entries()].sort(([a], [b]) => a - b)) {
    await inBatches(batch, options.concurrency ?? 8, async (manifest) => {
      const { object } = manifest;
      const label = `${where(manifest.source, manifest.index)} (${describeObject(object)})`;
      try {
        if (options.dryRun && crdKinds.has(`${object.apiVersion}/${object.kind}`)) {
          // Its CRD is only validated in a dry run, so the server cannot know the kind yet.
          results.set(manifest, { manifest, action: "skipped", message: `its CustomResourceDefinition is part of this set and was not created (dry run)` });
          return;
        }
        const mapping = await objects.mapping(object.apiVersion, object.kind, { signal: options.signal });
        const target = namespacedCopy(manifest, options.namespace, mapping.namespaced);
        if (options.dryRun && target.metadata?.namespace && dryRunNamespaces.has(target.metadata.namespace)) {
          results.set(manifest, { manifest, action: "skipped", message: `its Namespace is part of this set and was not created (dry run)` });
          return;
        }
        const ref = { apiVersion: object.apiVersion, kind: object.kind, name: String(object.metadata?.name ?? ""), namespace: target.metadata?.namespace };
        const before = await objects.get(ref as never, { signal: options.signal }).catch((error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw error;
        });
        const applied = (await objects.apply(target as never, {
          fieldManager: options.fieldManager,
          force: options.force,
          dryRun: options.dryRun,
          signal: options.signal,
        })) as DynamicObject;
        const action = !before ? "created" : before.metadata?.resourceVersion === applied.metadata?.resourceVersion ? "unchanged" : "configured";
        if (options.dryRun && action === "created" && object.kind === "Namespace" && object.apiVersion === "v1") dryRunNamespaces.add(String(object.metadata?.name));
        results.set(manifest, { manifest, action, object: applied });
      } catch (error) {
        throw new ManifestApplyError(`${label}: ${(error as Error).message}`, manifest, done(), { cause: error });
      }
    });
    if (steps.get(step)?.[0]?.object.kind === "CustomResourceDefinition" && !options.dryRun) {
      const crds = await objects.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition");
      await Promise.all(
        batch.map(async (manifest) => {
          try {
            await waitForCondition(crds, String(manifest.object.metadata?.name), "Established", { timeoutMs: options.crdTimeoutMs ?? 60_000, signal: options.signal });
          } catch (error) {
            throw new ManifestApplyError(`${where(manifest.source, manifest.index)} (${describeObject(manifest.object)}): ${(error as Error).message}`, manifest, done(), { cause: error });
          }
        }),
      );
    }
  }
  return done();
}

/** What deleting one object did. */
export interface ManifestDeletion {
  readonly manifest: Manifest;
  readonly action: "deleted" | "deleting" | "not found";
}

/**
 * Deletes a manifest set in reverse order (custom resources before their CRDs, workloads before their namespaces),
 * as `kubectl delete -f`; objects already gone are reported as `not found`.
 */
export async function deleteManifests<Known extends KindMap>(
  objects: ObjectClient<Known>,
  manifests: readonly Manifest[],
  options: { propagationPolicy?: "Orphan" | "Background" | "Foreground"; namespace?: string | undefined; dryRun?: boolean; concurrency?: number; signal?: AbortSignal } = {},
): Promise<ManifestDeletion[]> {
  const results = new Map<Manifest, ManifestDeletion>();
  const steps = new Map<number, Manifest[]>();
  for (const manifest of manifests) steps.set(rank(manifest.object), [...(steps.get(rank(manifest.object)) ?? []), manifest]);
  for (const [, batch] of [...steps.entries()].sort(([a], [b]) => b - a)) {
    await inBatches(batch, options.concurrency ?? 8, async (manifest) => {
      const { object } = manifest;
      try {
        const mapping = await objects.mapping(object.apiVersion, object.kind, { signal: options.signal }).catch((error: unknown) => {
          if ((error as Error).name === "UnknownKindError") return undefined; // its CRD is gone already: so is it
          throw error;
        });
        if (!mapping) {
          results.set(manifest, { manifest, action: "not found" });
          return;
        }
        const target = namespacedCopy(manifest, options.namespace, mapping.namespaced);
        const result = await objects.delete(
          { apiVersion: object.apiVersion, kind: object.kind, name: String(object.metadata?.name ?? ""), namespace: target.metadata?.namespace } as never,
          { propagationPolicy: options.propagationPolicy ?? "Background", dryRun: options.dryRun, signal: options.signal },
        );
        results.set(manifest, { manifest, action: isStatus(result) ? "deleted" : (result as DynamicObject).metadata?.deletionTimestamp ? "deleting" : "deleted" });
      } catch (error) {
        if (isNotFound(error)) {
          results.set(manifest, { manifest, action: "not found" });
          return;
        }
        throw new ManifestError(`${where(manifest.source, manifest.index)} (${describeObject(object)}): ${(error as Error).message}`, manifest.source, manifest.index, { cause: error });
      }
    });
  }
  return manifests.map((manifest) => results.get(manifest)!);
}
