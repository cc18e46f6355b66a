import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as netConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiRequest, generateCertificateAuthority, mintServiceAccountToken } from "@org/k8s-testenv";
import { ConnectionError } from "./connection.js";
import { startConnectProxy, startSocks5Proxy } from "./testing/proxies.js";
import { loadConnection } from "./load-connection.js";
import type { Connection } from "./types.js";

const cp = inject("controlPlane");
const adminAccess = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const b64 = (s: string) => Buffer.from(s).toString("base64");
let dir: string;
const open: Connection[] = [];
const track = (c: Connection) => (open.push(c), c);
// An environment with no kubeconfig and no pod, so the machine's own setup never leaks into a test.
const cleanEnv = () => ({ HOME: dir, PATH: process.env.PATH });

function kubeconfig(name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}, extra = ""): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "ctx",
      clusters: [{ name: "c", cluster: { server: cp.server, "certificate-authority-data": b64(cp.caPem), ...cluster } }],
      users: [{ name: "u", user }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "team-a" } }],
    }) + extra,
  );
  return file;
}

async function whoAmI(connection: Connection): Promise<{ status: number; username?: string; groups?: string[] }> {
  const res = await connection.fetch("/apis/authentication.k8s.io/v1/selfsubjectreviews", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }),
  });
  const body = (await res.json()) as { status?: { userInfo?: { username?: string; groups?: string[] } } };
  return { status: res.status, ...(body.status?.userInfo ?? {}) };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "auth-int-"));
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("authenticating to the real control plane", () => {
  it("uses the testenv admin kubeconfig (client certificate) from KUBECONFIG", async () => {
    const connection = track(await loadConnection({ env: { ...cleanEnv(), KUBECONFIG: cp.kubeconfigPath } }));
    expect(connection.server).toBe(cp.server);
    expect(await whoAmI(connection)).toMatchObject({ status: 201, username: "admin", groups: expect.arrayContaining(["system:masters"]) });
    const res = await connection.fetch("/api/v1/namespaces");
    expect(res.status).toBe(200);
  });

  it("uses a static token and the context's namespace", async () => {
    const file = kubeconfig("token.yaml", { token: cp.adminToken.token });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    expect(connection.namespace).toBe("team-a");
    expect(await whoAmI(connection)).toMatchObject({ status: 201, username: cp.adminToken.user });
    // Secrets stay out of every printable form.
    for (const text of [inspect(connection), JSON.stringify(connection), connection.describe(), inspect(connection.tls), JSON.stringify(connection.tls)]) {
      expect(text).not.toContain(cp.adminToken.token);
    }
    expect(connection.describe()).toBe(`${cp.server} as user "u" (bearer token) via context "ctx"`);
  });

  it("connects as the direct case from the docs: server, bearer token and CA file", async () => {
    const caFile = join(dir, "ca.crt");
    writeFileSync(caFile, cp.caPem);
    const connection = track(await loadConnection({ server: cp.server, token: cp.adminToken.token, certificateAuthority: caFile, env: cleanEnv() }));
    expect((await connection.fetch("/api/v1/namespaces/default")).status).toBe(200);
    expect((await connection.headers()).get("authorization")).toBe(`Bearer ${cp.adminToken.token}`);
  });

  it("client certificate from files, relative to the kubeconfig", async () => {
    writeFileSync(join(dir, "admin.crt"), cp.admin.certPem);
    writeFileSync(join(dir, "admin.key"), cp.admin.keyPem);
    const file = kubeconfig("certs.yaml", { "client-certificate": "admin.crt", "client-key": "./admin.key" });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    expect(await whoAmI(connection)).toMatchObject({ username: "admin" });
  });

  it("impersonation: the admin impersonating the unprivileged user gets 403", async () => {
    const file = kubeconfig("imp.yaml", { token: cp.adminToken.token, as: cp.unprivileged.user, "as-groups": ["team-x", "team-y"], "as-user-extra": { "scopes/x": ["a b", "c"] } });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    const headers = await connection.headers();
    expect(headers.get("impersonate-user")).toBe(cp.unprivileged.user);
    expect(headers.get("impersonate-group")).toBe("team-x, team-y");
    expect(headers.get("impersonate-extra-scopes%2Fx")).toBe("a b, c");
    const who = await whoAmI(connection);
    expect(who).toMatchObject({ username: cp.unprivileged.user, groups: expect.arrayContaining(["team-x", "team-y"]) });
    expect((await connection.fetch("/api/v1/namespaces")).status).toBe(403);
  });

  it("a wrong CA is a clear TLS error, never a silent fallback", async () => {
    const other = await generateCertificateAuthority("not-the-cluster-ca");
    const file = kubeconfig("wrong-ca.yaml", { token: cp.adminToken.token }, { "certificate-authority-data": b64(other.certPem) });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    const error = await connection.fetch("/version").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`^TLS verification of ${cp.server}/version failed: .*not .*trusted.*\\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\\)`));
    expect((error as Error).message).not.toContain(cp.adminToken.token);
  });

  it("insecure-skip-tls-verify (only when the kubeconfig says so) connects without the CA", async () => {
    const file = kubeconfig("insecure.yaml", { token: cp.adminToken.token }, { "certificate-authority-data": undefined, "insecure-skip-tls-verify": true });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    expect(connection.tls.insecureSkipVerify).toBe(true);
    expect((await connection.fetch("/version")).status).toBe(200);
  });

  it("keeps one TLS connection alive for many sequential requests", async () => {
    // Count TCP connections with a loopback proxy in front of the API server.
    const target = new URL(cp.server);
    let accepted = 0;
    const proxy = createServer((client) => {
      accepted++;
      const upstream = netConnect(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", () => resolve()));
    const port = (proxy.address() as { port: number }).port;
    try {
      const file = kubeconfig("keepalive.yaml", { token: cp.adminToken.token }, { server: `https://127.0.0.1:${port}` });
      const connection = await loadConnection({ kubeconfig: file, env: cleanEnv() });
      for (let i = 0; i < 20; i++) {
        const res = await connection.fetch("/version");
        expect(res.status).toBe(200);
        await res.text(); // a consumed body hands the socket back to the pool
      }
      expect(accepted).toBe(1);
      await connection.close();
    } finally {
      proxy.close();
    }
  });
});

describe("proxies", () => {
  it("tunnels through an http proxy-url (CONNECT), verifying TLS end to end", async () => {
    const proxy = await startConnectProxy();
    try {
      const file = kubeconfig("proxy-http.yaml", { token: cp.adminToken.token }, { "proxy-url": proxy.url });
      const connection = await loadConnection({ kubeconfig: file, env: cleanEnv() });
      for (let i = 0; i < 3; i++) {
        const res = await connection.fetch("/api");
        expect(res.status).toBe(200);
        await res.text(); // a consumed body hands the tunnelled socket back to the pool
      }
      expect(proxy.targets).toEqual([new URL(cp.server).host]);
      expect(connection.describe()).toContain(`through proxy ${proxy.url}`);
      await connection.close();
    } finally {
      await proxy.close();
    }
  });

  it("tunnels through a socks5 proxy-url with username/password, and keeps the connection alive", async () => {
    const proxy = await startSocks5Proxy({ username: "px", password: "s3cret" });
    try {
      const file = kubeconfig("proxy-socks.yaml", { token: cp.adminToken.token }, { "proxy-url": proxy.url });
      const connection = await loadConnection({ kubeconfig: file, env: cleanEnv() });
      for (let i = 0; i < 5; i++) {
        const res = await connection.fetch("/api");
        expect(res.status).toBe(200);
        await res.text();
      }
      expect(proxy.targets).toEqual([new URL(cp.server).host]);
      expect(connection.describe()).not.toContain("s3cret");
      await connection.close();
    } finally {
      await proxy.close();
    }
  });

  it("HTTPS_PROXY from the env option is used for non-loopback servers, NO_PROXY and loopback are honored", async () => {
    // kubernetes.default.svc is in the serving certificate; the proxy resolves it to the API server's address.
    const proxy = await startConnectProxy(() => "127.0.0.1");
    const port = new URL(cp.server).port;
    try {
      const env = { ...cleanEnv(), HTTPS_PROXY: proxy.url };
      const viaProxy = await loadConnection({ kubeconfig: kubeconfig("env-proxy.yaml", { token: cp.adminToken.token }, { server: `https://kubernetes.default.svc:${port}` }), env });
      expect((await viaProxy.fetch("/api")).status).toBe(200);
      expect(proxy.targets).toEqual([`kubernetes.default.svc:${port}`]);
      await viaProxy.close();
      const noProxy = await loadConnection({ kubeconfig: kubeconfig("env-noproxy.yaml", { token: cp.adminToken.token }, { server: `https://kubernetes.default.svc:${port}` }), env: { ...env, NO_PROXY: ".svc" } });
      const error = await noProxy.fetch("/api").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError); // direct: the name does not resolve outside a cluster
      await noProxy.close();
      const loopback = await loadConnection({ kubeconfig: kubeconfig("env-loopback.yaml", { token: cp.adminToken.token }), env });
      expect((await loopback.fetch("/api")).status).toBe(200);
      expect(proxy.targets).toHaveLength(1);
      await loopback.close();
    } finally {
      await proxy.close();
    }
  });
});

