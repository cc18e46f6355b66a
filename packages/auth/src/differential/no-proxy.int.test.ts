/**
 * Differential test of proxy selection: for every case, client-go's transport (scripts/clientgo-reference, mode
 * `noproxy`: net/http's ProxyFromEnvironment inside apimachinery's NO_PROXY CIDR wrapper, as client-go builds it)
 * and our `proxyFor` get the same URL and environment, and must pick the same proxy (or none, or both refuse).
 * It needs no control plane; it lives in the integration project because the first Go build is slow.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { proxyFor } from "../transport.js";
import { buildClientGoReference } from "./clientgo.js";

type Env = Record<string, string>;
interface Case {
  url: string;
  env: Env;
}

const HTTPS = "http://proxy.corp:3128";
const HTTP = "http://plain-proxy.corp:8080";
const env = (noProxy: string, extra: Env = {}): Env => ({ HTTPS_PROXY: HTTPS, HTTP_PROXY: HTTP, NO_PROXY: noProxy, ...extra });

/** NO_PROXY values, each with the URLs it is tried on. */
const table: Array<[string, string[]]> = [
  ["", ["https://k8s.example.com", "http://k8s.example.com", "https://10.0.0.1:6443", "https://LOCALHOST:6443", "https://localhost:6443"]],
  ["10.0.0.0/8", ["https://10.96.0.1", "https://10.255.255.255:6443", "https://11.0.0.1", "https://k8s.example.com", "http://10.1.2.3"]],
  [" 10.0.0.0/8 , .svc ,", ["https://10.1.1.1", "https://kubernetes.default.svc", "https://svc", "https://my.svc.example"]],
  ["010.0.0.0/8", ["https://10.1.2.3", "https://010.1.2.3"]],
  ["10.0.0.0/08", ["https://10.1.2.3", "https://11.1.2.3"]],
  ["10.0.0.0/33", ["https://10.1.2.3"]],
  ["10.0.0.1/32,192.168.0.0/16", ["https://10.0.0.1", "https://10.0.0.2", "https://192.168.77.1:6443"]],
  ["fd00::/8", ["https://[fd00::1]", "https://[fd12:3456::1]:6443", "https://[fe80::1]", "https://10.0.0.1"]],
  ["::ffff:10.0.0.0/104", ["https://10.2.3.4", "https://[::ffff:10.2.3.4]", "https://11.2.3.4"]],
  ["::ffff:0:0/80", ["https://10.2.3.4", "https://[fd00::1]"]],
  ["10.1.2.3", ["https://10.1.2.3", "https://10.1.2.3:6443", "https://10.1.2.4", "https://[::ffff:10.1.2.3]"]],
  ["10.1.2.3:6443", ["https://10.1.2.3:6443", "https://10.1.2.3", "https://10.1.2.3:443"]],
  ["10.1.2.3:443", ["https://10.1.2.3", "http://10.1.2.3"]],
  ["[fd00::1]:6443", ["https://[fd00::1]:6443", "https://[fd00::1]:443", "https://[fd00::1]"]],
  ["fd00::1", ["https://[fd00::1]:6443", "https://[fd00::2]"]],
  ["[fd00::1]", ["https://[fd00::1]", "https://[fd00::1]:6443"]],
  ["example.com", ["https://example.com", "https://api.example.com", "https://notexample.com", "https://example.com.evil", "https://EXAMPLE.com"]],
  [".example.com", ["https://example.com", "https://api.example.com", "https://deep.api.example.com:6443"]],
  ["*.example.com", ["https://example.com", "https://api.example.com"]],
  ["example.com:8443", ["https://example.com:8443", "https://example.com", "https://api.example.com:8443", "https://api.example.com:443"]],
  [".example.com:8443", ["https://api.example.com:8443", "https://example.com:8443"]],
  ["EXAMPLE.COM", ["https://api.example.com", "https://API.EXAMPLE.COM"]],
  ["*", ["https://k8s.example.com", "https://10.0.0.1", "https://[fd00::1]"]],
  ["foo.com,*", ["https://k8s.example.com"]],
  ["*.", ["https://example.com"]],
  [".", ["https://example.com", "https://example.com."]],
  ["example.com", ["https://example.com."]],
  [":8080,,  ,", ["https://example.com:8080"]],
  ["svc", ["https://kubernetes.default.svc", "https://svc", "https://10.0.0.1"]],
  ["bücher.example", ["https://xn--bcher-kva.example", "https://api.xn--bcher-kva.example"]],
  ["localhost", ["https://localhost.example.com"]],
  ["127.0.0.0/8", ["https://127.1.2.3"]],
  ["k8s.example.com:", ["https://k8s.example.com"]],
  ["k8s.example.com:abc", ["https://k8s.example.com"]],
  ["[::1]:6443,[fd00::1]x:443", ["https://[fd00::1]"]],
];

