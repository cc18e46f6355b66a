import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newAgent } from "./agent.js";
import { httpFetch } from "./fetch.js";
import { type TestServer, startTestServer } from "../testing/http-server.js";

let test: TestServer;
let origin: string;
beforeEach(async () => {
  test = await startTestServer();
  origin = test.origin;
});
afterEach(() => test.close());

describe("httpFetch", () => {
  it("decodes a gzip body it asked for", async () => {
    const payload = JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => ({ name: `cm-${i}` })) });
    let acceptEncoding: unknown;
    test.handle((_url, _body, res, headers) => {
      acceptEncoding = headers["accept-encoding"];
      res.writeHead(200, { "content-encoding": "gzip", "content-type": "application/json" }).end(gzipSync(payload));
    });
    const res = await httpFetch(new URL(`${origin}/list`), {}, {});
    expect(acceptEncoding).toBe("gzip");
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(2000);
  });

  it("sends string, bytes and form bodies with their length and content type", async () => {
    const seen: Array<{ body: string; type: unknown; length: unknown }> = [];
    test.handle((_url, body, res, headers) => {
      seen.push({ body, type: headers["content-type"], length: headers["content-length"] });
      res.end("ok");
    });
    await (await httpFetch(new URL(origin), { method: "POST", body: '{"a":1}', headers: { "content-type": "application/json" } }, {})).text();
    await (await httpFetch(new URL(origin), { method: "PUT", body: new TextEncoder().encode("bytes") }, {})).text();
    await (await httpFetch(new URL(origin), { method: "POST", body: new URLSearchParams({ grant_type: "x" }) }, {})).text();
    expect(seen).toEqual([
      { body: '{"a":1}', type: "application/json", length: "7" },
      { body: "bytes", type: undefined, length: "5" },
      { body: "grant_type=x", type: "application/x-www-form-urlencoded;charset=UTF-8", length: "12" },
    ]);
  });

  it("answers 204 with a null body and keeps the socket for the next request", async () => {
    const agent = newAgent(undefined, undefined);
    test.handle((url, _body, res) => (url === "/empty" ? res.writeHead(204).end() : res.end("second")));
    const empty = await httpFetch(new URL(`${origin}/empty`), {}, { agent: agent.agent });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    expect(await (await httpFetch(new URL(`${origin}/next`), {}, { agent: agent.agent })).text()).toBe("second");
    expect(test.connections).toBe(1);
    agent.close();
  });

  it("an abort while the body streams fails the read with the signal's reason", async () => {
    test.handle((_url, _body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"type":"ADDED"}\n'); // and never ends, like a quiet watch
    });
    const controller = new AbortController();
    const res = await httpFetch(new URL(`${origin}/watch`), { signal: controller.signal }, {});
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"type":"ADDED"}\n');
    const reason = new Error("caller stopped");
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });

  it("an abort before the response rejects with the signal's reason", async () => {
    test.handle(() => {}); // never answers
    const controller = new AbortController();
    const pending = httpFetch(new URL(`${origin}/slow`), { signal: controller.signal }, {});
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });

  it("close() lets an in-flight response finish and then closes its socket", async () => {
    const agent = newAgent(undefined, undefined);
    let finish: (() => void) | undefined;
    test.handle((_url, _body, res) => {
      res.writeHead(200);
      res.write("first half, ");
      finish = () => res.end("second half");
    });
    const res = await httpFetch(new URL(`${origin}/slow`), {}, { agent: agent.agent });
    agent.close();
    finish!();
    expect(await res.text()).toBe("first half, second half");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Object.keys(agent.agent.freeSockets)).toHaveLength(0);
  });
});
