import { caBundleProblem, keyPairProblem } from "./credentials/pem.js";
import { KubeconfigError, at, ioReason } from "./errors.js";
import { headerValueProblem } from "./header-values.js";
import type { ClusterEntry, MergedKubeconfig, UserEntry } from "./kubeconfig/model.js";
import { GoUrlError, checkProxyUrl, normalizeServerUrl, redactUrl } from "./kubeconfig/url.js";
import { FILE_LIMITS, readFileBounded } from "./read-bounded.js";
import type { AuthSpec, ExecClusterInfo, Impersonation, ResolvedConfig } from "./resolved.js";
import type { LoadConnectionOptions } from "./types.js";

/** client-go's ErrEmptyConfig message; the in-cluster fallback applies only to this error. */
export const EMPTY_CONFIG_MESSAGE = "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable";

interface Where {
  file: string;
  entry: string;
}

function readMaterial(path: string, what: string, where: Where, field: string): Buffer {
  try {
    return readFileBounded(path, FILE_LIMITS.tlsMaterial);
  } catch (error) {
    const reason = ioReason(error);
    throw new KubeconfigError(`unable to read ${what} ${path} for ${where.entry} due to open ${path}: ${reason}${at({ ...where, field })}`, { ...where, field });
  }
}

/**
 * The API server URL as client-go builds it (see {@link normalizeServerUrl}); a server kubectl could not use, or
 * whose host Node would read differently, is a {@link KubeconfigError} naming the field.
 */
export function normalizeServer(server: string, defaultHttps: boolean, where: Partial<Where> & { field?: string } = {}): string {
  try {
    return normalizeServerUrl(server, defaultHttps);
  } catch (error) {
    if (!(error instanceof GoUrlError)) throw error;
    const field = where.field ?? "server";
    const location = { ...(where.file ? { file: where.file } : {}), ...(where.entry ? { entry: where.entry } : {}), field };
    throw new KubeconfigError(`invalid server ${JSON.stringify(redactUrl(server))}: ${error.message}${at(location)}`, location);
  }
}

/** client-go's validateClusterInfo: every problem of a cluster entry. */
function clusterProblems(name: string, cluster: ClusterEntry): string[] {
  const problems: string[] = [];
  const proxy = cluster["proxy-url"];
  if (proxy) {
    try {
      checkProxyUrl(proxy);
    } catch (error) {
      if (!(error instanceof GoUrlError)) throw error;
      problems.push(`invalid 'proxy-url' ${JSON.stringify(redactUrl(proxy))} for cluster "${name}": ${error.message}`);
    }
  }
  if (cluster["certificate-authority"] && cluster["certificate-authority-data"]) {
    problems.push(`certificate-authority-data and certificate-authority are both specified for ${name}. certificate-authority-data will override.`);
  }
  return problems;
}

/** client-go's validateAuthInfo: every problem of a user entry. */
function userProblems(name: string, user: UserEntry): string[] {
  const problems: string[] = [];
  const methods: string[] = [];
  if (user.token) methods.push("token");
  if (user.username || user.password) methods.push("basicAuth");
  // The key fields only matter with a certificate: a key alone is ignored, as client-go ignores it.
  if (user["client-certificate"] || user["client-certificate-data"]) {
    if (user["client-certificate"] && user["client-certificate-data"]) {
      problems.push(`client-cert-data and client-cert are both specified for ${name}. client-cert-data will override.`);
    }
    if (user["client-key"] && user["client-key-data"]) problems.push(`client-key-data and client-key are both specified for ${name}; client-key-data will override`);
    if (!user["client-key"] && !user["client-key-data"]) problems.push(`client-key-data or client-key must be specified for ${name} to use the clientCert authentication method.`);
  }
  const exec = user.exec;
  if (exec) {
    if (user["auth-provider"]) problems.push(`authProvider cannot be provided in combination with an exec plugin for ${name}`);
    if (!exec.command) problems.push(`command must be specified for ${name} to use exec authentication plugin`);
    if (!exec.apiVersion) problems.push(`apiVersion must be specified for ${name} to use exec authentication plugin`);
    for (const variable of exec.env ?? []) {
      if (!variable?.name) problems.push(`env variable name must be specified for ${name} to use exec authentication plugin`);
    }
    // v1beta1 plugins were defaulted to IfAvailable when the file was decoded; others must say.
    if (!exec.interactiveMode) problems.push(`interactiveMode must be specified for ${name} to use exec authentication plugin`);
    else if (!["Never", "IfAvailable", "Always"].includes(exec.interactiveMode)) problems.push(`invalid interactiveMode for ${name}: ${JSON.stringify(exec.interactiveMode)}`);
  }
  if (methods.length > 1) problems.push(`more than one authentication method found for ${name}; found [${methods.join(" ")}], only one is allowed`);
  if (!user.as && (user["as-uid"] || user["as-groups"]?.length || Object.keys(user["as-user-extra"] ?? {}).length)) {
    problems.push(`requesting uid, groups or user-extra for ${name} without impersonating a user`);
  }
  return problems;
}

