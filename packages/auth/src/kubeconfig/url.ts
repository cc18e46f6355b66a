/**
 * URLs of a kubeconfig as client-go reads them: Go's `net/url` parser (Go 1.26), client-go's rules for `server`
 * (scheme defaulting, path prefix) and `proxy-url`, and a check that Node would connect to the host Go would. Go and
 * WHATWG URLs disagree on hosts: `http://12345` is a DNS name to Go (so kubectl fails to resolve it) but the IPv4
 * address 0.0.48.57 to Node; such hosts are refused instead of being sent somewhere else.
 */
import { isIP } from "node:net";

/** What Go's `url.Parse` returns (the parts client-go uses). */
export interface GoUrl {
  scheme: string;
  opaque: string;
  /** The user-info as written (still escaped); undefined when there is none. */
  userinfo?: string;
  /** The authority (`user@host:port`) as written; undefined when the URL has none. */
  authority?: string;
  host: string;
  path: string;
  /** The path as written (before unescaping). */
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

/** A URL Go's parser rejects; the message never contains the URL's user-info. */
export class GoUrlError extends Error {
  override readonly name = "GoUrlError";
}

const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);
// Go's shouldEscape(c, encodeHost) for ASCII: what may appear unescaped in a host.
const HOST_OK = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]$/;
const USERINFO_OK = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

type Mode = "host" | "zone" | "path" | "fragment" | "user";

/** Go's unescape: validates %-escapes (hosts may escape only non-ASCII bytes) and returns the decoded text. */
function unescape(s: string, mode: Mode): string {
  const bytes: number[] = [];
  const text = Buffer.from(s, "utf8");
  for (let i = 0; i < text.length; ) {
    const c = String.fromCharCode(text[i]!);
    if (c === "%") {
      const a = String.fromCharCode(text[i + 1] ?? 0);
      const b = String.fromCharCode(text[i + 2] ?? 0);
      if (i + 2 >= text.length || !isHex(a) || !isHex(b)) throw new GoUrlError(`invalid URL escape ${JSON.stringify(text.subarray(i, i + 3).toString("latin1"))}`);
      const value = parseInt(a + b, 16);
      if (mode === "host" && value < 0x80 && !(a === "2" && b === "5")) throw new GoUrlError(`invalid URL escape "%${a}${b}"`);
      bytes.push(value);
      i += 3;
      continue;
    }
    if ((mode === "host" || mode === "zone") && text[i]! < 0x80 && !HOST_OK.test(c)) throw new GoUrlError(`invalid character ${JSON.stringify(c)} in host name`);
    bytes.push(text[i]!);
    i++;
  }
  return Buffer.from(bytes).toString("utf8");
}

function validOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

/** Go's netip.ParseAddr, loosely: an IPv6 address (Node's parser) or dotted IPv4. */
function ipVersion(text: string): 0 | 4 | 6 {
  const bare = text.replace(/%.*$/, "");
  return isIP(bare) as 0 | 4 | 6;
}

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf("[");
  if (open > 0) throw new GoUrlError("invalid IP-literal");
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) throw new GoUrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new GoUrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    const hostname = host.slice(1, close);
    const zone = hostname.indexOf("%25");
    const unescaped = zone >= 0 ? unescape(hostname.slice(0, zone), "host") + unescape(hostname.slice(zone), "zone") : unescape(hostname, "host");
    const version = ipVersion(unescaped);
    if (version === 0) throw new GoUrlError("invalid host: ParseAddr: unable to parse IP");
    if (version === 4) throw new GoUrlError("invalid IP-literal");
    return `[${unescaped}]${colonPort}`;
  }
  const first = host.indexOf(":");
  if (first !== -1) {
    const last = host.lastIndexOf(":");
    // Go 1.26 allows one colon (the port) in http(s) hosts; other schemes split at the last colon.
    const at = scheme === "http" || scheme === "https" ? first : last;
    const colonPort = host.slice(at);
    if (!validOptionalPort(colonPort)) throw new GoUrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
  }
  return unescape(host, "host");
}

