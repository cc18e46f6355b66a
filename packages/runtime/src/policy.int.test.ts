// The request policy against the real kube-apiserver, through the fault proxy: client-go's retry rules (a write the
// server applied is never replayed; Retry-After makes any verb safe to re-send; a GET is re-sent after a reset),
// timeouts that end as TransportErrors, typed errors from the connection kept as they are.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCredentialError, loadConnection } from "@org/k8s-auth";
import { apiRequest, generateCertificateAuthority } from "@org/k8s-testenv";
import { type FaultProxy, startFaultProxy } from "@org/k8s-test-tools";
import { kubeconfigConnection, writeKubeconfig } from "../../../scripts/vitest/test-connection.js";
import { createClient } from "./client.js";
import { KubernetesError, TransportError, isKubernetesError, isRetryable, isTimeout, isTransportError } from "./errors.js";
import { type ConfigMap, configMaps } from "./test/descriptors.js";
import type { HttpConnection } from "./transport.js";

const cp = inject("controlPlane");
const admin = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const ns = `policy-${process.pid}`;
let proxy: FaultProxy;
let connection: HttpConnection & { close(): Promise<void> };
let dir: string;

const path = (name?: string) => `/api/v1/namespaces/${ns}/configmaps${name ? `/${name}` : ""}`;
const direct = async (name: string) => (await apiRequest(admin, "GET", path(name))).json as ConfigMap | undefined;
async function seed(name: string, data: Record<string, string> = { v: "0" }): Promise<ConfigMap> {
  const res = await apiRequest(admin, "POST", path(), { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
  expect(res.status).toBe(201);
  return res.json as ConfigMap;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "policy-"));
  await apiRequest(admin, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  proxy = await startFaultProxy({ upstream: admin });
  connection = await kubeconfigConnection(cp.kubeconfigPath, ns, "admin", proxy.url);
});
afterEach(() => proxy.reset());
afterAll(async () => {
  await connection.close();
  await proxy.close();
  await apiRequest(admin, "DELETE", `/api/v1/namespaces/${ns}`);
  rmSync(dir, { recursive: true, force: true });
});

describe("writes the server applied are never replayed", () => {
  it("PUT, DELETE, apply and deleteCollection answered 500 after the server applied them: one write each, the user gets the 500", async () => {
    const client = createClient(connection, { warnings: false }).resource(configMaps);
    const put = await seed("put-once");
    await seed("delete-once");
    await seed("dc-once", {});
    await apiRequest(admin, "PATCH", path("dc-once"), { metadata: { labels: { dc: "yes" } } }, { contentType: "application/merge-patch+json" });
    proxy.inject({ method: ["PUT", "DELETE", "PATCH"], fault: { type: "forward-then-status", status: 500 }, times: Infinity });

    const results = await Promise.all([
      client.replace({ ...put, data: { v: "1" } }).catch((e: unknown) => e),
      client.delete("delete-once").catch((e: unknown) => e),
      client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "apply-once" }, data: { v: "1" } }, { fieldManager: "policy-test" }).catch((e: unknown) => e),
      client.deleteCollection({ labelSelector: "dc=yes" }).catch((e: unknown) => e),
    ]);
    for (const result of results) expect(result).toMatchObject({ code: 500, name: "KubernetesError" });
    expect(proxy.reachedServer({ method: "PUT" })).toHaveLength(1);
    expect(proxy.reachedServer({ method: "DELETE" })).toHaveLength(2); // one delete, one deleteCollection
    expect(proxy.reachedServer({ method: "PATCH" })).toHaveLength(1);
    expect(proxy.received()).toHaveLength(4);
    // Each happened exactly once: no 409 from a replayed PUT, no 404 from a replayed DELETE.
    expect((await direct("put-once"))?.data).toEqual({ v: "1" });
    expect((await apiRequest(admin, "GET", path("delete-once"))).status).toBe(404);
    expect((await direct("apply-once"))?.data).toEqual({ v: "1" });
    expect((await apiRequest(admin, "GET", path("dc-once"))).status).toBe(404);
  });

  it("a POST or PUT whose connection was reset is not re-sent (the server may have applied it)", async () => {
    const client = createClient(connection, { warnings: false }).resource(configMaps);
    const put = await seed("reset-put");
    proxy.inject({ method: "POST", fault: { type: "reset" } });
    proxy.inject({ method: "PUT", fault: { type: "reset", forward: true } });
    const created = await client.create({ metadata: { name: "reset-post" } }).catch((e: unknown) => e);
    const replaced = await client.replace({ ...put, data: { v: "1" } }).catch((e: unknown) => e);
    for (const error of [created, replaced]) {
      expect(isTransportError(error)).toBe(true);
      expect((error as TransportError).code).toBe("ECONNRESET");
    }
    expect(proxy.received({ method: "POST" })).toHaveLength(1);
    expect(proxy.received({ method: "PUT" })).toHaveLength(1);
    expect((await direct("reset-put"))?.data).toEqual({ v: "1" }); // applied once, and the user was told the outcome is unknown
  });

  it("a 5xx without Retry-After is not retried, even for a GET (client-go)", async () => {
    proxy.inject({ method: "GET", fault: { type: "status", status: 503 } });
    const error = await createClient(connection).resource(configMaps).list().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 503 });
    expect(isRetryable(error)).toBe(true); // a property of the error, for loops that decide later
    expect(proxy.received()).toHaveLength(1);
  });
});

