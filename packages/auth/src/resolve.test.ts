import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateCertificateAuthority } from "@org/k8s-testenv";
import { KubeconfigError } from "./errors.js";
import { resolveConfig } from "./load-connection.js";
import { normalizeServer } from "./resolve.js";
import { type Scratch, scratch, simpleConfig } from "./testing/tmp.js";
import type { LoadConnectionOptions } from "./types.js";

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.remove());

// A real CA and client pair (plus a second pair), generated once: certificates and keys are parsed when loading.
let PEM: string;
let CERT: string;
let KEY: string;
let OTHER_KEY: string;
beforeAll(async () => {
  const ca = await generateCertificateAuthority("resolve-test");
  const client = await ca.issue({ commonName: "u", usage: "client" });
  const other = await ca.issue({ commonName: "other", usage: "client" });
  [PEM, CERT, KEY, OTHER_KEY] = [ca.certPem, client.certPem, client.keyPem, other.keyPem];
}, 30_000);
const b64 = (t: string) => Buffer.from(t).toString("base64");

function resolveWith(config: unknown, options: LoadConnectionOptions = {}) {
  const file = s.kubeconfig("config", config);
  return resolveConfig({ kubeconfig: file, env: s.env(), inCluster: false, ...options });
}
function errorOf(fn: () => unknown): KubeconfigError {
  try {
    fn();
  } catch (error) {
    return error as KubeconfigError;
  }
  throw new Error("no error");
}

const multi = {
  "current-context": "a",
  clusters: [
    { name: "ca", cluster: { server: "https://a.example.com" } },
    { name: "cb", cluster: { server: "https://b.example.com", "tls-server-name": "b.internal" } },
  ],
  users: [
    { name: "ua", user: { token: "token-a" } },
    { name: "ub", user: { token: "token-b" } },
  ],
  contexts: [
    { name: "a", context: { cluster: "ca", user: "ua", namespace: "ns-a" } },
    { name: "b", context: { cluster: "cb", user: "ub" } },
  ],
};

describe("context selection and overrides", () => {
  it("uses current-context and its namespace", () => {
    const r = resolveWith(multi);
    expect(r).toMatchObject({ server: "https://a.example.com", namespace: "ns-a", contextName: "a", auth: { kind: "token", token: "token-a" } });
  });
  it("--context, --cluster, --user, --namespace override", () => {
    expect(resolveWith(multi, { context: "b" })).toMatchObject({ server: "https://b.example.com", namespace: "default", userName: "ub" });
    expect(resolveWith(multi, { cluster: "cb", user: "ub", namespace: "x" })).toMatchObject({ server: "https://b.example.com", namespace: "x", auth: { token: "token-b" } });
  });
  it("--server clears tls-server-name", () => {
    expect(resolveWith(multi, { context: "b" }).tls.serverName).toBe("b.internal");
    expect(resolveWith(multi, { context: "b", server: "https://c.example.com/" }).tls.serverName).toBeUndefined();
  });
  it("unknown override names are client-go's errors", () => {
    expect(errorOf(() => resolveWith(multi, { context: "x" })).message).toMatch(/^context "x" does not exist/);
    expect(errorOf(() => resolveWith(multi, { cluster: "x" })).message).toBe(`cluster "x" does not exist (looked in ${s.path("config")})`);
    expect(errorOf(() => resolveWith(multi, { user: "x" })).message).toBe(`auth info "x" does not exist (looked in ${s.path("config")})`);
  });
  it("a current-context that does not exist is invalid, not empty", () => {
    const e = errorOf(() => resolveWith({ ...multi, "current-context": "gone" }));
    expect(e.message).toMatch(/^invalid configuration: \[context was not found for specified context: gone, cluster has no server defined\]/);
    expect(e.emptyConfig).toBe(false);
  });
  it("no context at all is the empty config", () => {
    const e = errorOf(() => resolveWith({ clusters: multi.clusters }));
    expect(e.message).toMatch(/^invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable/);
    expect(e.emptyConfig).toBe(true);
  });
  it("a context naming a missing cluster is the empty config; a missing user is anonymous", () => {
    expect(errorOf(() => resolveWith(simpleConfig({}, {}, { cluster: "nope" }))).emptyConfig).toBe(true);
    expect(resolveWith(simpleConfig({}, {}, { user: "nobody" })).auth).toEqual({ kind: "none" });
  });
  it("a cluster without a server", () => {
    const e = errorOf(() => resolveWith(simpleConfig({}, { server: undefined, "tls-server-name": "x" })));
    expect(e.message).toMatch(/^invalid configuration: no server found for cluster "c"/);
    expect(e.file).toBe(s.path("config"));
  });
});

