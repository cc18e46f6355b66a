import { KubernetesError, TransportError, errorFromResponse } from "./errors.js";
import { PROTOBUF_ACCEPT, type ProtobufDecoder, isProtobuf, protobufErrorBody, readFrames } from "./protobuf.js";
import type { Transport } from "./transport.js";
import type { Bookmark, BookmarkEvent, KubernetesObject, ObjectEvent, Status, WatchEvent } from "./types.js";
import { type Query, queryString } from "./url.js";
import { INITIAL_EVENTS_END, type ListWatchSource, type RawWatchEvent, watcher } from "./watcher.js";

/** Options of a watch. */
export interface WatchOptions {
  /**
   * Start after this resourceVersion: only changes from then on. Unset (or `"0"`): the current state first, as
   * ADDED events (exactly once each, even if the connection drops while they arrive), then the changes.
   */
  resourceVersion?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /**
   * Deliver `BOOKMARK` events too. Bookmarks are always requested (they keep the resume point fresh); they reach the
   * caller only when asked for, and then the event type says so. The end of the initial state is a bookmark
   * annotated `k8s.io/initial-events-end`.
   */
  allowWatchBookmarks?: boolean | undefined;
  /**
   * How the initial state is read when no resourceVersion is given: a streaming list (`sendInitialEvents`, the
   * default, falling back to paged lists where the server refuses it) or, with `false`, paged lists.
   */
  sendInitialEvents?: boolean | undefined;
  /** Server-side timeout of one watch request; the iterator reconnects transparently. Default a random 5-10 min. */
  timeoutSeconds?: number | undefined;
  /** Stops the watch; the iterator then ends without an error. */
  signal?: AbortSignal | undefined;
}

/**
 * Cuts a byte stream into lines of text. Each chunk is decoded once, whole — a character cut between two chunks
 * waits for the rest of its bytes — and lines are sliced out of that text; the start of a line that continues in
 * later chunks is kept as pieces and joined once, when its end arrives. (A growing, re-sliced buffer string cost a
 * streaming list of 5000 Pods 300 ms; decoding each line on its own, 8 µs per event; and on Node 20 a decoder in
 * stream mode leaves the fast UTF-8 path.)
 */
export class LineSplitter {
  #carry: Uint8Array | undefined; // the first bytes of a character the next chunk completes
  #pending: string[] = [];
  readonly #text: boolean;

  /**
   * `text: true` keeps every line as text (a log): blank lines too, and a `\r` before the newline dropped, as Go's
   * `bufio.ScanLines`. Otherwise (JSON lines) blank lines are skipped.
   */
  constructor(options: { text?: boolean } = {}) {
    this.#text = options.text === true;
  }

  #keep(line: string, lines: string[]): void {
    if (!this.#text) {
      if (line.trim()) lines.push(line);
    } else lines.push(line.endsWith("\r") ? line.slice(0, -1) : line);
  }

  /** The lines this chunk completes. */
  push(chunk: Uint8Array): string[] {
    const bytes = this.#carry ? concat(this.#carry, chunk) : chunk;
    const complete = completeUtf8Length(bytes);
    const cut = complete < bytes.length;
    // A copy (Buffer#slice would be a view): a source may reuse its chunk's memory.
    this.#carry = cut ? new Uint8Array(bytes.subarray(complete)) : undefined;
    const text = utf8.decode(cut ? bytes.subarray(0, complete) : bytes);
    const lines: string[] = [];
    let start = 0;
    for (let newline = text.indexOf("\n"); newline >= 0; newline = text.indexOf("\n", start)) {
      let line = text.slice(start, newline);
      if (this.#pending.length > 0) {
        this.#pending.push(line);
        line = this.#pending.join("");
        this.#pending = [];
      }
      start = newline + 1;
      this.#keep(line, lines);
    }
    if (start < text.length) this.#pending.push(start === 0 ? text : text.slice(start));
    return lines;
  }

  /** The last line, when the stream did not end with a newline. */
  end(): string[] {
    if (this.#carry) this.#pending.push(utf8.decode(this.#carry)); // a cut-off character: U+FFFD, as a decoder does
    this.#carry = undefined;
    const line = this.#pending.join("");
    this.#pending = [];
    const lines: string[] = [];
    if (line !== "") this.#keep(line, lines); // a stream that ended with its newline has no last line
    return lines;
  }
}

