// Warnings, the request log, hooks, the User-Agent and the client-side rate limit, against the real kube-apiserver
// (through the fault proxy where the test needs to see what arrived).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConnection } from "@org/k8s-auth";
import { apiRequest } from "@org/k8s-testenv";
import { type FaultProxy, startFaultProxy } from "@org/k8s-test-tools";
import { kubeconfigConnection, writeKubeconfig } from "../../../scripts/vitest/test-connection.js";
import { createClient } from "./client.js";
import type { RequestEvent, ResponseEvent } from "./hooks.js";
import { configMaps } from "./test/descriptors.js";
import type { HttpConnection } from "./transport.js";
import { SDK_VERSION } from "./user-agent.js";
import { type Warning, defaultWarningHandler, printWarningsOnce } from "./warnings.js";

const cp = inject("controlPlane");
const admin = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const ns = `observe-${process.pid}`;
const TOKEN = cp.adminToken.token;
const KEY_BODY = cp.admin.keyPem.split("\n")[1]!; // a line of the client key's base64
let proxy: FaultProxy;
let viaProxy: HttpConnection & { close(): Promise<void> };
let dir: string;
let secretKubeconfig: string;

/** A kubeconfig whose user has both a bearer token and a client certificate: everything that must never be printed. */
const b64 = (s: string) => Buffer.from(s).toString("base64");
const writeSecretKubeconfig = () =>
  writeKubeconfig(join(dir, "secrets.yaml"), {
    server: cp.server,
    caPem: cp.caPem,
    namespace: ns,
    user: { token: TOKEN, "client-certificate-data": b64(cp.admin.certPem), "client-key-data": b64(cp.admin.keyPem) },
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "observe-"));
  secretKubeconfig = writeSecretKubeconfig();
  await apiRequest(admin, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  proxy = await startFaultProxy({ upstream: admin });
  viaProxy = await kubeconfigConnection(cp.kubeconfigPath, ns, "admin", proxy.url);
});
afterEach(() => proxy.reset());
afterAll(async () => {
  await viaProxy.close();
  await proxy.close();
  await apiRequest(admin, "DELETE", `/api/v1/namespaces/${ns}`);
  rmSync(dir, { recursive: true, force: true });
});

const withUnknownField = (name: string) => ({ metadata: { name }, data: { a: "b" }, bogus: "x" }) as never;

describe("warnings", () => {
  it('fieldValidation: "Warn" results reach the handler; the kubectl-style printer writes each distinct one once', async () => {
    const seen: Warning[] = [];
    const lines: string[] = [];
    const once = printWarningsOnce({ write: (line) => lines.push(line) });
    const client = createClient(viaProxy, { warnings: (warning, request) => (seen.push(warning), once(warning, request)) }).resource(configMaps);
    await client.create(withUnknownField("warn-1"), { fieldValidation: "Warn" });
    await client.create(withUnknownField("warn-2"), { fieldValidation: "Warn" });
    expect(seen).toEqual([
      { code: 299, agent: "-", text: 'unknown field "bogus"' },
      { code: 299, agent: "-", text: 'unknown field "bogus"' },
    ]);
    expect(lines).toEqual(['Warning: unknown field "bogus"']);
  });

  it("the default handler prints to standard error once per process, however many clients see the warning", async () => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const text = `unknown field "onlyOnce${process.pid}"`;
      for (const name of ["default-1", "default-2"]) {
        await createClient(viaProxy).resource(configMaps).create({ metadata: { name }, [`onlyOnce${process.pid}`]: 1 } as never, { fieldValidation: "Warn" });
      }
      defaultWarningHandler({ code: 299, agent: "-", text }, { method: "GET", url: "x" });
      expect(written.filter((line) => line.includes(`onlyOnce${process.pid}`))).toEqual([`Warning: ${text}\n`]);
    } finally {
      process.stderr.write = write;
    }
  });

  it("warnings: false drops them", async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      await createClient(viaProxy, { warnings: false }).resource(configMaps).create({ metadata: { name: "silent-warning" }, droppedField: 1 } as never, { fieldValidation: "Warn" });
    } finally {
      process.stderr.write = write;
    }
    expect(lines.join("")).not.toContain("droppedField");
  });
});

