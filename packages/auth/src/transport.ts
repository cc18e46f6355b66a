import type { Agent as HttpAgent } from "node:http";
import { type PooledAgent, newAgent, sharedSecureContext } from "./http/agent.js";
import { type Http2Liveness, Http2Pool } from "./http/http2.js";
import { crypto } from "./http/builtins.js";
import { proxyFromEnvironment } from "./http/proxy-env.js";
import type { ConnectionTls } from "./types.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The proxy for a server, as client-go picks it: the cluster's `proxy-url`, else the environment as Go's
 * `http.ProxyFromEnvironment` plus client-go's NO_PROXY CIDR wrapper read it (see {@link proxyFromEnvironment}).
 */
export function proxyFor(server: string, proxyUrl: string | undefined, env: Env): string | undefined {
  if (proxyUrl) return proxyUrl;
  return proxyFromEnvironment(server, env);
}

/** TLS options for Node's `tls.connect`, from a connection's TLS material. */
export function tlsOptions(tls: ConnectionTls, clientCert?: { cert: string; key: string }) {
  return {
    // An empty CA file trusts nothing (client-go's empty pool), not the system roots.
    ...(tls.ca !== undefined ? { ca: tls.ca === "" ? [] : tls.ca } : {}),
    ...(clientCert ? { cert: clientCert.cert, key: clientCert.key } : tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
    // Verification is on unless the kubeconfig said insecure-skip-tls-verify: true.
    rejectUnauthorized: !tls.insecureSkipVerify,
  };
}

/** Sockets a connection's pool opens at once for ordinary requests, unless `maxSockets` says otherwise. */
export const DEFAULT_MAX_SOCKETS = 32;

/** The agents of one server identity: ordinary requests share a bounded pool; long-lived streams get their own. */
export interface AgentPair {
  /** Bounded pool for requests that end (verbs, lists, discovery). */
  agent: HttpAgent;
  /** Unbounded pool for watches and log follows, so that open streams never starve ordinary requests. */
  streamAgent: HttpAgent;
  /** HTTP/2 sessions for every request to an `https://` server, when HTTP/2 is on (falls back to the agents). */
  http2: Http2Pool | undefined;
  close(): void;
}

interface SharedPool {
  requests: PooledAgent;
  streams: PooledAgent;
  http2: Http2Pool | undefined;
  refs: number;
}

/** Pools shared by every connection with the same TLS material and proxy (client-go's tlsCache does the same). */
const pools = new Map<string, SharedPool>();

function poolKey(https: boolean, tls: ConnectionTls, proxy: string | undefined, clientCert: { cert: string; key: string } | undefined, maxSockets: number, http2: (Http2Liveness & { origin: string }) | undefined): string {
  // Hashed, so no key material is kept as a map key.
  const material = [https, tls.ca, clientCert?.cert ?? tls.cert, clientCert?.key ?? tls.key, tls.serverName, tls.insecureSkipVerify, proxy, maxSockets, http2];
  return crypto.createHash("sha256").update(JSON.stringify(material)).digest("hex");
}

/** How many shared pools are open (for tests). */
export function openPoolCount(): number {
  return pools.size;
}

/**
 * One pool of kept-alive connections per server identity (scheme, TLS material and proxy), shared by every
 * connection that uses the same one: many sequential requests share one TLS handshake, and at most `maxSockets`
 * (default {@link DEFAULT_MAX_SOCKETS}) ordinary requests are on the wire at once; the rest queue for a socket.
 * `close()` releases this user's reference; the pool closes (idle sockets now, busy ones when their request ends)
 * when the last user releases it.
 */
export function acquireAgent(
  https: boolean,
  tls: ConnectionTls,
  proxy: string | undefined,
  clientCert?: { cert: string; key: string },
  maxSockets = DEFAULT_MAX_SOCKETS,
  http2?: { server: string; liveness: Http2Liveness },
): AgentPair {
  const h2 = https && http2 ? http2 : undefined; // HTTP/2 runs over TLS only (no h2c), as client-go
  const key = poolKey(https, tls, proxy, clientCert, maxSockets, h2 && { origin: new URL(h2.server).origin, ...h2.liveness });
  let shared = pools.get(key);
  if (!shared) {
    const serverTls = https ? tlsOptions(tls, clientCert) : undefined;
    const http2Pool = h2
      ? new Http2Pool({ origin: new URL(new URL(h2.server).origin), tls: sharedSecureContext(serverTls), proxy: proxy ? new URL(proxy) : undefined, connectMs: 30_000, idleMs: 30_000, liveness: h2.liveness })
      : undefined;
    shared = { requests: newAgent(serverTls, proxy, { maxSockets }), streams: newAgent(serverTls, proxy), http2: http2Pool, refs: 0 };
    pools.set(key, shared);
  }
  shared.refs++;
  const pool = shared;
  let released = false;
  const close = () => {
    if (released) return;
    released = true;
    if (--pool.refs === 0) {
      pools.delete(key);
      pool.requests.close();
      pool.streams.close();
      pool.http2?.close();
    }
  };
  return { agent: pool.requests.agent, streamAgent: pool.streams.agent, http2: pool.http2, close };
}