describe("tls-server-name", () => {
  it("verifies the server against tls-server-name, and fails clearly when it does not match", async () => {
    const good = track(await loadConnection({ kubeconfig: kubeconfig("sni.yaml", { token: cp.adminToken.token }, { "tls-server-name": "kubernetes" }), env: cleanEnv() }));
    expect((await good.fetch("/api")).status).toBe(200);
    const bad = track(await loadConnection({ kubeconfig: kubeconfig("sni-bad.yaml", { token: cp.adminToken.token }, { "tls-server-name": "wrong.example.com" }), env: cleanEnv() }));
    const error = await bad.fetch("/api").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/^TLS verification of https:\/\/127\.0\.0\.1:\d+\/api failed: .*ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});

describe("in-cluster", () => {
  it("uses a minted service-account token, CA and namespace from the service-account directory", async () => {
    const token = await mintServiceAccountToken(adminAccess, { namespace: "incluster", name: "app" });
    const saDir = join(dir, "sa");
    mkdirSync(saDir);
    writeFileSync(join(saDir, "token"), `${token}\n`);
    writeFileSync(join(saDir, "ca.crt"), cp.caPem);
    writeFileSync(join(saDir, "namespace"), "incluster\n");
    const url = new URL(cp.server);
    const env = { ...cleanEnv(), KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
    const connection = track(await loadConnection({ env, serviceAccountDir: saDir }));
    expect(connection.source).toBe("in-cluster");
    expect(connection.namespace).toBe("incluster");
    expect(connection.server).toBe(`https://${url.hostname}:${url.port}`);
    expect(await whoAmI(connection)).toMatchObject({ status: 201, username: "system:serviceaccount:incluster:app" });
  });

  it("keeps working across token rotation after the old token is revoked", async () => {
    const oldToken = await mintServiceAccountToken(adminAccess, { namespace: "rotation", name: "old" });
    const saDir = join(dir, "sa-rotate");
    mkdirSync(saDir);
    writeFileSync(join(saDir, "token"), oldToken);
    writeFileSync(join(saDir, "ca.crt"), cp.caPem);
    const url = new URL(cp.server);
    const env = { ...cleanEnv(), KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port };
    const connection = track(await loadConnection({ env, serviceAccountDir: saDir, tokenFileMaxAgeMs: 200 }));
    expect((await whoAmI(connection)).username).toBe("system:serviceaccount:rotation:old");

    // Rotate: a new token lands in the file, then the old one is revoked (its ServiceAccount is deleted).
    const newToken = await mintServiceAccountToken(adminAccess, { namespace: "rotation", name: "new" });
    writeFileSync(join(saDir, "token"), newToken);
    expect((await apiRequest(adminAccess, "DELETE", "/api/v1/namespaces/rotation/serviceaccounts/old")).status).toBe(200);
    // The API server caches successful token reviews for ~10 s: wait until the old token is really refused.
    const oldAccess = { server: cp.server, caPem: cp.caPem, token: oldToken };
    const deadline = Date.now() + 30_000;
    while ((await apiRequest(oldAccess, "GET", "/api")).status !== 401) {
      if (Date.now() > deadline) throw new Error("the old token was never revoked");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await whoAmI(connection)).toMatchObject({ status: 201, username: "system:serviceaccount:rotation:new" });
  });

  it("says clearly when not in a cluster", async () => {
    await expect(loadConnection({ env: cleanEnv() })).rejects.toThrowError(/not in a cluster \(KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set\)/);
    await expect(loadConnection({ env: cleanEnv(), inCluster: true })).rejects.toThrowError(
      "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined",
    );
  });
});

describe("exec plugins", () => {
  function plugin(name: string, tokenFile: string, counter: string, expiration = "", apiVersion = "client.authentication.k8s.io/v1"): string {
    const path = join(dir, name);
    writeFileSync(
      path,
      `#!/bin/sh
echo run >> "${counter}"
case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) echo "bad exec info: $KUBERNETES_EXEC_INFO" >&2; exit 3;; esac
[ "$X" = 1 ] || exit 4
printf '{"apiVersion":"${apiVersion}","kind":"ExecCredential","status":{"token":"%s"${expiration ? `,"expirationTimestamp":"${expiration}"` : ""}}}' "$(cat "${tokenFile}")"
`,
    );
    chmodSync(path, 0o755);
    return path;
  }
  const runs = (counter: string) => readFileSync(counter, "utf8").trim().split("\n").length;

  it("runs the plugin once for ten parallel calls and caches its token", async () => {
    const counter = join(dir, "exec-count");
    const tokenFile = join(dir, "exec-token");
    writeFileSync(tokenFile, cp.adminToken.token);
    plugin("plugin.sh", tokenFile, counter);
    const file = kubeconfig("exec.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "./plugin.sh", interactiveMode: "Never", env: [{ name: "X", value: "1" }] } });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    const results = await Promise.all(Array.from({ length: 10 }, () => connection.fetch("/api/v1/namespaces/default")));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(runs(counter)).toBe(1);
    expect((await connection.fetch("/api/v1/namespaces/default")).status).toBe(200);
    expect(runs(counter)).toBe(1);
  });

  it("runs the plugin again after a 401 answered to its cached token", async () => {
    const counter = join(dir, "exec-count-401");
    const tokenFile = join(dir, "exec-token-401");
    writeFileSync(tokenFile, "stale-token-the-server-does-not-know");
    plugin("plugin-401.sh", tokenFile, counter, "", "client.authentication.k8s.io/v1beta1");
    const file = kubeconfig("exec-401.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "./plugin-401.sh", env: [{ name: "X", value: "1" }] } });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    expect((await connection.fetch("/api")).status).toBe(401); // the 401 itself is returned, as client-go
    writeFileSync(tokenFile, cp.adminToken.token);
    expect((await connection.fetch("/api")).status).toBe(200);
    expect(runs(counter)).toBe(2);
  });

  it("runs the plugin again once its credential has expired", async () => {
    const counter = join(dir, "exec-count-exp");
    const tokenFile = join(dir, "exec-token-exp");
    writeFileSync(tokenFile, cp.adminToken.token);
    plugin("plugin-exp.sh", tokenFile, counter, "2000-01-01T00:00:00Z");
    const file = kubeconfig("exec-exp.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "./plugin-exp.sh", interactiveMode: "Never", env: [{ name: "X", value: "1" }] } });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    for (let i = 0; i < 3; i++) expect((await connection.fetch("/api")).status).toBe(200);
    expect(runs(counter)).toBe(3);
  });

  it("names a missing plugin and shows its install hint, without leaking output", async () => {
    const file = kubeconfig("missing-exec.yaml", {
      exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "definitely-not-installed-plugin", installHint: "brew install the-plugin" },
    });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    const error = await connection.fetch("/version").catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^getting credentials: exec: executable definitely-not-installed-plugin not found[\s\S]*brew install the-plugin$/);
  });

  it("kills a hung plugin after the timeout", async () => {
    const plugin = join(dir, "hang.sh");
    writeFileSync(plugin, "#!/bin/sh\nsleep 30\n");
    chmodSync(plugin, 0o755);
    const file = kubeconfig("hang.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" } });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv(), execTimeoutMs: 300 }));
    const started = Date.now();
    await expect(connection.fetch("/version")).rejects.toThrowError(/^getting credentials: exec: executable .*hang\.sh did not finish within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("kubectl proxy", () => {
  let proxy: ChildProcess | undefined;
  afterAll(() => {
    if (proxy?.pid) process.kill(proxy.pid, "SIGTERM");
  });

  it("talks plain http to a real kubectl proxy, sending no credentials", async () => {
    if (!cp.binaries.kubectl) throw new Error("kubectl was not built: run scripts/build-binaries.sh");
    proxy = spawn(cp.binaries.kubectl, ["proxy", "--port=0", "--address=127.0.0.1", `--kubeconfig=${cp.kubeconfigPath}`], { stdio: ["ignore", "pipe", "inherit"] });
    const line = await new Promise<string>((resolve) => createInterface({ input: proxy!.stdout! }).once("line", resolve));
    const port = /127\.0\.0\.1:(\d+)/.exec(line)?.[1];
    expect(port).toBeTruthy();
    // A kubeconfig whose user has a token: client-go drops credentials for http:// servers, and so do we.
    const file = kubeconfig("proxy.yaml", { token: "must-not-be-sent" }, { server: `http://127.0.0.1:${port}`, "certificate-authority-data": undefined });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    expect(connection.server).toBe(`http://127.0.0.1:${port}`);
    expect((await connection.headers()).get("authorization")).toBeNull();
    const res = await connection.fetch("/api/v1/namespaces/default");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { metadata: { name: string } }).metadata.name).toBe("default");
  });
});

describe("exec plugins returning certificates, shared across connections", () => {
  it("uses a client certificate returned by the plugin; a second connection reuses the cached credential", async () => {
    const counter = join(dir, "cert-plugin.count");
    const plugin = join(dir, "cert-plugin.mjs");
    writeFileSync(
      plugin,
      `#!/usr/bin/env node
import { appendFileSync } from "node:fs";
appendFileSync(${JSON.stringify(counter)}, "x");
process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential",
  status: { clientCertificateData: ${JSON.stringify(cp.admin.certPem)}, clientKeyData: ${JSON.stringify(cp.admin.keyPem)} } }));
`,
    );
    chmodSync(plugin, 0o755);
    const file = kubeconfig("cert-plugin.yaml", { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: plugin } });
    const connection = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    expect(await whoAmI(connection)).toMatchObject({ status: 201, username: "admin" });
    const second = track(await loadConnection({ kubeconfig: file, env: cleanEnv() }));
    expect((await second.fetch("/api")).status).toBe(200);
    expect(readFileSync(counter, "utf8")).toBe("x"); // one authenticator per plugin config and cluster, process-wide
    expect(inspect(connection)).not.toContain("PRIVATE KEY");
  });
});