describe("retries client-go makes", () => {
  it("429 with Retry-After is honoured for every verb: one attempt throttled, the second reaches the server once", async () => {
    const client = createClient(connection, { warnings: false }).resource(configMaps);
    const put = await seed("ra-put");
    await seed("ra-patch");
    await seed("ra-get");
    await seed("ra-delete");
    await seed("ra-dc", {});
    await apiRequest(admin, "PATCH", path("ra-dc"), { metadata: { labels: { radc: "yes" } } }, { contentType: "application/merge-patch+json" });
    // The first request of each call is throttled (a rule per method and path, applied once); the retry passes.
    const calls: Array<[string, string, () => Promise<unknown>]> = [
      ["GET", path("ra-get"), () => client.get("ra-get")],
      ["GET", path(), () => client.list({ labelSelector: "nothing=here" })],
      ["POST", path(), () => client.create({ metadata: { name: "ra-post" } })],
      ["PUT", path("ra-put"), () => client.replace({ ...put, data: { v: "1" } })],
      ["PATCH", path("ra-patch"), () => client.patch("ra-patch", { type: "merge", body: { data: { v: "1" } } })],
      ["PATCH", path("ra-apply"), () => client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ra-apply" } }, { fieldManager: "policy-test" })],
      ["DELETE", path("ra-delete"), () => client.delete("ra-delete")],
    ];
    for (const [method, where] of calls) proxy.inject({ method, path: where, fault: { type: "status", status: 429, retryAfter: 1 } });
    proxy.inject({ method: "DELETE", path: path(), query: { labelSelector: "radc=yes" }, fault: { type: "status", status: 429, retryAfter: 1 } });
    const started = Date.now();
    const results = await Promise.all([...calls.map(([, , call]) => call()), client.deleteCollection({ labelSelector: "radc=yes" })]);
    const elapsed = Date.now() - started;
    expect(results).toHaveLength(8);
    expect(elapsed).toBeGreaterThanOrEqual(950); // waited the server's Retry-After
    expect(elapsed).toBeLessThan(10_000);
    for (const [method, where] of calls) {
      expect(proxy.received({ method, path: where }).map((r) => r.status === 429), `${method} ${where}`).toEqual([true, false]);
      expect(proxy.reachedServer({ method, path: where }), `${method} ${where}`).toHaveLength(1);
    }
    expect(proxy.received().filter((r) => r.status === 429)).toHaveLength(8);
    expect(proxy.reachedServer()).toHaveLength(8); // every call reached the server exactly once
    expect((await direct("ra-put"))?.data).toEqual({ v: "1" });
  });

  it("a GET whose connection was reset is re-sent, and succeeds", async () => {
    await seed("reset-get");
    proxy.inject({ method: "GET", path: path("reset-get"), fault: { type: "reset" } });
    const got = await createClient(connection).resource(configMaps).get("reset-get");
    expect(got.metadata?.name).toBe("reset-get");
    expect(proxy.received({ method: "GET" })).toHaveLength(2);
    expect(proxy.reachedServer({ method: "GET" })).toHaveLength(1);
  });

  it("gives up after maxRetries with the last answer", async () => {
    proxy.inject({ method: "GET", fault: { type: "status", status: 429, retryAfter: 0 }, times: Infinity });
    const error = await createClient(connection, { retry: { maxRetries: 2 } }).resource(configMaps).get("anything").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 429, retryAfterSeconds: 0 });
    expect(proxy.received()).toHaveLength(3);
  });

  it("does not sleep past the call's timeout: a long Retry-After ends the call at once with the 429", async () => {
    proxy.inject({ method: "GET", fault: { type: "status", status: 429, retryAfter: 30 } });
    const started = Date.now();
    const error = await createClient(connection).resource(configMaps).list({ timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error).toMatchObject({ code: 429, retryAfterSeconds: 30 });
  });
});

