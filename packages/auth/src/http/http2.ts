import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { ClientHttp2Session, ClientHttp2Stream } from "node:http2";
import { type Socket, isIP } from "node:net";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { tls } from "./builtins.js";
import { NodeResponse, type PreparedRequest, REPLAYABLE, decoded } from "./request.js";
import { socks5Tunnel } from "./socks5.js";
import { connectTunnel } from "./tunnel.js";

/**
 * client-go's HTTP/2 health check: when nothing was read from a connection for `readIdleTimeoutMs`, a PING is
 * sent, and the connection is closed as lost when its answer does not come within `pingTimeoutMs`.
 */
export interface Http2Liveness {
  /** Default 30 s; 0 turns the health check off (`HTTP2_READ_IDLE_TIMEOUT_SECONDS=0`, as client-go). */
  readIdleTimeoutMs: number;
  /** Default 15 s. */
  pingTimeoutMs: number;
}

/** client-go's defaults and environment variables (`HTTP2_READ_IDLE_TIMEOUT_SECONDS`, `HTTP2_PING_TIMEOUT_SECONDS`). */
export function http2Liveness(env: Readonly<Record<string, string | undefined>>): Http2Liveness {
  // Go's strconv.Atoi: an optional sign and digits; anything else keeps the default (client-go logs a warning).
  const seconds = (name: string, fallback: number) => {
    const text = env[name];
    return text !== undefined && text !== "" && /^[+-]?\d+$/.test(text) ? Number(text) * 1000 : fallback;
  };
  return { readIdleTimeoutMs: seconds("HTTP2_READ_IDLE_TIMEOUT_SECONDS", 30_000), pingTimeoutMs: seconds("HTTP2_PING_TIMEOUT_SECONDS", 15_000) };
}

/** How an {@link Http2Pool} reaches its server. */
export interface Http2PoolOptions {
  /** `https://host:port` of the server. */
  origin: URL;
  /** The server's TLS options (CA, client certificate, servername, verification), shared with the HTTP/1.1 agent. */
  tls: () => ConnectionOptions | undefined;
  /** `http://`, `https://` or `socks5://` proxy to tunnel through (h2 then runs over TLS inside the tunnel). */
  proxy: URL | undefined;
  /** TCP connect, proxy and TLS handshake, each. */
  connectMs: number;
  /** A session with no stream is closed after this long. */
  idleMs: number;
  liveness: Http2Liveness;
}

// Flow-control windows as Go's HTTP/2 transport (4 MiB per stream; a large connection window), so a big list is
// never throttled by window updates; Node's default of 64 KiB per stream made a 5 MB list several round trips long.
const STREAM_WINDOW = 4 << 20;
const CONNECTION_WINDOW = 64 << 20;
const NGHTTP2_REFUSED_STREAM = 0x7;
const NGHTTP2_CANCEL = 0x8;

const http2 = () => process.getBuiltinModule("node:http2");

/** A lost connection, as the runtime's retry rules see it (`ECONNRESET`: a GET is sent again). */
const lost = (message: string, cause?: unknown) => Object.assign(new Error(message, cause === undefined ? {} : { cause }), { code: "ECONNRESET" });

/** One HTTP/2 connection and what the pool tracks about it. */
class Session {
  readonly session: ClientHttp2Session;
  active = 0;
  /** Whether a stream was ever sent on it (a failure on a used connection may be a stale one). */
  used = false;
  /** Set once the server sent GOAWAY or the session failed: no new streams. */
  draining = false;
  #pinging = false;

  constructor(session: ClientHttp2Session, readonly options: Http2PoolOptions, readonly onGone: (s: Session) => void) {
    this.session = session;
    session.on("error", () => (this.draining = true)); // the streams fail with it; the pool only forgets the session
    session.on("goaway", () => (this.draining = true));
    session.once("close", () => {
      this.draining = true;
      onGone(this);
    });
    session.on("timeout", () => this.#quiet());
    this.#arm();
  }

  /** Streams the server allows at once on this connection (Node assumes 100 until its SETTINGS arrive). */
  get capacity(): number {
    return this.session.remoteSettings?.maxConcurrentStreams ?? 100;
  }

  get usable(): boolean {
    return !this.draining && !this.session.closed && !this.session.destroyed && this.active < this.capacity;
  }

  /** Node's session timer fires after this long without a stream reading or writing data. */
  #arm(): void {
    const { readIdleTimeoutMs } = this.options.liveness;
    this.session.setTimeout(readIdleTimeoutMs > 0 ? Math.min(readIdleTimeoutMs, this.options.idleMs) : this.options.idleMs);
  }

