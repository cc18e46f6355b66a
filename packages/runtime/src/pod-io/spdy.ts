// The client side of SPDY/3.1 that Kubernetes port-forwarding needs (the kubelet serves it with moby/spdystream):
// streams opened with SYN_STREAM, answered with SYN_REPLY, DATA with FIN for half-close, RST_STREAM, PING, GOAWAY.
// spdystream keeps no flow-control windows (WINDOW_UPDATE and SETTINGS are ignored on both sides), so neither do we.
// Header blocks must be zlib streams; ours are stored (uncompressed) deflate blocks in one zlib stream per session,
// which any inflater reads, so no dictionary or compressor is needed. The server's header blocks (SYN_REPLY) carry
// nothing port-forwarding uses and are skipped unread.
import { ByteQueue } from "./byte-queue.js";

const VERSION = 3;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 0x01;
const RST_CANCEL = 5;
/** DATA frames we send carry at most this much (the 24-bit length allows 16 MiB; smaller frames interleave fairly). */
const MAX_DATA = 32 * 1024;

/** What a session runs over: the WebSocket tunnel or the plain upgraded socket. */
export interface ByteTransport {
  /** Writes the parts as one piece; false when the buffer is full (then wait for `drained`). */
  write(parts: readonly Uint8Array[]): boolean;
  drained(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Ends the transport cleanly. */
  close(): void;
  destroy(error: Error): void;
}

/** A broken SPDY exchange. */
export class SpdyError extends Error {
  readonly code: string;
  constructor(message: string, code = "EPROTO") {
    super(message);
    this.code = code;
  }
}

/** What a stream reports. */
export interface SpdyStreamHandlers {
  data(chunk: Buffer): void;
  /** The server half-closed the stream (FIN). */
  end(): void;
  /** The stream failed: reset by the server, or the session ended. */
  error(error: Error): void;
}

/** One stream of a {@link SpdySession}. */
export class SpdyStream {
  readonly id: number;
  /** Settles when the server answered SYN_STREAM (SYN_REPLY), or failed. */
  readonly replied: Promise<void>;
  readonly #session: SpdySession;
  #handlers: SpdyStreamHandlers | undefined;
  /** Events before `handle` (the kubelet may answer on the error stream before the data stream is even open). */
  #early: Array<Buffer | "end" | Error> = [];
  #reply!: { resolve: () => void; reject: (error: Error) => void };
  #localClosed = false;
  #remoteClosed = false;
  #over = false;
  #paused = false;

