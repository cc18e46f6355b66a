import { readFileSync } from "node:fs";
import { type RequestDescription, TransportError, defaultUserAgent, defineErrorKind, followSignal, hasErrorKind, innermostCause } from "@org/k8s-runtime";
import { type ExecAuthenticator, type ExecCredentials, sharedExecAuthenticator } from "./credentials/exec-plugin.js";
import { OidcAuthenticator } from "./credentials/oidc.js";
import { caBundleProblem, keyPairProblem } from "./credentials/pem.js";
import { TokenFileSource } from "./credentials/token-file.js";
import { CredentialError } from "./errors.js";
import { headerBytes, headerValueProblem } from "./header-values.js";
import { impersonationHeaderLines, impersonationHeaders } from "./impersonation.js";
import type { ResolvedConfig } from "./resolved.js";
import { httpFetch } from "./http/fetch.js";
import { type Http2Liveness, http2Liveness } from "./http/http2.js";
import { type SendOptions, sendRequest } from "./http/request.js";
import { sendUpgrade } from "./http/upgrade.js";
import { type AgentPair, acquireAgent, proxyFor } from "./transport.js";
import type { Connection, ConnectionTls, HttpRequestInit, HttpResponse, UpgradeRequestInit, UpgradeResponse } from "./types.js";

/** `util.inspect.custom` (a registered symbol: importing node:util for it would cost every cold process ~2 ms). */
const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * The request could not be sent or got no answer: TLS verification, connection refused or reset, proxy failure,
 * a closed connection, a URL outside the configured server. Names the server and says how to fix what can be
 * fixed. A {@link TransportError} of `@org/k8s-runtime`, so the runtime passes it on unchanged.
 */
export class ConnectionError extends TransportError {
  static {
    defineErrorKind(this, "ConnectionError");
  }
  constructor(message: string, request: RequestDescription, options: { cause?: unknown; code?: string | undefined; retryable?: boolean } = {}) {
    super(message, request, options);
  }
}

/** Whether `error` is a {@link ConnectionError}, from whichever build (ESM or CJS) of this package threw it. */
export const isConnectionError = (error: unknown): error is ConnectionError => hasErrorKind(error, "ConnectionError");

const TLS_CODES: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by a trusted CA",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain ends in a CA that is not trusted",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed and not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the issuer of the server's certificate is not trusted",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name this host (set tls-server-name if it uses another name)",
};

function connectionError(error: unknown, request: RequestDescription, description: string): ConnectionError {
  const { code, message } = innermostCause(error);
  const tls = code ? TLS_CODES[code] : undefined;
  const text = tls
    ? `TLS verification of ${request.url} failed: ${tls} (${code}). Check certificate-authority for ${description}; verification is never skipped unless the kubeconfig sets insecure-skip-tls-verify.`
    : `cannot reach ${request.url}: ${message}${code && !message.includes(code) ? ` (${code})` : ""}`;
  return new ConnectionError(text, request, { cause: error, code });
}

/** What was sent for authentication, so a 401 can invalidate exactly that. */
interface SentCredentials {
  authorization?: string;
  exec?: ExecCredentials;
  bearer?: string;
}

/** A frozen copy of the TLS material whose `inspect` and JSON forms show no key or certificate. */
function tlsView(material: ConnectionTls): ConnectionTls {
  const view = { ...material };
  Object.defineProperties(view, {
    [inspectCustom]: { value: () => redactTls(material), enumerable: false },
    toJSON: { value: () => redactTls(material), enumerable: false },
  });
  return Object.freeze(view);
}

function redactTls(tls: ConnectionTls): ConnectionTls {
  const visible = { ...(tls.ca ? { ca: "<PEM>" } : {}), ...(tls.cert ? { cert: "<PEM>" } : {}), ...(tls.key ? { key: "<redacted>" } : {}) };
  return { ...visible, ...(tls.serverName ? { serverName: tls.serverName } : {}), insecureSkipVerify: tls.insecureSkipVerify };
}

/** Options that are not part of the resolved configuration. */
export interface ConnectionRuntimeOptions {
  env: Readonly<Record<string, string | undefined>>;
  execTimeoutMs: number;
  tokenFileMaxAgeMs: number;
  /** Sockets of the pool for ordinary requests. Default {@link DEFAULT_MAX_SOCKETS}. */
  maxSockets?: number;
  /** Multiplex every request over HTTP/2 where the server offers it (see `LoadConnectionOptions.http2`). */
  http2?: boolean;
}