/** Throws client-go's aggregate `invalid configuration: ...` error, naming the file and entry. */
function throwProblems(problems: string[], location: Where): void {
  if (problems.length === 0) return;
  const message = problems.length === 1 ? problems[0] : `[${problems.join(", ")}]`;
  throw new KubeconfigError(`invalid configuration: ${message}${at(location)}`, location);
}

const REMOVED_PROVIDERS: Record<string, string> = {
  gcp: 'The gcp auth plugin has been removed.\nPlease use the "gke-gcloud-auth-plugin" kubectl/client-go credential plugin instead.\nSee https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke for further details',
  azure:
    "The azure auth plugin has been removed.\nPlease use the https://github.com/Azure/kubelogin kubectl/client-go credential plugin instead.\nSee https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins for further details",
};

/** The oidc auth-provider's config, or client-go's error for a provider it cannot create. */
function providerConfig(provider: NonNullable<UserEntry["auth-provider"]>, where: Where): Record<string, string> {
  const providerName = provider.name ?? "";
  if (REMOVED_PROVIDERS[providerName]) throw new KubeconfigError(REMOVED_PROVIDERS[providerName]!, { ...where, field: "auth-provider" });
  if (providerName !== "oidc") throw new KubeconfigError(`no Auth Provider found for name ${JSON.stringify(providerName)}${at({ ...where, field: "auth-provider.name" })}`, { ...where, field: "auth-provider.name" });
  const config = provider.config ?? {};
  if (!config["idp-issuer-url"]) throw new KubeconfigError(`Must provide idp-issuer-url${at({ ...where, field: "auth-provider.config" })}`, { ...where, field: "auth-provider.config" });
  if (!config["client-id"]) throw new KubeconfigError(`Must provide client-id${at({ ...where, field: "auth-provider.config" })}`, { ...where, field: "auth-provider.config" });
  return config;
}

/** Picks the authentication method with client-go's precedence. */
function authFor(name: string, user: UserEntry, file: string): AuthSpec {
  const where = { file, entry: name };
  // client-go creates the exec authenticator and the auth-provider when it builds the transport, also when a token
  // or certificate then takes precedence: their configuration errors count either way.
  const version = user.exec?.apiVersion;
  if (user.exec && version !== "client.authentication.k8s.io/v1" && version !== "client.authentication.k8s.io/v1beta1") {
    throw new KubeconfigError(`exec plugin: invalid apiVersion ${JSON.stringify(version ?? "")}${at({ ...where, field: "exec.apiVersion" })}`, { ...where, field: "exec.apiVersion" });
  }
  const oidc = user["auth-provider"] ? providerConfig(user["auth-provider"], where) : undefined;
  if (user.token || user.tokenFile) {
    if (user.tokenFile && (user.username || user.password)) {
      // Passes validation in client-go but fails when the transport is built.
      throw new KubeconfigError(`username/password or bearer token may be set, but not both${at({ ...where, field: "tokenFile" })}`, { ...where, field: "tokenFile" });
    }
    // With an inline token the file is not read now: each request tries it and falls back to the token.
    if (user.token) return { kind: "token", token: user.token, ...(user.tokenFile ? { tokenFile: user.tokenFile } : {}) };
    // Without one, ClientConfig() reads the file now (an unreadable file is an error) and keeps its content as is;
    // building the transport then refuses a 0-byte file.
    let content: string;
    try {
      content = readFileBounded(user.tokenFile!, FILE_LIMITS.token).toString("utf8");
    } catch (error) {
      const reason = ioReason(error);
      throw new KubeconfigError(`open ${user.tokenFile}: ${reason}${at({ ...where, field: "tokenFile" })}`, { ...where, field: "tokenFile" });
    }
    if (content === "") throw new KubeconfigError(`read empty token from file "${user.tokenFile}"${at({ ...where, field: "tokenFile" })}`, { ...where, field: "tokenFile" });
    return { kind: "token", token: content, tokenFile: user.tokenFile! };
  }
  if (user.username || user.password) return { kind: "basic", username: user.username ?? "", password: user.password ?? "" };
  const hasCert = Boolean(user["client-certificate"] || user["client-certificate-data"]);
  if (user.exec && !hasCert) return { kind: "exec", exec: user.exec, user: name };
  if (oidc && !hasCert) return { kind: "oidc", config: oidc, user: name };
  return { kind: "none" };
}

