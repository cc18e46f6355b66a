import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { YAMLException, loadAll as loadYamlDocuments } from "js-yaml";
import { KubeconfigError } from "../errors.js";
import type { ClusterEntry, ContextEntry, MergedKubeconfig, Sourced, UserEntry } from "./model.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The kubeconfig files to read, as client-go's default loading rules: an explicit path replaces everything (and must
 * exist); else `KUBECONFIG` split on `:` (`;` on Windows) with duplicates and empty entries removed (missing files skipped later);
 * else `$HOME/.kube/config`.
 */
export function kubeconfigPaths(explicit: string | undefined, env: Env): { paths: string[]; explicit: boolean } {
  if (explicit) return { paths: [explicit], explicit: true };
  if (env.KUBECONFIG) {
    const seen = new Set<string>();
    const paths = env.KUBECONFIG.split(delimiter).filter((p) => p !== "" && !seen.has(p) && seen.add(p));
    return { paths, explicit: false };
  }
  return { paths: [join(env.HOME || homedir(), ".kube", "config")], explicit: false };
}

interface ParsedFile {
  file: string;
  currentContext: string;
  clusters: Sourced<ClusterEntry>[];
  users: Sourced<UserEntry>[];
  contexts: Sourced<ContextEntry>[];
}

const PATH_FIELDS = {
  cluster: ["certificate-authority"],
  user: ["client-certificate", "client-key", "tokenFile"],
} as const;

/** Relative paths in a kubeconfig are relative to the file that defines them (no `~` expansion, as client-go). */
function resolvePath(path: string | undefined, file: string): string | undefined {
  if (!path) return path;
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}

function namedList<T>(doc: Record<string, unknown>, list: "clusters" | "users" | "contexts", key: "cluster" | "user" | "context", file: string): Sourced<T>[] {
  const raw = doc[list];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new KubeconfigError(`error loading config file "${file}": "${list}" must be a list`, { file, field: list });
  const seen = new Set<string>();
  return raw.map((item: unknown, index) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    const name = entry.name;
    if (typeof name !== "string") {
      throw new KubeconfigError(`error loading config file "${file}": ${list}[${index}] has no name`, { file, field: `${list}[${index}].name` });
    }
    if (seen.has(name)) {
      throw new KubeconfigError(`error loading config file "${file}": duplicate name "${name}" in list`, { file, entry: name, field: list });
    }
    seen.add(name);
    const value = entry[key];
    if (value !== undefined && value !== null && (typeof value !== "object" || Array.isArray(value))) {
      throw new KubeconfigError(`error loading config file "${file}": ${list}[${index}].${key} must be a mapping`, { file, entry: name, field: key });
    }
    return { name, value: { ...((value ?? {}) as object) } as T, file };
  });
}

/** Parses one kubeconfig file. A 0-byte file is an empty config, as in client-go. */
export function parseKubeconfig(text: string, file: string): ParsedFile {
  let value: unknown;
  try {
    // Duplicate keys are an error, as in client-go. Like its YAML decoder, the first document is the config, and an
    // empty or comment-only file has none (an empty config).
    value = loadYamlDocuments(text, { filename: file })[0];
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const where = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : "";
    throw new KubeconfigError(`error loading config file "${file}": invalid YAML${where}: ${error.reason}`, { file });
  }
  if (value === null || value === undefined) return { file, currentContext: "", clusters: [], users: [], contexts: [] };
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new KubeconfigError(`error loading config file "${file}": not a kubeconfig (expected a mapping at the top level)`, { file });
  }
  const doc = value as Record<string, unknown>;
  const clusters = namedList<ClusterEntry>(doc, "clusters", "cluster", file);
  const users = namedList<UserEntry>(doc, "users", "user", file);
  const contexts = namedList<ContextEntry>(doc, "contexts", "context", file);
  for (const cluster of clusters) for (const field of PATH_FIELDS.cluster) cluster.value[field] = resolvePath(cluster.value[field], file) as never;
  for (const user of users) {
    for (const field of PATH_FIELDS.user) user.value[field] = resolvePath(user.value[field], file) as never;
    // An exec command with a path separator is relative to the kubeconfig; a bare name is looked up on PATH.
    const exec = user.value.exec;
    if (exec?.command && exec.command.includes("/")) exec.command = resolvePath(exec.command, file)!;
  }
  const currentContext = typeof doc["current-context"] === "string" ? doc["current-context"] : "";
  return { file, currentContext, clusters, users, contexts };
}

/**
 * Loads and merges kubeconfig files with client-go's rules: the first file to define a name wins the whole entry,
 * the first non-empty `current-context` wins; missing files in `KUBECONFIG` are skipped, a missing explicit file is an
 * error, and a file that fails to parse fails the whole load.
 */
export function loadKubeconfig(explicit: string | undefined, env: Env): MergedKubeconfig {
  const { paths, explicit: isExplicit } = kubeconfigPaths(explicit, env);
  const merged: MergedKubeconfig = { files: [], currentContext: "", clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const path of paths) {
    const file = resolve(path);
    let text: string;
    try {
      if (statSync(file).isDirectory()) throw Object.assign(new Error(`read ${file}: is a directory`), { code: "EISDIR" });
      text = readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" && !isExplicit) continue;
      const reason = code === "ENOENT" ? "no such file or directory" : (error as Error).message;
      throw new KubeconfigError(
        isExplicit ? `stat ${path}: ${reason} (the kubeconfig given explicitly must exist)` : `error loading config file "${file}": ${reason}`,
        { file },
      );
    }
    const parsed = parseKubeconfig(text, file);
    merged.files.push(file);
    if (!merged.currentContext && parsed.currentContext) merged.currentContext = parsed.currentContext;
    for (const entry of parsed.clusters) if (!merged.clusters.has(entry.name)) merged.clusters.set(entry.name, entry);
    for (const entry of parsed.users) if (!merged.users.has(entry.name)) merged.users.set(entry.name, entry);
    for (const entry of parsed.contexts) if (!merged.contexts.has(entry.name)) merged.contexts.set(entry.name, entry);
  }
  return merged;
}
