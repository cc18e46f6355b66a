import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { apiRequest } from "@org/k8s-testenv";
import { type FaultProxy, startFaultProxy } from "./index.js";

const cp = inject("controlPlane");
const admin = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const ns = `fault-proxy-${process.pid}`;
let proxy: FaultProxy;

interface Answer {
  status: number | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** How the exchange ended: the body completed, the connection broke, or nothing more came within `quietMs`. */
  end: "complete" | "broken" | "quiet";
}

/** One raw request to the proxy, read until the body ends, the connection breaks, or it stays quiet for `quietMs`. */
function send(method: string, path: string, body?: unknown, quietMs = 1_500, base = proxy.url, ca?: string): Promise<Answer> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const answer: Answer = { status: undefined, headers: {}, body: "", end: "quiet" };
    let timer = setTimeout(() => finish("quiet"), quietMs);
    let finished = false;
    const finish = (end: Answer["end"]) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      answer.end = end;
      req.destroy();
      resolve(answer);
    };
    const send = base.startsWith("https:") ? httpsRequest : httpRequest;
    const req = send(new URL(path, base), {
      method,
      agent: false,
      ...(ca ? { ca } : {}),
      headers: { accept: "application/json", ...(payload ? { "content-type": "application/json" } : {}) },
    });
    req.once("error", () => finish("broken"));
    req.once("response", (res) => {
      answer.status = res.statusCode;
      answer.headers = res.headers;
      res.on("data", (chunk: Buffer) => {
        answer.body += chunk.toString();
        clearTimeout(timer);
        timer = setTimeout(() => finish("quiet"), quietMs);
      });
      res.once("end", () => finish("complete"));
      res.once("aborted", () => finish("broken"));
      res.once("error", () => finish("broken"));
    });
    req.end(payload);
  });
}

const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v: "1" } });

