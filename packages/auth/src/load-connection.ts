import { KubeconfigError, NotInClusterError } from "./errors.js";
import { DEFAULT_SERVICE_ACCOUNT_DIR, inClusterNamespace, inClusterPossible, resolveInCluster } from "./in-cluster.js";
import { KubeConnection } from "./connection.js";
import { kubeconfigPaths, loadKubeconfig } from "./kubeconfig/load.js";
import type { ResolvedConfig } from "./resolved.js";
import { resolveKubeconfig } from "./resolve.js";
import type { Connection, LoadConnectionOptions } from "./types.js";

/** Resolves the configuration without building a transport. Internal: the result holds secrets in plain fields. */
export function resolveConfig(options: LoadConnectionOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? DEFAULT_SERVICE_ACCOUNT_DIR;
  const mode = options.inCluster ?? "auto";
  if (mode === true) return resolveInCluster(options, env, dir);
  const possible = () => mode === "auto" && inClusterPossible(env, dir);
  try {
    const merged = loadKubeconfig(options.kubeconfig, env);
    return resolveKubeconfig(merged, options, () => (possible() ? inClusterNamespace(env, dir) : undefined));
  } catch (error) {
    // client-go falls back to the pod's service account only when nothing is configured.
    if (!(error instanceof KubeconfigError) || !error.emptyConfig) throw error;
    if (possible()) return resolveInCluster(options, env, dir);
    if (mode === "auto") {
      const { paths } = kubeconfigPaths(options.kubeconfig, env);
      throw new NotInClusterError(
        `no configuration has been provided: no usable kubeconfig (looked at ${paths.join(", ")}) and not in a cluster ` +
          "(KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set). Set KUBECONFIG, pass a kubeconfig, or run in a pod.",
      );
    }
    throw error;
  }
}

/**
 * Finds the API server and credentials exactly as kubectl and client-go do: an explicit kubeconfig, else
 * `KUBECONFIG` (merged), else `~/.kube/config`; the pod's service account when nothing is configured; with
 * kubectl-style overrides. Returns a {@link Connection} with a kept-alive connection pool.
 *
 * @example
 * ```ts
 * const connection = await loadConnection();                    // like `kubectl` with no flags
 * const res = await connection.fetch("/api/v1/namespaces");
 * console.log(connection.describe(), res.status);
 * await connection.close();
 * ```
 */
export async function loadConnection(options: LoadConnectionOptions = {}): Promise<Connection> {
  const config = resolveConfig(options);
  return new KubeConnection(config, {
    env: options.env ?? process.env,
    execTimeoutMs: options.execTimeoutMs ?? 60_000,
    tokenFileMaxAgeMs: options.tokenFileMaxAgeMs ?? 50_000,
    ...(options.maxSockets !== undefined ? { maxSockets: options.maxSockets } : {}),
    ...(options.http2 !== undefined ? { http2: options.http2 } : {}),
  });
}