  constructor(session: SpdySession, id: number) {
    this.id = id;
    this.#session = session;
    this.replied = new Promise((resolve, reject) => (this.#reply = { resolve, reject }));
    this.replied.catch(() => {});
  }

  /** Where the stream's data goes; what arrived before is handed over first. */
  handle(handlers: SpdyStreamHandlers): void {
    this.#handlers = handlers;
    const early = this.#early;
    this.#early = [];
    for (const event of early) {
      if (event === "end") handlers.end();
      else if (event instanceof Error) handlers.error(event);
      else handlers.data(event);
    }
  }

  /** Sends bytes (split into frames), waiting whenever the transport is full. */
  async write(data: Uint8Array): Promise<void> {
    for (let offset = 0; offset < data.length; offset += MAX_DATA) {
      if (this.#over || this.#localClosed) throw new SpdyError(`write on closed stream ${this.id}`, "ERR_STREAM_DESTROYED");
      if (!this.#session.sendData(this.id, data.subarray(offset, offset + MAX_DATA), false)) await this.#session.drained();
    }
  }

  /** Half-closes our side (DATA with FIN). */
  end(): void {
    if (this.#localClosed || this.#over) return;
    this.#localClosed = true;
    this.#session.sendData(this.id, new Uint8Array(0), true);
    this.#maybeDone();
  }

  /** Abandons the stream (RST_STREAM CANCEL), as client-go's RemoveStreams. */
  reset(): void {
    if (this.#over) return;
    this.#session.sendReset(this.id);
    this.#finish();
  }

  /** @internal */ onReply(): void {
    this.#reply.resolve();
  }
  /**
   * Stops the whole session's reading while this stream's reader is full (spdystream has no per-stream flow
   * control, so this is the only backpressure there is); `resume` undoes it. Repeated calls count once.
   */
  pause(): void {
    if (this.#paused || this.#over) return;
    this.#paused = true;
    this.#session.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#session.resume();
  }

  /** @internal */ onData(chunk: Buffer, fin: boolean): void {
    if (chunk.length > 0 && !this.#remoteClosed) {
      if (this.#handlers) this.#handlers.data(chunk);
      else this.#early.push(chunk);
    }
    if (fin) this.onFin();
  }
  /** @internal */ onFin(): void {
    if (this.#remoteClosed) return;
    this.#remoteClosed = true;
    this.#reply.resolve(); // a FIN implies the stream was accepted
    if (this.#handlers) this.#handlers.end();
    else this.#early.push("end");
    this.#maybeDone();
  }
  /** @internal */ onError(error: Error): void {
    if (this.#over) return;
    this.#reply.reject(error);
    this.#finish();
    if (this.#handlers) this.#handlers.error(error);
    else this.#early.push(error);
  }

  #maybeDone(): void {
    if (this.#localClosed && this.#remoteClosed) this.#finish();
  }

  #finish(): void {
    if (this.#over) return;
    this.resume();
    this.#over = true;
    this.#session.forget(this.id);
  }
}

/** Encodes a name/value header block (SPDY/3: 32-bit counts and lengths), lower-case names. */
export function headerBlock(headers: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [name, value] of entries) {
    for (const text of [name.toLowerCase(), value]) {
      const bytes = Buffer.from(text, "utf8");
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      parts.push(length, bytes);
    }
  }
  return Buffer.concat(parts);
}

/**
 * The next piece of a zlib stream that holds `data` in stored blocks and ends on a sync-flush point (an empty
 * stored block), as a zlib sync flush leaves it; the stream's 2-byte header comes first.
 */
export function storedZlib(data: Buffer, first: boolean): Buffer {
  const parts: Buffer[] = first ? [Buffer.from([0x78, 0x01])] : [];
  for (let offset = 0; offset < data.length; offset += 0xffff) {
    const piece = data.subarray(offset, offset + 0xffff);
    const header = Buffer.alloc(5);
    header[0] = 0x00; // BFINAL 0, BTYPE 00 (stored), padded to the byte
    header.writeUInt16LE(piece.length, 1);
    header.writeUInt16LE(~piece.length & 0xffff, 3);
    parts.push(header, piece);
  }
  parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
  return Buffer.concat(parts);
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(payload.length, 4);
  header[4] = flags;
  return Buffer.concat([header, payload]);
}

/** A SPDY/3.1 client session: opens streams, routes frames, pings, and ends cleanly with GOAWAY. */
export class SpdySession {
  readonly #transport: ByteTransport;
  readonly #streams = new Map<number, SpdyStream>();
  readonly #onClosed: (error: Error | undefined) => void;
  #nextId = 1;
  #nextPing = 1;
  #compressedOnce = false;
  readonly #input = new ByteQueue();
  #goingAway = false;
  #over = false;
  #paused = 0;
  #ping: ReturnType<typeof setInterval> | undefined;

  constructor(transport: ByteTransport, onClosed: (error: Error | undefined) => void, pingIntervalMs = 10_000) {
    this.#transport = transport;
    this.#onClosed = onClosed;
    if (pingIntervalMs > 0) {
      this.#ping = setInterval(() => this.#sendPing(), pingIntervalMs);
      (this.#ping as { unref?: () => void }).unref?.();
    }
  }

  /** Opens a stream with the given headers (SYN_STREAM); see {@link SpdyStream.replied}. */
  open(headers: Readonly<Record<string, string>>): SpdyStream {
    if (this.#over || this.#goingAway) throw new SpdyError("the port-forward session is closed", "ERR_CONNECTION_CLOSED");
    const id = this.#nextId;
    this.#nextId += 2;
    const stream = new SpdyStream(this, id);
    this.#streams.set(id, stream);
    const block = storedZlib(headerBlock(headers), !this.#compressedOnce);
    this.#compressedOnce = true;
    const fixed = Buffer.alloc(10);
    fixed.writeUInt32BE(id & 0x7fffffff, 0);
    fixed.writeUInt32BE(0, 4); // associated-to: none
    fixed[8] = 0; // priority 0 (highest), as spdystream's client
    fixed[9] = 0; // slot
    this.#transport.write([controlFrame(SYN_STREAM, 0, Buffer.concat([fixed, block]))]);
    return stream;
  }

  /** Streams still open. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** @internal */ sendData(id: number, data: Uint8Array, fin: boolean): boolean {
    if (this.#over) return true;
    const header = Buffer.alloc(8);
    header.writeUInt32BE(id & 0x7fffffff, 0);
    header.writeUInt32BE(data.length, 4);
    header[4] = fin ? FLAG_FIN : 0;
    return this.#transport.write(data.length > 0 ? [header, data] : [header]);
  }

  /** @internal */ sendReset(id: number): void {
    if (this.#over) return;
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(id & 0x7fffffff, 0);
    payload.writeUInt32BE(RST_CANCEL, 4);
    this.#transport.write([controlFrame(RST_STREAM, 0, payload)]);
  }

  /** @internal */ forget(id: number): void {
    this.#streams.delete(id);
  }

  /** @internal */ drained(): Promise<void> {
    return this.#transport.drained();
  }

  /** Stops reading (a stream's reader is full); each `pause` needs its `resume`. */
  pause(): void {
    if (this.#paused++ === 0) this.#transport.pause();
  }

  resume(): void {
    if (this.#paused > 0 && --this.#paused === 0) this.#transport.resume();
  }

  #sendPing(): void {
    if (this.#over) return;
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(this.#nextPing);
    this.#nextPing = (this.#nextPing + 2) % 0x7fffffff;
    this.#transport.write([controlFrame(PING, 0, payload)]);
  }

  /** Bytes from the transport. */
  feed(chunk: Buffer): void {
    if (this.#over) return;
    this.#input.push(chunk);
    try {
      while (!this.#over && this.#frame());
    } catch (error) {
      this.#end(error as Error);
    }
  }

  /** The first 8 bytes in one piece (they may arrive split). */
  #header(): Buffer {
    const head = Buffer.allocUnsafe(8);
    for (let i = 0; i < 8; i++) head[i] = this.#input.peek(i);
    return head;
  }

  #frame(): boolean {
    if (this.#input.length < 8) return false;
    const head = this.#header();
    const length = head.readUInt32BE(4) & 0xffffff;
    if (this.#input.length < 8 + length) return false;
    const control = (head[0]! & 0x80) !== 0;
    const flags = head[4]!;
    if (!control) {
      const id = head.readUInt32BE(0) & 0x7fffffff;
      const frame = this.#input.take(8 + length);
      this.#streams.get(id)?.onData(frame.subarray(8), (flags & FLAG_FIN) !== 0);
      return true;
    }
    const version = head.readUInt16BE(0) & 0x7fff;
    const type = head.readUInt16BE(2);
    if (version !== VERSION) throw new SpdyError(`the server speaks SPDY version ${version}, not 3`);
    const payload = this.#input.take(8 + length).subarray(8);
    switch (type) {
      case SYN_REPLY: {
        const stream = this.#streams.get(payload.readUInt32BE(0) & 0x7fffffff);
        stream?.onReply();
        if (flags & FLAG_FIN) stream?.onFin();
        break;
      }
      case RST_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const status = payload.readUInt32BE(4);
        this.#streams.get(id)?.onError(new SpdyError(`the server reset stream ${id} (status ${status})`, "ECONNRESET"));
        break;
      }
      case PING:
        // Our pings come back with odd ids; the server's (even) are echoed.
        if (payload.length >= 4 && payload.readUInt32BE(0) % 2 === 0) this.#transport.write([controlFrame(PING, 0, payload.subarray(0, 4))]);
        break;
      case GOAWAY:
        this.#goingAway = true;
        if (this.#streams.size === 0) this.#end(undefined);
        break;
      case SYN_STREAM: {
        // Servers do not open port-forward streams; refuse it (REFUSED_STREAM).
        const reset = Buffer.alloc(8);
        reset.writeUInt32BE(payload.readUInt32BE(0) & 0x7fffffff, 0);
        reset.writeUInt32BE(3, 4);
        this.#transport.write([controlFrame(RST_STREAM, 0, reset)]);
        break;
      }
      default:
        break; // SETTINGS, HEADERS, WINDOW_UPDATE: nothing to do
    }
    return true;
  }

  /** Ends cleanly: GOAWAY, then the transport closes; open streams are reset first. */
  close(): void {
    if (this.#over) return;
    for (const stream of [...this.#streams.values()]) stream.reset();
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(this.#nextId > 1 ? this.#nextId - 2 : 0, 0);
    this.#transport.write([controlFrame(GOAWAY, 0, payload)]);
    this.#end(undefined);
    this.#transport.close();
  }

  /** The transport ended (cleanly or not): every open stream fails. */
  transportClosed(error: Error | undefined): void {
    this.#end(error ?? new SpdyError("the port-forward connection closed", "ECONNRESET"), false);
  }

  #end(error: Error | undefined, closeTransport = true): void {
    if (this.#over) return;
    this.#over = true;
    clearInterval(this.#ping);
    const streamError = error ?? new SpdyError("the port-forward session ended", "ERR_CONNECTION_CLOSED");
    for (const stream of [...this.#streams.values()]) stream.onError(streamError);
    this.#streams.clear();
    if (error && closeTransport) this.#transport.destroy(error);
    this.#onClosed(error);
  }
}
