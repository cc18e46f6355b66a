import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { adminTestConnection } from "../../../scripts/vitest/test-connection.js";
import { createClient } from "./client.js";
import { KubernetesError, TransportError, isTooManyRequests } from "./errors.js";
import { Informer } from "./informer.js";
import { configMaps } from "./test/descriptors.js";
import type { HttpConnection } from "./transport.js";

const real = await adminTestConnection("default");
afterAll(() => real.close());

/**
 * A fault-injecting front for the real connection: the first `faults` requests matching `match` get the given
 * status (the server cannot be made to answer 429/503 on demand); everything else reaches the real server.
 */
function faulty(faults: Array<{ status: number; headers?: Record<string, string> }>, match: (path: string, method: string) => boolean = () => true) {
  const log: Array<{ path: string; method: string; injected: boolean; at: number }> = [];
  const connection: HttpConnection = {
    server: real.server,
    namespace: "default",
    async fetch(input, init) {
      const method = init?.method ?? "GET";
      const inject = match(input, method) ? faults.shift() : undefined;
      log.push({ path: input, method, injected: inject !== undefined, at: Date.now() });
      if (inject) {
        const status = { kind: "Status", status: "Failure", code: inject.status, reason: inject.status === 429 ? "TooManyRequests" : "ServiceUnavailable", message: "injected" };
        return new Response(JSON.stringify(status), { status: inject.status, headers: { "content-type": "application/json", ...inject.headers } });
      }
      return real.fetch(input, init);
    },
  };
  return { connection, log };
}

describe("retries (client-go's rules)", () => {
  it("retries after a 429 with Retry-After, honouring the wait, then succeeds against the real server", async () => {
    const { connection, log } = faulty([{ status: 429, headers: { "retry-after": "1" } }]);
    const started = Date.now();
    const list = await createClient(connection).resource(configMaps).list({ namespace: "kube-system" });
    expect(list.items).toBeDefined();
    expect(log.map((l) => l.injected)).toEqual([true, false]);
    expect(log[1]!.at - log[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("does not retry a 5xx without Retry-After, for any verb", async () => {
    const { connection, log } = faulty([{ status: 503 }, { status: 503 }]);
    const client = createClient(connection).resource(configMaps);
    const created = await client.create({ metadata: { generateName: "retry-" } }).catch((e: unknown) => e);
    const listed = await client.list().catch((e: unknown) => e);
    for (const error of [created, listed]) {
      expect(error).toBeInstanceOf(KubernetesError);
      expect((error as KubernetesError).code).toBe(503);
    }
    expect(log).toHaveLength(2);
  });

  it("gives up after maxRetries with the last error", async () => {
    const { connection, log } = faulty(Array.from({ length: 5 }, () => ({ status: 429, headers: { "retry-after": "0" } })));
    const client = createClient(connection, { retry: { maxRetries: 2 } });
    const error = await client.resource(configMaps).get("anything").catch((e: unknown) => e);
    expect(isTooManyRequests(error)).toBe(true);
    expect(log).toHaveLength(3);
  });
});

describe("timeouts and transport errors", () => {
  it("times out a call that hangs, naming the request", async () => {
    const hanging: HttpConnection = {
      server: real.server,
      namespace: "default",
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true })),
    };
    const error = await createClient(hanging, { retry: { maxRetries: 0 } }).resource(configMaps).get("x", { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toBe(`GET ${real.server}/api/v1/namespaces/default/configmaps/x: timed out after 200 ms`);
  });

  it("says which server could not be reached and why", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const closed: HttpConnection = {
      server: `https://127.0.0.1:${port}`,
      namespace: "default",
      fetch: (input) => fetch(`https://127.0.0.1:${port}${input}`),
    };
    const error = await createClient(closed, { retry: { maxRetries: 0 } }).resource(configMaps).list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toMatch(new RegExp(`^GET https://127\\.0\\.0\\.1:${port}/api/v1/namespaces/default/configmaps: .*ECONNREFUSED`));
  });
});

describe("informer recovery", () => {
  it("keeps going after server errors, with backoff, instead of stopping", async () => {
    const { connection, log } = faulty(
      [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }],
      (path) => path.includes("/configmaps"),
    );
    const informer = new Informer(createClient(connection, { retry: { maxRetries: 0 } }).resource(configMaps), {
      namespace: "kube-system",
      streamingList: false, // paged lists surface each failure to the informer (a watch retries 5xx itself)
      backoff: { initialMs: 20, maxMs: 100 },
    });
    const errors: unknown[] = [];
    informer.on((event) => event.type === "error" && errors.push(event.error));
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(log.filter((l) => l.injected)).toHaveLength(5);
    await informer.stop();
  });
});