/** Go's `url.Parse` (net/url, Go 1.26), or `url.ParseRequestURI` with `viaRequest`. Throws {@link GoUrlError}. */
export function parseGoUrl(raw: string, viaRequest = false): GoUrl {
  const hash = viaRequest ? -1 : raw.indexOf("#");
  const u = hash >= 0 ? raw.slice(0, hash) : raw;
  const fragment = hash >= 0 ? unescape(raw.slice(hash + 1), "fragment") : "";
  if (u === "" && viaRequest) throw new GoUrlError("empty url");
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(u)) throw new GoUrlError("net/url: invalid control character in URL");
  const url: GoUrl = { scheme: "", opaque: "", host: "", path: "", rawPath: "", rawQuery: "", fragment };
  if (u === "*") return { ...url, path: "*" };
  let rest = u;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(u);
  if (u.startsWith(":")) throw new GoUrlError("missing protocol scheme");
  if (scheme) {
    url.scheme = scheme[1]!.toLowerCase();
    rest = u.slice(scheme[0].length);
  }
  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) rest = rest.slice(0, -1);
  else {
    const q = rest.indexOf("?");
    if (q >= 0) [rest, url.rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
  }
  if (!rest.startsWith("/")) {
    if (url.scheme) return { ...url, opaque: rest };
    if (viaRequest) throw new GoUrlError("invalid URI for request");
    if ((rest.split("/")[0] ?? "").includes(":")) throw new GoUrlError("first path segment in URL cannot contain colon");
  }
  if ((url.scheme || (!viaRequest && !rest.startsWith("///"))) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    url.authority = authority;
    const at = authority.lastIndexOf("@");
    url.host = parseHost(url.scheme, at < 0 ? authority : authority.slice(at + 1));
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!USERINFO_OK.test(userinfo)) throw new GoUrlError("net/url: invalid userinfo");
      const colon = userinfo.indexOf(":");
      for (const part of colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)]) unescape(part, "user");
      url.userinfo = userinfo;
    }
  }
  url.rawPath = rest;
  url.path = unescape(rest, "path");
  return url;
}

/**
 * Hides the user-info of anything that looks like a URL (`https://user:secret@host` → `https://<redacted>@host`),
 * also in strings that do not parse: error messages may quote a malformed `server` or `proxy-url`.
 */
export function redactUrl(text: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text);
  const start = scheme ? scheme[0].length : text.startsWith("//") ? 2 : 0;
  const at = text.lastIndexOf("@");
  if (at < start) return text;
  return `${text.slice(0, start)}<redacted>${text.slice(at)}`;
}

/** The host part of a Go host[:port], and the port (empty when absent). */
function splitHostPort(host: string): { hostname: string; port: string } {
  if (host.startsWith("[")) {
    const close = host.lastIndexOf("]");
    return { hostname: host.slice(0, close + 1), port: host.slice(close + 2) };
  }
  const colon = host.indexOf(":");
  return colon < 0 ? { hostname: host, port: "" } : { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
}

/**
 * The WHATWG URL Node will use for a Go URL, or a reason it cannot: the host must name the same machine for both
 * (no IPv4 shorthand like `12345` or `0x7f.1`, no IDNA rewriting, no empty host), the port must be a real one.
 */
function nodeUrlFor(go: GoUrl, shown: string): URL {
  const { hostname, port } = splitHostPort(go.host);
  if (hostname === "") throw new GoUrlError(`"${shown}" has no host name`);
  if (port !== "" && Number(port) > 65535) throw new GoUrlError(`"${shown}" has an invalid port ${port}`);
  let node: URL;
  try {
    node = new URL(`${go.scheme}://${hostname}${port ? `:${port}` : ""}`);
  } catch {
    throw new GoUrlError(`"${shown}" has a host name kubectl cannot connect to: ${JSON.stringify(hostname)}`);
  }
  // Go's transport also turns an international name into its punycode form (IDNA), as WHATWG URLs do.
  const same = hostname.startsWith("[")
    ? ipVersion(hostname.slice(1, -1)) === 6 && node.hostname.startsWith("[")
    : node.hostname === hostname.toLowerCase() || (/[^\x00-\x7f]/.test(hostname) && !/^[\d.]+$/.test(node.hostname));
  if (!same) {
    throw new GoUrlError(
      `"${shown}" has a host name kubectl would look up in DNS but Node would read as ${node.hostname}: ${JSON.stringify(hostname)} (write the address in full, like 10.0.0.1)`,
    );
  }
  return node;
}

function tryParse(raw: string, viaRequest: boolean): GoUrl | undefined {
  try {
    return parseGoUrl(raw, viaRequest);
  } catch {
    return undefined;
  }
}

// Go's validEncoded(s, encodePath): a raw path made of these is sent as written.
const VALID_ENCODED_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%/]*$/;