describe("server URL", () => {
  it.each([
    ["https://h:6443", "https://h:6443"],
    ["https://h:6443/", "https://h:6443"],
    ["https://h/prefix/", "https://h/prefix"],
    ["https://h/prefix?x=1#f", "https://h/prefix"],
    ["h:8080", "http://h:8080"],
    ["https://[::1]:6443", "https://[::1]:6443"],
    ["HTTPS://H.example.com", "https://h.example.com"],
    ["https://h/a b/", "https://h/a%20b"],
    ["https://h/p#frag", "https://h/p%23frag"],
  ])("%s → %s", (input, output) => expect(normalizeServer(input, false)).toBe(output));
  it.each([
    ["http://12345", /kubectl would look up in DNS but Node would read as 0\.0\.48\.57/],
    ["https://0x7f.1:6443", /Node would read as 127\.0\.0\.1/],
    ["https://1.2.3", /Node would read as 1\.2\.0\.3/],
    ["ftp://h", /is not an http or https URL/],
    ["https://h:99999", /invalid port/],
    ["https://exa mple.com", /invalid character " " in host name/],
    [" https://h", /invalid character " " in host name/],
    ["https://h\n", /invalid control character/],
    ["https://:6443", /has no host name/],
    ["h:6443/prefix", /host must be a URL or a host:port pair/],
  ])("%s is refused", (input, message) => {
    const e = errorOf(() => normalizeServer(input, false));
    expect(e).toBeInstanceOf(KubeconfigError);
    expect(e.message).toMatch(message);
    expect(e.field).toBe("server");
  });
  it("a password in a server URL is never shown", () => {
    const e = errorOf(() => normalizeServer("https://admin:SECRET-PW@exa mple.com", false));
    expect(e.message).not.toContain("SECRET");
    expect(e.message).toContain("https://<redacted>@exa mple.com");
  });
  it("a scheme-less server is http, even with TLS settings (clientcmd decides TLS before applying them), so no credentials", () => {
    expect(resolveWith(simpleConfig({ token: "t" }, { server: "h:6443", "certificate-authority-data": b64(PEM) }))).toMatchObject({
      server: "http://h:6443",
      auth: { kind: "none" },
      tls: { insecureSkipVerify: false },
    });
    const plain = resolveWith(simpleConfig({ token: "t", as: "bob" }, { server: "h:8080" }));
    expect(plain.server).toBe("http://h:8080");
    expect(plain.auth).toEqual({ kind: "none" });
    expect(plain.impersonate?.user).toBe("bob"); // impersonation still applies
  });
});

