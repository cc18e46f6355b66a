import { type Server, type Socket, createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type TestServer, startTestServer } from "../testing/http-server.js";
import { newAgent } from "./agent.js";
import { sendRequest } from "./request.js";

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe("agent timeouts", () => {
  it("a server that accepts TCP but never answers the TLS handshake fails with ETIMEDOUT after the connect timeout", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket)); // reads nothing, writes nothing
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise((resolve) => silent.close(resolve)), () => sockets.forEach((s) => s.destroy()));
    const agent = newAgent({ rejectUnauthorized: true }, undefined, { connectMs: 200 });
    cleanup.push(() => agent.close());
    const port = (silent.address() as AddressInfo).port;
    const started = Date.now();
    const error = await sendRequest(new URL(`https://127.0.0.1:${port}/version`), {}, { agent: agent.agent }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ETIMEDOUT", message: `connecting to 127.0.0.1:${port} timed out after 0.2 s` });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("closes a kept-alive socket after it sat idle for the idle timeout, and opens a new one after", async () => {
    const test: TestServer = await startTestServer();
    cleanup.push(() => test.close());
    test.handle((_url, _body, res) => res.end("ok"));
    const closed: number[] = [];
    test.server.on("connection", (socket: Socket) => socket.on("close", () => closed.push(Date.now())));
    const agent = newAgent(undefined, undefined, { idleMs: 100 });
    cleanup.push(() => agent.close());
    expect(await (await sendRequest(new URL(`${test.origin}/a`), {}, { agent: agent.agent })).text()).toBe("ok");
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(closed).toHaveLength(1);
    expect(await (await sendRequest(new URL(`${test.origin}/b`), {}, { agent: agent.agent })).text()).toBe("ok");
    expect(test.connections).toBe(2);
  });
});
