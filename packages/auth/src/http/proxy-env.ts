import { type Cidr, type Ip, cidrContains, ipEqual, isLoopback, parseCidr, parseIp } from "./ip.js";

type Env = Readonly<Record<string, string | undefined>>;

/** `getEnvAny`: the first variable that is set and not empty. */
const envAny = (env: Env, ...names: string[]) => names.map((name) => env[name]).find((value) => value) ?? "";

/** The URL parts Go's `url.URL` gives the proxy decision: scheme, `Hostname()` (case kept) and `Port()`. */
interface Target {
  scheme: string;
  hostname: string;
  port: string;
}

/** Go's `url.Parse(server)` reduced to scheme, hostname and port (brackets stripped; case and text kept as written). */
function target(server: string): Target | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(server);
  if (!match) return undefined;
  let host = match[2]!;
  let port = "";
  const colon = host.lastIndexOf(":");
  if (colon >= 0 && /^:\d*$/.test(host.slice(colon)) && (host.startsWith("[") ? host[colon - 1] === "]" : true)) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return { scheme: match[1]!.toLowerCase(), hostname: host, port };
}

/** Go's `idnaASCII`: non-ASCII names in punycode. */
function ascii(host: string): string {
  if (/^[\x00-\x7f]*$/.test(host)) return host;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return host;
  }
}

type Matcher = (host: string, port: string, ip: Ip | undefined) => boolean;

/** Go's `net.SplitHostPort`: host and port around the last colon, brackets for IPv6; undefined where it fails. */
function splitHostPort(entry: string): [string, string] | undefined {
  const colon = entry.lastIndexOf(":");
  if (colon < 0) return undefined;
  let host: string;
  let from = 0;
  let after = 0;
  if (entry.startsWith("[")) {
    const end = entry.indexOf("]");
    if (end < 0 || end + 1 !== colon) return undefined;
    host = entry.slice(1, end);
    from = 1;
    after = end + 1;
  } else {
    host = entry.slice(0, colon);
    if (host.includes(":")) return undefined;
  }
  if (entry.slice(from).includes("[") || entry.slice(after).includes("]")) return undefined;
  return [host, entry.slice(colon + 1)];
}

/** httpproxy's `config.init`: NO_PROXY entries as IP matchers and domain matchers. */
function noProxyMatchers(noProxy: string): { ip: Matcher[]; domain: Matcher[] } {
  const ip: Matcher[] = [];
  const domain: Matcher[] = [];
  for (const raw of noProxy.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return { ip: [() => true], domain: [() => true] };
    const cidr = parseCidr(entry);
    if (cidr) {
      ip.push((_host, _port, address) => address !== undefined && cidrContains(cidr, address));
      continue;
    }
    const split = splitHostPort(entry);
    let [host, port] = split ?? [entry, ""];
    if (split && host.length === 0) continue;
    // Brackets come off only when SplitHostPort took the entry apart: a bare "[fd00::1]" stays a (never-matching) name.
    if (split && host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    const address = parseIp(host);
    if (address) {
      ip.push((_host, requestPort, requestIp) => requestIp !== undefined && ipEqual(address, requestIp) && (port === "" || port === requestPort));
      continue;
    }
    if (host.length === 0) continue;
    if (host.startsWith("*.")) host = host.slice(1);
    const matchHost = !host.startsWith(".");
    const suffix = ascii(matchHost ? `.${host}` : host);
    domain.push(
      (requestHost, requestPort, requestIp) =>
        requestIp === undefined && (requestHost.endsWith(suffix) || (matchHost && requestHost === suffix.slice(1))) && (port === "" || port === requestPort),
    );
  }
  return { ip, domain };
}

/** httpproxy's `useProxy`. */
function useProxy(hostname: string, port: string, noProxy: string): boolean {
  if (hostname === "localhost") return false;
  const address = parseIp(hostname, { allowZone: true });
  if (address && isLoopback(address)) return false;
  const host = hostname.trim().toLowerCase();
  const { ip, domain } = noProxyMatchers(noProxy);
  if (address && ip.some((match) => match(host, port, address))) return false;
  return !domain.some((match) => match(host, port, address));
}

/** client-go's `NewProxierWithNoProxyCIDR`: NO_PROXY CIDRs (parsed sloppily, untrimmed) exempt an IP host. */
function exemptByCidr(hostname: string, env: Env): boolean {
  const cidrs = envAny(env, "NO_PROXY", "no_proxy")
    .split(",")
    .map((entry) => parseCidr(entry, { sloppy: true }))
    .filter((cidr): cidr is Cidr => cidr !== undefined);
  if (cidrs.length === 0) return false;
  const address = parseIp(hostname, { sloppy: true });
  return address !== undefined && cidrs.some((cidr) => cidrContains(cidr, address));
}

/** Go's `parseProxy`: a value without scheme or host is read as `http://<value>`. */
function proxyUrl(value: string): string | undefined {
  const parsed = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(value);
  if (parsed && parsed[2]) return value;
  try {
    new URL(`http://${value}`);
    return `http://${value}`;
  } catch {
    return parsed ? value : undefined;
  }
}

/** Refusal of `HTTP_PROXY` in a CGI process (Go: https://go.dev/s/cgihttpproxy). */
export class CgiProxyError extends Error {
  constructor() {
    super("refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy");
  }
}

/**
 * The proxy for `server` from the environment, exactly as client-go's transport picks it: Go's
 * `http.ProxyFromEnvironment` (golang.org/x/net/http/httpproxy: `HTTPS_PROXY` for https, `HTTP_PROXY` for http,
 * upper case first; never for `localhost` or loopback IPs; `NO_PROXY` with `*`, IPs, CIDRs, `[ipv6]`, ports and
 * domain suffixes) wrapped in client-go's `NewProxierWithNoProxyCIDR`. Undefined: connect directly. Throws
 * {@link CgiProxyError} where Go refuses `HTTP_PROXY` (a CGI process, `REQUEST_METHOD` set).
 */
export function proxyFromEnvironment(server: string, env: Env): string | undefined {
  const url = target(server);
  if (!url) return undefined;
  if (exemptByCidr(url.hostname, env)) return undefined;
  const value = url.scheme === "https" ? envAny(env, "HTTPS_PROXY", "https_proxy") : url.scheme === "http" ? envAny(env, "HTTP_PROXY", "http_proxy") : "";
  const proxy = value ? proxyUrl(value) : undefined;
  if (!proxy) return undefined;
  if (url.scheme === "http" && env.REQUEST_METHOD) throw new CgiProxyError();
  const port = url.port || (url.scheme === "https" ? "443" : url.scheme === "http" ? "80" : "");
  return useProxy(ascii(url.hostname), port, envAny(env, "NO_PROXY", "no_proxy")) ? proxy : undefined;
}
