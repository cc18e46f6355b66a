import type { Readable } from "node:stream";
import { type SendOptions, sendRequest } from "./request.js";

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

/**
 * A web `ReadableStream` over a Node stream, with backpressure. Chunks are passed through as they are (Buffers are
 * Uint8Arrays), which keeps a large list or a busy watch to one copy per chunk.
 */
function webStream(source: Readable, failure: (error: unknown) => unknown): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on("data", (chunk: Buffer) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once("end", () => controller.close());
        source.once("error", (error) => controller.error(failure(error)));
      },
      pull() {
        source.resume();
      },
      cancel() {
        source.destroy();
      },
    },
    { highWaterMark: 16 },
  );
}

/**
 * `fetch` over Node's own HTTP client ({@link sendRequest}): a standard `Response` once headers arrive, with the
 * body streamed and decoded. An abort rejects with the signal's reason, also while the body is being read.
 */
export async function httpFetch(url: URL, init: RequestInit, options: SendOptions): Promise<Response> {
  init.signal?.throwIfAborted();
  const headers = new Headers(init.headers);
  const body = await bodyBytes(init.body, headers);
  const record: Record<string, string> = {};
  for (const [name, value] of headers) record[name] = value;
  const signal = init.signal ?? undefined;
  const res = await sendRequest(url, { method: init.method ?? "GET", headers: record, ...(body ? { body } : {}), ...(signal ? { signal } : {}) }, options);
  const responseHeaders = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
  const stream = res.stream ? webStream(res.stream, (error) => (signal?.aborted ? signal.reason : error)) : null;
  return new Response(stream, { status: res.status, statusText: res.statusText, headers: responseHeaders });
}