/** Impersonation values go into headers: a value Go's transport would refuse fails now, naming the field. */
function checkImpersonation(impersonate: Impersonation, where: Where): void {
  const values: Array<[string, string]> = [
    ["as", impersonate.user],
    ...(impersonate.uid ? [["as-uid", impersonate.uid] as [string, string]] : []),
    ...impersonate.groups.map((g, i): [string, string] => [`as-groups[${i}]`, g]),
    ...Object.entries(impersonate.extra).flatMap(([key, vs]) => (vs ?? []).map((v, i): [string, string] => [`as-user-extra[${JSON.stringify(key)}][${i}]`, v])),
  ];
  for (const [field, value] of values) {
    const problem = headerValueProblem(value);
    if (problem) throw new KubeconfigError(`invalid impersonation value: it ${problem}, so it cannot be sent as a header${at({ ...where, field })}`, { ...where, field });
  }
}

/** client-go's TLS checks when it builds the transport: the CA must parse, the client pair must belong together. */
function checkTlsMaterial(ca: Buffer | undefined, cert: Buffer | undefined, key: Buffer | undefined, sources: { ca: string; cert: string; key: string }, cluster: Where, user: Where): void {
  if (ca && ca.length > 0) {
    const problem = caBundleProblem(ca);
    if (problem) throw new KubeconfigError(`unable to load root certificates: ${problem}${at({ ...cluster, field: sources.ca })}`, { ...cluster, field: sources.ca });
  }
  if (cert && key) {
    const problem = keyPairProblem(cert, key);
    if (problem) {
      const field = `${sources.cert}, ${sources.key}`;
      throw new KubeconfigError(`${problem}${at({ ...user, field })}`, { ...user, field });
    }
  }
}

