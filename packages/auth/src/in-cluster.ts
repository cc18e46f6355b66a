import { statSync } from "node:fs";
import { join } from "node:path";
import { caBundleProblem } from "./credentials/pem.js";
import { KubeconfigError, NotInClusterError, ioReason } from "./errors.js";
import { FILE_LIMITS, readFileBounded } from "./read-bounded.js";
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
    const ns = readFileBounded(join(dir, "namespace"), FILE_LIMITS.token).toString("utf8").trim();
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
  let token: string;
  try {
    token = readFileBounded(tokenFile, FILE_LIMITS.token).toString("utf8");
  } catch (error) {
    throw new NotInClusterError(`open ${tokenFile}: ${ioReason(error)}`);
  }
  // client-go's transport refuses a token file that is empty when it is built
  if (token === "" && !options.token) throw new NotInClusterError(`read empty token from file "${tokenFile}"`);
  let ca: string | undefined;
  const caFile = options.certificateAuthority ?? join(dir, "ca.crt");
  try {
    const pem = readFileBounded(caFile, FILE_LIMITS.tlsMaterial);
    // client-go only logs a missing or unparsable ca.crt and verifies with the system roots
    if (!caBundleProblem(pem)) ca = pem.toString("utf8");
  } catch {
    // as above
  }
  const hostPort = host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
  let server: string;
  try {
    server = options.server ? normalizeServer(options.server, true) : normalizeServer(`https://${hostPort}`, true, { field: "KUBERNETES_SERVICE_HOST" });
  } catch (error) {
    if (options.server || !(error instanceof KubeconfigError)) throw error;
    throw new NotInClusterError(`KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT do not make a usable address: ${error.message}`);
  }
  return {
    source: "in-cluster",
    server,
    namespace: options.namespace || inClusterNamespace(env, dir),
    tls: { ...(ca ? { ca } : {}), insecureSkipVerify: false },
    ...(ca ? { tlsFiles: { ca: caFile } } : {}),
    // The token as read (untrimmed, as client-go's BearerToken) backs up the file when a later read fails.
    auth: options.token ? { kind: "token", token: options.token } : { kind: "token", token, tokenFile },
    disableCompression: false,
    execCluster: { server },
  };
}
