import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSocks5Proxy } from "@org/k8s-test-tools";
import { httpFetch } from "./http/fetch.js";
import { acquireAgent, proxyFor, tlsOptions } from "./transport.js";

describe("proxy selection", () => {
  it("proxy-url wins over the environment", () => {
    expect(proxyFor("https://k8s.example.com", "socks5://p:1080", { HTTPS_PROXY: "http://env:3128" })).toBe("socks5://p:1080");
  });
  it("HTTPS_PROXY for https, HTTP_PROXY for http, upper case first, lower case accepted", () => {
    const env = { HTTPS_PROXY: "http://s:1", HTTP_PROXY: "http://h:1", https_proxy: "http://lower:1" };
    expect(proxyFor("https://k8s.example.com", undefined, env)).toBe("http://s:1");
    expect(proxyFor("http://k8s.example.com", undefined, env)).toBe("http://h:1");
    expect(proxyFor("https://k8s.example.com", undefined, { https_proxy: "lower:3128" })).toBe("http://lower:3128");
    expect(proxyFor("https://k8s.example.com", undefined, {})).toBeUndefined();
  });
  it("never proxies loopback; honors NO_PROXY", () => {
    const env = { HTTPS_PROXY: "http://s:1", NO_PROXY: ".internal,10.1.2.3,other.com:8443" };
    expect(proxyFor("https://127.0.0.1:6443", undefined, env)).toBeUndefined();
    expect(proxyFor("https://localhost:6443", undefined, env)).toBeUndefined();
    expect(proxyFor("https://[::1]:6443", undefined, env)).toBeUndefined();
    expect(proxyFor("https://api.internal", undefined, env)).toBeUndefined();
    expect(proxyFor("https://10.1.2.3", undefined, env)).toBeUndefined();
    expect(proxyFor("https://other.com:8443", undefined, env)).toBeUndefined();
    expect(proxyFor("https://other.com:6443", undefined, env)).toBe("http://s:1");
    expect(proxyFor("https://k8s.example.com", undefined, env)).toBe("http://s:1");
  });
  it("NO_PROXY CIDRs, IPv6, ports and suffixes (the full table runs against Go in differential/no-proxy.int.test.ts)", () => {
    const env = (noProxy: string) => ({ HTTPS_PROXY: "http://s:1", NO_PROXY: noProxy });
    expect(proxyFor("https://10.96.0.1:443", undefined, env("10.0.0.0/8"))).toBeUndefined();
    expect(proxyFor("https://11.0.0.1", undefined, env("10.0.0.0/8"))).toBe("http://s:1");
    expect(proxyFor("https://[fd00::1]:6443", undefined, env("fd00::/8"))).toBeUndefined();
    expect(proxyFor("https://[fd00::1]:6443", undefined, env("[fd00::1]:6443"))).toBeUndefined();
    expect(proxyFor("https://[fd00::1]:6443", undefined, env("[fd00::1]:443"))).toBe("http://s:1");
    expect(proxyFor("https://a.b.com", undefined, env("b.com"))).toBeUndefined();
    expect(proxyFor("https://b.com", undefined, env(".b.com"))).toBe("http://s:1");
    expect(proxyFor("https://xb.com", undefined, env("b.com"))).toBe("http://s:1");
    expect(proxyFor("https://a.b.com", undefined, env("*.b.com"))).toBeUndefined();
    expect(proxyFor("https://10.1.2.3", undefined, env("b.com"))).toBe("http://s:1"); // domain entries never match IPs
    expect(proxyFor("https://a.b.com", undefined, env("*"))).toBeUndefined();
    expect(proxyFor("https://k8s.example.com", undefined, { HTTPS_PROXY: "http://s:1", NO_PROXY: "", no_proxy: "example.com" })).toBeUndefined();
  });
});

describe("TLS options", () => {
  it("verification stays on unless insecure; servername and client cert are passed", () => {
    expect(tlsOptions({ ca: "CA", cert: "C", key: "K", serverName: "sni", insecureSkipVerify: false })).toEqual({
      ca: "CA",
      cert: "C",
      key: "K",
      servername: "sni",
      rejectUnauthorized: true,
    });
    expect(tlsOptions({ insecureSkipVerify: true }).rejectUnauthorized).toBe(false);
    expect(tlsOptions({ cert: "C", key: "K", insecureSkipVerify: false }, { cert: "EC", key: "EK" })).toMatchObject({ cert: "EC", key: "EK" });
  });
});

describe("agents and httpFetch", () => {
  let server: Server;
  let origin: string;
  let seen: Array<{ headers: string[] }>;
  beforeEach(async () => {
    seen = [];
    server = createServer((req, res) => {
      seen.push({ headers: req.rawHeaders });
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends one header line per impersonated group", async () => {
    const { agent, close } = acquireAgent(false, { insecureSkipVerify: false }, undefined);
    const headerLines = { "Impersonate-User": ["bob"], "Impersonate-Group": ["a", "b"] };
    await (await httpFetch(new URL(`${origin}/x`), {}, { agent, headerLines })).text();
    const lines = seen[0]!.headers;
    const pairs = lines.flatMap((v, i) => (i % 2 === 0 ? [[v.toLowerCase(), lines[i + 1]]] : []));
    expect(pairs.filter(([n]) => n === "impersonate-group")).toEqual([
      ["impersonate-group", "a"],
      ["impersonate-group", "b"],
    ]);
    close();
  });

  it("reaches the server through a socks5 proxy", async () => {
    const proxy = await startSocks5Proxy();
    const { agent, close } = acquireAgent(false, { insecureSkipVerify: false }, proxy.url);
    expect(await (await httpFetch(new URL(`${origin}/x`), {}, { agent })).text()).toBe("ok");
    expect(await (await httpFetch(new URL(`${origin}/y`), {}, { agent })).text()).toBe("ok");
    expect(proxy.targets).toEqual([new URL(origin).host]);
    close();
    await proxy.close();
  });

  it("a socks5 proxy that wants a password it was not given fails clearly", async () => {
    const proxy = await startSocks5Proxy({ username: "u", password: "p" });
    const { agent, close } = acquireAgent(false, { insecureSkipVerify: false }, proxy.url.replace("u:p@", ""));
    const error = await httpFetch(new URL(`${origin}/x`), {}, { agent }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/accepts none of the offered authentication methods/);
    close();
    await proxy.close();
  });
});