/** A {@link Connection} built from a resolved configuration. */
export class KubeConnection implements Connection {
  readonly server: string;
  readonly namespace: string;
  readonly source: "kubeconfig" | "in-cluster";
  readonly contextName?: string;
  readonly #config: ResolvedConfig;
  readonly #proxy: string | undefined;
  /** Why the environment's proxy cannot be used (Go refuses `HTTP_PROXY` in a CGI process); every request fails with it. */
  readonly #proxyError: Error | undefined;
  readonly #maxSockets: number | undefined;
  /** HTTP/2's health check, when HTTP/2 is on. */
  readonly #http2: Http2Liveness | undefined;
  readonly #origin: string;
  readonly #https: boolean;
  readonly #tokenFile: TokenFileSource | undefined;
  readonly #exec: ExecAuthenticator | undefined;
  readonly #oidc: OidcAuthenticator | undefined;
  #agent: AgentPair | undefined;
  #agentKey: string | undefined;
  readonly #headerLines: Record<string, string[]> | undefined;
  #closed = false;
  /** Exchanges in flight, so that close() can end them (streams included) instead of leaving them running. */
  readonly #inflight = new Set<AbortController>();
  /** Current TLS material (files are re-read at most once a second) and its printable, redacting view. */
  #tls: ConnectionTls;
  #tlsView: ConnectionTls;
  #tlsVersion = 0;
  #tlsCheckedAt: number;

  constructor(config: ResolvedConfig, options: ConnectionRuntimeOptions) {
    this.#config = config;
    this.server = config.server;
    this.namespace = config.namespace;
    this.source = config.source;
    if (config.contextName) this.contextName = config.contextName;
    this.#https = config.server.startsWith("https://");
    this.#origin = new URL(config.server).origin;
    let proxy: string | undefined;
    try {
      proxy = proxyFor(config.server, config.proxyUrl, options.env);
    } catch (error) {
      this.#proxyError = error as Error;
    }
    this.#proxy = proxy;
    this.#maxSockets = options.maxSockets;
    this.#http2 = options.http2 ? http2Liveness(options.env) : undefined;
    this.#tls = config.tls;
    this.#tlsView = tlsView(config.tls);
    this.#tlsCheckedAt = Date.now();
    const auth = config.auth;
    if (auth.kind === "token" && auth.tokenFile) {
      this.#tokenFile = new TokenFileSource(auth.tokenFile, { ...(auth.token ? { fallback: auth.token } : {}), maxAgeMs: options.tokenFileMaxAgeMs });
    }
    if (auth.kind === "exec") {
      this.#exec = sharedExecAuthenticator({ exec: auth.exec, user: auth.user, cluster: config.execCluster, env: options.env, timeoutMs: options.execTimeoutMs });
    }
    if (auth.kind === "oidc") this.#oidc = new OidcAuthenticator(auth.config);
    // Impersonate-* go as one header line per value, as client-go sends them (`Headers` would join them).
    const lines = impersonationHeaderLines(config.impersonate);
    this.#headerLines = Object.keys(lines).length > 0 ? lines : undefined;
  }

  /** TLS material in use, as PEM; printing or serializing it shows no key or certificate. */
  get tls(): ConnectionTls {
    return this.#tlsView;
  }

  /** client-go reloads client certificate/key files (and a file-only CA) at most once a second. */
  #reloadTlsFiles(): void {
    const files = this.#config.tlsFiles;
    if (!files || Date.now() - this.#tlsCheckedAt < 1_000) return;
    this.#tlsCheckedAt = Date.now();
    const read = (path: string | undefined, current: string | undefined) => {
      if (!path) return current;
      try {
        return readFileSync(path, "utf8") || current;
      } catch {
        return current; // keep the last good material
      }
    };
    const next = { ...this.#tls };
    let ca = read(files.ca, next.ca);
    let cert = read(files.cert, next.cert);
    let key = read(files.key, next.key);
    // Material that would not load now (a half-written file, a key from another pair) does not replace good material.
    if (ca !== next.ca && ca && caBundleProblem(ca)) ca = next.ca;
    if ((cert !== next.cert || key !== next.key) && cert && key && keyPairProblem(cert, key)) [cert, key] = [next.cert, next.key];
    if (ca === next.ca && cert === next.cert && key === next.key) return;
    if (ca) next.ca = ca;
    if (cert) next.cert = cert;
    if (key) next.key = key;
    this.#tls = next;
    this.#tlsView = tlsView(next);
    this.#tlsVersion++;
  }

  /** The kind of credentials in use, for logs. */
  get authKind(): string {
    const auth = this.#config.auth.kind;
    const cert = this.#tls.cert ? "client certificate" : undefined;
    const kinds = {
      none: cert ?? "anonymous",
      token: this.#config.auth.kind === "token" && this.#config.auth.tokenFile ? "token file" : "bearer token",
      basic: "basic auth",
      exec: "exec plugin",
      oidc: "oidc",
    } as const;
    return auth !== "none" && cert ? `${kinds[auth]} + ${cert}` : kinds[auth];
  }

  /** `Bearer <token>`, unless the token could not be sent in a header (Go's transport would refuse the request). */
  #bearer(token: string, from: string): string {
    const problem = headerValueProblem(token);
    if (problem) throw new CredentialError(`the bearer token from ${from} ${problem}, so it cannot be sent (${this.describe()})`);
    return `Bearer ${headerBytes(token)}`;
  }

