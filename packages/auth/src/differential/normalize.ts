/**
 * The common shape both resolvers are reduced to before comparing. Semantically equal spellings are unified:
 * - server: client-go's request base (its `GET /api` URL minus "/api"), and ours, both through WHATWG URL
 *   (default port dropped, host lower-cased), without a trailing slash. A query or fragment left on our server
 *   string is kept, so it shows up as a difference (client-go never sends one).
 * - PEM strings: CRLF -> LF, trimmed; absent = "".
 * - impersonate: `name: value` with lower-cased names, sorted by name. Several values of one header are joined
 *   with ", " in the order client-go adds them, because a WHATWG `Headers` (what `connection.headers()` returns)
 *   can only hold them that way.
 */
import type { ClientGoResult } from "./clientgo.js";

export interface Normalized {
  server: string;
  namespace: string;
  ca: string;
  cert: string;
  key: string;
  serverName: string;
  insecure: boolean;
  authorization: string;
  impersonate: string[];
  source: string;
  error: boolean;
}

export const ERROR_ONLY: Normalized = {
  server: "", namespace: "", ca: "", cert: "", key: "", serverName: "", insecure: false, authorization: "", impersonate: [], source: "", error: true,
};

function normalizeServer(s: string, keepExtras: boolean): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return `unparsable: ${s}`;
  }
  const base = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  return keepExtras ? base + u.search + u.hash : base;
}

const pem = (s: string | undefined) => (s ?? "").replace(/\r\n/g, "\n").trim();

function groupHeaders(pairs: Array<[string, string]>): string[] {
  const byName = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), value]);
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}: ${v.join(", ")}`);
}

export function normalizeClientGo(r: ClientGoResult): Normalized {
  if (r.error !== null) return ERROR_ONLY;
  const pairs = r.impersonate.map((h): [string, string] => {
    const i = h.indexOf(": ");
    return [h.slice(0, i), h.slice(i + 2)];
  });
  return {
    server: normalizeServer(r.requestURL.replace(/\/api$/, ""), false),
    namespace: r.namespace,
    ca: pem(r.ca),
    cert: pem(r.cert),
    key: pem(r.key),
    serverName: r.serverName,
    insecure: r.insecure,
    authorization: r.authorization,
    impersonate: groupHeaders(pairs),
    source: r.source,
    error: false,
  };
}

/** The parts of a Connection the comparison reads (kept structural so this module needs no auth import). */
export interface ConnectionLike {
  readonly server: string;
  readonly namespace: string;
  readonly source: string;
  readonly tls: { ca?: string; cert?: string; key?: string; serverName?: string; insecureSkipVerify: boolean };
  headers(): Promise<Headers>;
}

export async function normalizeConnection(c: ConnectionLike): Promise<Normalized> {
  const headers = await c.headers();
  const imp: Array<[string, string]> = [];
  headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith("impersonate-")) imp.push([name, value]);
  });
  return {
    server: normalizeServer(c.server, true),
    namespace: c.namespace,
    ca: pem(c.tls.ca),
    cert: pem(c.tls.cert),
    key: pem(c.tls.key),
    serverName: c.tls.serverName ?? "",
    insecure: c.tls.insecureSkipVerify,
    authorization: headers.get("authorization") ?? "",
    impersonate: groupHeaders(imp),
    source: c.source,
    error: false,
  };
}