describe("cluster TLS", () => {
  it("CA data, or a CA file relative to the kubeconfig", () => {
    expect(resolveWith(simpleConfig({}, { "certificate-authority-data": b64(PEM) })).tls.ca).toBe(PEM);
    s.write("certs/ca.crt", PEM);
    expect(resolveWith(simpleConfig({}, { "certificate-authority": "certs/ca.crt" })).tls.ca).toBe(PEM);
  });
  it("both CA fields is a validation error", () => {
    s.write("ca.crt", PEM);
    expect(errorOf(() => resolveWith(simpleConfig({}, { "certificate-authority": "ca.crt", "certificate-authority-data": b64(PEM) }))).message).toMatch(
      /^invalid configuration: certificate-authority-data and certificate-authority are both specified for c\. certificate-authority-data will override\./,
    );
  });
  it("a missing CA file names the path and cluster", () => {
    const e = errorOf(() => resolveWith(simpleConfig({}, { "certificate-authority": "/no/ca.crt" })));
    expect(e.message).toMatch(/^unable to read certificate-authority \/no\/ca\.crt for c due to open \/no\/ca\.crt: no such file or directory/);
    expect(e).toMatchObject({ entry: "c", field: "certificate-authority" });
  });
  it("bad base64 names the field", () => {
    const e = errorOf(() => resolveWith(simpleConfig({}, { "certificate-authority-data": "%%%not base64" })));
    expect(e.message).toMatch(/illegal base64 data at input byte 0 \(cluster "c", field "clusters\[0\]\.cluster\.certificate-authority-data"\)/);
    expect(e.field).toBe("clusters[0].cluster.certificate-authority-data");
  });
  it("a CA that holds no certificate is refused when loading, as client-go refuses it when building its transport", () => {
    const e = errorOf(() => resolveWith(simpleConfig({}, { "certificate-authority-data": b64("not a certificate") })));
    expect(e.message).toMatch(/^unable to load root certificates: unable to parse bytes as PEM block \(entry "c", field "certificate-authority-data", in /);
    s.write("garbage.crt", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
    expect(errorOf(() => resolveWith(simpleConfig({}, { "certificate-authority": "garbage.crt" }))).message).toMatch(/^unable to load root certificates: failed to parse certificate/);
  });
  it("an empty CA file trusts nothing (client-go's empty pool), not the system roots", () => {
    s.write("empty.crt", "");
    expect(resolveWith(simpleConfig({}, { "certificate-authority": "empty.crt" })).tls.ca).toBe("");
  });
  it("insecure-skip-tls-verify with a CA is rejected; alone it is honored", () => {
    expect(errorOf(() => resolveWith(simpleConfig({}, { "insecure-skip-tls-verify": true, "certificate-authority-data": b64(PEM) }))).message).toMatch(
      /^specifying a root certificates file with the insecure flag is not allowed/,
    );
    expect(resolveWith(simpleConfig({}, { "insecure-skip-tls-verify": true })).tls.insecureSkipVerify).toBe(true);
    expect(resolveWith(simpleConfig()).tls.insecureSkipVerify).toBe(false);
  });
  it("proxy-url must be http, https or socks5", () => {
    expect(resolveWith(simpleConfig({}, { "proxy-url": "socks5://p:1080" })).proxyUrl).toBe("socks5://p:1080");
    expect(errorOf(() => resolveWith(simpleConfig({}, { "proxy-url": "ftp://p" }))).message).toMatch(
      /^invalid configuration: invalid 'proxy-url' "ftp:\/\/p" for cluster "c": unsupported scheme "ftp", must be http, https, or socks5/,
    );
  });
  it("disable-compression and the exec cluster info", () => {
    const r = resolveWith(
      simpleConfig({}, {
        "disable-compression": true,
        "certificate-authority-data": b64(PEM),
        "tls-server-name": "sni",
        extensions: [{ name: "client.authentication.k8s.io/exec", extension: { audience: "x" } }],
      }),
    );
    expect(r.disableCompression).toBe(true);
    expect(r.execCluster).toEqual({
      server: "https://k8s.example.com:6443",
      "tls-server-name": "sni",
      "certificate-authority-data": b64(PEM),
      "disable-compression": true,
      config: '{"audience":"x"}', // the JSON text client-go keeps and hands to the plugin
    });
  });
});

describe("user credentials", () => {
  it("token", () => expect(resolveWith(simpleConfig({ token: "t" })).auth).toEqual({ kind: "token", token: "t" }));
  it("token plus basic is rejected", () => {
    expect(errorOf(() => resolveWith(simpleConfig({ token: "t", username: "a", password: "b" }))).message).toMatch(
      /^invalid configuration: more than one authentication method found for u; found \[token basicAuth\], only one is allowed/,
    );
  });
  it("tokenFile plus basic fails as client-go's transport does", () => {
    s.write("tok", "x");
    expect(errorOf(() => resolveWith(simpleConfig({ tokenFile: "tok", username: "a" }))).message).toMatch(/^username\/password or bearer token may be set, but not both/);
  });
  it("tokenFile alone is read at load: a missing or 0-byte file is an error, its content backs up later reads", () => {
    expect(errorOf(() => resolveWith(simpleConfig({ tokenFile: "missing" }))).message).toMatch(/^open .*missing: no such file or directory/);
    s.write("empty", "");
    expect(errorOf(() => resolveWith(simpleConfig({ tokenFile: "empty" }))).message).toMatch(/^read empty token from file ".*empty"/);
    s.write("tok", "from-file\n");
    expect(resolveWith(simpleConfig({ tokenFile: "tok" })).auth).toEqual({ kind: "token", token: "from-file\n", tokenFile: s.path("tok") });
    s.write("blank", "  \n"); // loads, as in client-go; the request then fails (see connection tests)
    expect(resolveWith(simpleConfig({ tokenFile: "blank" })).auth).toMatchObject({ kind: "token", tokenFile: s.path("blank") });
  });
  it("token + tokenFile: the file is not read at load, so an unreadable one falls back to the token (the file wins when readable)", () => {
    expect(resolveWith(simpleConfig({ token: "t", tokenFile: "missing" })).auth).toEqual({ kind: "token", token: "t", tokenFile: s.path("missing") });
  });
  it("basic auth; a username alone is enough", () => {
    expect(resolveWith(simpleConfig({ username: "a", password: "b" })).auth).toEqual({ kind: "basic", username: "a", password: "b" });
    expect(resolveWith(simpleConfig({ username: "a" })).auth).toEqual({ kind: "basic", username: "a", password: "" });
  });
  it("client certificate from data (wins over file) or files", () => {
    s.write("u.crt", CERT);
    s.write("u.key", KEY);
    expect(resolveWith(simpleConfig({ "client-certificate": "u.crt", "client-key": "u.key" })).tls).toMatchObject({ cert: CERT, key: KEY });
    expect(resolveWith(simpleConfig({ "client-certificate-data": b64(CERT), "client-key-data": b64(KEY), token: "t" })).tls).toMatchObject({ cert: CERT, key: KEY });
  });
  it("a certificate and key that do not belong together are refused when loading, naming both fields", () => {
    const e = errorOf(() => resolveWith(simpleConfig({ "client-certificate-data": b64(CERT), "client-key-data": b64(OTHER_KEY) })));
    expect(e.message).toMatch(/^tls: private key does not match public key \(entry "u", field "client-certificate-data, client-key-data", in /);
    s.write("swapped.crt", KEY);
    s.write("swapped.key", CERT);
    expect(errorOf(() => resolveWith(simpleConfig({ "client-certificate": "swapped.crt", "client-key": "swapped.key" }))).message).toMatch(/PEM inputs may have been switched/);
    expect(errorOf(() => resolveWith(simpleConfig({ "client-certificate-data": b64("garbage"), "client-key-data": b64(KEY) }))).message).toMatch(/failed to find any PEM data in certificate input/);
  });
  it("a client key without a certificate is ignored, not an error (as client-go)", () => {
    const r = resolveWith(simpleConfig({ token: "t", "client-key-data": b64(KEY), "client-key": "/no/such.key" }));
    expect(r.tls.key).toBeUndefined();
    expect(r.auth).toEqual({ kind: "token", token: "t" });
  });
  it("a cert without a key", () => {
    expect(errorOf(() => resolveWith(simpleConfig({ "client-certificate-data": b64(CERT) }))).message).toMatch(
      /^invalid configuration: client-key-data or client-key must be specified for u to use the clientCert authentication method\./,
    );
  });
  it("exec validation: apiVersion, interactiveMode, exec + auth-provider", () => {
    const exec = (e: Record<string, unknown>) => resolveWith(simpleConfig({ exec: { command: "p", ...e } }));
    expect(errorOf(() => exec({})).message).toMatch(/apiVersion must be specified for u to use exec authentication plugin/);
    expect(errorOf(() => exec({ apiVersion: "client.authentication.k8s.io/v1alpha1" })).message).toMatch(/^exec plugin: invalid apiVersion "client.authentication.k8s.io\/v1alpha1"/);
    expect(errorOf(() => exec({ apiVersion: "client.authentication.k8s.io/v1" })).message).toMatch(/interactiveMode must be specified for u to use exec authentication plugin/);
    expect(exec({ apiVersion: "client.authentication.k8s.io/v1beta1" }).auth.kind).toBe("exec");
    expect(errorOf(() => resolveWith(simpleConfig({ exec: { command: "p", apiVersion: "client.authentication.k8s.io/v1beta1" }, "auth-provider": { name: "oidc" } }))).message).toMatch(
      /authProvider cannot be provided in combination with an exec plugin for u/,
    );
  });
  it("exec is skipped when a token, basic or a certificate is configured", () => {
    const exec = { command: "p", apiVersion: "client.authentication.k8s.io/v1beta1" };
    expect(resolveWith(simpleConfig({ exec, token: "t" })).auth.kind).toBe("token");
    expect(resolveWith(simpleConfig({ exec, "client-certificate-data": b64(CERT), "client-key-data": b64(KEY) })).auth.kind).toBe("none");
  });
  it("auth providers: removed gcp/azure, unknown, oidc requirements", () => {
    const provider = (name: string, config: Record<string, string> = {}) => resolveWith(simpleConfig({ "auth-provider": { name, config } }));
    expect(errorOf(() => provider("gcp")).message).toMatch(/^The gcp auth plugin has been removed\./);
    expect(errorOf(() => provider("azure")).message).toMatch(/^The azure auth plugin has been removed\./);
    expect(errorOf(() => provider("magic")).message).toMatch(/^no Auth Provider found for name "magic"/);
    expect(errorOf(() => provider("oidc")).message).toMatch(/^Must provide idp-issuer-url/);
    expect(errorOf(() => provider("oidc", { "idp-issuer-url": "https://i" })).message).toMatch(/^Must provide client-id/);
    expect(provider("oidc", { "idp-issuer-url": "https://i", "client-id": "c", "id-token": "x" }).auth.kind).toBe("oidc");
  });
  it("--token replaces the user's credentials", () => {
    expect(resolveWith(simpleConfig({ username: "a", password: "b" }), { token: "override" }).auth).toEqual({ kind: "token", token: "override" });
  });
});

describe("impersonation", () => {
  it("as, as-uid, as-groups, as-user-extra", () => {
    expect(resolveWith(simpleConfig({ as: "bob", "as-uid": "1", "as-groups": ["g"], "as-user-extra": { k: ["v"] } })).impersonate).toEqual({
      user: "bob",
      uid: "1",
      groups: ["g"],
      extra: { k: ["v"] },
    });
  });
  it.each([{ "as-uid": "1" }, { "as-groups": ["g"] }, { "as-user-extra": { k: ["v"] } }])("%o without as is rejected", (user) => {
    expect(errorOf(() => resolveWith(simpleConfig(user))).message).toMatch(/requesting uid, groups or user-extra for u without impersonating a user/);
  });
});

describe("errors never contain secrets", () => {
  it("validation errors do not print tokens or passwords", () => {
    const e = errorOf(() => resolveWith(simpleConfig({ token: "SECRET-T", username: "a", password: "SECRET-P" })));
    expect(e.message).not.toMatch(/SECRET/);
    const bad = errorOf(() => resolveWith(simpleConfig({ "client-certificate-data": b64(CERT), "client-key-data": "SECRET-KEY%%" })));
    expect(bad.message).not.toMatch(/SECRET/);
    const proxy = errorOf(() => resolveWith(simpleConfig({}, { "proxy-url": "ftp://user:SECRET-PW@proxy:21" })));
    expect(proxy.message).toContain("ftp://<redacted>@proxy:21");
    expect(proxy.message).not.toMatch(/SECRET/);
    const malformed = errorOf(() => resolveWith(simpleConfig({}, { "proxy-url": "http://user:SECRET-PW@proxy:port" })));
    expect(malformed.message).not.toMatch(/SECRET/);
    const impersonation = errorOf(() => resolveWith(simpleConfig({ as: "bob", "as-groups": ["SECRET\ngroup"] })));
    expect(impersonation).toMatchObject({ field: "as-groups[0]" });
    expect(impersonation.message).not.toMatch(/SECRET/);
  });
});
