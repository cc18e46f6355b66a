import type { Agent as HttpAgent, AgentOptions } from "node:http";
import type { Duplex } from "node:stream";
import { type Socket, isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { http, https, tls } from "./builtins.js";
import { socks5Tunnel } from "./socks5.js";
import { connectTunnel } from "./tunnel.js";

/** Connect and idle timeouts and the size of an agent's pool. */
export interface AgentTimeouts {
  /** TCP connect, proxy handshake and TLS handshake, each. Default 30 s, as client-go's dialer. */
  connectMs: number;
  /** Idle kept-alive sockets are closed after this long. Default 30 s (Go keeps them 90 s; servers may close sooner). */
  idleMs: number;
  /** Sockets open at once; further requests wait for a free one. Default unbounded. */
  maxSockets: number;
}

const DEFAULT_TIMEOUTS: AgentTimeouts = { connectMs: 30_000, idleMs: 30_000, maxSockets: Infinity };

/** Idle sockets kept per server: client-go's `MaxIdleConnsPerHost` (25). */
const MAX_FREE_SOCKETS = 25;

type Callback = (error: Error | null, socket?: Duplex) => void;
type ConnectOptions = ConnectionOptions & { host?: string; port?: number | string; servername?: string };

/** What every kube agent adds to Node's: connect timeout, idle timeout, tunnels, and a graceful close. */
interface KubeAgentOptions {
  /** `http://`, `https://` or `socks5://` proxy to tunnel through; undefined for direct connections. */
  proxy: URL | undefined;
  /** TLS options for `https://` servers; undefined for plain `http://` servers. */
  tls: ConnectionOptions | undefined;
  timeouts: AgentTimeouts;
}

/** Fails a socket that is not ready (`ready` event) within the connect timeout. */
function guardConnect<S extends Socket>(socket: S, ready: "connect" | "secureConnect", what: string, timeoutMs: number): S {
  socket.setTimeout(timeoutMs);
  const onTimeout = () => socket.destroy(Object.assign(new Error(`${what} timed out after ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" }));
  socket.once("timeout", onTimeout);
  socket.once(ready, () => {
    socket.off("timeout", onTimeout);
    socket.setTimeout(0);
  });
  return socket;
}

/**
 * Opens a connection to `host:port` through the proxy's tunnel, then TLS on top for `https://` servers. Calls back
 * once the socket is ready for HTTP.
 */
function openTunnelledSocket(proxy: URL, serverTls: ConnectionOptions | undefined, connectMs: number, connect: ConnectOptions, callback: Callback): undefined {
  const host = String(connect.host ?? "localhost").replace(/^\[|\]$/g, "");
  const port = Number(connect.port);
  const tunnel = /^socks5h?:$/i.test(proxy.protocol) ? socks5Tunnel(proxy, host, port, connectMs) : connectTunnel(proxy, host, port, connectMs);
  tunnel.then(
    (raw) => {
      raw.setKeepAlive(true, 60_000);
      if (!serverTls) return callback(null, raw);
      const servername = connect.servername || serverTls.servername || (isIP(host) ? undefined : host);
      const secure = guardConnect(tls.connect({ ...serverTls, socket: raw, ...(servername ? { servername } : {}) }), "secureConnect", `TLS handshake with ${host}:${port}`, connectMs);
      const onError = (error: Error) => {
        secure.destroy();
        callback(error);
      };
      secure.once("error", onError);
      secure.once("secureConnect", () => {
        secure.off("error", onError);
        callback(null, secure);
      });
    },
    (error: Error) => callback(error),
  );
  return undefined;
}

/**
 * The server's TLS options with one `SecureContext` for all of its sockets, made on first use: without it,
 * `tls.connect` parses the CA, certificate and key again for every socket (~4 ms of CPU each; 200 watches over
 * HTTP/1.1 spent most of a second on it).
 */
export function sharedSecureContext(serverTls: ConnectionOptions | undefined): () => ConnectionOptions | undefined {
  let withContext: ConnectionOptions | undefined;
  return () => (serverTls ? (withContext ??= { ...serverTls, secureContext: tls.createSecureContext(serverTls) }) : undefined);
}

/**
 * Node's keep-alive agent for one server identity, with the additions in {@link KubeAgentOptions}. The TLS material
 * (client key and certificate) goes straight to `tls.connect` here and never into Node's agent or request options:
 * Node builds pool names from those options, and `NODE_DEBUG=http` prints names and options (`https.Agent`'s own
 * `createConnection` prints its options too, which is why TLS sockets are opened here, with its session cache).
 */
function createAgent(options: KubeAgentOptions): HttpAgent {
  const base: AgentOptions = {
    keepAlive: true,
    keepAliveMsecs: 60_000,
    scheduling: "lifo",
    maxSockets: options.timeouts.maxSockets,
    maxFreeSockets: MAX_FREE_SOCKETS,
  };
  const Base = options.tls ? https.Agent : http.Agent;
  const serverTls = sharedSecureContext(options.tls);
  let closing = false;
  /** TLS sessions to resume, by server (as `https.Agent` caches them). */
  const sessions = new Map<string, Buffer>();
  class KubeAgent extends (Base as typeof HttpAgent) {
    override createConnection(connect: ConnectOptions, callback: Callback): Duplex | undefined {
      const { connectMs } = options.timeouts;
      if (options.proxy) return openTunnelledSocket(options.proxy, serverTls(), connectMs, connect, callback);
      const where = `connecting to ${connect.host}:${connect.port}`;
      if (!options.tls) return guardConnect((super.createConnection as (o: ConnectOptions) => Socket)(connect), "connect", where, connectMs);
      const server = `${connect.host}:${connect.port}:${connect.servername ?? ""}`;
      const session = sessions.get(server);
      const socket = tls.connect({ ...connect, ...serverTls(), ...(session ? { session } : {}) });
      socket.on("session", (next: Buffer) => sessions.set(server, next));
      socket.once("error", () => sessions.delete(server));
      return guardConnect(socket, "secureConnect", where, connectMs);
    }
    override keepSocketAlive(socket: Socket): boolean {
      if (closing) return false; // closed: finish in-flight requests, keep nothing
      const kept = (super.keepSocketAlive as (s: Socket) => boolean)(socket); // @types/node says void; Node returns whether it kept it
      if (kept) socket.setTimeout(options.timeouts.idleMs); // Node's agent destroys a free socket on timeout
      return kept;
    }
    override reuseSocket(socket: Socket, request: Parameters<HttpAgent["reuseSocket"]>[1]): void {
      socket.setTimeout(0); // no idle timeout while a request (a quiet watch, say) uses it
      super.reuseSocket(socket, request);
    }
    /** Closes idle sockets now and busy ones when their request ends (a graceful close, so a TLS reload never cuts a running watch). */
    close(): void {
      closing = true;
      for (const sockets of Object.values(this.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
  }
  return new KubeAgent(base);
}

/** A pooled agent and its graceful close. */
export interface PooledAgent {
  agent: HttpAgent;
  close(): void;
}

/** Creates the agent for a server (TLS options given for `https://` servers) and an optional proxy. */
export function newAgent(tls: ConnectionOptions | undefined, proxy: string | undefined, timeouts: Partial<AgentTimeouts> = {}): PooledAgent {
  const agent = createAgent({ tls, proxy: proxy ? new URL(proxy) : undefined, timeouts: { ...DEFAULT_TIMEOUTS, ...timeouts } });
  return { agent, close: () => (agent as HttpAgent & { close(): void }).close() };
}
