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

/**
 * A host Go treats as a DNS name but WHATWG URLs (so Node) read as an IPv4 address (`12345`, `0x7f.1`, `1.2.3`):
 * kubectl would look it up and fail (no such name can exist: its last label is numeric); we refuse it when loading.
 */
function dnsNameNodeReadsAsIp(dial: string | undefined): boolean {
  if (!dial) return false;
  const host = dial.replace(/:\d*$/, "");
  if (host.startsWith("[") || /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(host)) return false;
  try {
    return /^[\d.]+$/.test(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

export function normalizeClientGo(r: ClientGoResult): Normalized {
  if (r.error !== null) return ERROR_ONLY;
  // Go's transport would not send this request (e.g. a token or header value with a line break): an error for a user.
  if (r.requestError) return ERROR_ONLY;
  if (dnsNameNodeReadsAsIp(r.dial)) return ERROR_ONLY;
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

/** Header values are byte strings: the UTF-8 bytes Go sends, spelled as latin1. */
const text = (byteString: string) => Buffer.from(byteString, "latin1").toString("utf8");

export async function normalizeConnection(c: ConnectionLike): Promise<Normalized> {
  const headers = await c.headers();
  const imp: Array<[string, string]> = [];
  headers.forEach((value, name) => {
    if (name.toLowerCase().startsWith("impersonate-")) imp.push([name, text(value)]);
  });
  return {
    server: normalizeServer(c.server, true),
    namespace: c.namespace,
    ca: pem(c.tls.ca),
    cert: pem(c.tls.cert),
    key: pem(c.tls.key),
    serverName: c.tls.serverName ?? "",
    insecure: c.tls.insecureSkipVerify,
    authorization: text(headers.get("authorization") ?? ""),
    impersonate: groupHeaders(imp),
    source: c.source,
    error: false,
  };
}
