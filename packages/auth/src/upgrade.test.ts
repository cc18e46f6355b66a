import { type Server, createServer } from "node:https";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateCertificateAuthority } from "@org/k8s-testenv";
import { loadConnection } from "./load-connection.js";
import { type Scratch, scratch, simpleConfig } from "./testing/tmp.js";

// Connection.upgrade: the request every other request is (credentials, impersonation, TLS, origin rule), then the
// switched socket handed over; a refusal comes back as a response.
let s: Scratch;
let server: Server;
let origin: string;
let caPem: string;
let seen: IncomingMessage[] = [];
let answer: (req: IncomingMessage, socket: Duplex) => void;

beforeAll(async () => {
  const ca = await generateCertificateAuthority("upgrade-test");
  caPem = ca.certPem;
  const serving = await ca.issue({ commonName: "server", usage: "server", ipAddresses: ["127.0.0.1"] });
  server = createServer({ cert: serving.certPem, key: serving.keyPem });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    seen.push(req);
    answer(req, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen = [];
  s = scratch();
  // Switches, sends a first message with the 101, then echoes.
  answer = (_req, socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test-protocol\r\nConnection: Upgrade\r\nX-Chosen: v9\r\n\r\nHELLO");
    socket.on("data", (chunk: Buffer) => socket.write(chunk));
    socket.on("error", () => {});
  };
  return () => s.remove();
});

const load = (user: Record<string, unknown>) => {
  s.write("ca.crt", caPem);
  return loadConnection({ kubeconfig: s.kubeconfig("config", simpleConfig(user, { server: origin, "certificate-authority": "ca.crt" })), env: s.env() });
};

async function read(socket: { on(event: "data", listener: (chunk: Uint8Array) => void): unknown }, length: number): Promise<string> {
  let text = "";
  return new Promise((resolve) => {
    socket.on("data", (chunk) => {
      text += Buffer.from(chunk).toString();
      if (text.length >= length) resolve(text);
    });
  });
}

describe("Connection.upgrade", () => {
  it("sends the connection's credentials and impersonation, and hands over the switched socket and its first bytes", async () => {
    const connection = await load({ token: "sekret-token", as: "someone", "as-groups": ["g1", "g2"] });
    const res = await connection.upgrade("/api/v1/namespaces/ns/pods/p/exec?command=ls", { headers: { Upgrade: "test-protocol", "Sec-WebSocket-Protocol": "v9, v8" } });
    expect(res.status).toBe(101);
    expect(res.header("x-chosen")).toBe("v9");
    expect(Buffer.from(res.head).toString()).toBe("HELLO");
    const headers = seen[0]!.headers;
    expect(seen[0]!.url).toBe("/api/v1/namespaces/ns/pods/p/exec?command=ls");
    expect(headers).toMatchObject({ authorization: "Bearer sekret-token", connection: "Upgrade", upgrade: "test-protocol", "impersonate-user": "someone", "sec-websocket-protocol": "v9, v8" });
    expect(seen[0]!.rawHeaders.filter((_, i, all) => all[i - 1]?.toLowerCase() === "impersonate-group")).toEqual(["g1", "g2"]); // one line per value
    expect(headers["user-agent"]).toMatch(/k8s-sdk-ts\//);
    expect(res.sentHeaders["authorization"]).toBe("Bearer <masked>");
    const socket = res.socket!;
    socket.write(Buffer.from("ping"));
    expect(await read(socket, 4)).toBe("ping");
    socket.destroy();
    await connection.close();
  });

  it("a refusal is a response with its status and body; the socket goes back to the pool", async () => {
    answer = (_req, socket) => {
      const body = JSON.stringify({ kind: "Status", status: "Failure", code: 403, reason: "Forbidden", message: "no exec for you" });
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    };
    const connection = await load({ token: "t" });
    const res = await connection.upgrade("/exec", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(403);
    expect(res.socket).toBeUndefined();
    expect(await res.json()).toMatchObject({ reason: "Forbidden", message: "no exec for you" });
    await connection.close();
  });

  it("the signal and close() destroy upgraded sockets that are still open; a closed connection upgrades nothing", async () => {
    const connection = await load({ token: "t" });
    const stop = new AbortController();
    const aborted = await connection.upgrade("/one", { headers: { upgrade: "test-protocol" }, signal: stop.signal });
    const kept = await connection.upgrade("/two", { headers: { upgrade: "test-protocol" } });
    const closedOne = new Promise<void>((resolve) => aborted.socket!.on("close", resolve));
    stop.abort(new Error("caller is done"));
    await closedOne;
    expect(aborted.socket!.destroyed).toBe(true);
    expect(kept.socket!.destroyed).toBe(false);
    const closedTwo = new Promise<void>((resolve) => kept.socket!.on("close", resolve));
    await connection.close();
    await closedTwo;
    await expect(connection.upgrade("/three", { headers: { upgrade: "x" } })).rejects.toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
  });

  it("refuses another origin before anything is sent, as every request", async () => {
    const connection = await load({ token: "t" });
    await expect(connection.upgrade("https://elsewhere.example:6443/exec", { headers: { upgrade: "websocket" } })).rejects.toMatchObject({ code: "ERR_FOREIGN_ORIGIN" });
    expect(seen).toHaveLength(0);
    await connection.close();
  });

  it("a TLS failure is the connection's usual error, naming certificate-authority", async () => {
    s.write("other-ca.crt", (await generateCertificateAuthority("someone-else")).certPem);
    const connection = await loadConnection({ kubeconfig: s.kubeconfig("config", simpleConfig({ token: "t" }, { server: origin, "certificate-authority": "other-ca.crt" })), env: s.env() });
    await expect(connection.upgrade("/exec", { headers: { upgrade: "websocket" } })).rejects.toThrow(/TLS verification of .* failed.*certificate-authority/);
    await connection.close();
  });
});