const cases: Case[] = [
  ...table.flatMap(([noProxy, urls]) => urls.map((url) => ({ url, env: env(noProxy) }))),
  // Always direct: loopback and localhost, whatever the environment says.
  ...["https://127.0.0.1:6443", "https://127.1.2.3", "https://[::1]:6443", "https://[::ffff:127.0.0.1]", "https://localhost"].map((url) => ({ url, env: env("") })),
  // Which variable applies: upper case first, an empty upper-case value falls through to lower case.
  { url: "https://k8s.example.com", env: { https_proxy: "http://lower:1" } },
  { url: "https://k8s.example.com", env: { HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:1" } },
  { url: "https://k8s.example.com", env: { HTTPS_PROXY: "", https_proxy: "http://lower:1" } },
  { url: "https://k8s.example.com", env: { HTTP_PROXY: HTTP } },
  { url: "http://k8s.example.com", env: { HTTPS_PROXY: HTTPS } },
  { url: "https://k8s.example.com", env: { HTTPS_PROXY: HTTPS, NO_PROXY: "", no_proxy: "example.com" } },
  { url: "https://k8s.example.com", env: { HTTPS_PROXY: HTTPS, NO_PROXY: "other.com", no_proxy: "example.com" } },
  { url: "https://10.1.2.3", env: { HTTPS_PROXY: HTTPS, no_proxy: "10.0.0.0/8" } },
  // Proxy values without a scheme are http://.
  { url: "https://k8s.example.com", env: { HTTPS_PROXY: "proxy.corp:3128" } },
  { url: "https://k8s.example.com", env: { HTTPS_PROXY: "socks5://socks.corp:1080" } },
  { url: "https://k8s.example.com", env: { HTTPS_PROXY: "https://user:pw@secure.corp:8443" } },
  // CGI: Go refuses HTTP_PROXY for http URLs when REQUEST_METHOD is set, unless a NO_PROXY CIDR exempts the host first.
  { url: "http://k8s.example.com", env: { HTTP_PROXY: HTTP, REQUEST_METHOD: "GET" } },
  { url: "http://10.1.2.3", env: { HTTP_PROXY: HTTP, REQUEST_METHOD: "GET", NO_PROXY: "10.0.0.0/8" } },
  { url: "http://k8s.example.com", env: { HTTP_PROXY: HTTP, REQUEST_METHOD: "GET", NO_PROXY: "example.com" } },
  { url: "https://k8s.example.com", env: { HTTPS_PROXY: HTTPS, REQUEST_METHOD: "GET" } },
];

/** `scheme://host[:port]` of a proxy URL, the way both sides are compared. */
function normalize(proxy: string | null | undefined): string | null {
  if (!proxy) return null;
  const url = new URL(proxy);
  return `${url.protocol}//${url.host}`;
}

function ours(c: Case): { proxy: string | null; error: string | null } {
  try {
    return { proxy: normalize(proxyFor(c.url, undefined, c.env)), error: null };
  } catch (error) {
    return { proxy: null, error: (error as Error).message };
  }
}

let binary: string;
beforeAll(() => {
  binary = buildClientGoReference();
}, 600_000);

describe("NO_PROXY and proxy environment agree with client-go's transport", () => {
  it("has a real table", () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  it.each(cases.map((c) => [`${c.url} with ${JSON.stringify(c.env)}`, c] as [string, Case]))("%s", (_name, c) => {
    const run = spawnSync(binary, ["noproxy", c.url], { env: c.env, encoding: "utf8", timeout: 10_000 });
    expect(run.status, run.stderr).toBe(0);
    const reference = JSON.parse(run.stdout) as { proxy: string | null; error: string | null };
    expect(ours(c)).toEqual({ proxy: normalize(reference.proxy), error: reference.error });
  });
});
