import { isIP } from "node:net";
import type { Agent as HttpAgent } from "node:http";
import { type PooledAgent, newAgent } from "./http/agent.js";
import { crypto } from "./http/builtins.js";
import type { ConnectionTls } from "./types.js";

type Env = Readonly<Record<string, string | undefined>>;

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1";
}

/** Go's NO_PROXY rules: `*`, exact hosts or IPs, domain suffixes (`.example.com` or `example.com`), optional `:port`. */
export function noProxyMatches(host: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  for (const raw of noProxy.split(",")) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    let entryPort: string | undefined;
    const portMatch = /^(.*):(\d+)$/.exec(entry);
    if (portMatch && !entry.includes("]") && isIP(entry) !== 6) {
      entry = portMatch[1]!;
      entryPort = portMatch[2];
    }
    if (entryPort && entryPort !== port) continue;
    entry = entry.replace(/^\[|\]$/g, "");
    if (isIP(entry)) {
      if (entry === bare) return true;
      continue;
    }
    if (entry.startsWith("*.")) entry = entry.slice(1);
    if (bare === entry.replace(/^\./, "") || bare.endsWith(entry.startsWith(".") ? entry : `.${entry}`)) return true;
  }
  return false;
}

/**
 * The proxy for a server, as client-go picks it: the cluster's `proxy-url`, else `HTTPS_PROXY`/`HTTP_PROXY` (upper
 * case first) minus `NO_PROXY`, and never for loopback addresses.
 */
export function proxyFor(server: string, proxyUrl: string | undefined, env: Env): string | undefined {
  if (proxyUrl) return proxyUrl;
  const url = new URL(server);
  const https = url.protocol === "https:";
  const proxy = https ? (env.HTTPS_PROXY || env.https_proxy) : (env.HTTP_PROXY || env.http_proxy);
  if (!proxy) return undefined;
  if (isLoopback(url.hostname)) return undefined;
  const port = url.port || (https ? "443" : "80");
  if (noProxyMatches(url.hostname, port, env.NO_PROXY || env.no_proxy)) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
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

interface SharedPool {
  pooled: PooledAgent;
  refs: number;
}

/** Pools shared by every connection with the same TLS material and proxy (client-go's tlsCache does the same). */
const pools = new Map<string, SharedPool>();

function poolKey(https: boolean, tls: ConnectionTls, proxy: string | undefined, clientCert: { cert: string; key: string } | undefined): string {
  // Hashed, so no key material is kept as a map key.
  const material = [https, tls.ca, clientCert?.cert ?? tls.cert, clientCert?.key ?? tls.key, tls.serverName, tls.insecureSkipVerify, proxy];
  return crypto.createHash("sha256").update(JSON.stringify(material)).digest("hex");
}

/** How many shared pools are open (for tests). */
export function openPoolCount(): number {
  return pools.size;
}

/**
 * One pool of kept-alive connections per server identity (scheme, TLS material and proxy), shared by every
 * connection that uses the same one: many sequential requests share one TLS handshake. `close()` releases this
 * user's reference; the pool closes (idle sockets now, busy ones when their request ends) when the last user
 * releases it.
 */
export function acquireAgent(
  https: boolean,
  tls: ConnectionTls,
  proxy: string | undefined,
  clientCert?: { cert: string; key: string },
): { agent: HttpAgent; close(): void } {
  const key = poolKey(https, tls, proxy, clientCert);
  let shared = pools.get(key);
  if (!shared) {
    shared = { pooled: newAgent(https ? tlsOptions(tls, clientCert) : undefined, proxy), refs: 0 };
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
      pool.pooled.close();
    }
  };
  return { agent: pool.pooled.agent, close };
}