const utf8 = new TextDecoder();

/** The length of `bytes` up to the end of its last complete UTF-8 character. */
function completeUtf8Length(bytes: Uint8Array): number {
  const last = bytes.length - 1;
  for (let back = 0; back < 4 && back <= last; back++) {
    const byte = bytes[last - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return back + 1 >= needed ? bytes.length : last - back;
  }
  return bytes.length; // not UTF-8 here: the decoder replaces it
}

function concat(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

/** Splits a byte stream into lines (blank ones skipped, unless `text`); see {@link LineSplitter}. */
export async function* readLines(body: AsyncIterable<Uint8Array>, options: { text?: boolean } = {}): AsyncGenerator<string> {
  const splitter = new LineSplitter(options);
  for await (const chunk of body) yield* splitter.push(chunk);
  yield* splitter.end();
}

/**
 * One watch request as a stream of events: resolves once the server answered; `ERROR` events are thrown as the
 * typed error of their Status (ResourceExpiredError for 410); a silent stream fails after `idleTimeoutMs`; leaving
 * the iteration closes the connection. With `protobuf` decoders the request asks for protobuf and reads its
 * length-delimited frames (a JSON answer is read as JSON lines); a frame the decoders cannot read ends the stream
 * as a lost connection after `onProtobufFailure`, so that the watch resumes (as JSON) where it was.
 */
export async function openWatchStream<T>(
  transport: Transport,
  path: string,
  query: Query,
  options: {
    idleTimeoutMs: number;
    signal: AbortSignal;
    protobuf?: Promise<ProtobufDecoder> | undefined;
    onProtobufFailure?: ((error: unknown) => void) | undefined;
  },
): Promise<AsyncIterable<RawWatchEvent<T>>> {
  const url = path + queryString({ ...query, watch: true, allowWatchBookmarks: true });
  const decoder = options.protobuf;
  // A stream silent for longer than idleTimeoutMs fails with a retryable TransportError (ETIMEDOUT): the transport's.
  const res = await transport.request({
    method: "GET",
    path: url,
    stream: true,
    idleTimeoutMs: options.idleTimeoutMs,
    signal: options.signal,
    ...(decoder ? { accept: PROTOBUF_ACCEPT, protobufErrorBody: (answer) => protobufErrorBody(answer, decoder) } : {}),
  });
  const described = { method: "GET", url: `${transport.connection.server}${url}` };
  const protobuf = decoder && isProtobuf(res.header("content-type")) ? protobufEvents<T>(res.body, decoder, options.onProtobufFailure) : undefined;
  const checked = (event: WireEvent<T>): RawWatchEvent<T> => {
    if (event.type !== "ERROR") return event as RawWatchEvent<T>;
    const status = event.object as Status;
    throw errorFromResponse(status.code ?? 500, JSON.stringify(status), described);
  };
  return {
    async *[Symbol.asyncIterator]() {
      try {
        if (protobuf) {
          for await (const event of protobuf) yield checked(event);
        } else {
          // JSON lines are split and parsed here, chunk by chunk: one generator between the socket and the watcher.
          const splitter = new LineSplitter();
          for await (const chunk of res.body) for (const line of splitter.push(chunk)) yield checked(JSON.parse(line) as WireEvent<T>);
          for (const line of splitter.end()) yield checked(JSON.parse(line) as WireEvent<T>);
        }
      } catch (error) {
        if (options.signal.aborted || error instanceof KubernetesError || error instanceof TransportError) throw error;
        // The body broke off (a reset, a cut proxy): a lost connection, which the state machine resumes from.
        throw new TransportError(`${described.method} ${described.url}: the connection broke while the watch was read (${(error as Error).message})`, described, { cause: error });
      } finally {
        res.cancel();
      }
    },
  };
}

type WireEvent<T> = { type: string; object: T | Status };

async function* protobufEvents<T>(body: AsyncIterable<Uint8Array>, decoder: Promise<ProtobufDecoder>, onFailure: ((error: unknown) => void) | undefined): AsyncGenerator<WireEvent<T>> {
  let decode: ProtobufDecoder;
  try {
    decode = await decoder;
  } catch (error) {
    onFailure?.(error);
    throw error;
  }
  for await (const frame of readFrames(body)) {
    let event: WireEvent<T>;
    try {
      event = decode.watchEvent(frame) as WireEvent<T>;
    } catch (error) {
      onFailure?.(error);
      throw error; // the stream ends as a lost connection; the watch resumes from its last resourceVersion
    }
    yield event;
  }
}

const keyOf = (object: KubernetesObject) => `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;

/**
 * `ResourceClient.watch()`: the state machine (see watcher.ts) with a plain watch's events. Without a
 * resourceVersion the current state comes first, exactly once per object: if the initial state has to be read
 * again (the connection dropped before it was complete), objects already delivered unchanged are skipped, changed
 * ones come as MODIFIED and vanished ones as DELETED. After that, a 410 is thrown as ResourceExpiredError (a plain
 * watch cannot re-list for its caller; an Informer does).
 */
export async function* watchEvents<T extends KubernetesObject>(source: ListWatchSource<T>, options: WatchOptions): AsyncGenerator<WatchEvent<T>> {
  const fromVersion = options.resourceVersion === "0" || options.resourceVersion === "" ? undefined : options.resourceVersion;
  const delivered = new Map<string, T>(); // initial state delivered so far (across attempts), until it is complete
  let attempt = new Set<string>();
  let restarted = false;
  const bookmarks = options.allowWatchBookmarks === true;
  for await (const event of watcher(source, {
    resourceVersion: fromVersion,
    initialFromCache: options.resourceVersion === "0",
    streamingList: options.sendInitialEvents ?? true,
    timeoutSeconds: options.timeoutSeconds,
    onExpired: "throw",
    signal: options.signal,
  })) {
    switch (event.type) {
      case "init":
        restarted = delivered.size > 0;
        attempt = new Set();
        break;
      case "initApply": {
        const key = keyOf(event.object);
        attempt.add(key);
        const before = delivered.get(key);
        if (before && before.metadata?.resourceVersion === event.object.metadata?.resourceVersion) break;
        delivered.set(key, event.object);
        yield { type: before ? "MODIFIED" : "ADDED", object: event.object } satisfies ObjectEvent<T>;
        break;
      }
      case "initDone":
        if (restarted) for (const [key, object] of delivered) if (!attempt.has(key)) yield { type: "DELETED", object };
        delivered.clear();
        attempt = new Set();
        if (bookmarks) yield { type: "BOOKMARK", object: initialEventsEnd(event.bookmark) } satisfies BookmarkEvent;
        break;
      case "apply":
        yield { type: event.added ? "ADDED" : "MODIFIED", object: event.object };
        break;
      case "delete":
        yield { type: "DELETED", object: event.object };
        break;
      case "bookmark":
        if (bookmarks) yield { type: "BOOKMARK", object: event.bookmark };
        break;
      case "error":
        break; // the state machine backs off and goes on by itself
    }
  }
}

/** The end of the initial state as a bookmark, whether the server sent one (streaming list) or it was a list. */
function initialEventsEnd(bookmark: Bookmark): Bookmark {
  if (bookmark.metadata.annotations?.[INITIAL_EVENTS_END] === "true") return bookmark;
  return { ...bookmark, metadata: { ...bookmark.metadata, annotations: { ...bookmark.metadata.annotations, [INITIAL_EVENTS_END]: "true" } } };
}