/** Go's `url.URL.EscapedPath`: the raw path when it is a valid encoding, else the decoded path escaped. */
function escapedPath(raw: string, decoded: string): string {
  if (VALID_ENCODED_PATH.test(raw)) return raw;
  return Array.from(Buffer.from(decoded, "utf8"), (byte) => {
    const c = String.fromCharCode(byte);
    return /^[A-Za-z0-9\-._~$&+,/:;=@]$/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

/**
 * The API server URL as client-go builds it from a kubeconfig's `server` (ClientConfig, then rest's
 * DefaultServerURL): no scheme means `http://` (`https://` when `defaultHttps`), a path prefix is kept without its
 * query and fragment, no trailing slash. Throws {@link GoUrlError} where client-go fails, and where Node would
 * connect elsewhere than kubectl (see {@link nodeUrlFor}) or cannot speak the scheme.
 */
export function normalizeServerUrl(server: string, defaultHttps: boolean): string {
  const shown = redactUrl(server);
  if (server === "") throw new GoUrlError("host must be a URL or a host:port pair");
  // ClientConfig: a server with a path prefix loses its query and fragment (url.ParseRequestURI, then String()).
  let host = server;
  const request = tryParse(server, true);
  if (request && request.opaque === "" && request.path.length > 1 && request.scheme && request.authority !== undefined) {
    host = `${request.scheme}://${request.authority}${escapedPath(request.rawPath, request.path)}`;
  }
  // rest.DefaultServerURL
  let url: GoUrl | undefined;
  let parseError: unknown;
  try {
    url = parseGoUrl(host);
  } catch (error) {
    parseError = error;
  }
  if (!url || url.scheme === "" || url.host === "") {
    // A URL with a scheme that does not parse is reported as such (Go goes on to report the retry's error).
    if (parseError && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(host)) throw parseError;
    url = parseGoUrl(`${defaultHttps ? "https" : "http"}://${host}`);
    if (url.path !== "" && url.path !== "/") throw new GoUrlError(`host must be a URL or a host:port pair: "${shown}"`);
  }
  if (url.scheme !== "http" && url.scheme !== "https") throw new GoUrlError(`"${shown}" is not an http or https URL (scheme "${url.scheme}")`);
  const node = nodeUrlFor(url, shown);
  const prefix = escapedPath(url.rawPath, url.path).replace(/\/+$/, "");
  // The port as written (an explicit :443 stays, as in client-go); the host as Node spells it (lower case).
  const port = splitHostPort(url.host).port;
  return `${node.protocol}//${node.hostname}${port ? `:${port}` : ""}${prefix}`;
}

/** client-go's parseProxyURL plus the host check: http, https or socks5, a host Node reads as Go does. */
export function checkProxyUrl(proxy: string): void {
  let url: GoUrl;
  try {
    url = parseGoUrl(proxy);
  } catch {
    throw new GoUrlError(`could not parse: ${redactUrl(proxy)}`);
  }
  if (!["http", "https", "socks5"].includes(url.scheme)) throw new GoUrlError(`unsupported scheme "${url.scheme}", must be http, https, or socks5`);
  nodeUrlFor(url, redactUrl(proxy));
}