describe("request log", () => {
  async function logged(level: number): Promise<string[]> {
    const entries: string[] = [];
    const connection = await loadConnection({ kubeconfig: secretKubeconfig, env: { HOME: "/nonexistent" } });
    try {
      const client = createClient(connection, { requestLog: { level, write: (entry) => entries.push(entry) }, warnings: false }).resource(configMaps);
      await client.create({ metadata: { name: `log-${level}` }, data: { k: "v" } });
      await client.list();
      await client.get("missing").catch(() => undefined);
    } finally {
      await connection.close();
    }
    return entries;
  }

  it("level 6: method, URL, status and time, one line per request", async () => {
    const entries = await logged(6);
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatch(new RegExp(`^POST ${cp.server}/api/v1/namespaces/${ns}/configmaps 201 Created in \\d+ milliseconds$`));
    expect(entries[1]).toMatch(/^GET \S+\/configmaps 200 OK in \d+ milliseconds$/);
    expect(entries[2]).toMatch(/^GET \S+\/configmaps\/missing 404 Not Found in \d+ milliseconds$/);
  });

  it("level 7 adds the request headers as sent, the credential masked; 8 response headers and bodies; 9 a curl line", async () => {
    const seven = (await logged(7)).join("\n");
    expect(seven).toContain("Request Headers:\n");
    expect(seven).toContain("    Authorization: Bearer <masked>\n");
    expect(seven).toMatch(/ {4}User-Agent: \S+\/unknown \(linux\/\w+\) k8s-sdk-ts\//);
    expect(seven).not.toContain("Response Headers:");
    expect(seven).not.toContain("Response Body:");

    const eight = (await logged(8)).join("\n");
    expect(eight).toContain("Response Headers:\n");
    expect(eight).toMatch(/ {4}Audit-Id: /);
    expect(eight).toContain(`Request Body: {"metadata":{"name":"log-8"},"data":{"k":"v"},"apiVersion":"v1","kind":"ConfigMap"}`);
    expect(eight).toMatch(/Response Body: \{"kind":"Status".*"code":404\}/);

    const nine = (await logged(9)).join("\n");
    expect(nine).toMatch(new RegExp(`curl -v -XGET -H 'Accept: application/json' .*-H 'Authorization: Bearer <masked>' .*'${cp.server}/api/v1/namespaces/${ns}/configmaps'`));
    for (const text of [seven, eight, nine]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(KEY_BODY);
    }
  });

  it("K8S_SDK_LOG_LEVEL turns it on without code; NODE_DEBUG=http shows neither the token nor the key", () => {
    // A separate process with the built packages, as an app would run them.
    const script = join(dir, "app.mjs");
    const auth = fileURLToPath(new URL("../../auth/dist/index.js", import.meta.url));
    const runtime = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    writeFileSync(
      script,
      [
        `import { loadConnection } from ${JSON.stringify(auth)};`,
        `import { createClient } from ${JSON.stringify(runtime)};`,
        `const connection = await loadConnection({ kubeconfig: ${JSON.stringify(secretKubeconfig)}, env: { HOME: "/nonexistent" } });`,
        "const pods = createClient(connection).resource({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, verbs: [], patchTypes: [], subresources: {} });",
        "await pods.list();",
        "await pods.list();",
        "await connection.fetch('/version').then((r) => r.text());",
        "await connection.close();",
      ].join("\n"),
    );
    const run = spawnSync(process.execPath, [script], {
      env: { PATH: process.env.PATH, K8S_SDK_LOG_LEVEL: "9", NODE_DEBUG: "http,https,tls,net" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/curl -v -XGET .*'Authorization: Bearer <masked>'/);
    expect(run.stderr).toMatch(/^HTTP \d+: /m); // Node's own debug output is there
    expect(run.stderr).toMatch(/^NET \d+: /m);
    expect(run.stderr).not.toContain(TOKEN);
    expect(run.stderr).not.toContain(KEY_BODY);
    expect(run.stdout).not.toContain(TOKEN);
  });
});

describe("hooks and User-Agent", () => {
  it("a hook sees every attempt, can add a traceparent header, and learns the outcome", async () => {
    const events: Array<{ request: RequestEvent; response?: ResponseEvent; error?: unknown }> = [];
    const client = createClient(viaProxy, {
      warnings: false,
      userAgent: "my-controller/1.2.3 (linux/amd64) k8s-sdk-ts/test",
      onRequest(request) {
        request.headers["traceparent"] = `00-${"a".repeat(32)}-${"b".repeat(15)}${request.attempt}-01`;
        const entry: (typeof events)[number] = { request };
        events.push(entry);
        return { response: (response) => void (entry.response = response), error: (error) => void (entry.error = error) };
      },
    }).resource(configMaps);
    proxy.inject({ method: "GET", fault: { type: "status", status: 429, retryAfter: 0 } });
    await client.list();
    expect(events.map((e) => [e.request.attempt, e.response?.status, e.response?.retrying])).toEqual([
      [1, 429, true],
      [2, 200, false],
    ]);
    expect(proxy.received().map((r) => r.headers["traceparent"])).toEqual([`00-${"a".repeat(32)}-${"b".repeat(15)}1-01`, `00-${"a".repeat(32)}-${"b".repeat(15)}2-01`]);
    expect(proxy.received().map((r) => r.headers["user-agent"])).toEqual(["my-controller/1.2.3 (linux/amd64) k8s-sdk-ts/test", "my-controller/1.2.3 (linux/amd64) k8s-sdk-ts/test"]);
    expect(events[1]!.response!.sentHeaders).toMatchObject({ traceparent: expect.any(String), "user-agent": expect.any(String) });
  });

  it("the default User-Agent is client-go-shaped", async () => {
    await createClient(viaProxy).resource(configMaps).list();
    expect(proxy.received()[0]!.headers["user-agent"]).toMatch(new RegExp(`^[\\w.-]+/unknown \\(${process.platform}/(amd64|arm64|[\\w]+)\\) k8s-sdk-ts/${SDK_VERSION.replace(/\./g, "\\.")}$`));
  });
});

describe("client-side rate limit", () => {
  it("200 concurrent calls at QPS 20 / burst 40 take (200 - 40) / 20 = 8 s and open no more sockets than the pool", async () => {
    const connection = await kubeconfigConnection(cp.kubeconfigPath, ns, "admin", proxy.url);
    try {
      const created = Date.now(); // the bucket starts full here
      const client = createClient(connection, { rateLimit: { qps: 20, burst: 40 } }).resource(configMaps);
      const started = performance.now();
      const sentAt: number[] = [];
      await Promise.all(Array.from({ length: 200 }, () => client.list({ limit: 1, timeoutMs: 60_000 }).then(() => sentAt.push(performance.now() - started))));
      const elapsed = performance.now() - started;
      expect(proxy.received()).toHaveLength(200);
      // The bucket starts full: 40 at once, then one every 50 ms. Margins for a loaded 2-core machine above, none below.
      expect(elapsed).toBeGreaterThanOrEqual(7_900);
      expect(elapsed).toBeLessThan(14_000);
      // Never faster than the bucket allows: request k (from 0) cannot arrive before (k + 1 - 40) / 20 s.
      const arrivals = proxy.received().map((r) => r.at - created);
      for (const k of [40, 60, 100, 150, 199]) expect(arrivals[k]!, `request ${k}`).toBeGreaterThanOrEqual(((k + 1 - 40) / 20) * 1000 - 20);
      expect(proxy.connections.total).toBeLessThanOrEqual(32); // DEFAULT_MAX_SOCKETS of @org/k8s-auth
      expect(proxy.connections.peak).toBeLessThanOrEqual(32);
    } finally {
      await connection.close();
    }
  }, 60_000);

  it("without a rate limit, 200 concurrent calls still open at most the pool's 32 sockets", async () => {
    const connection = await kubeconfigConnection(cp.kubeconfigPath, ns, "admin", proxy.url);
    try {
      const client = createClient(connection).resource(configMaps);
      await Promise.all(Array.from({ length: 200 }, () => client.list({ limit: 1 })));
      expect(proxy.received()).toHaveLength(200);
      expect(proxy.connections.total).toBeGreaterThan(1);
      expect(proxy.connections.total).toBeLessThanOrEqual(32);
    } finally {
      await connection.close();
    }
  });
});
