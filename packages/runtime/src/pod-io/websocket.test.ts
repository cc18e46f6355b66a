import { createHash } from "node:crypto";
import { type Server, type Socket, connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { UpgradedSocket } from "../transport.js";
import { WebSocket, WebSocketError, acceptedProtocol, websocketRequest } from "./websocket.js";

// The client's framing against a peer speaking raw RFC 6455 over loopback TCP (the handshake is the transport's;
// see the cluster tests for the whole path against kube-apiserver's gorilla/websocket).

/** A server frame (never masked): FIN and opcode, payload. */
function serverFrame(opcode: number, payload: Buffer | string, fin = true, masked = false): Buffer {
  const data = Buffer.from(payload);
  const header = data.length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, data.length]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 126, data.length >> 8, data.length & 0xff]);
  if (masked) header[1]! |= 0x80;
  return Buffer.concat([header, masked ? Buffer.alloc(4) : Buffer.alloc(0), data]);
}

/** Parses the client's frames as a server must: each masked, unmasked here. */
function clientFrames(bytes: Buffer): Array<{ opcode: number; fin: boolean; payload: Buffer; mask: string }> {
  const frames: Array<{ opcode: number; fin: boolean; payload: Buffer; mask: string }> = [];
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const b0 = bytes[offset]!;
    const b1 = bytes[offset + 1]!;
    if (!(b1 & 0x80)) throw new Error("client frame not masked");
    let length = b1 & 0x7f;
    let at = offset + 2;
    if (length === 126) (length = bytes.readUInt16BE(at)), (at += 2);
    else if (length === 127) (length = bytes.readUInt32BE(at) * 2 ** 32 + bytes.readUInt32BE(at + 4)), (at += 8);
    if (at + 4 + length > bytes.length) break;
    const mask = bytes.subarray(at, at + 4);
    const payload = Buffer.from(bytes.subarray(at + 4, at + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
    frames.push({ opcode: b0 & 0x0f, fin: (b0 & 0x80) !== 0, payload, mask: mask.toString("hex") });
    offset = at + 4 + length;
  }
  return frames;
}

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A connected pair: `peer` is the server's end, `client` the socket the WebSocket runs on. */
async function pair(): Promise<{ peer: Socket; client: Socket; received: () => Buffer }> {
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer((socket) => resolve(socket));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const client = connect((server!.address() as { port: number }).port, "127.0.0.1");
  const peer = await accepted;
  sockets.push(peer, client);
  const chunks: Buffer[] = [];
  peer.on("data", (chunk: Buffer) => chunks.push(chunk));
  peer.on("error", () => {});
  return { peer, client, received: () => Buffer.concat(chunks) };
}

function open(client: Socket, options: ConstructorParameters<typeof WebSocket>[3] = { pingIntervalMs: 0 }, head: Uint8Array = Buffer.alloc(0)) {
  const messages: Buffer[] = [];
  let closed: { error: Error | undefined } | undefined;
  const ws = new WebSocket(client as unknown as UpgradedSocket, head, { message: (m) => messages.push(m), closed: (error) => (closed = { error }) }, options);
  return { ws, messages, closed: () => closed };
}

const until = async (what: string, check: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("the WebSocket handshake", () => {
  it("offers the protocols with a fresh key and checks the answer as RFC 6455 4.1 says", () => {
    const { key, headers } = websocketRequest(["v5.channel.k8s.io", "v4.channel.k8s.io"]);
    expect(Buffer.from(key, "base64")).toHaveLength(16);
    expect(headers).toEqual({ upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": key, "sec-websocket-protocol": "v5.channel.k8s.io, v4.channel.k8s.io" });
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    const answer = (extra: Record<string, string>) => (name: string) => ({ upgrade: "WebSocket", "sec-websocket-accept": accept, ...extra })[name];
    expect(acceptedProtocol(answer({ "sec-websocket-protocol": "v4.channel.k8s.io" }), key, ["v5.channel.k8s.io", "v4.channel.k8s.io"])).toBe("v4.channel.k8s.io");
    expect(() => acceptedProtocol(answer({ "sec-websocket-protocol": "v3.channel.k8s.io" }), key, ["v5.channel.k8s.io"])).toThrow(/chose subprotocol "v3.channel.k8s.io", not one of v5/);
    expect(() => acceptedProtocol(answer({}), key, ["v5.channel.k8s.io"])).toThrow(/chose subprotocol ""/);
    expect(() => acceptedProtocol(answer({ "sec-websocket-accept": "bogus", "sec-websocket-protocol": "v5.channel.k8s.io" }), key, ["v5.channel.k8s.io"])).toThrow(/Accept does not match/);
    expect(() => acceptedProtocol(answer({ "sec-websocket-protocol": "v5.channel.k8s.io", "sec-websocket-extensions": "permessage-deflate" }), key, ["v5.channel.k8s.io"])).toThrow(/extensions were not offered/);
  });
});

describe("WebSocket frames", () => {
  it("masks every client frame; payload lengths in all three encodings come out intact", async () => {
    const { client, received } = await pair();
    const { ws } = open(client);
    const sizes = [0, 1, 5, 125, 126, 127, 1000, 65_535, 65_536, 100_003];
    const payloads = sizes.map((n, i) => Buffer.alloc(n, (i * 37) % 251).map((_, j) => (j * 7 + i) % 256));
    for (const payload of payloads) ws.send([Buffer.from([9]), payload]);
    const total = payloads.reduce((sum, p) => sum + p.length + 1, 0);
    await until("all frames", () => clientFrames(received()).reduce((sum, f) => sum + f.payload.length, 0) >= total);
    const frames = clientFrames(received());
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).toEqual(sizes.map((n) => [2, true, n + 1]));
    frames.forEach((f, i) => expect(f.payload.equals(Buffer.concat([Buffer.from([9]), payloads[i]!]))).toBe(true));
    // Masking keys are random, frame by frame.
    expect(new Set(frames.map((f) => f.mask)).size).toBeGreaterThan(sizes.length - 2);
  });

  it("joins fragments, answers pings in between with pongs, and takes bytes sent with the 101 (head)", async () => {
    const { peer, client, received } = await pair();
    const { messages } = open(client, { pingIntervalMs: 0 }, serverFrame(2, "early"));
    peer.write(Buffer.concat([serverFrame(2, "one-", false), serverFrame(9, "are you there"), serverFrame(0, "two-", false)]));
    peer.write(serverFrame(0, "three"));
    // A frame split across TCP writes.
    const split = serverFrame(2, Buffer.alloc(300, 1));
    peer.write(split.subarray(0, 3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    peer.write(split.subarray(3));
    await until("three messages", () => messages.length === 3);
    expect(messages.map((m) => m.subarray(0, 20).toString())).toEqual(["early", "one-two-three", "\u0001".repeat(20)]);
    expect(messages[2]).toHaveLength(300);
    await until("the pong", () => clientFrames(received()).some((f) => f.opcode === 0xa));
    expect(clientFrames(received()).find((f) => f.opcode === 0xa)?.payload.toString()).toBe("are you there");
  });

  it("a close with 1000 ends cleanly and is answered; another code is an error naming it", async () => {
    const first = await pair();
    const clean = open(first.client);
    first.peer.write(serverFrame(8, Buffer.from([0x03, 0xe8])));
    await until("closed", () => clean.closed() !== undefined);
    expect(clean.closed()!.error).toBeUndefined();
    expect(clientFrames(first.received()).map((f) => [f.opcode, f.payload.readUInt16BE(0)])).toEqual([[8, 1000]]);

    const second = await pair();
    const failed = open(second.client);
    second.peer.write(serverFrame(8, Buffer.concat([Buffer.from([0x03, 0xf3]), Buffer.from("internal trouble")])));
    await until("closed", () => failed.closed() !== undefined);
    expect(failed.closed()!.error).toMatchObject({ code: "WS_CLOSE_1011", message: "the server closed the WebSocket with 1011: internal trouble" });
  });

  it("refuses what a server must not send: a masked frame (1002), an oversized message (1009)", async () => {
    const first = await pair();
    const masked = open(first.client);
    first.peer.write(serverFrame(2, "hidden", true, true));
    await until("closed", () => masked.closed() !== undefined);
    expect(masked.closed()!.error).toBeInstanceOf(WebSocketError);
    expect(masked.closed()!.error).toMatchObject({ code: "EPROTO", message: expect.stringContaining("masked frame") });
    await until("the close frame", () => clientFrames(first.received()).length > 0);
    expect(clientFrames(first.received())[0]!.payload.readUInt16BE(0)).toBe(1002);

    const second = await pair();
    const big = open(second.client, { pingIntervalMs: 0, maxMessageBytes: 1000 });
    second.peer.write(Buffer.concat([serverFrame(2, Buffer.alloc(600), false), serverFrame(0, Buffer.alloc(600))]));
    await until("closed", () => big.closed() !== undefined);
    expect(big.closed()!.error).toMatchObject({ code: "EMSGSIZE" });
    await until("the close frame", () => clientFrames(second.received()).length > 0);
    expect(clientFrames(second.received())[0]!.payload.readUInt16BE(0)).toBe(1009);
  });

  it("pings a quiet server and gives up when nothing at all comes back", async () => {
    const { client, received } = await pair();
    const quiet = open(client, { pingIntervalMs: 20, deadPeerMs: 150 });
    await until("a ping", () => clientFrames(received()).some((f) => f.opcode === 0x9));
    await until("closed", () => quiet.closed() !== undefined, 3_000);
    expect(quiet.closed()!.error).toMatchObject({ code: "ETIMEDOUT" });
  });

  it("a connection that ends without a close frame is an error; pause() stops delivery until resume()", async () => {
    const { peer, client } = await pair();
    const ws = open(client);
    ws.ws.pause();
    peer.write(serverFrame(2, "held"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ws.messages).toHaveLength(0);
    ws.ws.resume();
    await until("the message", () => ws.messages.length === 1);
    peer.end();
    await until("closed", () => ws.closed() !== undefined);
    expect(ws.closed()!.error).toMatchObject({ code: "ECONNRESET" });
  });
});
