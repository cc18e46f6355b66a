import { readFileSync } from "node:fs";
import { KubeconfigError, at } from "./errors.js";
import type { ClusterEntry, MergedKubeconfig, UserEntry } from "./kubeconfig/model.js";
import type { AuthSpec, ExecClusterInfo, Impersonation, ResolvedConfig } from "./resolved.js";
import type { LoadConnectionOptions } from "./types.js";

/** client-go's ErrEmptyConfig message; the in-cluster fallback applies only to this error. */
export const EMPTY_CONFIG_MESSAGE = "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable";

function readPem(path: string, what: string, entry: string, file: string, field: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (error as Error).message;
    throw new KubeconfigError(`unable to read ${what} ${path} for ${entry} due to open ${path}: ${reason}${at({ file, field })}`, { file, entry, field });
  }
}

function decodeBase64(data: string, entry: string, file: string, field: string): string {
  const compact = data.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new KubeconfigError(`illegal base64 data in ${field}${at({ file, entry, field })}`, { file, entry, field });
  }
  return Buffer.from(compact, "base64").toString("utf8");
}

/**
 * `https://host:port/prefix` as client-go builds it: a path prefix is kept (the query and fragment are dropped), no
 * trailing slash. A server without a scheme is `http://` unless `defaultHttps` (in-cluster): client-go decides
 * whether the transport is TLS before a CA or the insecure flag can make it https.
 */
export function normalizeServer(server: string, defaultHttps: boolean): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `${defaultHttps ? "https" : "http"}://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new KubeconfigError(`host must be a URL or a host:port pair: "${server}"`, { field: "server" });
  }
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.protocol}//${url.host}${path}`;
}

/** client-go's validateClusterInfo: every problem of a cluster entry. */
function clusterProblems(name: string, cluster: ClusterEntry): string[] {
  const problems: string[] = [];
  if (cluster["certificate-authority"] && cluster["certificate-authority-data"]) {
    problems.push(`certificate-authority-data and certificate-authority are both specified for ${name}. certificate-authority-data will override.`);
  }
  const proxy = cluster["proxy-url"];
  if (proxy) {
    let scheme: string | undefined;
    try {
      scheme = new URL(proxy).protocol.replace(/:$/, "");
    } catch {
      problems.push(`invalid 'proxy-url' "${proxy}" for cluster "${name}": not a URL`);
    }
    if (scheme !== undefined && !["http", "https", "socks5"].includes(scheme)) {
      problems.push(`invalid 'proxy-url' "${proxy}" for cluster "${name}": unsupported scheme "${scheme}", must be http, https, or socks5`);
    }
  }
  return problems;
}

/** client-go's validateAuthInfo: every problem of a user entry. */
function userProblems(name: string, user: UserEntry): string[] {
  const problems: string[] = [];
  const methods: string[] = [];
  if (user.token || user.tokenFile) methods.push("token");
  if (user.username || user.password) methods.push("basicAuth");
  if (user.token && (user.username || user.password)) problems.push(`more than one authentication method found for ${name}; found [${methods.join(" ")}], only one is allowed`);
  if (user["client-certificate"] && user["client-certificate-data"]) {
    problems.push(`client-cert-data and client-cert are both specified for ${name}. client-cert-data will override.`);
  }
  if (user["client-key"] && user["client-key-data"]) problems.push(`client-key-data and client-key are both specified for ${name}; client-key-data will override`);
  const hasCert = Boolean(user["client-certificate"] || user["client-certificate-data"]);
  const hasKey = Boolean(user["client-key"] || user["client-key-data"]);
  if (hasCert && !hasKey) problems.push(`client-key-data or client-key must be specified for ${name} to use the clientCert authentication method.`);
  if (hasKey && !hasCert) problems.push(`client-cert-data or client-cert must be specified for ${name} to use the clientCert authentication method.`);
  if (user.exec) {
    if (!user.exec.command) problems.push(`command must be specified for ${name} to use exec authentication plugin`);
    if (!user.exec.apiVersion) problems.push(`apiVersion must be specified for ${name} to use exec authentication plugin`);
    if (user.exec.apiVersion === "client.authentication.k8s.io/v1" && !user.exec.interactiveMode) {
      problems.push(`interactiveMode must be specified for ${name} to use exec authentication plugin`);
    }
    if (user.exec.interactiveMode && !["Never", "IfAvailable", "Always"].includes(user.exec.interactiveMode)) {
      problems.push(`invalid interactiveMode for ${name}: "${user.exec.interactiveMode}"`);
    }
    for (const variable of user.exec.env ?? []) {
      if (!variable?.name) problems.push(`env variable name must be specified for ${name} to use exec authentication plugin`);
    }
    if (user["auth-provider"]) problems.push(`authProvider cannot be provided in combination with an exec plugin for ${name}`);
  }
  if (!user.as && (user["as-uid"] || user["as-groups"]?.length || Object.keys(user["as-user-extra"] ?? {}).length)) {
    problems.push(`requesting uid, groups or user-extra for ${name} without impersonating a user`);
  }
  return problems;
}