  #quiet(): void {
    if (this.active === 0) return void this.session.close(); // idle: closed as the HTTP/1.1 pool closes a free socket
    const { readIdleTimeoutMs, pingTimeoutMs } = this.options.liveness;
    if (readIdleTimeoutMs <= 0 || this.#pinging) return this.#arm();
    this.#pinging = true;
    const timer = setTimeout(() => {
      this.session.destroy(lost(`the HTTP/2 connection to ${this.options.origin.host} did not answer a ping within ${pingTimeoutMs} ms: the connection is lost`));
    }, pingTimeoutMs);
    timer.unref();
    const sent = this.session.ping((error) => {
      clearTimeout(timer);
      this.#pinging = false;
      if (error) this.session.destroy(lost(`the HTTP/2 connection to ${this.options.origin.host} failed its ping: ${error.message}`, error));
      else this.#arm();
    });
    if (!sent) {
      clearTimeout(timer);
      this.#pinging = false;
    }
  }

  /** Takes a stream slot (given back by {@link Session.ended} when the stream closes). */
  started(): this {
    this.active++;
    return this;
  }

  ended(): void {
    this.active--;
    if (this.active === 0) this.#arm(); // the idle clock starts now
  }
}

/**
 * HTTP/2 connections to one server identity, as client-go keeps them: requests and watches multiplexed over one
 * TLS connection (another one only when the server's stream limit is reached), client-go's ping health check, and
 * a graceful close. TLS offers `h2` and `http/1.1` (ALPN); a server that picks HTTP/1.1 gets HTTP/1.1 from then
 * on ({@link Http2Pool.send} resolves undefined and the caller uses its agent). Through a proxy, the CONNECT or
 * SOCKS5 tunnel carries the TLS connection, and ALPN runs on that inner TLS as without a proxy.
 */
export class Http2Pool {
  readonly #options: Http2PoolOptions;
  readonly #sessions = new Set<Session>();
  #connecting: Promise<Session | undefined> | undefined;
  /** The server chose HTTP/1.1 in ALPN. */
  #http1 = false;
  #closed = false;

  constructor(options: Http2PoolOptions) {
    this.#options = options;
  }

  /** Open HTTP/2 connections (for tests and benchmarks). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Sends the request on a session; resolves once the response headers arrived, or undefined when the server
   * speaks HTTP/1.1 only. A stream the server refused unprocessed (REFUSED_STREAM, or above a GOAWAY's last
   * stream) is sent once more on a fresh session, as is a replayable request (GET, HEAD, ...) whose reused
   * connection turned out to be dead.
   */
  async send(request: PreparedRequest, onSettled: (() => void) | undefined): Promise<NodeResponse | undefined> {
    for (let attempt = 1; ; attempt++) {
      const session = await this.#session(); // with a stream slot taken for this request
      if (!session) return undefined;
      const reused = session.used;
      try {
        if (request.signal?.aborted) {
          session.ended();
          throw request.signal.reason;
        }
        return await exchange(session, request, onSettled);
      } catch (error) {
        const again = attempt === 1 && !request.signal?.aborted && (unprocessed(error) || (reused && REPLAYABLE.has(request.method) && connectionFailed(error)));
        if (!again) throw error;
        session.draining = true;
      }
    }
  }

  /** Closes idle sessions now and the others when their streams end; nothing new is sent afterwards. */
  close(): void {
    this.#closed = true;
    for (const session of this.#sessions) session.session.close();
  }

  async #session(): Promise<Session | undefined> {
    for (;;) {
      if (this.#http1) return undefined;
      if (this.#closed) throw lost(`the HTTP/2 connections to ${this.#options.origin.host} are closed`);
      // The slot is taken before any await, so concurrent callers never overfill a session (streams above the
      // server's limit would wait inside nghttp2, unanswered, until the header timeout).
      for (const session of this.#sessions) if (session.usable) return session.started();
      this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
      const opened = await this.#connecting;
      if (!opened) return undefined;
      if (opened.usable) return opened.started();
      // taken to its limit by concurrent callers meanwhile: look again (and connect again if need be)
    }
  }

  async #connect(): Promise<Session | undefined> {
    const socket = await this.#tlsSocket();
    if (socket.alpnProtocol !== "h2") {
      socket.destroy();
      this.#http1 = true;
      return undefined;
    }
    const origin = this.#options.origin;
    const session = http2().connect(origin, {
      createConnection: () => socket,
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
      maxSessionMemory: 64,
    });
    session.setLocalWindowSize(CONNECTION_WINDOW);
    const entry = new Session(session, this.#options, (gone) => this.#sessions.delete(gone));
    this.#sessions.add(entry);
    // Until the server's SETTINGS arrive Node assumes 100 streams; waiting for them would cost a round trip.
    return entry;
  }

  /** TLS to the server (through the proxy's tunnel when there is one), offering h2 and HTTP/1.1. */
  #tlsSocket(): Promise<TLSSocket> {
    const { origin, proxy, connectMs } = this.#options;
    const host = origin.hostname.replace(/^\[|\]$/g, "");
    const port = Number(origin.port) || 443;
    const serverTls = this.#options.tls() ?? {};
    const servername = serverTls.servername || (isIP(host) ? undefined : host);
    const options: ConnectionOptions = { ...serverTls, ALPNProtocols: ["h2", "http/1.1"], ...(servername ? { servername } : {}) };
    return new Promise<TLSSocket>((resolve, reject) => {
      const secure = (socket: TLSSocket, what: string) => {
        const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`${what} timed out after ${connectMs / 1000} s`), { code: "ETIMEDOUT" })), connectMs);
        socket.once("secureConnect", () => {
          clearTimeout(timer);
          socket.off("error", reject);
          resolve(socket);
        });
        socket.once("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
      };
      if (!proxy) return secure(tls.connect({ ...options, host, port }), `connecting to ${host}:${port}`);
      const tunnel = /^socks5h?:$/i.test(proxy.protocol) ? socks5Tunnel(proxy, host, port, connectMs) : connectTunnel(proxy, host, port, connectMs);
      tunnel.then((raw: Socket) => {
        raw.setKeepAlive(true, 60_000);
        secure(tls.connect({ ...options, socket: raw }), `TLS handshake with ${host}:${port}`);
      }, reject);
    });
  }
}

