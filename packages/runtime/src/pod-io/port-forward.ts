// Port-forwarding as kubectl 1.37 does it (client-go tools/portforward): one SPDY/3.1 session per pod, tunnelled in
// a WebSocket (`SPDY/3.1+portforward.k8s.io`, translated by kube-apiserver >= 1.30) or, where the server refuses that,
// plain SPDY (`portforward.k8s.io`). Each forwarded connection is a pair of streams, error and data, sharing a
// request id; the data stream half-closes with FIN both ways.
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import { Duplex } from "node:stream";
import { TransportError, type RequestDescription, isKubernetesError } from "../errors.js";
import { writeErrorLine } from "../host.js";
import type { UpgradedStream } from "../transport.js";
import { PortForwardError } from "./errors.js";
import { abortWith, failStream } from "./session-end.js";
import { type ByteTransport, SpdySession, type SpdyStream } from "./spdy.js";
import type { ByteDuplex, ForwardedPort, PortForward, PortForwardOptions, PortMapping } from "./types.js";
import { WebSocket, acceptedProtocol, websocketRequest } from "./websocket.js";

const PROTOCOL = "portforward.k8s.io";
const TUNNEL_PROTOCOL = `SPDY/3.1+${PROTOCOL}`;

type Upgrade = (method: "GET" | "POST", headers: Record<string, string>) => Promise<UpgradedStream>;

/** A port mapping as kubectl reads it: `8080` (local 8080), `":8080"` or `{ remote: 8080 }` (any free local port), `"5000:8080"`. */
export function parsePortMapping(mapping: PortMapping): { local: number; remote: number } {
  const port = (value: number, what: string, allowZero: boolean) => {
    if (!Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65535) {
      throw new RangeError(`portForward: ${what} port ${JSON.stringify(mapping)} is not a port number (${allowZero ? 0 : 1}-65535)`);
    }
    return value;
  };
  if (typeof mapping === "number") return { local: port(mapping, "the", false), remote: mapping };
  if (typeof mapping === "object") return { local: port(mapping.local ?? 0, "the local", true), remote: port(mapping.remote, "the remote", false) };
  const match = /^(\d*)(?::(\d+))?$/.exec(String(mapping));
  if (!match || (match[1] === "" && match[2] === undefined)) throw new RangeError(`portForward: ${JSON.stringify(mapping)} is not PORT, LOCAL:REMOTE or :REMOTE`);
  if (match[2] === undefined) return { local: port(Number(match[1]), "the", false), remote: Number(match[1]) };
  return { local: port(match[1] === "" ? 0 : Number(match[1]), "the local", true), remote: port(Number(match[2]), "the remote", false) };
}