/** Throws client-go's aggregate `invalid configuration: ...` error, naming the file and entry. */
function throwProblems(problems: string[], location: { file: string; entry: string }): void {
  if (problems.length === 0) return;
  const message = problems.length === 1 ? problems[0] : `[${problems.join(", ")}]`;
  throw new KubeconfigError(`invalid configuration: ${message}${at(location)}`, location);
}

const REMOVED_PROVIDERS: Record<string, string> = {
  gcp: 'The gcp auth plugin has been removed.\nPlease use the "gke-gcloud-auth-plugin" kubectl/client-go credential plugin instead.\nSee https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke for further details',
  azure:
    "The azure auth plugin has been removed.\nPlease use the https://github.com/Azure/kubelogin kubectl/client-go credential plugin instead.\nSee https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins for further details",
};

/** Picks the authentication method with client-go's precedence. */
function authFor(name: string, user: UserEntry, file: string): AuthSpec {
  if (user.token || user.tokenFile) {
    if (user.tokenFile && (user.username || user.password)) {
      // Passes validation in client-go but fails when the transport is built.
      throw new KubeconfigError(`username/password or bearer token may be set, but not both${at({ file, entry: name, field: "tokenFile" })}`, { file, entry: name, field: "tokenFile" });
    }
    if (user.tokenFile) {
      // Read now, as ClientConfig() does: an unreadable or empty file is an error at load time.
      let content: string;
      try {
        content = readFileSync(user.tokenFile, "utf8");
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (error as Error).message;
        throw new KubeconfigError(`open ${user.tokenFile}: ${reason}${at({ file, entry: name, field: "tokenFile" })}`, { file, entry: name, field: "tokenFile" });
      }
      if (!content.trim()) throw new KubeconfigError(`read empty token from file "${user.tokenFile}"${at({ file, entry: name, field: "tokenFile" })}`, { file, entry: name, field: "tokenFile" });
    }
    return { kind: "token", ...(user.token ? { token: user.token } : {}), ...(user.tokenFile ? { tokenFile: user.tokenFile } : {}) };
  }
  if (user.username || user.password) return { kind: "basic", username: user.username ?? "", password: user.password ?? "" };
  const hasCert = Boolean(user["client-certificate"] || user["client-certificate-data"]);
  if (user.exec && !hasCert) {
    const version = user.exec.apiVersion;
    if (version !== "client.authentication.k8s.io/v1" && version !== "client.authentication.k8s.io/v1beta1") {
      throw new KubeconfigError(`exec plugin: invalid apiVersion "${version}"${at({ file, entry: name, field: "exec.apiVersion" })}`, { file, entry: name, field: "exec.apiVersion" });
    }
    return { kind: "exec", exec: user.exec, user: name };
  }
  const provider = user["auth-provider"];
  if (provider && !hasCert) {
    if (REMOVED_PROVIDERS[provider.name]) throw new KubeconfigError(REMOVED_PROVIDERS[provider.name]!, { file, entry: name, field: "auth-provider" });
    if (provider.name !== "oidc") throw new KubeconfigError(`no Auth Provider found for name "${provider.name}"${at({ file, entry: name, field: "auth-provider.name" })}`, { file, entry: name, field: "auth-provider" });
    const config = provider.config ?? {};
    if (!config["idp-issuer-url"]) throw new KubeconfigError(`Must provide idp-issuer-url${at({ file, entry: name, field: "auth-provider.config" })}`, { file, entry: name });
    if (!config["client-id"]) throw new KubeconfigError(`Must provide client-id${at({ file, entry: name, field: "auth-provider.config" })}`, { file, entry: name });
    return { kind: "oidc", config, user: name };
  }
  return { kind: "none" };
}

