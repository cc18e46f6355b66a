import { type Agent, type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream";
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

/** What {@link httpFetch} sends besides the fetch `init`. */
export interface HttpFetchOptions {
  /** Kept-alive agent (TLS, proxy) for the server; Node's global agent when absent. */
  agent?: Agent | undefined;
  /** Headers sent as one line per value (`Impersonate-Group: a`, `Impersonate-Group: b`), which `Headers` would join. */
  headerLines?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** Statuses whose responses have no body (the `Response` constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** Request bodies as bytes; uncommon body types go through `Response` for their bytes and content type. */
async function bodyBytes(body: RequestInit["body"], headers: Headers): Promise<Uint8Array | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string") {
    if (!headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
    return Buffer.from(body);
  }
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  const wrapped = new Response(body);
  const type = wrapped.headers.get("content-type");
  if (type && !headers.has("content-type")) headers.set("content-type", type);
  return new Uint8Array(await wrapped.arrayBuffer());
}

/** The decoded body stream for a response's `Content-Encoding` (fetch decodes transparently too). */
function decoded(res: IncomingMessage): Readable {
  const encoding = (res.headers["content-encoding"] ?? "").trim().toLowerCase();
  // Lenient like fetch: a stream cut at a flush point still yields what arrived.
  const flush = { flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH };
  const decoder =
    encoding === "gzip" || encoding === "x-gzip" ? createGunzip(flush)
    : encoding === "deflate" ? createInflate(flush)
    : encoding === "br" ? createBrotliDecompress()
    : undefined;
  return decoder ? pipeline(res, decoder, () => {}) : res;
}

/**
 * A web `ReadableStream` over a Node stream, with backpressure. Chunks are passed through as they are (Buffers are
 * Uint8Arrays), which keeps a large list or a busy watch to one copy per chunk.
 */
function webStream(source: Readable, failure: (error: Error) => unknown, onSettled: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on("data", (chunk: Buffer) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once("end", () => {
          onSettled();
          controller.close();
        });
        source.once("error", (error) => {
          onSettled();
          controller.error(failure(error));
        });
      },
      pull() {
        source.resume();
      },
      cancel() {
        onSettled();
        source.destroy();
      },
    },
    { highWaterMark: 16 },
  );
}

/**
 * `fetch` over `node:http(s)` and a kept-alive {@link Agent}: Node's own HTTP client, so no HTTP library is bundled or
 * loaded. Returns a standard `Response` once headers arrive, with the body streamed (gzip, deflate and br decoded).
 * An abort rejects with the signal's reason, also while the body is being read. Redirects are not followed (the
 * Kubernetes API does not send them).
 */
export async function httpFetch(url: URL, init: RequestInit, options: HttpFetchOptions): Promise<Response> {
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  const headers = new Headers(init.headers);
  const body = await bodyBytes(init.body, headers);
  if (!headers.has("accept")) headers.set("accept", "*/*");
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "gzip");
  const outgoing: OutgoingHttpHeaders = {};
  for (const [name, value] of headers) outgoing[name] = value;
  for (const [name, values] of Object.entries(options.headerLines ?? {})) outgoing[name.toLowerCase()] = [...values];
  if (body) outgoing["content-length"] = body.byteLength;
  const method = (init.method ?? "GET").toUpperCase();
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;

  return new Promise<Response>((resolve, reject) => {
    const req = send(url, { method, headers: outgoing, ...(options.agent ? { agent: options.agent } : {}) });
    const reasonFor = (error: unknown) => (signal?.aborted ? signal.reason : error);
    const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    const settled = () => signal?.removeEventListener("abort", onAbort);
    signal?.addEventListener("abort", onAbort, { once: true });
    req.once("error", (error) => {
      settled();
      reject(reasonFor(error));
    });
    req.once("response", (res) => {
      req.on("error", () => {}); // later failures surface through the body stream
      const responseHeaders = new Headers();
      const raw = res.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
      const status = res.statusCode ?? 0;
      const init = { status, statusText: res.statusMessage ?? "", headers: responseHeaders };
      if (method === "HEAD" || NULL_BODY.has(status)) {
        // Resolve once the (empty) message is read, so its socket is back in the pool for the next request.
        res.once("end", () => {
          settled();
          resolve(new Response(null, init));
        });
        res.once("error", (error) => reject(reasonFor(error)));
        res.resume();
        return;
      }
      resolve(new Response(webStream(decoded(res), reasonFor, settled), init));
    });
    req.end(body);
  });
}
