/**
 * A fault-injecting HTTP proxy in front of the real kube-apiserver, for tests. It forwards every request as the
 * upstream identity (testenv's admin, say) and, for requests that match a rule, misbehaves the way a flaky network,
 * a load balancer or the apiserver itself can: answers 429/5xx with or without `Retry-After`, forwards a write and
 * then answers 500, resets the connection, closes a stream cleanly right after its headers, cuts it mid-stream,
 * goes silent, or ends a watch with an `ERROR` event. It records every request and whether it reached the server.
 *
 * Loopback only. Not part of any shipped package. See README.md in this package.
 */
import { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse, Agent as HttpAgent, createServer as createHttpServer, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { type ControlPlaneAccess, generateCertificateAuthority } from "@org/k8s-testenv";

/** Which requests a rule applies to. Every given field must match. */
export interface RequestMatcher {
  /** HTTP method(s), upper case. */
  method?: string | readonly string[];
  /** The path without query: exactly this string, or matching this RegExp. */
  path?: string | RegExp;
  /** Only watch requests (`watch=true` or `watch=1`), or only requests that are not watches. */
  watch?: boolean;
  /** Query parameters that must be present with exactly these values. */
  query?: Readonly<Record<string, string>>;
}

/** How the proxy misbehaves for a matching request. */
export type Fault =
  /** Answer `status` (a `Status` body) without forwarding; `retryAfter` becomes the `Retry-After` header. */
  | { type: "status"; status: number; retryAfter?: number | string; reason?: string; message?: string }
  /** Forward, let the server answer in full (a write is applied), then answer `status` instead of its answer. */
  | { type: "forward-then-status"; status: number; retryAfter?: number | string; reason?: string; message?: string }
  /** Destroy the connection without any answer; with `forward`, only after the server answered (a write is applied). */
  | { type: "reset"; forward?: boolean }
  /** Forward; send the server's status and headers, then end the body cleanly (an idle-limited proxy does this to watches). */
  | { type: "close-after-headers" }
  /** Forward; pass `afterLines` body lines (default 0) or `afterBytes` bytes, then destroy the connection. */
  | { type: "cut"; afterLines?: number; afterBytes?: number }
  /**
   * Keep the connection open and send nothing more: `before-response` (nothing at all; the request is not
   * forwarded), `after-headers` (the server's status and headers, no body), `mid-stream` (after `afterLines` body
   * lines, default 1, or `afterBytes` bytes).
   */
  | { type: "silent"; when: "before-response" | "after-headers" | "mid-stream"; afterLines?: number; afterBytes?: number }
  /**
   * Forward a watch; after `afterLines` events (default 0) send `{"type":"ERROR","object":<Status>}` and end the
   * stream, as the apiserver does when a resourceVersion is too old (`status` 410, reason `Expired`, by default).
   */
  | { type: "watch-error"; afterLines?: number; status?: number; reason?: string; message?: string }
  /** Forward after a pause of `ms`. */
  | { type: "delay"; ms: number };

/**
 * A fault for matching requests: skip the first `skip` matches, then apply it `times` times (default 1; `Infinity`
 * for all). Rules are tried in the order they were added; a request a rule skips (or no longer applies to) goes on
 * to the next rule, and is forwarded untouched when none applies.
 */
export interface FaultRule extends RequestMatcher {
  fault: Fault;
  times?: number;
  skip?: number;
}

/** A rule as installed; counts how often it matched and how often it was applied. */
export interface InstalledRule {
  readonly rule: FaultRule;
  /** Requests that matched (skipped ones included). */
  readonly matched: number;
  /** Requests the fault was applied to. */
  readonly applied: number;
  /** Stops applying the rule. */
  remove(): void;
}

/** One request the proxy received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string without `?` ("" when none). */
  query: string;
  watch: boolean;
  /** The fault applied, if any. */
  fault: Fault["type"] | undefined;
  /** True when the request was sent on to the API server (it may have been applied there). */
  reachedServer: boolean;
  /** The status the API server answered, when it did. */
  serverStatus: number | undefined;
  /** The status the client got (undefined when it got none). */
  status: number | undefined;
  /** When the request arrived (`Date.now()`). */
  at: number;
  /** The request headers as received (lower-case names). */
  headers: IncomingHttpHeaders;
  /** The request body as text. */
  body: string;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** The API server to forward to and the identity to forward as (client certificate and/or token). */
  upstream: ControlPlaneAccess;
  /** Serve HTTPS with a throwaway CA (`caPem`) instead of plain HTTP; incoming `Authorization` headers are passed on. */
  tls?: boolean;
}

