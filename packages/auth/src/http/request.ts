import type { Agent, IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { type Readable, pipeline } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { maskHeaderValue } from "@org/k8s-runtime";
import type { HttpRequestInit, HttpResponse } from "../types.js";
import { http, https } from "./builtins.js";
import type { Http2Pool } from "./http2.js";

/** How {@link sendRequest} reaches the server. */
export interface SendOptions {
  /** Kept-alive agent (TLS, proxy) for the server; Node's global agent when absent. */
  agent?: Agent | undefined;
  /**
   * HTTP/2 sessions to an `https://` server (TLS and proxy as the agent's). Requests go there unless the server
   * chose HTTP/1.1 in the TLS handshake (ALPN); then, and for `http://`, through `agent`.
   */
  http2?: Http2Pool | undefined;
  /** Headers sent as one line per value (`Impersonate-Group: a`, `Impersonate-Group: b`), which `Headers` would join. */
  headerLines?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Called once when the exchange is over: failed, or its response body ended, failed or was discarded. */
  onSettled?: (() => void) | undefined;
}

/** Methods Go's transport re-sends after a kept-alive socket turned out to be closed. */
export const REPLAYABLE = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/** Statuses whose responses have no body. */
export const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The status line and headers of a response, from HTTP/1.1 (Node's `IncomingMessage`) or HTTP/2. */
export interface ResponseHead {
  statusCode?: number | undefined;
  statusMessage?: string | undefined;
  /** Header names and values as received, alternating (no HTTP/2 pseudo-headers). */
  rawHeaders: string[];
  headers: IncomingHttpHeaders;
  /** `"1.1"` or `"2.0"`. */
  httpVersion: string;
}

const DECODED_CHUNK_BYTES = 256 * 1024;

/** The decoded body stream for a response's `Content-Encoding` (as fetch decodes transparently). */
export function decoded(res: Readable, headers: IncomingHttpHeaders): Readable {
  const encoding = (typeof headers["content-encoding"] === "string" ? headers["content-encoding"] : "").trim().toLowerCase();
  // Lenient like fetch: a stream cut at a flush point still yields what arrived. Output comes in chunks of up to
  // DECODED_CHUNK_BYTES: zlib's default 16 KiB made inflating a 20,000-Pod list (30 MiB of gzip, 325 MiB of JSON)
  // take 1.3-2.0 s in per-chunk callbacks; 256 KiB takes 0.55 s. Each write is still flushed at once, so a watch
  // event is not held back for a chunk to fill.
  const options = { flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH, chunkSize: DECODED_CHUNK_BYTES };
  const decoder =
    encoding === "gzip" || encoding === "x-gzip" ? createGunzip(options)
    : encoding === "deflate" ? createInflate(options)
    : encoding === "br" ? createBrotliDecompress({ chunkSize: DECODED_CHUNK_BYTES })
    : undefined;
  return decoder ? pipeline(res, decoder, () => {}) : res;
}

/**
 * A response read straight from Node's HTTP client: no WHATWG stream or `Headers` in between (loading those costs
 * a cold process ~20 ms, and each stream chunk a few promise hops). The body can be read once.
 */
export class NodeResponse implements HttpResponse {
  readonly status: number;
  readonly statusText: string;
  /** Header names and values as received, alternating. */
  readonly rawHeaders: readonly string[];
  /** The protocol the response came over: `"1.1"` or `"2.0"`. */
  readonly httpVersion: string;
  /** The decoded body; errors are the signal's reason once the caller aborted. */
  readonly stream: Readable | undefined;
  readonly #headers: IncomingHttpHeaders;
  readonly #failure: (error: unknown) => unknown;
  readonly #sent: OutgoingHttpHeaders;

  constructor(res: ResponseHead, stream: Readable | undefined, failure: (error: unknown) => unknown, sent: OutgoingHttpHeaders = {}) {
    this.status = res.statusCode ?? 0;
    this.statusText = res.statusMessage ?? "";
    this.rawHeaders = res.rawHeaders;
    this.httpVersion = res.httpVersion;
    this.#headers = res.headers;
    this.stream = stream;
    this.#failure = failure;
    this.#sent = sent;
  }

  /** The request headers as sent, credentials masked as client-go's debug log masks them (`Bearer <masked>`). */
  get sentHeaders(): Readonly<Record<string, string>> {
    const masked: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.#sent)) {
      if (name.startsWith(":")) continue; // HTTP/2 pseudo-headers
      const text = Array.isArray(value) ? value.join(", ") : String(value);
      masked[name] = maskHeaderValue(name, text);
    }
    return masked;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  header(name: string): string | undefined {
    const value = this.#headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  get body(): AsyncIterable<Uint8Array> {
    const stream = this.stream;
    const failure = this.#failure;
    return {
      async *[Symbol.asyncIterator]() {
        if (!stream) return;
        try {
          for await (const chunk of stream) yield chunk as Buffer;
        } catch (error) {
          throw failure(error);
        }
      },
    };
  }

  async text(): Promise<string> {
    // Decoded chunk by chunk while the rest is still arriving, not concatenated and decoded at the end: a 5000-object
    // list in a fresh process took 200 instead of 218 ms (median of 8 interleaved runs), for 2.5 MB more peak RSS.
    const decoder = new StringDecoder("utf8");
    let text = "";
    for await (const chunk of this.body) text += decoder.write(chunk as Buffer);
    return text + decoder.end();
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  cancel(): void {
    this.stream?.destroy();
  }
}

/** A request as the protocols send it: the outgoing headers (lower-case names) and the body as bytes. */
export interface PreparedRequest {
  url: URL;
  method: string;
  headers: OutgoingHttpHeaders;
  body: Uint8Array | undefined;
  signal: AbortSignal | undefined;
}

/**
 * Sends one request over HTTP/2 (when `options.http2` is set, the server is `https://` and it chose h2) or through
 * `node:http(s)` and a kept-alive agent; resolves once headers arrive, with the body streamed and decoded (gzip,
 * deflate, br). An abort rejects with the signal's reason, also while the body is read. Redirects are not followed
 * (the Kubernetes API does not send them).
 */
export async function sendRequest(url: URL, init: HttpRequestInit, options: SendOptions): Promise<NodeResponse> {
  const signal = init.signal;
  signal?.throwIfAborted();
  const outgoing: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) outgoing[name.toLowerCase()] = value;
  outgoing["accept"] ??= "*/*";
  outgoing["accept-encoding"] ??= "gzip";
  for (const [name, values] of Object.entries(options.headerLines ?? {})) outgoing[name.toLowerCase()] = [...values];
  const body = typeof init.body === "string" ? Buffer.from(init.body) : init.body;
  if (body) outgoing["content-length"] = body.byteLength;
  const request: PreparedRequest = { url, method: (init.method ?? "GET").toUpperCase(), headers: outgoing, body, signal };
  if (options.http2 && url.protocol === "https:") {
    const res = await options.http2.send(request, options.onSettled);
    if (res) return res; // else the server speaks HTTP/1.1 only
  }
  return sendHttp1(request, options);
}

/** {@link sendRequest} over HTTP/1.1. */
function sendHttp1({ url, method, headers: outgoing, body, signal }: PreparedRequest, options: SendOptions): Promise<NodeResponse> {
  const send = url.protocol === "https:" ? https.request : http.request;

  return new Promise<NodeResponse>((resolve, reject) => attempt(false, resolve, reject));

  function attempt(retry: boolean, resolve: (res: NodeResponse) => void, reject: (error: unknown) => void): void {
    // Headers are set on the request, not passed as options: Node hands request options to the agent, and
    // `NODE_DEBUG=http` prints them, credentials included.
    const req = send(url, { method, ...(options.agent ? { agent: options.agent } : {}) });
    for (const [name, value] of Object.entries(outgoing)) if (value !== undefined) req.setHeader(name, value);
    const failure = (error: unknown) => (signal?.aborted ? signal.reason : error);
    let stream: Readable | undefined;
    const onAbort = () => {
      const reason = signal?.reason instanceof Error ? signal.reason : new Error("aborted");
      stream?.destroy(reason);
      req.destroy(reason);
    };
    let over = false;
    const settled = () => {
      signal?.removeEventListener("abort", onAbort);
      if (!over) {
        over = true;
        options.onSettled?.();
      }
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.once("error", (error) => {
      settled();
      // A kept-alive socket the server closed while it sat idle fails before any response: Go's transport sends a
      // replayable request (GET, HEAD, ...) once more on a fresh socket, and so do we.
      const code = (error as { code?: string }).code;
      const stale = req.reusedSocket && (code === "ECONNRESET" || code === "EPIPE");
      if (stale && !retry && REPLAYABLE.has(method) && !signal?.aborted) {
        over = false; // the exchange goes on with the next attempt
        return attempt(true, resolve, reject);
      }
      reject(failure(error));
    });
    req.once("response", (res) => {
      req.on("error", () => {}); // later failures surface through the body stream
      if (method === "HEAD" || NULL_BODY.has(res.statusCode ?? 0)) {
        // Resolve once the (empty) message is read, so its socket is back in the pool for the next request.
        res.once("end", () => {
          settled();
          resolve(new NodeResponse(res, undefined, failure, outgoing));
        });
        res.once("error", (error) => reject(failure(error)));
        res.resume();
        return;
      }
      stream = decoded(res, res.headers);
      stream.once("close", settled);
      resolve(new NodeResponse(res, stream, failure, outgoing));
    });
    req.end(body);
  }
}
