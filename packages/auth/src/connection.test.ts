import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateCertificateAuthority } from "@org/k8s-testenv";
import { ConnectionError } from "./connection.js";
import { CredentialError } from "./errors.js";
import { openPoolCount } from "./transport.js";
import { loadConnection } from "./load-connection.js";
import { type Scratch, scratch, simpleConfig } from "./testing/tmp.js";

let s: Scratch;
let server: Server;
let origin: string;
let requests: Array<{ url: string; headers: Record<string, string | string[] | undefined> }>;
beforeEach(async () => {
  s = scratch();
  requests = [];
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers });
    res.statusCode = req.url === "/unauthorized" ? 401 : 200;
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  s.remove();
});

const load = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}) =>
  loadConnection({ kubeconfig: s.kubeconfig("config", simpleConfig(user, cluster, { namespace: "ns" })), env: s.env() });
const b64 = (t: string) => Buffer.from(t).toString("base64");

describe("headers()", () => {
  it("bearer token, basic auth and a token file, as client-go sends them", async () => {
    expect((await (await load({ token: "tok" })).headers()).get("authorization")).toBe("Bearer tok");
    expect((await (await load({ username: "a", password: "b" })).headers()).get("authorization")).toBe(`Basic ${b64("a:b")}`);
    s.write("tok", "from-file\n");
    expect((await (await load({ token: "static", tokenFile: "tok" })).headers()).get("authorization")).toBe("Bearer from-file");
    expect((await (await load({})).headers()).get("authorization")).toBeNull();
  });
  it("token + an unreadable tokenFile sends the inline token, as client-go", async () => {
    expect((await (await load({ token: "inline", tokenFile: "missing" })).headers()).get("authorization")).toBe("Bearer inline");
  });
  it("a token Go's transport would refuse (a line break) fails as a CredentialError that does not show it", async () => {
    s.write("blank", "  \n");
    for (const user of [{ tokenFile: "blank" }, { token: "SECRET\nsecond-line" }]) {
      const connection = await load(user);
      const error = await connection.headers().then(() => undefined, (e: unknown) => e as Error);
      expect(error).toBeInstanceOf(CredentialError);
      expect(error?.message).toMatch(/contains a line break or another control character, so it cannot be sent/);
      expect(error?.message).not.toContain("SECRET");
    }
  });
  it("non-ASCII values go out as their UTF-8 bytes, as Go sends them", async () => {
    const headers = await (await load({ token: "tök", as: "jürgen" })).headers();
    expect(Buffer.from(headers.get("authorization")!, "latin1").toString("utf8")).toBe("Bearer tök");
    expect(Buffer.from(headers.get("impersonate-user")!, "latin1").toString("utf8")).toBe("jürgen");
  });
  it("impersonation headers", async () => {
    const headers = await (await load({ token: "t", as: "bob", "as-uid": "7", "as-groups": ["g1", "g2"], "as-user-extra": { "acme.io/team": ["x"] } })).headers();
    expect(Object.fromEntries(headers)).toEqual({
      authorization: "Bearer t",
      "impersonate-user": "bob",
      "impersonate-uid": "7",
      "impersonate-group": "g1, g2",
      "impersonate-extra-acme.io%2fteam": "x",
    });
  });
});