/** Headers HTTP/2 forbids (connection-specific ones, RFC 9113 8.2.2); `:authority` replaces `host`. */
const CONNECTION_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"]);

/** One request on one session. */
function exchange(entry: Session, request: PreparedRequest, onSettled: (() => void) | undefined): Promise<NodeResponse> {
  const { url, method, body, signal } = request;
  const headers: OutgoingHttpHeaders = { ":method": method, ":scheme": "https", ":authority": url.host, ":path": `${url.pathname}${url.search}` };
  for (const [name, value] of Object.entries(request.headers)) if (!CONNECTION_HEADERS.has(name) && value !== undefined) headers[name] = value;
  const failure = (error: unknown) => (signal?.aborted ? signal.reason : error);
  return new Promise<NodeResponse>((resolve, reject) => {
    let stream: ClientHttp2Stream;
    try {
      stream = entry.session.request(headers, { endStream: !body || body.byteLength === 0 });
    } catch (error) {
      entry.ended();
      return reject(error); // the session closed under us (ERR_HTTP2_INVALID_SESSION, ERR_HTTP2_GOAWAY_SESSION)
    }
    entry.used = true;
    let responded = false;
    let over = false;
    let decodedBody: ReturnType<typeof decoded> | undefined;
    const onAbort = () => {
      const reason = signal?.reason instanceof Error ? signal.reason : new Error("aborted");
      decodedBody?.destroy(reason);
      stream.close(NGHTTP2_CANCEL);
      if (!responded) reject(reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    stream.once("close", () => {
      signal?.removeEventListener("abort", onAbort);
      entry.ended();
      if (!over) {
        over = true;
        onSettled?.();
      }
      if (!responded) {
        const code = stream.rstCode;
        reject(
          failure(
            code === NGHTTP2_REFUSED_STREAM
              ? Object.assign(new Error("the server refused the HTTP/2 stream before processing it"), { code: "ERR_HTTP2_REFUSED_STREAM" })
              : lost(`the HTTP/2 stream closed before a response (code ${code ?? "none"})`),
          ),
        );
      }
    });
    stream.once("error", (error) => {
      if (!responded) reject(failure(error));
      // later failures surface through the body stream
    });
    stream.once("response", (responseHeaders: IncomingHttpHeaders) => {
      responded = true;
      const rawHeaders: string[] = [];
      for (const [name, value] of Object.entries(responseHeaders)) {
        if (name.startsWith(":") || value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) rawHeaders.push(name, String(one));
      }
      const head = { statusCode: Number(responseHeaders[":status"]), statusMessage: "", rawHeaders, headers: responseHeaders, httpVersion: "2.0" };
      decodedBody = decoded(stream, responseHeaders);
      resolve(new NodeResponse(head, decodedBody, failure, request.headers));
    });
    if (body && body.byteLength > 0) stream.end(body);
  });
}

/** The server did not process the request: it may be sent again whatever its method. */
function unprocessed(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "ERR_HTTP2_REFUSED_STREAM" || code === "ERR_HTTP2_GOAWAY_SESSION" || code === "ERR_HTTP2_INVALID_SESSION";
}

function connectionFailed(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_HTTP2_SESSION_ERROR" || code === "ERR_HTTP2_STREAM_ERROR";
}
