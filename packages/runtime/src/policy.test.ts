import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exponentialBackoff, jittered, sleep, sleepOrAbort } from "./backoff.js";
import { describeCause, innermostCause } from "./cause.js";
import { createClient } from "./client.js";
import { isTransportError } from "./errors.js";
import { TokenBucket } from "./rate-limit.js";
import { maskHeaderValue, requestLogLevelFromEnv } from "./request-log.js";
import { configMaps } from "./test/descriptors.js";
import type { HttpConnection, HttpResponse } from "./transport.js";
import { SDK_VERSION, defaultUserAgent } from "./user-agent.js";
import { parseWarningHeader } from "./warnings.js";

describe("backoff (client-go's wait.Jitter and ExponentialBackoffManager)", () => {
  it("doubles from the initial delay to the cap, with jitter stretching each delay by up to the fraction", () => {
    const plain = exponentialBackoff({ initialMs: 800, maxMs: 30_000, jitter: 0 });
    expect(Array.from({ length: 8 }, () => plain.next())).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
    plain.reset();
    expect(plain.next()).toBe(800);
    const jittery = exponentialBackoff({ initialMs: 100, maxMs: 1_000 });
    for (const base of [100, 200, 400, 800, 1_000, 1_000]) {
      const delay = jittery.next();
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThan(base * 2);
    }
    expect(jittered(1_000, 0)).toBe(1_000);
  });

  it("sleepOrAbort rejects with the signal's reason; sleep resolves false", async () => {
    const stop = new AbortController();
    const reason = new Error("stopped");
    const waiting = sleepOrAbort(10_000, stop.signal);
    const quiet = sleep(10_000, stop.signal);
    stop.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(quiet).resolves.toBe(false);
  });
});

describe("innermost cause (the one place that digs)", () => {
  it("finds the reason under fetch's TypeError and an AggregateError, with its code", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
    const aggregate = Object.assign(new AggregateError([refused, new Error("connect ECONNREFUSED ::1:6443")], ""), { code: "ECONNREFUSED" });
    const fetchFailed = new TypeError("fetch failed", { cause: aggregate });
    expect(innermostCause(fetchFailed)).toEqual({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:6443" });
    expect(describeCause(Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }))).toBe(
      "self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)",
    );
    expect(describeCause("plain")).toBe("plain");
  });
});

describe("token bucket (client-go's QPS/burst)", () => {
  it("lets a burst through at once, then one request per 1/qps, in arrival order", async () => {
    const bucket = new TokenBucket({ qps: 50, burst: 5 });
    const started = performance.now();
    const at: number[] = [];
    await Promise.all(Array.from({ length: 15 }, (_, i) => bucket.acquire().then(() => (at[i] = performance.now() - started))));
    // The burst does not wait for a token; the sixth waits one interval (20 ms), the last ten of them.
    expect(at[4]!).toBeLessThan(at[5]!);
    expect(at[5]! - at[0]!).toBeGreaterThanOrEqual(18);
    expect(at[14]!).toBeGreaterThanOrEqual(195); // (15 - 5) / 50 s
    for (let i = 1; i < at.length; i++) expect(at[i]!).toBeGreaterThanOrEqual(at[i - 1]!);
  });

  it("an aborted wait rejects with the signal's reason and gives its token back", async () => {
    const bucket = new TokenBucket({ qps: 10, burst: 1 });
    await bucket.acquire();
    const stop = new AbortController();
    const waiting = bucket.acquire(stop.signal);
    stop.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    const started = performance.now();
    await bucket.acquire(); // one token's wait (100 ms), not two
    expect(performance.now() - started).toBeLessThan(180);
  });

  it("rejects nonsense limits", () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(/qps must be a positive number/);
    expect(() => new TokenBucket({ qps: 1, burst: 0.5 })).toThrow(/burst must be a positive integer/);
  });
});

describe("Warning headers (apimachinery's ParseWarningHeaders cases)", () => {
  it("parses code, agent and quoted text with escapes, several per value, with dates", () => {
    expect(parseWarningHeader(`299 - "text"`)).toEqual([{ code: 299, agent: "-", text: "text" }]);
    expect(parseWarningHeader(`299 - "text\\"\\\\\\a\\b\\c"`)).toEqual([{ code: 299, agent: "-", text: 'text"\\abc' }]);
    expect(parseWarningHeader(`321 - "text"`)).toEqual([{ code: 321, agent: "-", text: "text" }]);
    expect(parseWarningHeader(`299 - "a", 299 - "b" "Tue, 15 Nov 1994 08:12:31 GMT", 299 k8s "c, d"`)).toEqual([
      { code: 299, agent: "-", text: "a" },
      { code: 299, agent: "-", text: "b" },
      { code: 299, agent: "k8s", text: "c, d" },
    ]);
  });

  it("stops at a malformed warning, keeping the ones before it", () => {
    for (const bad of ["", "A B", `1 - "text"`, `A - "text"`, `299 - "unterminated`, `299 - "t" "date`, `299 - "t" "date" other`, "299 a\u0000b \"t\"", '299 - "t\u0000"']) {
      expect(parseWarningHeader(bad), JSON.stringify(bad)).toEqual([]);
    }
    expect(parseWarningHeader(`299 - "ok", 299 - "broken`)).toEqual([{ code: 299, agent: "-", text: "ok" }]);
  });
});