  async #credentials(): Promise<SentCredentials> {
    if (!this.#https) return {}; // never send credentials over plain http, as client-go
    const auth = this.#config.auth;
    switch (auth.kind) {
      case "token": {
        const token = this.#tokenFile ? await this.#tokenFile.token() : auth.token;
        const from = auth.tokenFile ? `the token file ${auth.tokenFile}` : "the kubeconfig";
        return token ? { authorization: this.#bearer(token, from) } : {};
      }
      case "basic":
        return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}` };
      case "exec": {
        const exec = await this.#exec!.credentials();
        return { exec, ...(exec.token ? { authorization: this.#bearer(exec.token, "the exec plugin") } : {}) };
      }
      case "oidc": {
        const bearer = await this.#oidc!.token();
        return { bearer, authorization: this.#bearer(bearer, "the oidc provider") };
      }
      default:
        return {};
    }
  }

  async headers(): Promise<Headers> {
    const headers = new Headers();
    const sent = await this.#credentials();
    if (sent.authorization) headers.set("Authorization", sent.authorization);
    impersonationHeaders(this.#config.impersonate, headers);
    return headers;
  }

  #agentFor(exec: ExecCredentials | undefined): AgentPair {
    this.#reloadTlsFiles();
    const cert = exec?.cert && exec.key ? { cert: exec.cert, key: exec.key } : undefined;
    const key = `${this.#tlsVersion}:${cert?.cert ?? ""}`;
    if (!this.#agent || this.#agentKey !== key) {
      // The previous pool finishes its in-flight requests (a running watch, say) and then closes.
      this.#agent?.close();
      this.#agent = acquireAgent(this.#https, this.#tls, this.#proxy, cert, this.#maxSockets, this.#http2 && { server: this.server, liveness: this.#http2 });
      this.#agentKey = key;
    }
    return this.#agent;
  }

  /**
   * A relative URL resolves against the server. An absolute one must be on the server's origin: credentials go
   * only to the configured server (client-go's REST client cannot address another host either).
   */
  #url(input: string, method: string): string {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(input)) return `${this.server}/${input.replace(/^\/+/, "")}`;
    let origin: string | undefined;
    try {
      origin = new URL(input).origin;
    } catch {
      origin = undefined;
    }
    if (origin !== this.#origin) {
      const shown = origin && origin !== "null" ? origin : "a URL that is not http(s)";
      throw new ConnectionError(
        `refusing to send ${method} ${shown} through the connection to ${this.server}: its credentials go only to the configured server's origin (${this.#origin}); use a relative path`,
        { method, url: origin && origin !== "null" ? origin : "" },
        { code: "ERR_FOREIGN_ORIGIN" },
      );
    }
    return input;
  }

  /** Adds credentials and defaults to the caller's headers (lower-case names), sends, and reacts to a 401. */
  async #send<R extends { status: number }>(
    request: RequestDescription,
    callerHeaders: Record<string, string>,
    signal: AbortSignal | null | undefined,
    stream: boolean,
    send: (headers: Record<string, string>, options: SendOptions, signal: AbortSignal) => Promise<R>,
  ): Promise<R> {
    if (this.#closed) throw new ConnectionError(`the connection to ${this.server} is closed`, request, { code: "ERR_CONNECTION_CLOSED" });
    if (this.#proxyError) throw new ConnectionError(`${request.method} ${request.url}: ${this.#proxyError.message}`, request, { code: "ERR_PROXY_REFUSED", retryable: false });
    const headers = { ...callerHeaders };
    const sent = await this.#credentials();
    // No layer overwrites an Authorization header the caller set (as client-go's round trippers).
    const callerAuthorization = "authorization" in headers;
    if (sent.authorization && !callerAuthorization) headers["authorization"] = sent.authorization;
    if (this.#config.disableCompression) headers["accept-encoding"] = "identity";
    headers["user-agent"] ??= defaultUserAgent();
    // The exchange's own signal follows the caller's and is aborted by close().
    const exchange = new AbortController();
    const unfollow = followSignal(signal, exchange);
    this.#inflight.add(exchange);
    const settled = () => {
      unfollow();
      this.#inflight.delete(exchange);
    };
    let res: R;
    try {
      const agents = this.#agentFor(sent.exec);
      res = await send(headers, { agent: stream ? agents.streamAgent : agents.agent, http2: agents.http2, headerLines: this.#headerLines, onSettled: settled }, exchange.signal);
    } catch (error) {
      settled();
      if (exchange.signal.aborted) throw exchange.signal.reason; // the caller's reason, or close()'s
      throw connectionError(error, request, this.describe());
    }
    if (res.status === 401 && !callerAuthorization) {
      this.#exec?.unauthorized(sent.exec);
      this.#oidc?.unauthorized(sent.bearer);
      this.#tokenFile?.invalidate();
    }
    return res;
  }

  fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    let url: string;
    let requestInit: RequestInit = init;
    const method = (init.method ?? (typeof input === "object" && "method" in input ? input.method : "GET")).toUpperCase();
    if (typeof input === "string") url = this.#url(input, method);
    else if (input instanceof URL) url = this.#url(input.href, method);
    else {
      url = this.#url(input.url, method);
      requestInit = {
        method: input.method,
        headers: input.headers,
        ...(input.body ? { body: input.body, duplex: "half" } : {}),
        signal: input.signal,
        ...init,
      } as RequestInit;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of new Headers(requestInit.headers)) headers[name] = value;
    return this.#send({ method, url }, headers, requestInit.signal, false, (sent, options, signal) => httpFetch(new URL(url), { ...requestInit, headers: sent, signal }, options));
  };

  request = async (input: string, init: HttpRequestInit = {}): Promise<HttpResponse> => {
    const method = (init.method ?? "GET").toUpperCase();
    const url = this.#url(input, method);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
    return this.#send({ method, url }, headers, init.signal, init.stream === true, (sent, options, signal) => sendRequest(new URL(url), { ...init, headers: sent, signal }, options));
  };

  upgrade = async (input: string, init: UpgradeRequestInit = {}): Promise<UpgradeResponse> => {
    const method = (init.method ?? "GET").toUpperCase();
    const url = this.#url(input, method);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
    return this.#send({ method, url }, headers, init.signal, true, (sent, options, signal) => sendUpgrade(new URL(url), { ...init, headers: sent, signal }, options));
  };

  describe(): string {
    const who = this.#config.source === "in-cluster" ? "the pod's service account" : this.#config.userName ? `user "${this.#config.userName}"` : "no user";
    const as = this.#config.impersonate ? `, impersonating "${this.#config.impersonate.user}"` : "";
    const where = this.#config.contextName ? ` via context "${this.#config.contextName}"` : "";
    const proxy = this.#proxy ? ` through proxy ${new URL(this.#proxy).origin}` : "";
    return `${this.server} as ${who} (${this.authKind}${as})${where}${proxy}`;
  }

  /**
   * Closes the connection: requests in flight end (watches and log streams included) with a ConnectionError whose
   * `code` is `ERR_CONNECTION_CLOSED`, and so does any request made afterwards; the pool's idle sockets close.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const exchange of [...this.#inflight]) {
      exchange.abort(new ConnectionError(`the connection to ${this.server} was closed`, { method: "", url: this.server }, { code: "ERR_CONNECTION_CLOSED" }));
    }
    this.#inflight.clear();
    this.#agent?.close();
    this.#agent = undefined;
  }

  /** `await using connection = await loadConnection()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [inspectCustom](): string {
    return `Connection { ${this.describe()}, namespace: ${this.namespace} }`;
  }

  toJSON(): Record<string, unknown> {
    return { server: this.server, namespace: this.namespace, source: this.source, context: this.contextName, auth: this.authKind, tls: redactTls(this.#tls) };
  }
}
