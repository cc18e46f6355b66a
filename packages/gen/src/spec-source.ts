import { mkdir, readFile, readdir, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { type GroupVersionDocument, type OpenApiDocument, parseGroupVersionKey } from "./openapi.js";
import { EXIT, GenError } from "./errors.js";
import { MAX_DOCUMENT_BYTES, parseAndValidate } from "./validate-document.js";

/** Which group-versions to generate: `--groups apps,batch/v1` and `--exclude storage.k8s.io`. Core is `core` or `""`. */
export interface GroupFilter {
  groups?: string[];
  exclude?: string[];
}

function matches(patterns: string[], group: string, version: string): boolean {
  const names = group === "" ? ["core", ""] : [group];
  return patterns.some((pattern) => {
    const [g, v] = pattern.split("/");
    return names.includes(g ?? "") && (v === undefined || v === version);
  });
}

/** Whether a group-version passes the filter. */
export function selectGroupVersion(filter: GroupFilter, group: string, version: string): boolean {
  if (filter.groups?.length && !matches(filter.groups, group, version)) return false;
  if (filter.exclude?.length && matches(filter.exclude, group, version)) return false;
  return true;
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Checks that every `--groups` pattern names a group (or group/version) that `where` has, so that a typo fails with
 * the list of what there is (and the nearest name) instead of generating less than was asked for. Exclusions may
 * name groups that are absent: excluding an optional group is not a mistake.
 */
export function checkGroupPatterns(filter: GroupFilter, available: ReadonlyArray<{ group: string; version: string }>, where: string): void {
  const missing = (filter.groups ?? []).filter((pattern) => !available.some((gv) => matches([pattern], gv.group, gv.version)));
  if (missing.length === 0) return;
  const versions = new Map<string, string[]>();
  for (const { group, version } of available) {
    const name = group === "" ? "core" : group;
    versions.set(name, [...(versions.get(name) ?? []), version]);
  }
  const names = [...versions.keys()].sort((a, b) => (a === "core" ? -1 : b === "core" ? 1 : a < b ? -1 : 1));
  const hinted = missing.map((pattern) => {
    const group = pattern.split("/")[0] ?? "";
    if (versions.has(group)) return `${pattern} (${group} has ${versions.get(group)!.join(", ")})`;
    const nearest = names.map((name) => ({ name, distance: editDistance(group, name) })).sort((a, b) => a.distance - b.distance)[0];
    return nearest && nearest.distance <= Math.max(2, Math.floor(group.length / 4)) ? `${pattern} (did you mean ${nearest.name}?)` : pattern;
  });
  const served = names.length ? names.map((name) => `${name} (${versions.get(name)!.join(", ")})`).join(", ") : "nothing";
  throw new GenError(`--groups ${hinted.join(", ")}: no such group-version in ${where}; the groups there: ${served}`, EXIT.usage);
}

/** Parses a document's JSON and checks its shape, naming the document, the JSON pointer and what was expected. */
export function parseDocument(text: string, where: string): OpenApiDocument {
  return parseAndValidate(text, where);
}

/** Saves documents as `DIR/api/v1.json`, `DIR/apis/apps/v1.json`, mirroring discovery keys. */
export async function saveSpecs(dir: string, documents: readonly GroupVersionDocument[]): Promise<void> {
  for (const doc of documents) {
    const file = join(dir, `${doc.key}.json`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, `${JSON.stringify(doc.document, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }
}

/** A saved document's text: a regular file of a sane size, or a clear error naming it. */
async function readDocument(file: string): Promise<string> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error(`${file}: not a file (a document is a regular .json file)`);
    if (info.size > MAX_DOCUMENT_BYTES) throw new Error(`${file}: the document is ${(info.size / 2 ** 20).toFixed(0)} MiB, more than the ${MAX_DOCUMENT_BYTES / 2 ** 20} MiB k8s-gen reads`);
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    throw new Error(`${file}: cannot read the document (${code === "EACCES" ? "permission denied" : code === "ENOENT" ? "it disappeared while reading" : code})`);
  }
}

/** Reads documents saved by {@link saveSpecs} (for `--from DIR`). */
export async function readSavedSpecs(dir: string, filter: GroupFilter): Promise<GroupVersionDocument[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true })) as string[];
  } catch (error) {
    throw new Error(`--from ${dir}: cannot read the directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const saved = entries
    .sort()
    .filter((entry) => entry.endsWith(".json"))
    .map((entry) => {
      const key = relative(dir, join(dir, entry)).split(sep).join("/").replace(/\.json$/, "");
      return { entry, key, gv: parseGroupVersionKey(key) };
    })
    .filter((saved): saved is typeof saved & { gv: { group: string; version: string } } => saved.gv !== undefined);
  if (saved.length > 0) checkGroupPatterns(filter, saved.map((s) => s.gv), `the documents in --from ${dir}`);
  const documents: GroupVersionDocument[] = [];
  for (const { entry, key, gv } of saved) {
    if (!selectGroupVersion(filter, gv.group, gv.version)) continue;
    const file = join(dir, entry);
    documents.push({ key, ...gv, document: parseDocument(await readDocument(file), file) });
  }
  if (documents.length === 0) {
    throw new Error(`--from ${dir}: no group-version documents found (expected files like api/v1.json and apis/apps/v1.json${filter.groups || filter.exclude ? " matching --groups/--exclude" : ""})`);
  }
  return documents;
}