/**
 * Resolves the merged kubeconfig with kubectl-style overrides into one server, identity and namespace, with
 * client-go's rules and error messages (ConfirmUsable, validation, credential precedence).
 */
export function resolveKubeconfig(merged: MergedKubeconfig, options: LoadConnectionOptions, inClusterNamespace?: () => string | undefined): ResolvedConfig {
  const contextName = options.context || merged.currentContext;
  const fileOf = merged.files.length === 1 ? merged.files[0] : undefined;
  const inFiles = merged.files.length ? ` (looked in ${merged.files.join(", ")})` : " (no kubeconfig file was found)";
  if (options.context && !merged.contexts.has(options.context)) {
    throw new KubeconfigError(`context "${options.context}" does not exist${inFiles}`, { ...(fileOf ? { file: fileOf } : {}), entry: options.context, field: "contexts" });
  }
  const context = contextName ? merged.contexts.get(contextName) : undefined;
  const clusterName = options.cluster || context?.value.cluster || "";
  const userName = options.user || context?.value.user || "";
  if (options.cluster && !merged.clusters.has(options.cluster)) throw new KubeconfigError(`cluster "${options.cluster}" does not exist${inFiles}`, { ...(fileOf ? { file: fileOf } : {}), entry: options.cluster, field: "clusters" });
  if (options.user && !merged.users.has(options.user)) throw new KubeconfigError(`auth info "${options.user}" does not exist${inFiles}`, { ...(fileOf ? { file: fileOf } : {}), entry: options.user, field: "users" });

  const clusterEntry = clusterName ? merged.clusters.get(clusterName) : undefined;
  const cluster: ClusterEntry = { ...(clusterEntry?.value ?? {}) };
  if (options.certificateAuthority) {
    cluster["certificate-authority"] = options.certificateAuthority;
    delete cluster["certificate-authority-data"];
  }
  if (options.server) {
    cluster.server = options.server;
    delete cluster["tls-server-name"]; // a --server override clears tls-server-name, as client-go does
  }

  // ConfirmUsable: a missing context plus an empty cluster is invalid; an empty cluster alone is "empty config".
  const problems: string[] = [];
  if (contextName && !context) problems.push(`context was not found for specified context: ${contextName}`);
  const clusterEmpty = Object.values(cluster).every((v) => v === undefined || v === "" || v === false);
  if (clusterEmpty) {
    if (problems.length === 0) throw new KubeconfigError(EMPTY_CONFIG_MESSAGE, fileOf ? { file: fileOf } : {}, { emptyConfig: true });
    problems.push("cluster has no server defined");
  } else if (!cluster.server) {
    problems.push(`no server found for cluster "${clusterName}"`);
  }
  if (problems.length > 0) {
    const file = clusterEntry?.file ?? context?.file ?? fileOf;
    const message = problems.length === 1 ? problems[0] : `[${problems.join(", ")}]`;
    throw new KubeconfigError(`invalid configuration: ${message}${at(file ? { file } : {})}`, { ...(file ? { file } : {}), ...(clusterName ? { entry: clusterName } : {}) });
  }
  const clusterFile = clusterEntry?.file ?? fileOf ?? "";

  const userEntry = userName ? merged.users.get(userName) : undefined; // a missing user is anonymous
  const user: UserEntry = { ...(userEntry?.value ?? {}) };
  if (options.token) {
    // --token replaces the user's other ways to authenticate (a client certificate may stay, as in client-go).
    for (const field of ["tokenFile", "username", "password", "exec", "auth-provider"] as const) delete user[field];
    user.token = options.token;
  }
  const userFile = userEntry?.file ?? clusterFile;
  throwProblems([...clusterProblems(clusterName, cluster), ...userProblems(userName, user)], { file: userEntry ? userFile : clusterFile, entry: userEntry ? userName : clusterName });

  const insecure = cluster["insecure-skip-tls-verify"] === true;
  let ca: string | undefined;
  if (cluster["certificate-authority-data"]) ca = decodeBase64(cluster["certificate-authority-data"], clusterName, clusterFile, "certificate-authority-data");
  else if (cluster["certificate-authority"]) ca = readPem(cluster["certificate-authority"], "certificate-authority", clusterName, clusterFile, "certificate-authority");
  if (insecure && ca && /^https:\/\//i.test(cluster.server!.trim())) {
    throw new KubeconfigError(`specifying a root certificates file with the insecure flag is not allowed (cluster "${clusterName}"${clusterFile ? ` in ${clusterFile}` : ""})`, {
      file: clusterFile,
      entry: clusterName,
      field: "insecure-skip-tls-verify",
    });
  }
  let cert: string | undefined;
  let key: string | undefined;
  if (user["client-certificate-data"]) cert = decodeBase64(user["client-certificate-data"], userName, userFile, "client-certificate-data");
  else if (user["client-certificate"]) cert = readPem(user["client-certificate"], "client-cert", userName, userFile, "client-certificate");
  if (user["client-key-data"]) key = decodeBase64(user["client-key-data"], userName, userFile, "client-key-data");
  else if (user["client-key"]) key = readPem(user["client-key"], "client-key", userName, userFile, "client-key");

  const server = normalizeServer(cluster.server!, false);
  const https = server.startsWith("https://");
  const serverName = cluster["tls-server-name"];
  // A plain http server gets no TLS settings at all (and no credentials, below), as client-go.
  const tls = https
    ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(serverName ? { serverName } : {}), insecureSkipVerify: insecure }
    : { insecureSkipVerify: false };
  const tlsFiles = {
    ...(https && ca && !cluster["certificate-authority-data"] && cluster["certificate-authority"] ? { ca: cluster["certificate-authority"] } : {}),
    ...(https && cert && !user["client-certificate-data"] && user["client-certificate"] ? { cert: user["client-certificate"] } : {}),
    ...(https && key && !user["client-key-data"] && user["client-key"] ? { key: user["client-key"] } : {}),
  };
  // client-go applies user credentials only over TLS: an http:// server gets none.
  const auth: AuthSpec = https ? authFor(userName, user, userFile) : { kind: "none" };

  let impersonate: Impersonation | undefined;
  if (user.as) {
    impersonate = { user: user.as, groups: user["as-groups"] ?? [], extra: user["as-user-extra"] ?? {}, ...(user["as-uid"] ? { uid: user["as-uid"] } : {}) };
  }
  const namespace = options.namespace || context?.value.namespace || inClusterNamespace?.() || "default";
  const extension = cluster.extensions?.find((e) => e?.name === "client.authentication.k8s.io/exec")?.extension;
  const execCluster: ExecClusterInfo = {
    server,
    ...(serverName ? { "tls-server-name": serverName } : {}),
    ...(insecure ? { "insecure-skip-tls-verify": true } : {}),
    ...(ca ? { "certificate-authority-data": Buffer.from(ca).toString("base64") } : {}),
    ...(cluster["proxy-url"] ? { "proxy-url": cluster["proxy-url"] } : {}),
    ...(cluster["disable-compression"] ? { "disable-compression": true } : {}),
    ...(extension !== undefined ? { config: extension } : {}),
  };
  return {
    source: "kubeconfig",
    server,
    namespace,
    ...(contextName ? { contextName } : {}),
    ...(clusterName ? { clusterName } : {}),
    ...(userName ? { userName } : {}),
    ...(userFile || clusterFile ? { file: userFile || clusterFile } : {}),
    tls,
    ...(Object.keys(tlsFiles).length ? { tlsFiles } : {}),
    auth,
    ...(impersonate ? { impersonate } : {}),
    ...(cluster["proxy-url"] ? { proxyUrl: cluster["proxy-url"] } : {}),
    disableCompression: cluster["disable-compression"] === true,
    execCluster,
  };
}

