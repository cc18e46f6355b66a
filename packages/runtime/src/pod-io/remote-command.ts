// exec and attach over the WebSocket channel protocols v5.channel.k8s.io and v4.channel.k8s.io: every message
// starts with its channel (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize); v5 adds 255 (close a channel), which
// is how stdin's EOF reaches the command. client-go: tools/remotecommand/{websocket,v4,v5}.go.
import { Readable, Writable } from "node:stream";
import { TransportError, type RequestDescription } from "../errors.js";
import type { UpgradedStream } from "../transport.js";
import type { Status } from "../types.js";
import { statusError } from "./errors.js";
import { abortWith, failStream } from "./session-end.js";
import type { AttachOptions, ByteReadable, ByteWritable, ExecResult, ProcessInput, RemoteCommandProtocol, RemoteProcess, TerminalSize } from "./types.js";
import { WebSocket, WebSocketError, acceptedProtocol, websocketRequest } from "./websocket.js";

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;
/** stdin goes out in messages of at most this size (client-go's buffer is 32 KiB). */
const MAX_CHUNK = 32 * 1024;

export const DEFAULT_PROTOCOLS: readonly RemoteCommandProtocol[] = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

/** The query of an exec or attach: only what is asked is sent, as kubectl sends it. */
export function streamQuery(options: AttachOptions): Record<string, string | undefined> {
  const tty = options.tty === true;
  const stderr = options.stderr ?? !tty;
  if (tty && options.stderr === true) throw new TypeError("exec/attach: a terminal (tty) has no standard error of its own; leave stderr unset");
  const stdin = options.stdin !== undefined && options.stdin !== false;
  const stdout = options.stdout ?? true;
  if (!stdin && !stdout && !stderr) throw new TypeError("exec/attach: at least one of stdin, stdout and stderr is needed");
  return {
    container: options.container,
    stdin: stdin ? "true" : undefined,
    stdout: stdout ? "true" : "false",
    stderr: stderr ? "true" : "false",
    tty: tty ? "true" : undefined,
  };
}

/** The exit code in a status, as client-go's errorDecoderV4 reads it: `NonZeroExitCode` with an `ExitCode` cause. */
export function exitCodeOf(status: Status): number | undefined {
  if (status.status === "Success") return 0;
  if (status.reason !== "NonZeroExitCode") return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode") // a StatusCause's `type` is `reason` in JSON;
  const code = cause?.message !== undefined && /^\d{1,3}$/.test(cause.message) ? Number(cause.message) : NaN;
  return code <= 255 ? code : undefined;
}

/** The ending of a session from what the status channel carried (empty: success, as client-go). */
export function resultOf(text: string, request: RequestDescription): ExecResult {
  if (text.trim() === "") return { exitCode: 0, status: { kind: "Status", apiVersion: "v1", status: "Success" } as Status };
  let status: Status;
  try {
    status = JSON.parse(text) as Status;
  } catch {
    throw new TransportError(`${request.method} ${request.url}: the status channel carried no Status: ${text.slice(0, 200)}`, request, { code: "EPROTO" });
  }
  const exitCode = exitCodeOf(status);
  if (exitCode !== undefined) return { exitCode, status };
  if (status.reason === "NonZeroExitCode") {
    throw new TransportError(`${request.method} ${request.url}: NonZeroExitCode without a valid ExitCode cause: ${text.slice(0, 200)}`, request, { code: "EPROTO" });
  }
  throw statusError({ ...status, code: status.code ?? 500 }, request);
}

/** Sends data (then EOF) through a writable, honouring its backpressure. */
export async function pump(input: Exclude<ProcessInput, true>, into: Writable): Promise<void> {
  const chunks: AsyncIterable<Uint8Array | string> | Array<Uint8Array | string> = typeof input === "string" || input instanceof Uint8Array ? [input] : input;
  for await (const chunk of chunks) {
    if (into.destroyed) return;
    if (!into.write(chunk)) await new Promise<void>((resolve) => (into.once("drain", resolve), into.once("close", resolve)));
  }
  into.end();
}

/** A WebSocket channel session: the streams, the resize channel and the result. */
class RemoteCommandSession implements RemoteProcess {
  readonly protocol: RemoteCommandProtocol;
  readonly stdin: ByteWritable | null;
  readonly stdout: ByteReadable | null;
  readonly stderr: ByteReadable | null;
  readonly result: Promise<ExecResult>;
  readonly #stdin: Writable | null;
  readonly #stdout: Readable | null;
  readonly #stderr: Readable | null;
  readonly #ws: WebSocket;
  readonly #request: RequestDescription;
  readonly #tty: boolean;
  #status = "";
  #settle!: { resolve: (result: ExecResult) => void; reject: (error: unknown) => void };
  #full = new Set<Readable>();
  #ended = false;
  /** Why the caller ended the session, once it did. */
  #aborted: unknown = undefined;