describe("fetch over plain http (kubectl proxy)", () => {
  it("resolves relative URLs against the server, sends no credentials, keeps impersonation", async () => {
    const connection = await load({ token: "SECRET", as: "bob", "as-groups": ["a", "b"] }, { server: origin });
    const res = await connection.fetch("/api/v1/namespaces");
    expect(res.status).toBe(200);
    expect(requests[0]!.url).toBe("/api/v1/namespaces");
    expect(requests[0]!.headers.authorization).toBeUndefined();
    expect(requests[0]!.headers["impersonate-user"]).toBe("bob");
    expect(requests[0]!.headers["impersonate-group"]).toBe("a, b"); // Node joins repeated lines when reading
    await connection.close();
  });
  it("keeps a caller's Authorization header; disable-compression asks for identity", async () => {
    const connection = await load({}, { server: origin, "disable-compression": true });
    await connection.fetch(`${origin}/x`, { headers: { authorization: "Bearer mine" } });
    expect(requests[0]!.headers).toMatchObject({ authorization: "Bearer mine", "accept-encoding": "identity" });
    await connection.close();
  });
  it("accepts a Request with a body, and relative paths without a leading slash", async () => {
    const connection = await load({}, { server: origin });
    const res = await connection.fetch(new Request(`${origin}/post`, { method: "POST", body: "payload", headers: { "content-type": "text/plain" } }));
    expect(res.status).toBe(200);
    expect(requests[0]).toMatchObject({ url: "/post", headers: { "content-type": "text/plain" } });
    await connection.fetch("api/v1");
    expect(requests[1]!.url).toBe("/api/v1");
    await connection.close();
  });
  it("keeps the server's path prefix", async () => {
    const connection = await load({}, { server: `${origin}/prefix/` });
    expect(connection.server).toBe(`${origin}/prefix`);
    await connection.fetch("/api");
    expect(requests[0]!.url).toBe("/prefix/api");
    await connection.close();
  });
  it("an unreachable server is a ConnectionError naming it; a closed connection refuses", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const connection = await load({}, { server: `http://127.0.0.1:${port}` });
    const error = await connection.fetch("/api").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}/api: .*ECONNREFUSED`));
    await connection.close();
    await expect(connection.fetch("/api")).rejects.toThrowError(/is closed/);
  });
});

describe("connection pools", () => {
  it("sequential requests reuse one socket; connections to the same cluster and user share the pool", async () => {
    let sockets = 0;
    server.on("connection", () => sockets++);
    const pools = openPoolCount();
    const a = await load({}, { server: origin });
    const b = await load({}, { server: origin });
    for (let i = 0; i < 10; i++) await (await a.fetch("/a")).text();
    for (let i = 0; i < 10; i++) await (await b.fetch("/b")).text();
    expect(sockets).toBe(1);
    expect(openPoolCount()).toBe(pools + 1);
    await a.close();
    await a.close(); // idempotent
    expect((await b.fetch("/still-open")).status).toBe(200); // b still holds the pool
    await b.close();
    expect(openPoolCount()).toBe(pools);
  });
});

describe("redaction", () => {
  let KEY: string;
  let CERT: string;
  beforeAll(async () => {
    const client = await (await generateCertificateAuthority("redaction-test")).issue({ commonName: "u", usage: "client" });
    [KEY, CERT] = [client.keyPem, client.certPem];
  }, 30_000);
  it("no token, password, key or certificate in inspect, JSON or describe()", async () => {
    const connection = await load({ token: "SECRET-TOKEN", "client-certificate-data": b64(CERT), "client-key-data": b64(KEY) });
    expect(connection.tls.key).toBe(KEY); // still usable by callers
    const keyBody = KEY.split("\n")[1]!;
    const certBody = CERT.split("\n")[1]!;
    const texts = [inspect(connection, { depth: 10, showHidden: true }), JSON.stringify(connection), connection.describe(), inspect(connection.tls), JSON.stringify(connection.tls), String(connection)];
    for (const text of texts) {
      expect(text).not.toMatch(/SECRET/);
      expect(text).not.toContain(keyBody);
      expect(text).not.toContain(certBody);
    }
    expect(connection.describe()).toBe('https://k8s.example.com:6443 as user "u" (bearer token + client certificate) via context "ctx"');
    expect(JSON.parse(JSON.stringify(connection))).toEqual({
      server: "https://k8s.example.com:6443",
      namespace: "ns",
      source: "kubeconfig",
      context: "ctx",
      auth: "bearer token + client certificate",
      tls: { cert: "<PEM>", key: "<redacted>", insecureSkipVerify: false },
    });
    const basic = await load({ username: "me", password: "SECRET-PW" });
    expect(inspect(basic)).not.toContain("SECRET");
    expect(JSON.stringify(basic)).not.toContain("SECRET");
  });
  it("a proxy's credentials are not shown", async () => {
    const connection = await load({ token: "t" }, { "proxy-url": "http://user:SECRET@proxy.example.com:3128" });
    expect(connection.describe()).toContain("through proxy http://proxy.example.com:3128");
    expect(inspect(connection)).not.toContain("SECRET");
  });
});