const isWatchQuery = (params: URLSearchParams) => params.get("watch") === "true" || params.get("watch") === "1";

function matches(matcher: RequestMatcher, method: string, path: string, params: URLSearchParams): boolean {
  if (matcher.method !== undefined) {
    const methods = typeof matcher.method === "string" ? [matcher.method] : matcher.method;
    if (!methods.includes(method)) return false;
  }
  if (matcher.path !== undefined && !(typeof matcher.path === "string" ? matcher.path === path : matcher.path.test(path))) return false;
  if (matcher.watch !== undefined && isWatchQuery(params) !== matcher.watch) return false;
  for (const [name, value] of Object.entries(matcher.query ?? {})) if (params.get(name) !== value) return false;
  return true;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host", "content-length", "accept-encoding"]);

function statusBody(status: number, reason: string | undefined, message: string | undefined): string {
  return JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: message ?? `injected by the fault proxy: ${status}`,
    reason: reason ?? ({ 410: "Expired", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout" } as Record<number, string>)[status] ?? "",
    code: status,
  });
}

/** The fault proxy. Make one with {@link startFaultProxy}. */
export class FaultProxy {
  /** `http://127.0.0.1:PORT` (or `https://` with `tls`). */
  readonly url: string;
  /** The CA that signed the proxy's certificate (TLS mode only). */
  readonly caPem: string | undefined;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #upstream: ControlPlaneAccess;
  readonly #agent: HttpsAgent | HttpAgent;
  readonly #rules: Array<{ rule: FaultRule; matched: number; applied: number; removed: boolean }> = [];
  readonly #sockets = new Set<Socket>();
  readonly #upstreamRequests = new Set<ReturnType<typeof httpsRequest>>();
  #connections = 0;
  #peak = 0;

  /** @internal Use {@link startFaultProxy}. */
  constructor(server: Server, url: string, upstream: ControlPlaneAccess, caPem: string | undefined) {
    this.#server = server;
    this.url = url;
    this.#upstream = upstream;
    this.caPem = caPem;
    const https = upstream.server.startsWith("https:");
    this.#agent = https
      ? new HttpsAgent({ keepAlive: true, ca: upstream.caPem, ...(upstream.certPem && upstream.keyPem ? { cert: upstream.certPem, key: upstream.keyPem } : {}) })
      : new HttpAgent({ keepAlive: true });
    server.on("connection", (socket: Socket) => {
      this.#connections++;
      this.#sockets.add(socket);
      this.#peak = Math.max(this.#peak, this.#sockets.size);
      socket.on("close", () => this.#sockets.delete(socket));
      socket.on("error", () => {});
    });
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res));
  }

  /** Adds a rule (after the existing ones; the first rule with applications left wins). */
  inject(rule: FaultRule): InstalledRule {
    const entry = { rule, matched: 0, applied: 0, removed: false };
    this.#rules.push(entry);
    return {
      rule,
      get matched() {
        return entry.matched;
      },
      get applied() {
        return entry.applied;
      },
      remove: () => {
        entry.removed = true;
      },
    };
  }

  /** Removes every rule (recorded requests are kept; see {@link FaultProxy.reset}). */
  clearRules(): void {
    for (const entry of this.#rules) entry.removed = true;
    this.#rules.length = 0;
  }

  /** Removes every rule and forgets the recorded requests and connection counts. */
  reset(): void {
    this.clearRules();
    this.requests.length = 0;
    this.#connections = 0;
    this.#peak = this.#sockets.size;
  }

  /** Requests that reached the API server, optionally only those matching `matcher`. */
  reachedServer(matcher: RequestMatcher = {}): RecordedRequest[] {
    return this.requests.filter((r) => r.reachedServer && matches(matcher, r.method, r.path, new URLSearchParams(r.query)));
  }

  /** Requests the proxy received, optionally only those matching `matcher`. */
  received(matcher: RequestMatcher = {}): RecordedRequest[] {
    return this.requests.filter((r) => matches(matcher, r.method, r.path, new URLSearchParams(r.query)));
  }

  /** TCP connections from clients: accepted since start (or the last reset), open now, and the most open at once. */
  get connections(): { total: number; open: number; peak: number } {
    return { total: this.#connections, open: this.#sockets.size, peak: this.#peak };
  }

  /** Destroys every client connection now (a network blip); returns how many there were. */
  cutAll(): number {
    const count = this.#sockets.size;
    for (const socket of this.#sockets) socket.destroy();
    return count;
  }

  /** Stops the proxy, dropping every connection. */
  async close(): Promise<void> {
    this.clearRules();
    for (const upstream of this.#upstreamRequests) upstream.destroy();
    this.cutAll();
    this.#agent.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #pick(method: string, path: string, params: URLSearchParams): Fault | undefined {
    for (const entry of this.#rules) {
      if (entry.removed || !matches(entry.rule, method, path, params)) continue;
      entry.matched++;
      if (entry.matched <= (entry.rule.skip ?? 0)) continue;
      if (entry.applied >= (entry.rule.times ?? 1)) continue;
      entry.applied++;
      return entry.rule.fault;
    }
    return undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = new URL(req.url ?? "/", "http://proxy");
    const method = (req.method ?? "GET").toUpperCase();
    const fault = this.#pick(method, target.pathname, target.searchParams);
    const record: RecordedRequest = {
      method,
      path: target.pathname,
      query: target.search.slice(1),
      watch: isWatchQuery(target.searchParams),
      fault: fault?.type,
      reachedServer: false,
      serverStatus: undefined,
      status: undefined,
      at: Date.now(),
      headers: req.headers,
      body: body.toString("utf8"),
    };
    this.requests.push(record);
    res.on("error", () => {});

    if (fault?.type === "status") return this.#answer(res, record, fault.status, fault.retryAfter, fault.reason, fault.message);
    if (fault?.type === "reset" && !fault.forward) return void req.socket.destroy();
    if (fault?.type === "silent" && fault.when === "before-response") return; // the socket stays open until cut or close
    if (fault?.type === "delay") await new Promise((resolve) => setTimeout(resolve, fault.ms));

    let upstream: IncomingMessage;
    try {
      upstream = await this.#forward(req, res, body, target);
    } catch (error) {
      if (res.headersSent || req.socket.destroyed) return;
      res.writeHead(502, { "content-type": "text/plain" }).end(`fault proxy: upstream failed: ${(error as Error).message}`);
      record.status = 502;
      return;
    }
    record.reachedServer = true;
    record.serverStatus = upstream.statusCode;
    if (fault?.type === "forward-then-status") {
      upstream.resume();
      await new Promise((resolve) => upstream.once("end", resolve).once("error", resolve).once("close", resolve));
      return this.#answer(res, record, fault.status, fault.retryAfter, fault.reason, fault.message);
    }
    if (fault?.type === "reset") {
      upstream.resume();
      await new Promise((resolve) => upstream.once("end", resolve).once("error", resolve).once("close", resolve));
      return void req.socket.destroy();
    }
    this.#relay(req, res, upstream, record, fault);
  }

  #answer(res: ServerResponse, record: RecordedRequest, status: number, retryAfter: number | string | undefined, reason: string | undefined, message: string | undefined): void {
    record.status = status;
    const headers: OutgoingHttpHeaders = { "content-type": "application/json" };
    if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
    res.writeHead(status, headers).end(statusBody(status, reason, message));
  }

  #forward(req: IncomingMessage, res: ServerResponse, body: Buffer, target: URL): Promise<IncomingMessage> {
    const upstreamUrl = new URL(`${target.pathname}${target.search}`, this.#upstream.server);
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    headers["accept-encoding"] = "identity"; // bodies as text, so lines can be counted
    if (body.length > 0) headers["content-length"] = body.length;
    if (!headers["authorization"] && this.#upstream.token) headers["authorization"] = `Bearer ${this.#upstream.token}`;
    const send = upstreamUrl.protocol === "https:" ? httpsRequest : httpRequest;
    const attempt = (retry: boolean): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => {
        const upstream = send(upstreamUrl, { method: req.method, headers, agent: this.#agent });
        this.#upstreamRequests.add(upstream);
        const onClientGone = () => upstream.destroy(); // the client went away: end the server-side request too
        res.once("close", onClientGone);
        upstream.once("close", () => this.#upstreamRequests.delete(upstream));
        upstream.once("response", resolve);
        upstream.once("error", (error: NodeJS.ErrnoException) => {
          res.off("close", onClientGone);
          // A kept-alive socket the server had closed: nothing was received there, so sending again is safe.
          if (!retry && upstream.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE")) resolve(attempt(true));
          else reject(error);
        });
        upstream.end(body);
      });
    return attempt(false);
  }

  /** Streams the server's answer to the client, applying a body fault. */
  #relay(req: IncomingMessage, res: ServerResponse, upstream: IncomingMessage, record: RecordedRequest, fault: Fault | undefined): void {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(upstream.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    const status = upstream.statusCode ?? 502;
    record.status = status;
    res.writeHead(status, headers);
    res.flushHeaders();
    const stop = () => {
      upstream.destroy();
    };
    if (fault?.type === "close-after-headers") {
      stop();
      return void res.end();
    }
    if (fault?.type === "silent" && fault.when === "after-headers") return stop();

    // Body faults that trigger after some lines or bytes.
    let lines = 0;
    let bytes = 0;
    let pending = "";
    const limitLines =
      fault?.type === "cut"
        ? fault.afterBytes === undefined
          ? (fault.afterLines ?? 0)
          : undefined
        : fault?.type === "watch-error"
          ? (fault.afterLines ?? 0)
          : fault?.type === "silent"
            ? fault.afterBytes === undefined
              ? (fault.afterLines ?? 1)
              : undefined
            : undefined;
    const limitBytes = fault?.type === "cut" || fault?.type === "silent" ? fault.afterBytes : undefined;
    const trigger = () => {
      stop();
      if (fault?.type === "cut") req.socket.destroy();
      else if (fault?.type === "watch-error") {
        const event = { type: "ERROR", object: JSON.parse(statusBody(fault.status ?? 410, fault.reason ?? "Expired", fault.message ?? "too old resource version (injected by the fault proxy)")) as unknown };
        res.end(`${JSON.stringify(event)}\n`);
      }
      // silent: write nothing more, keep the socket
    };
    const faulty = fault?.type === "cut" || fault?.type === "watch-error" || fault?.type === "silent";
    if (!faulty) {
      upstream.pipe(res);
      upstream.once("error", () => req.socket.destroy());
      return;
    }
    if (limitLines === 0 && limitBytes === undefined) return trigger();
    if (limitBytes === 0) return trigger();
    let done = false;
    upstream.on("data", (chunk: Buffer) => {
      if (done) return;
      if (limitBytes !== undefined) {
        const room = limitBytes - bytes;
        bytes += chunk.length;
        if (chunk.length >= room) {
          done = true;
          res.write(chunk.subarray(0, room), () => trigger());
          return;
        }
        res.write(chunk);
        return;
      }
      pending += chunk.toString("utf8");
      let newline: number;
      let out = "";
      while ((newline = pending.indexOf("\n")) >= 0) {
        out += pending.slice(0, newline + 1);
        pending = pending.slice(newline + 1);
        if (++lines >= limitLines!) {
          done = true;
          break;
        }
      }
      if (done) res.write(out, () => trigger());
      else if (out) res.write(out);
    });
    upstream.once("end", () => {
      if (done) return;
      if (pending) res.write(pending);
      res.end();
    });
    upstream.once("error", () => req.socket.destroy());
  }
}

/**
 * Starts a fault proxy on a free loopback port in front of `upstream`. Connect a client to `proxy.url` (plain HTTP
 * by default: the proxy adds the upstream identity, as `kubectl proxy` does; an `@org/k8s-auth` connection sends no
 * credentials over plain HTTP anyway).
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let server: Server;
  let caPem: string | undefined;
  if (options.tls) {
    const ca = await generateCertificateAuthority("fault-proxy-ca");
    const leaf = await ca.issue({ commonName: "fault-proxy", usage: "server", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
    server = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem });
    caPem = ca.certPem;
  } else server = createHttpServer();
  server.keepAliveTimeout = 120_000; // longer than any client's idle timeout: no reuse races on kept-alive sockets
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return new FaultProxy(server, `${options.tls ? "https" : "http"}://127.0.0.1:${port}`, options.upstream, caPem);
}