  constructor(stream: UpgradedStream, protocol: RemoteCommandProtocol, options: AttachOptions, request: RequestDescription) {
    this.protocol = protocol;
    this.#request = request;
    this.#tty = options.tty === true;
    const query = streamQuery(options);
    this.result = new Promise<ExecResult>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.result.catch(() => {}); // a caller who never looks at the result does not get an unhandled rejection
    // Node calls read() when the stream wants more (its buffer may still hold what it is about to hand out).
    const drained = (stream: Readable) => {
      if (this.#full.delete(stream) && this.#full.size === 0) this.#ws.resume();
    };
    const output = () => {
      const stream: Readable = new Readable({ read: () => drained(stream) });
      // A reader that stops (destroys the stream) must not keep the session paused: its output is dropped.
      stream.once("close", () => drained(stream));
      return stream;
    };
    this.#stdout = query.stdout === "true" ? output() : null;
    this.#stderr = query.stderr === "true" ? output() : null;
    this.#stdin =
      query.stdin === "true"
        ? new Writable({
            write: (chunk: Buffer, _encoding, callback) => this.#send(STDIN, chunk).then(() => callback(), callback),
            final: (callback) => {
              // v5 closes the channel, so the command sees EOF; v4 has no way to say it.
              if (this.protocol === "v5.channel.k8s.io") this.#ws.send([Uint8Array.of(CLOSE, STDIN)]);
              callback();
            },
          })
        : null;
    this.#stdin?.on("error", () => {}); // write errors end the session, which reports them
    this.stdin = this.#stdin as ByteWritable | null;
    this.stdout = this.#stdout as unknown as ByteReadable | null;
    this.stderr = this.#stderr as unknown as ByteReadable | null;
    this.#ws = new WebSocket(stream.socket, stream.head, {
      message: (data) => this.#onMessage(data),
      closed: (error) => this.#onClosed(error, stream),
    });
    if (options.terminalSize) this.resize(options.terminalSize);
    const input = options.stdin;
    if (this.#stdin && input !== undefined && input !== false && input !== true) {
      pump(input, this.#stdin).catch((error: unknown) => this.#abort(error));
    }
  }

  async #send(channel: number, data: Uint8Array): Promise<void> {
    for (let offset = 0; offset < data.length || offset === 0; offset += MAX_CHUNK) {
      if (this.#ended) throw new Error("the session is over");
      if (!this.#ws.send([Uint8Array.of(channel), data.subarray(offset, offset + MAX_CHUNK)])) await this.#ws.drained();
      if (data.length === 0) break;
    }
  }

  #onMessage(data: Buffer): void {
    if (data.length === 0) return;
    const channel = data[0]!;
    const payload = data.subarray(1);
    if (channel === STATUS) {
      this.#status += payload.toString("utf8");
      return;
    }
    const target = channel === STDOUT ? this.#stdout : channel === STDERR ? this.#stderr : null;
    // The server's empty "ready" message, an unknown channel, or output nobody reads any more.
    if (!target || payload.length === 0 || target.destroyed) return;
    if (!target.push(payload)) {
      this.#full.add(target);
      this.#ws.pause();
    }
  }

  #onClosed(error: Error | undefined, stream: UpgradedStream): void {
    stream.finished(this.#aborted ?? error);
    if (this.#aborted !== undefined) return;
    this.#ended = true;
    if (error) {
      const failure =
        error instanceof WebSocketError || (error as { code?: unknown }).code !== undefined
          ? new TransportError(`${this.#request.method} ${this.#request.url}: ${error.message}`, this.#request, { cause: error, code: (error as { code?: string }).code })
          : error;
      this.#fail(failure);
      return;
    }
    this.#stdin?.destroy();
    this.#ws.resume();
    this.#stdout?.push(null);
    this.#stderr?.push(null);
    try {
      this.#settle.resolve(resultOf(this.#status, this.#request));
    } catch (failure) {
      this.#settle.reject(failure);
    }
  }

  #fail(error: unknown): void {
    const reason = error instanceof Error ? error : new Error(String(error));
    this.#stdin?.destroy();
    failStream(this.#stdout, reason);
    failStream(this.#stderr, reason);
    this.#settle.reject(error);
  }

  #abort(reason: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#aborted = reason;
    this.#fail(reason);
    this.#ws.destroy(reason instanceof Error ? reason : new Error(String(reason)));
  }

  /** Aborts on the caller's signal. */
  follow(signal: AbortSignal | undefined): void {
    abortWith(signal, this.result, (reason) => this.#abort(reason));
  }

  resize(size: TerminalSize): void {
    if (!this.#tty) throw new TypeError("resize: the session has no terminal (tty)");
    if (!Number.isInteger(size.columns) || !Number.isInteger(size.rows) || size.columns < 0 || size.rows < 0 || size.columns > 65535 || size.rows > 65535) {
      throw new RangeError(`resize: columns and rows must be whole numbers from 0 to 65535, got ${size.columns}x${size.rows}`);
    }
    if (this.#ended) return;
    this.#ws.send([Uint8Array.of(RESIZE), Buffer.from(JSON.stringify({ Width: size.columns, Height: size.rows }))]);
  }

  close(): void {
    this.#abort(new DOMException("the session was closed", "AbortError"));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

/** Opens an exec or attach session: `upgrade` sends the WebSocket upgrade of the pod's `exec` or `attach`. */
export async function openRemoteCommand(upgrade: (headers: Record<string, string>) => Promise<UpgradedStream>, options: AttachOptions): Promise<RemoteProcess> {
  const protocols = options.protocols && options.protocols.length > 0 ? options.protocols : DEFAULT_PROTOCOLS;
  const { key, headers } = websocketRequest(protocols);
  const stream = await upgrade(headers);
  const request = stream.request;
  let protocol: RemoteCommandProtocol;
  try {
    protocol = acceptedProtocol((name) => stream.header(name), key, protocols) as RemoteCommandProtocol;
  } catch (error) {
    stream.socket.destroy();
    stream.finished(error);
    throw new TransportError(`${request.method} ${request.url}: ${(error as Error).message}`, request, { cause: error, code: "EPROTO" });
  }
  const session = new RemoteCommandSession(stream, protocol, options, request);
  session.follow(options.signal);
  return session;
}