describe("request log", () => {
  it("masks credentials as client-go's maskValue", () => {
    const cases: Array<[string, string, string]> = [
      ["Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Basic <masked>"],
      ["Authorization", "basic", "basic"],
      ["Authorization", "Bearer cn389ncoiwuencr", "Bearer <masked>"],
      ["Authorization", "bearer ", "bearer"],
      ["authorization", "Negotiate cn389ncoiwuencr", "Negotiate <masked>"],
      ["Authorization", "Token cn389ncoiwuencr", "<masked>"],
      ["Authorization", "cn389ncoiwuencr", "<masked>"],
      ["ABC", "Negotiate cn389ncoiwuencr", "Negotiate cn389ncoiwuencr"],
    ];
    for (const [name, value, masked] of cases) expect(maskHeaderValue(name, value), `${name}: ${value}`).toBe(masked);
  });

  it("K8S_SDK_LOG_LEVEL: 6 and above turn it on; anything else leaves it off", () => {
    expect(requestLogLevelFromEnv({ K8S_SDK_LOG_LEVEL: "8" })).toBe(8);
    expect(requestLogLevelFromEnv({ K8S_SDK_LOG_LEVEL: "5" })).toBeUndefined();
    expect(requestLogLevelFromEnv({ K8S_SDK_LOG_LEVEL: "verbose" })).toBeUndefined();
    expect(requestLogLevelFromEnv({})).toBeUndefined();
  });
});

describe("User-Agent", () => {
  it("is client-go-shaped and names this SDK's published version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
    expect(defaultUserAgent()).toMatch(/^[^/\s]+\/unknown \((linux|darwin|win32|\w+)\/(amd64|arm64|386|arm|\w+)\) k8s-sdk-ts\/\d+\.\d+\.\d+$/);
  });
});

describe("what the transport throws", () => {
  const response = (status: number): HttpResponse => ({
    status,
    header: () => undefined,
    body: { async *[Symbol.asyncIterator]() {} },
    text: async () => "{}",
    json: async () => ({ items: [] }),
    cancel: () => {},
  });
  const connection = (request: NonNullable<HttpConnection["request"]>): HttpConnection => ({
    server: "https://k8s.test",
    namespace: "default",
    fetch: () => Promise.reject(new Error("unused")),
    request,
  });

  it("a programming error from the connection passes unchanged: not a TransportError, not retried", async () => {
    let calls = 0;
    const bug = new RangeError("invalid header value");
    const error = await createClient(connection(async () => (calls++, Promise.reject(bug)))).resource(configMaps).list().catch((e: unknown) => e);
    expect(error).toBe(bug);
    expect(calls).toBe(1);
  });

  it("a Node network error becomes a TransportError naming the request and its cause", async () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const error = await createClient(connection(() => Promise.reject(reset)), { retry: { maxRetries: 0 } }).resource(configMaps).list().catch((e: unknown) => e);
    expect(isTransportError(error)).toBe(true);
    expect(error).toMatchObject({ code: "ECONNRESET", message: "GET https://k8s.test/api/v1/namespaces/default/configmaps: read ECONNRESET", cause: reset });
  });

  it("a hook that throws does not fail the request; the caller's abort reason is what an aborted call throws", async () => {
    const client = createClient(connection(async () => response(200)), {
      onRequest: () => {
        throw new Error("broken hook");
      },
    }).resource(configMaps);
    await expect(client.list()).resolves.toEqual({ items: [] });
    const stop = new AbortController();
    const reason = new Error("caller stopped");
    // Like a real connection, it fails with its own error when the signal it was given aborts.
    const hanging = createClient(
      connection((_input, init) => new Promise((_resolve, reject) => {
        if (init?.signal?.aborted) reject(new Error("socket destroyed"));
        init?.signal?.addEventListener("abort", () => reject(new Error("socket destroyed")));
      })),
    );
    const call = hanging.resource(configMaps).list({ signal: stop.signal }).catch((e: unknown) => e);
    stop.abort(reason);
    expect(await call).toBe(reason);
  });
});