/** The session over a WebSocket tunnel: each SPDY write is one binary message, as client-go's TunnelingConnection. */
function websocketTransport(stream: UpgradedStream, onBytes: (chunk: Buffer) => void, onClosed: (error: Error | undefined) => void): ByteTransport {
  const ws = new WebSocket(stream.socket, stream.head, { message: onBytes, closed: onClosed }, { pingIntervalMs: 0 });
  return {
    write: (parts) => ws.send(parts),
    drained: () => ws.drained(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: () => ws.close(),
    destroy: (error) => ws.destroy(error),
  };
}

/** The session straight over the upgraded socket. */
function socketTransport(stream: UpgradedStream, onBytes: (chunk: Buffer) => void, onClosed: (error: Error | undefined) => void): ByteTransport {
  const socket = stream.socket;
  let over = false;
  const finish = (error: Error | undefined) => {
    if (over) return;
    over = true;
    onClosed(error);
  };
  socket.on("data", (chunk) => onBytes(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
  socket.on("error", (error) => finish(error));
  socket.on("end", () => finish(undefined));
  socket.on("close", () => finish(undefined));
  if (stream.head.length > 0) queueMicrotask(() => onBytes(Buffer.from(stream.head)));
  return {
    write: (parts) => (socket.destroyed ? false : socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts))),
    drained: () =>
      new Promise<void>((resolve) => {
        const done = () => (socket.off("drain", done), socket.off("close", done), resolve());
        socket.on("drain", done);
        socket.on("close", done);
      }),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => {
      socket.end();
      const linger = setTimeout(() => socket.destroy(), 2_000);
      (linger as { unref?: () => void }).unref?.();
    },
    destroy: (error) => socket.destroy(error),
  };
}

/** Whether a refused WebSocket upgrade is worth retrying as plain SPDY (kubectl falls back on any refusal). */
function worthSpdy(error: unknown): boolean {
  if (isKubernetesError(error)) return ![401, 403, 404].includes(error.code);
  return (error as { code?: unknown }).code === "EPROTO";
}

/** One forwarded connection: a Node Duplex over its data stream, failing with the error stream's message. */
class ForwardedConnection extends Duplex {
  readonly #data: SpdyStream;
  readonly #error: SpdyStream;
  #dataEnded = false;
  #errorEnded = false;
  #errorText = "";

  constructor(data: SpdyStream, error: SpdyStream, port: number) {
    super({ allowHalfOpen: false });
    this.#data = data;
    this.#error = error;
    const maybeEnd = () => {
      if (this.#dataEnded && this.#errorEnded) this.push(null);
    };
    const errorDone = () => {
      if (this.#errorEnded) return;
      this.#errorEnded = true;
      if (this.#errorText !== "") failStream(this, new PortForwardError(this.#errorText, port));
      else maybeEnd();
    };
    data.handle({
      data: (chunk) => {
        if (!this.push(chunk)) data.pause();
      },
      end: () => {
        this.#dataEnded = true;
        maybeEnd();
      },
      error: (failure) => failStream(this, failure),
    });
    error.handle({
      data: (chunk) => {
        this.#errorText += chunk.toString("utf8");
      },
      // The kubelet may reset the error stream right after its message instead of closing it.
      end: () => errorDone(),
      error: () => errorDone(),
    });
  }

  override _read(): void {
    this.#data.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#data.write(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#data.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#data.reset();
    this.#error.reset();
    callback(error);
  }
}

class PortForwardSession implements PortForward {
  readonly protocol: string;
  readonly ports: ForwardedPort[] = [];
  readonly closed: Promise<void>;
  readonly #session: SpdySession;
  readonly #servers = new Set<Server>();
  readonly #sockets = new Set<Socket>();
  #settle!: { resolve: () => void; reject: (error: unknown) => void };
  #requestId = 0;
  #over = false;

  constructor(stream: UpgradedStream, tunnelled: boolean, request: RequestDescription) {
    this.protocol = tunnelled ? TUNNEL_PROTOCOL : PROTOCOL;
    this.closed = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.closed.catch(() => {});
    const onClosed = (error: Error | undefined) => {
      session.transportClosed(error);
    };
    const feed = (chunk: Buffer) => session.feed(chunk);
    const transport = tunnelled ? websocketTransport(stream, feed, onClosed) : socketTransport(stream, feed, onClosed);
    const session = new SpdySession(transport, (error) => {
      stream.finished(error);
      this.#shutdown();
      if (error && !this.#over) {
        this.#over = true;
        this.#settle.reject(new TransportError(`${request.method} ${request.url}: ${error.message}`, request, { cause: error, code: (error as { code?: string }).code }));
      } else {
        this.#over = true;
        this.#settle.resolve();
      }
    });
    this.#session = session;
  }

  async connect(port: number): Promise<ByteDuplex> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`portForward.connect: ${port} is not a port number (1-65535)`);
    const requestId = String(this.#requestId++);
    const headers = { streamtype: "error", port: String(port), requestid: requestId };
    const error = this.#session.open(headers);
    await error.replied;
    error.end(); // nothing to say on the error stream, as client-go
    const data = this.#session.open({ ...headers, streamtype: "data" });
    try {
      await data.replied;
    } catch (failure) {
      error.reset();
      throw failure;
    }
    return new ForwardedConnection(data, error, port) as unknown as ByteDuplex;
  }

  /** Listens on `address` for each mapping; connections are forwarded through the session. */
  async listen(mappings: ReadonlyArray<{ local: number; remote: number }>, address: string, onError: NonNullable<PortForwardOptions["onError"]>): Promise<void> {
    for (const { local, remote } of mappings) {
      // Half-open: a client that ends its side still gets the rest of the answer (kubectl forwards the FIN too).
      const server = createServer({ allowHalfOpen: true }, (socket) => this.#accept(socket, remote, onError));
      this.#servers.add(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(local, address, () => {
          server.off("error", reject);
          resolve();
        });
      });
      const bound = server.address() as AddressInfo;
      this.ports.push({ address: bound.address, local: bound.port, remote });
    }
  }

  #accept(socket: Socket, remote: number, onError: NonNullable<PortForwardOptions["onError"]>): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    const local = socket.localPort ?? 0;
    const report = (error: Error) => {
      try {
        onError(error, { local, remote });
      } catch {
        // the caller's handler failing must not take the session down
      }
    };
    socket.on("error", () => {});
    this.connect(remote).then(
      (stream) => {
        const connection = stream as unknown as Duplex;
        connection.on("error", (error) => {
          report(error);
          socket.destroy();
        });
        socket.on("error", () => connection.destroy());
        socket.pipe(connection).pipe(socket);
        socket.once("close", () => connection.destroy());
      },
      (error: Error) => {
        if (!this.#over) report(error);
        socket.destroy();
      },
    );
  }

  #shutdown(): void {
    for (const server of this.#servers) server.close();
    this.#servers.clear();
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    if (!this.#over) {
      this.#shutdown();
      this.#session.close();
    }
    await this.closed.catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  follow(signal: AbortSignal | undefined): void {
    abortWith(signal, this.closed, () => void this.close());
  }
}

async function openTunnelled(upgrade: Upgrade): Promise<PortForwardSession> {
  const { key, headers } = websocketRequest([TUNNEL_PROTOCOL]);
  const stream = await upgrade("GET", headers);
  const request = stream.request;
  try {
    acceptedProtocol((name) => stream.header(name), key, [TUNNEL_PROTOCOL]);
  } catch (error) {
    stream.socket.destroy();
    stream.finished(error);
    throw new TransportError(`${request.method} ${request.url}: ${(error as Error).message}`, request, { cause: error, code: "EPROTO" });
  }
  return new PortForwardSession(stream, true, request);
}

async function openSpdy(upgrade: Upgrade): Promise<PortForwardSession> {
  const stream = await upgrade("POST", { upgrade: "SPDY/3.1", "x-stream-protocol-version": PROTOCOL });
  const request = stream.request;
  const chosen = stream.header("x-stream-protocol-version");
  if (stream.header("upgrade")?.toLowerCase() !== "spdy/3.1" || (chosen !== undefined && chosen !== PROTOCOL)) {
    stream.socket.destroy();
    const why = `the server's SPDY upgrade is invalid (Upgrade ${JSON.stringify(stream.header("upgrade") ?? "")}, protocol ${JSON.stringify(chosen ?? "")})`;
    stream.finished(new Error(why));
    throw new TransportError(`${request.method} ${request.url}: ${why}`, request, { code: "EPROTO" });
  }
  return new PortForwardSession(stream, false, request);
}

/** Opens a port-forward session and its listeners. */
export async function openPortForward(upgrade: Upgrade, options: PortForwardOptions): Promise<PortForward> {
  const mappings = (options.ports ?? []).map(parsePortMapping); // bad ports fail before anything is sent
  const how = options.transport ?? "auto";
  let session: PortForwardSession;
  if (how === "spdy") session = await openSpdy(upgrade);
  else {
    try {
      session = await openTunnelled(upgrade);
    } catch (error) {
      if (how === "websocket" || !worthSpdy(error)) throw error;
      session = await openSpdy(upgrade);
    }
  }
  try {
    const address = options.address ?? "127.0.0.1";
    const onError = options.onError ?? ((error, port) => writeErrorLine(`error forwarding ${address}:${port.local} -> ${port.remote}: ${error.message}`));
    await session.listen(mappings, address, onError);
  } catch (error) {
    await session.close();
    throw error;
  }
  session.follow(options.signal);
  return session;
}
