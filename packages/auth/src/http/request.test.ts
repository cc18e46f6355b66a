import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newAgent } from "./agent.js";
import { sendRequest } from "./request.js";
import { type TestServer, startTestServer } from "../testing/http-server.js";

let test: TestServer;
let origin: string;
beforeEach(async () => {
  test = await startTestServer();
  origin = test.origin;
});
afterEach(() => test.close());

describe("sendRequest (the runtime's fetch-free path)", () => {
  it("decodes gzip, joins repeated headers and parses JSON", async () => {
    test.handle((_url, _body, res) => {
      res.setHeader("content-encoding", "gzip");
      res.setHeader("warning", ["299 - a", "299 - b"]);
      res.end(gzipSync(JSON.stringify({ kind: "ConfigMapList", items: [1, 2, 3] })));
    });
    const res = await sendRequest(new URL(`${origin}/list`), { headers: { accept: "application/json" } }, {});
    expect(res.status).toBe(200);
    expect(res.header("Warning")).toBe("299 - a, 299 - b");
    expect(res.header("x-missing")).toBeUndefined();
    expect(await res.json()).toEqual({ kind: "ConfigMapList", items: [1, 2, 3] });
  });

  it("streams the body chunk by chunk as it arrives", async () => {
    let next: (() => void) | undefined;
    test.handle((_url, _body, res) => {
      res.writeHead(200);
      res.write("one\n");
      next = () => res.end("two\n");
    });
    const res = await sendRequest(new URL(`${origin}/watch`), {}, {});
    const iterator = res.body[Symbol.asyncIterator]();
    expect(Buffer.from((await iterator.next()).value!).toString()).toBe("one\n");
    next!();
    expect(Buffer.from((await iterator.next()).value!).toString()).toBe("two\n");
    expect((await iterator.next()).done).toBe(true);
  });

  it("an abort while the body is read rejects with the signal's reason", async () => {
    test.handle((_url, _body, res) => {
      res.writeHead(200);
      res.write("first\n"); // and never ends, like a quiet watch
    });
    const controller = new AbortController();
    const res = await sendRequest(new URL(`${origin}/watch`), { signal: controller.signal }, {});
    const iterator = res.body[Symbol.asyncIterator]();
    await iterator.next();
    const reason = new Error("caller stopped");
    controller.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);
  });

  it("a connection cut mid-body fails the read", async () => {
    test.handle((_url, _body, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const res = await sendRequest(new URL(`${origin}/cut`), {}, {});
    await expect(res.text()).rejects.toThrow();
  });

  it("re-sends a GET once when the server had closed the kept-alive socket; a POST fails", async () => {
    const agent = newAgent(undefined, undefined);
    const served = new WeakMap<object, number>();
    test.handle((_url, _body, res, _headers, req) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count === 2) return void req.socket.destroy(); // as if it had closed the idle socket
      res.end(`served ${req.method}`);
    });
    expect(await (await sendRequest(new URL(`${origin}/a`), {}, { agent: agent.agent })).text()).toBe("served GET");
    expect(await (await sendRequest(new URL(`${origin}/b`), {}, { agent: agent.agent })).text()).toBe("served GET");
    expect(test.connections).toBe(2);
    // /c is socket 2's second request (dropped, re-sent on socket 3); /d is socket 3's second: a POST is not re-sent.
    expect(await (await sendRequest(new URL(`${origin}/c`), {}, { agent: agent.agent })).text()).toBe("served GET");
    const post = await sendRequest(new URL(`${origin}/d`), { method: "POST", body: "{}" }, { agent: agent.agent }).catch((e: unknown) => e);
    expect((post as { code?: string }).code).toBe("ECONNRESET");
    agent.close();
  });

  it("a 204 has an empty body, and sequential requests share one kept-alive socket", async () => {
    const agent = newAgent(undefined, undefined);
    test.handle((url, _body, res) => (url === "/empty" ? res.writeHead(204).end() : res.end("x")));
    const empty = await sendRequest(new URL(`${origin}/empty`), {}, { agent: agent.agent });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
    for (let i = 0; i < 5; i++) expect(await (await sendRequest(new URL(`${origin}/x`), { method: "POST", body: "{}" }, { agent: agent.agent })).text()).toBe("x");
    expect(test.connections).toBe(1);
    agent.close();
  });
});