beforeAll(async () => {
  await apiRequest(admin, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  proxy = await startFaultProxy({ upstream: admin });
});
afterEach(() => proxy.reset());
afterAll(async () => {
  await proxy.close();
  await apiRequest(admin, "DELETE", `/api/v1/namespaces/${ns}`);
});

describe("fault proxy in front of the real kube-apiserver", () => {
  it("forwards as the upstream identity and records what reached the server", async () => {
    const answer = await send("GET", `/api/v1/namespaces/${ns}/configmaps`);
    expect(answer).toMatchObject({ status: 200, end: "complete" });
    expect(JSON.parse(answer.body)).toMatchObject({ kind: "ConfigMapList" });
    expect(proxy.requests).toMatchObject([{ method: "GET", path: `/api/v1/namespaces/${ns}/configmaps`, reachedServer: true, serverStatus: 200, status: 200 }]);
  });

  it("answers 429/5xx with and without Retry-After, without forwarding, for `times` matches after `skip`", async () => {
    const rule = proxy.inject({ method: "POST", fault: { type: "status", status: 429, retryAfter: 2 }, skip: 1, times: 1 });
    proxy.inject({ method: "POST", fault: { type: "status", status: 503 }, skip: 1 }); // only sees what the first rule let pass
    const first = await send("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("skipped"));
    const second = await send("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("throttled"));
    const third = await send("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("unavailable"));
    const fourth = await send("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("through"));
    expect([first.status, second.status, third.status, fourth.status]).toEqual([201, 429, 503, 201]);
    expect(second.headers["retry-after"]).toBe("2");
    expect(third.headers["retry-after"]).toBeUndefined();
    expect(JSON.parse(second.body)).toMatchObject({ kind: "Status", code: 429, reason: "TooManyRequests" });
    expect(rule).toMatchObject({ matched: 4, applied: 1 });
    expect(proxy.reachedServer({ method: "POST" }).map((r) => JSON.parse(r.body).metadata.name)).toEqual(["skipped", "through"]);
  });

  it("forwards a write, lets the server apply it, then answers 500", async () => {
    proxy.inject({ method: "POST", fault: { type: "forward-then-status", status: 500 } });
    const answer = await send("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("applied-then-500"));
    expect(answer.status).toBe(500);
    expect(proxy.requests[0]).toMatchObject({ reachedServer: true, serverStatus: 201, status: 500 });
    expect((await apiRequest(admin, "GET", `/api/v1/namespaces/${ns}/configmaps/applied-then-500`)).status).toBe(200);
  });

  it("resets the connection before forwarding, or after the server answered", async () => {
    proxy.inject({ method: "POST", fault: { type: "reset" } });
    proxy.inject({ method: "POST", fault: { type: "reset", forward: true } });
    expect((await send("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("reset-before"))).end).toBe("broken");
    expect((await send("POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("reset-after"))).end).toBe("broken");
    expect(proxy.requests.map((r) => r.reachedServer)).toEqual([false, true]);
    expect((await apiRequest(admin, "GET", `/api/v1/namespaces/${ns}/configmaps/reset-before`)).status).toBe(404);
    expect((await apiRequest(admin, "GET", `/api/v1/namespaces/${ns}/configmaps/reset-after`)).status).toBe(200);
  });

  it("closes a watch cleanly after its headers, cuts one mid-stream, ends one with a 410 ERROR event", async () => {
    for (const name of ["w1", "w2", "w3"]) await apiRequest(admin, "POST", `/api/v1/namespaces/${ns}/configmaps`, configMap(name));
    const watch = `/api/v1/namespaces/${ns}/configmaps?watch=true`;
    proxy.inject({ watch: true, fault: { type: "close-after-headers" } });
    const closed = await send("GET", watch);
    expect(closed).toMatchObject({ status: 200, end: "complete", body: "" });

    proxy.inject({ watch: true, fault: { type: "cut", afterLines: 2 } });
    const cut = await send("GET", watch);
    expect(cut.end).toBe("broken");
    expect(cut.body.trim().split("\n")).toHaveLength(2);

    proxy.inject({ watch: true, fault: { type: "watch-error", afterLines: 1 } });
    const expired = await send("GET", watch);
    const events = expired.body.trim().split("\n").map((line) => JSON.parse(line) as { type: string; object: { code?: number; reason?: string } });
    expect(expired.end).toBe("complete");
    expect(events.map((e) => e.type)).toEqual(["ADDED", "ERROR"]);
    expect(events[1]!.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    expect(proxy.reachedServer({ watch: true })).toHaveLength(3);
  });

  it("goes silent before any response, after the headers, and mid-stream", async () => {
    const watch = `/api/v1/namespaces/${ns}/configmaps?watch=true`;
    await apiRequest(admin, "POST", `/api/v1/namespaces/${ns}/configmaps`, configMap("silence"));
    proxy.inject({ watch: true, fault: { type: "silent", when: "before-response" } });
    proxy.inject({ watch: true, fault: { type: "silent", when: "after-headers" } });
    proxy.inject({ watch: true, fault: { type: "silent", when: "mid-stream", afterLines: 1 } });
    const [before, afterHeaders, midStream] = await Promise.all([send("GET", watch, undefined, 800), send("GET", watch, undefined, 800), send("GET", watch, undefined, 800)]);
    expect(before).toMatchObject({ status: undefined, end: "quiet" });
    expect(afterHeaders).toMatchObject({ status: 200, end: "quiet", body: "" });
    expect(midStream).toMatchObject({ status: 200, end: "quiet" });
    expect(midStream.body.trim().split("\n")).toHaveLength(1);
    expect(proxy.requests.map((r) => r.reachedServer).sort()).toEqual([false, true, true]);
  });

  it("counts client connections and cuts them all", async () => {
    await Promise.all([send("GET", "/version"), send("GET", "/version")]);
    expect(proxy.connections.total).toBe(2);
    const watching = send("GET", `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=0`, undefined, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(proxy.cutAll()).toBe(1);
    expect((await watching).end).toBe("broken");
  });

  it("serves TLS with its own CA when asked", async () => {
    const tls = await startFaultProxy({ upstream: admin, tls: true });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const answer = await send("GET", "/version", undefined, 1_500, tls.url, tls.caPem);
      expect(answer).toMatchObject({ status: 200, end: "complete" });
    } finally {
      await tls.close();
    }
  });
});
