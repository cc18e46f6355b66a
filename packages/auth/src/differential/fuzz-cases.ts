/**
 * Malformed kubeconfigs for the fuzz test: every field with every wrong type, missing references, unreadable and
 * garbage certificate files, binary garbage, 10 MB files, deep nesting, alias bombs, duplicate keys, failing and
 * lying exec plugins, odd server and proxy URLs, token files, encodings. Each case plants secrets (a token, a
 * password, a private key, a proxy password) that no message or printed form may contain.
 */
import { createPrivateKey } from "node:crypto";
import { prng } from "./decode-cases.js";

/** Material of the fuzz run: the local server's CA, a client pair, and a second pair that does not match. */
export interface FuzzPki {
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  otherKeyPem: string;
}

export type FuzzFile = string | Buffer | { content: string | Buffer; mode: number } | { directory: true };

export interface FuzzCase {
  name: string;
  /** Files relative to the case's directory; the kubeconfig is `kubeconfig` unless `kubeconfigPath` says otherwise. */
  files: Record<string, FuzzFile>;
  /** The explicit kubeconfig path (relative to the case directory, or absolute). Default `kubeconfig`. */
  kubeconfigPath?: string;
  /** How long the case may take (load and one request). Default 10 s. */
  timeLimitMs?: number;
  execTimeoutMs?: number;
  /** Where we deliberately differ from client-go: it accepts, we refuse (checked as such). */
  divergence?: string;
  /** Why client-go cannot be run on the case (it would never return). */
  skipReference?: string;
  /** Every planted secret of the case. */
  secrets: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const V1 = "client.authentication.k8s.io/v1";

/** The valid kubeconfig every mutation starts from: it reaches the local server with a token. */
function baseConfig(server: string, pki: FuzzPki, id: string): { [key: string]: Json } {
  return {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "main",
    preferences: {},
    clusters: [{ name: "main-cluster", cluster: { server, "certificate-authority-data": Buffer.from(pki.caPem).toString("base64"), extensions: [] } }],
    users: [
      {
        name: "main-user",
        user: {
          token: `fake-secret-token-${id}`,
          // exec is configured too (skipped because of the token), so its fields meet the decoder
          exec: { apiVersion: V1, command: "never-run", args: ["x"], env: [{ name: "A", value: "b" }], interactiveMode: "Never", provideClusterInfo: false, installHint: "h" },
          "as-user-extra": {},
          extensions: [],
        },
      },
      // in the file, never used: each must still stay out of every message
      { name: "basic-user", user: { username: "someone", password: `fake-secret-password-${id}` } },
      { name: "cert-user", user: { "client-certificate-data": Buffer.from(pki.clientCertPem).toString("base64"), "client-key-data": Buffer.from(pki.clientKeyPem).toString("base64") } },
      { name: "proxy-user", user: { "auth-provider": { name: "oidc", config: { "refresh-token": `fake-secret-refresh-${id}` } } } },
    ],
    contexts: [{ name: "main", context: { cluster: "main-cluster", user: "main-user", namespace: "ns" } }],
  };
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function setPath(root: { [key: string]: Json }, path: Array<string | number>, value: Json): void {
  let node: Json = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string, Json>)[key as string]!;
  (node as Record<string, Json>)[path[path.length - 1] as string] = value;
}

const FIELD_PATHS: Array<Array<string | number>> = [
  ["apiVersion"],
  ["kind"],
  ["current-context"],
  ["preferences"],
  ["clusters"],
  ["users"],
  ["contexts"],
  ["clusters", 0],
  ["clusters", 0, "name"],
  ["clusters", 0, "cluster"],
  ...["server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority", "certificate-authority-data", "proxy-url", "disable-compression", "extensions"].map((f) => ["clusters", 0, "cluster", f]),
  ["users", 0],
  ["users", 0, "name"],
  ["users", 0, "user"],
  ...["token", "tokenFile", "username", "password", "client-certificate", "client-certificate-data", "client-key", "client-key-data", "as", "as-uid", "as-groups", "as-user-extra", "auth-provider", "exec", "extensions"].map((f) => ["users", 0, "user", f]),
  ...["command", "args", "env", "apiVersion", "installHint", "provideClusterInfo", "interactiveMode"].map((f) => ["users", 0, "user", "exec", f]),
  ["contexts", 0],
  ["contexts", 0, "name"],
  ["contexts", 0, "context"],
  ...["cluster", "user", "namespace"].map((f) => ["contexts", 0, "context", f]),
];

const WRONG_VALUES: Array<[string, Json]> = [
  ["number", 12345],
  ["bool", true],
  ["list", ["a"]],
  ["map", { k: "v" }],
  ["null", null],
  ["string", "a-string"],
];

const script = (lines: string[]) => ({ content: `#!/bin/sh\n${lines.join("\n")}\n`, mode: 0o755 });
const credential = (status: Json, apiVersion = V1) => JSON.stringify({ kind: "ExecCredential", apiVersion, status });

/** Every fuzz case for a local server at `server` (an https://127.0.0.1 URL). */
export function fuzzCases(server: string, pki: FuzzPki): FuzzCase[] {
  const cases: FuzzCase[] = [];
  let n = 0;
  const add = (name: string, build: (c: { config: { [key: string]: Json }; id: string; files: Record<string, FuzzFile> }) => Partial<FuzzCase> | void) => {
    const id = String(n++);
    const config = baseConfig(server, pki, id);
    const files: Record<string, FuzzFile> = {};
    const extra = build({ config, id, files }) ?? {};
    if (!("kubeconfig" in files)) files.kubeconfig = JSON.stringify(config, null, 2);
    const secrets = [`fake-secret-token-${id}`, `fake-secret-password-${id}`, `fake-secret-refresh-${id}`, `fake-secret-proxy-${id}`, `fake-secret-plugin-${id}`, `fake-secret-file-${id}`];
    const keyBody = pki.clientKeyPem.split("\n").filter((l) => l && !l.startsWith("-----"));
    cases.push({ name, files, secrets: [...secrets, ...keyBody.filter((l) => l.length >= 16), Buffer.from(pki.clientKeyPem).toString("base64").slice(0, 40)], ...extra });
  };
  const exec = (config: { [key: string]: Json }, command: string, more: { [key: string]: Json } = {}) => {
    const user = (config.users as Array<{ user: { [key: string]: Json } }>)[0]!.user;
    delete user.token;
    user.exec = { apiVersion: V1, command, interactiveMode: "Never", ...more };
  };

  // Every field with every wrong type.
  for (const path of FIELD_PATHS) {
    for (const [kind, value] of WRONG_VALUES) add(`type-${path.join(".")}-${kind}`, ({ config }) => setPath(config, path, clone(value)));
  }

  // Missing references.
  add("missing-current-context", ({ config }) => void (config["current-context"] = "nope"));
  add("missing-context-cluster", ({ config }) => setPath(config, ["contexts", 0, "context", "cluster"], "nope"));
  add("missing-context-user", ({ config }) => setPath(config, ["contexts", 0, "context", "user"], "nope"));
  add("cluster-without-server", ({ config }) => setPath(config, ["clusters", 0, "cluster", "server"], ""));
  add("no-contexts", ({ config }) => void (config.contexts = []));

  // Unreadable and garbage certificate files.
  const caFile = (files: Record<string, FuzzFile>, config: { [key: string]: Json }, content: FuzzFile | undefined) => {
    const cluster = (config.clusters as Array<{ cluster: { [key: string]: Json } }>)[0]!.cluster;
    delete cluster["certificate-authority-data"];
    cluster["certificate-authority"] = "ca.crt";
    if (content !== undefined) files["ca.crt"] = content;
  };
  add("ca-file-missing", ({ config, files }) => caFile(files, config, undefined));
  add("ca-file-directory", ({ config, files }) => caFile(files, config, { directory: true }));
  add("ca-file-garbage", ({ config, files }) => caFile(files, config, "this is not a certificate\n"));
  add("ca-file-binary", ({ config, files }) => caFile(files, config, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256))));
  add("ca-file-bad-pem-body", ({ config, files }) => caFile(files, config, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"));
  add("ca-file-empty", ({ config, files }) => caFile(files, config, ""));
  add("ca-file-valid", ({ config, files }) => caFile(files, config, pki.caPem));
  add("ca-data-garbage", ({ config }) => setPath(config, ["clusters", 0, "cluster", "certificate-authority-data"], Buffer.from("garbage").toString("base64")));
  add("ca-wrong-authority", ({ config }) => setPath(config, ["clusters", 0, "cluster", "certificate-authority-data"], Buffer.from(pki.clientCertPem).toString("base64")));
  const certUser = (config: { [key: string]: Json }, user: { [key: string]: Json }) => setPath(config, ["users", 0, "user"], user);
  add("client-cert-file-garbage", ({ config, files }) => {
    files["c.crt"] = "garbage";
    files["c.key"] = pki.clientKeyPem;
    certUser(config, { "client-certificate": "c.crt", "client-key": "c.key" });
  });
  add("client-key-file-garbage", ({ config, files }) => {
    files["c.crt"] = pki.clientCertPem;
    // The armour of the key generated for this run around a body that is no key ("garbage"): no key text in the repo.
    files["c.key"] = pki.clientKeyPem.replace(/(-----\n)[\s\S]*?(\n-----END)/, "$1Z2FyYmFnZQ==$2");
    certUser(config, { "client-certificate": "c.crt", "client-key": "c.key" });
  });
  add("client-key-file-missing", ({ config, files }) => {
    files["c.crt"] = pki.clientCertPem;
    certUser(config, { "client-certificate": "c.crt", "client-key": "c.key" });
  });
  add("client-pair-mismatch-data", ({ config }) =>
    certUser(config, { "client-certificate-data": Buffer.from(pki.clientCertPem).toString("base64"), "client-key-data": Buffer.from(pki.otherKeyPem).toString("base64") }),
  );
  add("client-pair-mismatch-files", ({ config, files }) => {
    files["c.crt"] = pki.clientCertPem;
    files["c.key"] = pki.otherKeyPem;
    certUser(config, { "client-certificate": "c.crt", "client-key": "c.key" });
  });
  add("client-key-encrypted", ({ config, files }) => {
    files["c.crt"] = pki.clientCertPem;
    files["c.key"] = createPrivateKey(pki.clientKeyPem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }) as string;
    certUser(config, { "client-certificate": "c.crt", "client-key": "c.key" });
  });
  add("client-pair-valid", ({ config }) =>
    certUser(config, { "client-certificate-data": Buffer.from(pki.clientCertPem).toString("base64"), "client-key-data": Buffer.from(pki.clientKeyPem).toString("base64") }),
  );
  add("client-key-without-cert", ({ config }) => setPath(config, ["users", 0, "user", "client-key-data"], Buffer.from(pki.clientKeyPem).toString("base64")));

  // Binary garbage.
  for (const [i, size] of [64, 1024, 65536].entries()) {
    const random = prng(1000 + i);
    add(`binary-garbage-${size}`, ({ files }) => void (files.kubeconfig = Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)))));
  }
  add("printable-garbage", ({ files }) => void (files.kubeconfig = "}{][:&*!|>%@`, \n\t- ? : -\n".repeat(50)));

  // 10 MB files.
  add("ten-megabytes-one-field", ({ config }) => {
    config.padding = "x".repeat(10 << 20);
    return { timeLimitMs: 60_000 };
  });
  add("ten-megabytes-many-users", ({ config, id }) => {
    const users = config.users as Json[];
    for (let i = 0; users.length < 90_000; i++) users.push({ name: `u${i}`, user: { token: `t${i}-${id}`, as: "x", "as-groups": ["g"] } });
    return { timeLimitMs: 90_000 };
  });

  // Deep nesting.
  add("nesting-900", ({ files, config }) => void (files.kubeconfig = `${JSON.stringify(config).slice(0, -1)}, "deep": ${"[".repeat(900)}${"]".repeat(900)}}`));
  add("nesting-5000", ({ files, config }) => {
    files.kubeconfig = `${JSON.stringify(config).slice(0, -1)}, "deep": ${"[".repeat(5000)}${"]".repeat(5000)}}`;
    return { divergence: "go-yaml allows 10000 levels, we allow 1000 (js-yaml's parser recurses)" };
  });
  add("nesting-one-million", ({ files, config }) => void (files.kubeconfig = `${JSON.stringify(config).slice(0, -1)}, "deep": ${"[".repeat(1_000_000)}}`));

  // Alias bombs, where the issue found them hanging, and a moderate expansion both accept.
  const bomb = (levels: number, width: number) =>
    [`l0: &l0 [${Array(width).fill('"lol"').join(", ")}]`, ...Array.from({ length: levels }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(width).fill(`*l${i}`).join(", ")}]`)].join("\n");
  const placements: Array<[string, (config: { [key: string]: Json }) => void]> = [
    ["exec-args", (c) => exec(c, "/bin/true", { args: ["BOMB"] as unknown as Json })],
    ["exec-extension", (c) => setPath(c, ["clusters", 0, "cluster", "extensions"], [{ name: "client.authentication.k8s.io/exec", extension: "BOMB" }])],
    ["as-user-extra", (c) => setPath(c, ["users", 0, "user"], { token: "t", as: "x", "as-user-extra": { k: "BOMB" } })],
    ["as-groups", (c) => setPath(c, ["users", 0, "user"], { token: "t", as: "x", "as-groups": "BOMB" })],
    ["namespace", (c) => setPath(c, ["contexts", 0, "context", "namespace"], "BOMB")],
  ];
  for (const [where, place] of placements) {
    add(`alias-bomb-${where}`, ({ config, files }) => {
      place(config);
      const text = JSON.stringify(config, null, 1).replace(/\[\s*"BOMB"\s*\]|"BOMB"/, "*l9");
      files.kubeconfig = `${bomb(9, 10)}\n${text}`;
    });
    add(`alias-moderate-${where}`, ({ config, files }) => {
      place(config);
      // go-yaml accepts an expansion only while at least 1% of the decoded nodes are not from aliases
      const text = JSON.stringify(config, null, 1).replace(/\[\s*"BOMB"\s*\]|"BOMB"/, where === "exec-extension" ? "*l1" : "*l0");
      files.kubeconfig = `${bomb(1, 10)}\n${text}`;
    });
  }

  // Duplicate keys (the last wins, as in client-go) and duplicate names (an error).
  add("duplicate-key-token", ({ config, files, id }) => {
    const text = JSON.stringify(config, null, 1).replace(`"token": "fake-secret-token-${id}"`, `"token": "first-${id}", "token": "fake-secret-token-${id}"`);
    files.kubeconfig = text;
  });
  add("duplicate-key-server", ({ config, files }) => void (files.kubeconfig = JSON.stringify(config, null, 1).replace(`"server": "${server}"`, `"server": "https://127.0.0.1:1", "server": "${server}"`)));
  add("duplicate-key-clusters", ({ config, files }) => {
    const text = JSON.stringify(config, null, 1);
    files.kubeconfig = text.replace(`"clusters": [`, `"clusters": [], "clusters": [`);
  });
  add("duplicate-name-user", ({ config }) => void (config.users as Json[]).push({ name: "main-user", user: {} }));

  // Failing and lying exec plugins.
  const plugin = (name: string, lines: string[], more: { [key: string]: Json } = {}, extra: Partial<FuzzCase> = {}) =>
    add(`exec-${name}`, ({ config, files, id }) => {
      files["plugin.sh"] = script(lines.map((l) => l.replaceAll("$ID", id)));
      exec(config, "./plugin.sh", more);
      return extra;
    });
  plugin("exits-1", ["echo fake-secret-plugin-$ID >&2", "exit 1"]);
  plugin("not-found", [], { command: "no-such-plugin-anywhere" });
  plugin("garbage-output", ["echo 'fake-secret-plugin-$ID is not JSON'"]);
  plugin("huge-output", ["head -c 17000000 /dev/zero | tr '\\000' 'a'"], {}, { timeLimitMs: 30_000 });
  plugin("wrong-api-version", [`echo '${credential({ token: "fake-secret-plugin-$ID" }, "client.authentication.k8s.io/v1beta1")}'`]);
  plugin("no-status", [`echo '${JSON.stringify({ kind: "ExecCredential", apiVersion: V1 })}'`]);
  plugin("token-with-newline", [`printf '%s' '${credential({ token: "fake-secret-plugin-$ID\\nline2" })}'`]);
  plugin("token-number", [`echo '${JSON.stringify({ kind: "ExecCredential", apiVersion: V1, status: { token: 5 } })}'`]);
  plugin("bad-expiry", [`echo '${credential({ token: "fake-secret-plugin-$ID", expirationTimestamp: "soon" })}'`]);
  plugin("mismatched-pair", [`cat <<'EOF'`, credential({ clientCertificateData: pki.clientCertPem, clientKeyData: pki.otherKeyPem }), "EOF"]);
  plugin("cert-only", [`cat <<'EOF'`, credential({ clientCertificateData: pki.clientCertPem }), "EOF"]);
  plugin("valid-token", [`echo '${credential({ token: "fake-secret-plugin-$ID" })}'`]);
  plugin("interactive-always", [`echo '${credential({ token: "x" })}'`], { interactiveMode: "Always" });
  plugin("env-nul", [`echo '${credential({ token: "x" })}'`], { env: [{ name: "SECRET", value: "fake-secret-plugin-\u0000x" }] });
  plugin("hangs", ["sleep 30"], {}, { execTimeoutMs: 1_000, skipReference: "client-go's exec plugins have no timeout: it would wait for the plugin forever" });

  // Server URLs.
  const serverCase = (name: string, value: Json, extra: Partial<FuzzCase> = {}) =>
    add(`server-${name}`, ({ config, id }) => {
      setPath(config, ["clusters", 0, "cluster", "server"], typeof value === "string" ? value.replaceAll("$ID", id) : value);
      return extra;
    });
  const port = new URL(server).port;
  serverCase("yaml-number", 12345);
  serverCase("numeric-host", "http://12345");
  serverCase("ipv4-shorthand", `https://0x7f.1:${port}`);
  serverCase("ipv4-leading-zeros", `https://127.000.000.001:${port}`);
  serverCase("userinfo-password", `https://admin:fake-secret-password-$ID@127.0.0.1:${port}`);
  serverCase("malformed-with-password", "https://admin:fake-secret-password-$ID@exa mple.com");
  serverCase("bad-scheme", "ftp://127.0.0.1");
  serverCase("bad-port", "https://127.0.0.1:99999");
  serverCase("no-host", `https://:${port}`, { divergence: "Go dials an empty host as the local machine; we refuse a server without a host" });
  serverCase("schemeless", `127.0.0.1:${port}`);
  serverCase("path-prefix", `${server}/prefix/?x=1#f`);
  serverCase("unicode-host", `https://bücher.example:${port}`);
  serverCase("control-char", `${server}\u0007`);

  // Proxy URLs.
  const proxyCase = (name: string, value: string, extra: Partial<FuzzCase> = {}) =>
    add(`proxy-${name}`, ({ config, id }) => {
      setPath(config, ["clusters", 0, "cluster", "proxy-url"], value.replaceAll("$ID", id));
      return extra;
    });
  proxyCase("bad-scheme-with-password", "ftp://user:fake-secret-proxy-$ID@127.0.0.1:21");
  proxyCase("malformed-with-password", "http://user:fake-secret-proxy-$ID@127.0.0.1:port");
  proxyCase("bad-escape-with-password", "http://user:fake-secret-proxy-$ID%zz@127.0.0.1:3128");
  proxyCase("closed-port", "http://user:fake-secret-proxy-$ID@127.0.0.1:1");
  proxyCase("numeric-host", "http://2130706433:3128", { divergence: "Go would look the proxy host up in DNS; Node reads it as 127.0.0.1; we refuse it" });

  // Token files.
  const tokenFile = (name: string, content: FuzzFile | undefined, inline?: string, extra: Partial<FuzzCase> = {}) =>
    add(`token-file-${name}`, ({ config, files, id }) => {
      const user = (config.users as Array<{ user: { [key: string]: Json } }>)[0]!.user;
      delete user.token;
      if (inline) user.token = `${inline}-${id}`;
      user.tokenFile = "token";
      if (content !== undefined) files.token = typeof content === "string" ? content.replaceAll("$ID", id) : content;
      return extra;
    });
  tokenFile("whitespace-only", "  \n");
  tokenFile("empty", "");
  tokenFile("missing", undefined);
  tokenFile("directory", { directory: true });
  tokenFile("valid", "fake-secret-file-$ID\n");
  tokenFile("missing-with-inline-token", undefined, "fake-secret-token");
  tokenFile("newline-inside", "fake-secret-file-$ID\nsecond-line\n");
  tokenFile("two-megabytes", "x".repeat(2 << 20), undefined, { divergence: "a token file over 1 MiB is refused (client-go reads any size)" });

  // Encodings and file kinds.
  add("utf16le-bom", ({ config, files }) => void (files.kubeconfig = Buffer.from(`\ufeff${JSON.stringify(config)}`, "utf16le")));
  add("utf16le-no-bom", ({ config, files }) => void (files.kubeconfig = Buffer.from(JSON.stringify(config), "utf16le")));
  add("invalid-utf8", ({ config, files }) => void (files.kubeconfig = Buffer.concat([Buffer.from(JSON.stringify(config).slice(0, -1)), Buffer.from(', "x": "\xc3('), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])));
  add("yaml-1.1-booleans", ({ config, files }) => void (files.kubeconfig = JSON.stringify(config).replace('"clusters": [{', '"clusters": [{').replace(/"extensions":\[\]\}\}\]/, '"extensions":[], "insecure-skip-tls-verify": no}}]')));
  add("kubeconfig-is-directory", ({ files }) => void (files["kubeconfig"] = { directory: true }));
  add("kubeconfig-dev-zero", () => ({ kubeconfigPath: "/dev/zero", skipReference: "client-go reads /dev/zero forever", timeLimitMs: 30_000 }));
  add("kubeconfig-empty", ({ files }) => void (files.kubeconfig = ""));
  return cases;
}
