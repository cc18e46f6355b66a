import { statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { KubeconfigError, ioReason } from "../errors.js";
import { FILE_LIMITS, readFileBounded } from "../read-bounded.js";
import { DecodeError, decodeKubeconfig } from "./decode.js";
import type { ClusterEntry, ContextEntry, DecodedKubeconfig, MergedKubeconfig, UserEntry } from "./model.js";
import { YamlTextError, kubeconfigText } from "./text.js";
import { YamlError, parseKubeconfigYaml } from "./yaml.js";

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

/** Relative paths in a kubeconfig are relative to the file that defines them (no `~` expansion, as client-go). */
function resolvePath(path: string | undefined, file: string): string | undefined {
  if (!path) return path;
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}

/** client-go's ResolveLocalPaths for one file's entries. */
function resolveLocalPaths(config: DecodedKubeconfig, file: string): void {
  for (const cluster of config.clusters.values()) {
    if (cluster["certificate-authority"]) cluster["certificate-authority"] = resolvePath(cluster["certificate-authority"], file);
  }
  for (const user of config.users.values()) {
    for (const field of ["client-certificate", "client-key", "tokenFile"] as const) if (user[field]) user[field] = resolvePath(user[field], file);
    // An exec command with a path separator is relative to the kubeconfig; a bare name is looked up on PATH.
    if (user.exec?.command?.includes("/")) user.exec.command = resolvePath(user.exec.command, file)!;
  }
}

/**
 * Decodes one kubeconfig file as client-go's `clientcmd.LoadFromFile` does (relative paths stay as written). A 0-byte
 * file is an empty config. Errors name the file and, where the problem is in an entry, the entry and field.
 */
export function decodeKubeconfigFile(content: string | Uint8Array, file: string): DecodedKubeconfig {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  try {
    return decodeKubeconfig(bytes.length === 0 ? null : parseKubeconfigYaml(kubeconfigText(bytes)));
  } catch (error) {
    if (error instanceof YamlTextError || error instanceof YamlError) {
      const line = error instanceof YamlTextError && error.line ? `line ${error.line}: ` : "";
      throw new KubeconfigError(`error loading config file "${file}": yaml: ${line}${error.message}`, { file });
    }
    if (error instanceof DecodeError) {
      const entry = error.entry ? `${error.entry.list.replace(/s$/, "")} "${error.entry.name}", ` : "";
      const field = error.field ? `field "${error.field}", ` : "";
      const where = entry || field ? ` (${`${entry}${field}`.replace(/, $/, "")})` : "";
      throw new KubeconfigError(`error loading config file "${file}": ${error.message}${where}`, {
        file,
        ...(error.entry ? { entry: error.entry.name } : {}),
        ...(error.field ? { field: error.field } : {}),
      });
    }
    throw error;
  }
}

/** {@link decodeKubeconfigFile}, then relative paths resolved against the file's directory (client-go's loader). */
export function parseKubeconfig(content: string | Uint8Array, file: string): DecodedKubeconfig {
  const config = decodeKubeconfigFile(content, file);
  resolveLocalPaths(config, file);
  return config;
}

function readKubeconfig(path: string, file: string, isExplicit: boolean): Uint8Array | undefined {
  try {
    if (statSync(file).isDirectory()) throw Object.assign(new Error(`read ${file}: is a directory`), { code: "EISDIR" });
    return readFileBounded(file, FILE_LIMITS.kubeconfig);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !isExplicit) return undefined;
    const reason = ioReason(error);
    throw new KubeconfigError(
      isExplicit && code === "ENOENT" ? `stat ${path}: ${reason} (the kubeconfig given explicitly must exist)` : `error loading config file "${file}": ${reason}`,
      { file },
    );
  }
}

/**
 * Loads and merges kubeconfig files with client-go's rules: the first file to define a name wins the whole entry,
 * the first non-empty `current-context` wins; missing files in `KUBECONFIG` are skipped, a missing explicit file is an
 * error, and every file that fails to load is reported (the load fails if any does).
 */
export function loadKubeconfig(explicit: string | undefined, env: Env): MergedKubeconfig {
  const { paths, explicit: isExplicit } = kubeconfigPaths(explicit, env);
  const merged: MergedKubeconfig = { files: [], currentContext: "", clusters: new Map(), users: new Map(), contexts: new Map() };
  const failures: KubeconfigError[] = [];
  for (const path of paths) {
    const file = resolve(path);
    let parsed: DecodedKubeconfig;
    try {
      const bytes = readKubeconfig(path, file, isExplicit);
      if (!bytes) continue;
      parsed = parseKubeconfig(bytes, file);
    } catch (error) {
      if (!(error instanceof KubeconfigError)) throw error;
      failures.push(error);
      continue;
    }
    merged.files.push(file);
    if (!merged.currentContext && parsed.currentContext) merged.currentContext = parsed.currentContext;
    const add = <T>(into: Map<string, { name: string; value: T; file: string }>, from: Map<string, T>) => {
      for (const [name, value] of from) if (!into.has(name)) into.set(name, { name, value, file });
    };
    add<ClusterEntry>(merged.clusters, parsed.clusters);
    add<UserEntry>(merged.users, parsed.users);
    add<ContextEntry>(merged.contexts, parsed.contexts);
  }
  if (failures.length === 1) throw failures[0]!;
  if (failures.length > 1) {
    const first = failures[0]!;
    throw new KubeconfigError(`[${failures.map((f) => f.message).join(", ")}]`, { ...(first.file ? { file: first.file } : {}) });
  }
  return merged;
}
