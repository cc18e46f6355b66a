import type { UpgradedSocket } from "@org/k8s-runtime";

/**
 * The public contract of `@org/k8s-auth`. Other packages (runtime, gen) build on exactly these shapes.
 */

/** Where `loadConnection` looks and what it overrides, as kubectl's flags do. */
export interface LoadConnectionOptions {
  /** Path of a kubeconfig file; replaces `KUBECONFIG` (no merging), as `kubectl --kubeconfig`. */
  kubeconfig?: string;
  /** Context to use instead of `current-context` (`--context`). */
  context?: string;
  /** Cluster entry to use instead of the context's (`--cluster`). */
  cluster?: string;
  /** User entry to use instead of the context's (`--user`). */
  user?: string;
  /** Namespace override (`--namespace`). */
  namespace?: string;
  /** Server URL override (`--server`); clears `tls-server-name`, as client-go does. */
  server?: string;
  /**
   * `"auto"` (default): kubeconfig, falling back to in-cluster exactly where client-go does; `true`: in-cluster only;
   * `false`: never in-cluster.
   */
  inCluster?: "auto" | boolean;
  /** Environment to read (`KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_HOST`, proxies, ...). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Service-account directory. Default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  serviceAccountDir?: string;
  /** Bearer token override (`kubectl --token`): replaces the user's credentials. */
  token?: string;
  /** CA file override (`kubectl --certificate-authority`). */
  certificateAuthority?: string;
  /** How long an exec credential plugin may run before it is killed. Default 60 s. */
  execTimeoutMs?: number;
  /** How long a token read from a file is used before the file is read again. Default 50 s, as client-go. */
  tokenFileMaxAgeMs?: number;
  /**
   * Sockets open at once to the server for ordinary requests (one pool per server identity, shared by connections
   * that use the same one); more requests wait for a free socket. Default 32. Watches and log follows use a pool of
   * their own and are not counted.
   */
  maxSockets?: number | undefined;
}

/** TLS material of a connection, as PEM strings. */
export interface ConnectionTls {
  /** PEM CA bundle to verify the server with; system roots when absent. */
  ca?: string;
  /** PEM client certificate. */
  cert?: string;
  /** PEM client key. */
  key?: string;
  /** Name to verify the server certificate against and send as SNI (`tls-server-name`). */
  serverName?: string;
  /** True only when the kubeconfig (or an explicit override) says `insecure-skip-tls-verify: true`. */
  insecureSkipVerify: boolean;
}

/** A request for {@link Connection.request}. */
export interface HttpRequestInit {
  /** Default `GET`. */
  method?: string | undefined;
  /** Header names and values; no layer overwrites an `Authorization` set here. */
  headers?: Readonly<Record<string, string>> | undefined;
  body?: string | Uint8Array | undefined;
  /** Aborts the request, and the body stream once it is being read, with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** A long-lived response (watch, log follow): sent from the stream pool, outside the `maxSockets` bound. */
  stream?: boolean | undefined;
}

/** A response from {@link Connection.request}: status, headers and a streamed body, without WHATWG fetch types. */
export interface HttpResponse {
  readonly status: number;
  /** A response header (repeated ones joined with ", "), or undefined. */
  header(name: string): string | undefined;
  /** Response headers as received, names and values alternating. */
  readonly rawHeaders: readonly string[];
  /** The request headers as sent, credentials masked (`Authorization: Bearer <masked>`), for logs. */
  readonly sentHeaders: Readonly<Record<string, string>>;
  /** The body, decoded (gzip), chunk by chunk as it arrives; it can be read once. */
  readonly body: AsyncIterable<Uint8Array>;
  /** The whole body as UTF-8 text. */
  text(): Promise<string>;
  /** The whole body, parsed as JSON. */
  json(): Promise<unknown>;
  /** Discards the rest of the body and frees the socket. */
  cancel(): void;
}

/** An HTTP/1.1 upgrade for {@link Connection.upgrade} (WebSocket or SPDY, as kubectl's exec, attach and port-forward). */
export interface UpgradeRequestInit {
  /** Default `GET` (WebSocket); SPDY upgrades use `POST`. */
  method?: string | undefined;
  /** `Upgrade` and the protocol's headers (`Sec-WebSocket-*`, `X-Stream-Protocol-Version`); `Connection: Upgrade` is added. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Aborts the request, and destroys the upgraded socket later, with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * The answer to {@link Connection.upgrade}. On `101 Switching Protocols`, `socket` is the switched connection (it
 * belongs to the caller: `destroy()` frees it) and `head` the bytes the server sent right after the headers. Any
 * other status is a refusal whose body (usually a `Status`) says why.
 */
export interface UpgradeResponse extends HttpResponse {
  /** A Node `Duplex` at run time (the TLS or TCP socket), typed by what it offers (cast it where you have `@types/node`). */
  readonly socket: UpgradedSocket | undefined;
  readonly head: Uint8Array;
}

/** A resolved way to talk to one API server as one identity. */
export interface Connection extends AsyncDisposable {
  /** Server URL as client-go builds it (scheme, host, port, path prefix; no trailing slash). */
  readonly server: string;
  /** Default namespace: override, context, in-cluster namespace, else `"default"`. */
  readonly namespace: string;
  readonly tls: ConnectionTls;
  /** Where the configuration came from. */
  readonly source: "kubeconfig" | "in-cluster";
  /** The kubeconfig context in use, when from a kubeconfig. */
  readonly contextName?: string;
  /**
   * Headers client-go would add to a request now: `Authorization` (fresh credentials; runs exec plugins or re-reads
   * token files as needed) and `Impersonate-*`.
   */
  headers(): Promise<Headers>;
  /**
   * A fetch bound to this connection's TLS, proxy, compression and credentials; keeps one pool of kept-alive
   * connections; on a 401 it invalidates cached exec/oidc credentials (the 401 is still returned, as client-go).
   * Relative URLs resolve against {@link Connection.server}; an absolute URL on another origin is refused with a
   * ConnectionError (`code: "ERR_FOREIGN_ORIGIN"`) before anything is sent, so credentials reach only the server.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /**
   * The same request as {@link Connection.fetch} (credentials, TLS, proxy, pool, 401 handling) without the WHATWG
   * layer: a body read straight from Node's HTTP client. This is what `@org/k8s-runtime` uses; it saves a cold
   * process the ~20 ms of loading Node's fetch implementation and a busy watch the web-stream hops per chunk.
   */
  request(input: string, init?: HttpRequestInit): Promise<HttpResponse>;
  /**
   * An HTTP/1.1 upgrade (WebSocket, SPDY) with exactly the credentials, TLS, proxy tunnel, impersonation and origin
   * rule of {@link Connection.request}, from the pool for long-lived streams. Not retried. `close()` destroys
   * upgraded sockets that are still open.
   */
  upgrade(input: string, init?: UpgradeRequestInit): Promise<UpgradeResponse>;
  /** A one-line description for logs with every secret redacted. */
  describe(): string;
  /** Closes the connection pool (also what `await using` does). */
  close(): Promise<void>;
}