/**
 * Resolves the merged kubeconfig with kubectl-style overrides into one server, identity and namespace, with
 * client-go's rules and error messages (ConfirmUsable, validation, credential precedence, TLS checks).
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

  const clusterEntry = merged.clusters.get(clusterName);
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
  const clusterEmpty = Object.values(cluster).every((v) => v === undefined || v === "" || v === false || (v instanceof Map && v.size === 0));
  if (clusterEmpty) {
    if (problems.length === 0) throw new KubeconfigError(`${EMPTY_CONFIG_MESSAGE}${inFiles}`, fileOf ? { file: fileOf } : {}, { emptyConfig: true });
    problems.push("cluster has no server defined");
  } else if (!cluster.server) {
    problems.push(clusterName ? `no server found for cluster "${clusterName}"` : "default cluster has no server defined");
  }
  if (problems.length > 0) {
    const file = clusterEntry?.file ?? context?.file ?? fileOf;
    const message = problems.length === 1 ? problems[0] : `[${problems.join(", ")}]`;
    throw new KubeconfigError(`invalid configuration: ${message}${at(file ? { file } : {})}`, { ...(file ? { file } : {}), ...(clusterName ? { entry: clusterName } : {}) });
  }
  const clusterFile = clusterEntry?.file ?? fileOf ?? "";
  const clusterWhere = { file: clusterFile, entry: clusterName };

  const userEntry = merged.users.get(userName); // a missing user is anonymous
  const user: UserEntry = { ...(userEntry?.value ?? {}) };
  if (options.token) {
    // --token replaces the user's other ways to authenticate (a client certificate may stay, as in client-go).
    for (const field of ["tokenFile", "username", "password", "exec", "auth-provider"] as const) delete user[field];
    user.token = options.token;
  }
  const userFile = userEntry?.file ?? clusterFile;
  const userWhere = { file: userFile, entry: userName };
  const ofUser = userProblems(userName, user);
  throwProblems([...ofUser, ...clusterProblems(clusterName, cluster)], ofUser.length && userEntry ? userWhere : clusterWhere);

  const insecure = cluster["insecure-skip-tls-verify"] === true;
  let ca: Buffer | undefined;
  if (cluster["certificate-authority-data"]) ca = cluster["certificate-authority-data"];
  else if (cluster["certificate-authority"]) ca = readMaterial(cluster["certificate-authority"], "certificate-authority", clusterWhere, "certificate-authority");
  const hasCert = Boolean(user["client-certificate"] || user["client-certificate-data"]);
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  if (hasCert) {
    cert = user["client-certificate-data"] ?? readMaterial(user["client-certificate"]!, "client-cert", userWhere, "client-certificate");
    key = user["client-key-data"] ?? readMaterial(user["client-key"]!, "client-key", userWhere, "client-key");
  }

  const server = normalizeServer(cluster.server!, false, clusterWhere);
  const https = server.startsWith("https://");
  if (https && insecure && ca !== undefined) {
    throw new KubeconfigError(`specifying a root certificates file with the insecure flag is not allowed${at({ ...clusterWhere, field: "insecure-skip-tls-verify" })}`, {
      ...clusterWhere,
      field: "insecure-skip-tls-verify",
    });
  }
  const sources = {
    ca: cluster["certificate-authority-data"] ? "certificate-authority-data" : "certificate-authority",
    cert: user["client-certificate-data"] ? "client-certificate-data" : "client-certificate",
    key: user["client-key-data"] ? "client-key-data" : "client-key",
  };
  // Only an https server gets TLS settings (and credentials, below): client-go applies them only over TLS.
  if (https) checkTlsMaterial(ca, cert, key, sources, clusterWhere, userWhere);
  const text = (b: Buffer | undefined) => (b === undefined ? undefined : b.toString("utf8"));
  const serverName = cluster["tls-server-name"];
  const tls = https
    ? { ...(ca ? { ca: text(ca)! } : {}), ...(cert ? { cert: text(cert)! } : {}), ...(key ? { key: text(key)! } : {}), ...(serverName ? { serverName } : {}), insecureSkipVerify: insecure }
    : { insecureSkipVerify: false };
  const tlsFiles = {
    ...(https && ca && !cluster["certificate-authority-data"] && cluster["certificate-authority"] ? { ca: cluster["certificate-authority"] } : {}),
    ...(https && cert && !user["client-certificate-data"] && user["client-certificate"] ? { cert: user["client-certificate"] } : {}),
    ...(https && key && !user["client-key-data"] && user["client-key"] ? { key: user["client-key"] } : {}),
  };
  const auth: AuthSpec = https ? authFor(userName, user, userFile) : { kind: "none" };

  let impersonate: Impersonation | undefined;
  if (user.as) {
    const extra: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    for (const [k, v] of Object.entries(user["as-user-extra"] ?? {})) extra[k] = v ?? [];
    impersonate = { user: user.as, groups: user["as-groups"] ?? [], extra, ...(user["as-uid"] ? { uid: user["as-uid"] } : {}) };
    checkImpersonation(impersonate, userWhere);
  }
  const namespace = options.namespace || context?.value.namespace || inClusterNamespace?.() || "default";
  const extension = cluster.extensions?.get("client.authentication.k8s.io/exec");
  const execCluster: ExecClusterInfo = {
    server,
    ...(serverName ? { "tls-server-name": serverName } : {}),
    ...(insecure ? { "insecure-skip-tls-verify": true } : {}),
    ...(ca ? { "certificate-authority-data": ca.toString("base64") } : {}),
    ...(cluster["proxy-url"] ? { "proxy-url": cluster["proxy-url"] } : {}),
    ...(cluster["disable-compression"] ? { "disable-compression": true } : {}),
    ...(extension != null ? { config: extension } : {}),
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