describe("timeouts end as TransportErrors, never as raw DOMExceptions", () => {
  it("a body that never comes: the whole-call timeout", async () => {
    proxy.inject({ method: "GET", fault: { type: "silent", when: "after-headers" } });
    const error = await createClient(connection).resource(configMaps).list({ timeoutMs: 400 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(isTimeout(error)).toBe(true);
    expect((error as Error).message).toBe(`GET ${proxy.url}${path()}: timed out after 400 ms`);
  });

  it("a wait between attempts that would outlast the call ends it at once with the real failure", async () => {
    // Twice: a reset on a kept-alive socket is re-sent at once by the connection itself (as Go's transport does).
    proxy.inject({ method: "GET", path: path("x"), fault: { type: "reset" }, times: 2 });
    const started = Date.now();
    const error = await createClient(connection, { retry: { baseDelayMs: 5_000 } }).resource(configMaps).get("x", { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ name: "ConnectionError", code: "ECONNRESET" });
  });

  it("a timeout while a retry waits for the rate limiter", async () => {
    proxy.inject({ method: "GET", fault: { type: "status", status: 429, retryAfter: 0 } });
    const client = createClient(connection, { rateLimit: { qps: 1, burst: 1 } }).resource(configMaps);
    const error = await client.list({ timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toBe(`GET ${proxy.url}${path()}: timed out after 300 ms`);
  });

  it("streams: no headers within headerTimeoutMs; no data for idleTimeoutMs", async () => {
    const client = createClient(connection);
    proxy.inject({ watch: true, fault: { type: "silent", when: "before-response" } });
    const started = Date.now();
    const noHeaders = await client.transport.request({ method: "GET", path: `${path()}?watch=true`, stream: true, headerTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(noHeaders).toBeInstanceOf(TransportError);
    expect((noHeaders as Error).message).toMatch(/no response headers within 300 ms$/);
    expect(Date.now() - started).toBeLessThan(3_000);

    proxy.inject({ watch: true, fault: { type: "silent", when: "after-headers" } });
    const res = await client.transport.request({ method: "GET", path: `${path()}?watch=true`, stream: true, idleTimeoutMs: 300 });
    const quiet = await (async () => {
      for await (const _chunk of res.body) {
        // nothing comes
      }
    })().catch((e: unknown) => e);
    expect(isTimeout(quiet)).toBe(true);
    expect((quiet as Error).message).toMatch(/no data for 300 ms$/);
  });
});

describe("errors from the connection keep their type and message", () => {
  it("a TLS failure reaches the caller as auth's ConnectionError, with its advice, not retried", async () => {
    const other = await generateCertificateAuthority("not-the-cluster-ca");
    const file = writeKubeconfig(join(dir, "wrong-ca.yaml"), { server: cp.server, caPem: other.certPem, user: { token: cp.adminToken.token } });
    const wrong = await loadConnection({ kubeconfig: file, env: { HOME: "/nonexistent" } });
    try {
      const error = await createClient(wrong).resource(configMaps).list({ namespace: ns }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "ConnectionError" });
      expect(isTransportError(error)).toBe(true);
      expect(isRetryable(error)).toBe(false);
      expect((error as Error).message).toMatch(/^TLS verification of https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/.*failed: .*Check certificate-authority for/);
    } finally {
      await wrong.close();
    }
  });

  it("a credential failure passes unchanged and is not retried", async () => {
    const file = writeKubeconfig(join(dir, "exec.yaml"), {
      server: cp.server,
      caPem: cp.caPem,
      user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "no-such-credential-plugin", interactiveMode: "Never" } },
    });
    const broken = await loadConnection({ kubeconfig: file, env: { HOME: "/nonexistent", PATH: "/nonexistent" } });
    try {
      const started = Date.now();
      const error = await createClient(broken).resource(configMaps).list({ namespace: ns }).catch((e: unknown) => e);
      expect(isCredentialError(error)).toBe(true);
      expect(error).not.toBeInstanceOf(KubernetesError);
      expect(isTransportError(error)).toBe(false);
      expect(isRetryable(error)).toBe(false);
      expect((error as Error).message).toMatch(/no-such-credential-plugin not found/);
      expect(Date.now() - started).toBeLessThan(2_000); // not retried with backoff
    } finally {
      await broken.close();
    }
  });
});
