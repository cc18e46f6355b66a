import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { NotInClusterError } from "./errors.js";
import type { ResolvedConfig } from "./resolved.js";
import { normalizeServer } from "./resolve.js";
import type { LoadConnectionOptions } from "./types.js";

/** Where a pod's service-account token, CA and namespace are mounted. */
export const DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

type Env = Readonly<Record<string, string | undefined>>;

/** client-go's `inClusterClientConfig.Possible()`: both variables set and a token file that is not a directory. */
export function inClusterPossible(env: Env, dir: string): boolean {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return false;
  try {
    return !statSync(join(dir, "token")).isDirectory();
  } catch {
    return false;
  }
}

/** The pod's namespace: `POD_NAMESPACE`, else the trimmed `namespace` file, else `default`. */
export function inClusterNamespace(env: Env, dir: string): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = readFileSync(join(dir, "namespace"), "utf8").trim();
    if (ns) return ns;
  } catch {
    // no namespace file: the default namespace
  }
  return "default";
}

/**
 * In-cluster configuration as client-go's `rest.InClusterConfig`: `https://` + host:port (IPv6 bracketed), the
 * service-account token as a token file (re-read as it rotates), `ca.crt` when present (system roots otherwise).
 */
export function resolveInCluster(options: LoadConnectionOptions, env: Env, dir: string): ResolvedConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new NotInClusterError("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined");
  }
  const tokenFile = join(dir, "token");
  try {
    readFileSync(tokenFile, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NotInClusterError(`open ${tokenFile}: ${code === "ENOENT" ? "no such file or directory" : (error as Error).message}`);
  }
  let ca: string | undefined;
  const caFile = options.certificateAuthority ?? join(dir, "ca.crt");
  try {
    ca = readFileSync(caFile, "utf8");
  } catch {
    // client-go only logs this and verifies with the system roots
  }
  const hostPort = host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
  const server = options.server ? normalizeServer(options.server, true) : `https://${hostPort}`;
  return {
    source: "in-cluster",
    server,
    namespace: options.namespace || inClusterNamespace(env, dir),
    tls: { ...(ca ? { ca } : {}), insecureSkipVerify: false },
    ...(ca ? { tlsFiles: { ca: caFile } } : {}),
    auth: options.token ? { kind: "token", token: options.token } : { kind: "token", tokenFile },
    disableCompression: false,
    execCluster: { server },
  };
}
