import { mkdir, readFile, readdir, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { type GroupVersionDocument, type OpenApiDocument, parseGroupVersionKey } from "./openapi.js";
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
  const documents: GroupVersionDocument[] = [];
  for (const entry of entries.sort()) {
    if (!entry.endsWith(".json")) continue;
    const key = relative(dir, join(dir, entry)).split(sep).join("/").replace(/\.json$/, "");
    const gv = parseGroupVersionKey(key);
    if (!gv || !selectGroupVersion(filter, gv.group, gv.version)) continue;
    const file = join(dir, entry);
    documents.push({ key, ...gv, document: parseDocument(await readDocument(file), file) });
  }
  if (documents.length === 0) {
    throw new Error(`--from ${dir}: no group-version documents found (expected files like api/v1.json and apis/apps/v1.json${filter.groups || filter.exclude ? " matching --groups/--exclude" : ""})`);
  }
  return documents;
}
