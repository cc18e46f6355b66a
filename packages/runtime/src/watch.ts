import { KubernetesError, TransportError, errorFromResponse } from "./errors.js";
import type { HttpResponse, Transport } from "./transport.js";
import type { KubernetesObject, Status, WatchEvent } from "./types.js";
import { type Query, queryString } from "./url.js";
import { Backoff, pause } from "./backoff.js";

/** Options of a watch. */
export interface WatchOptions {
  /** Start after this resourceVersion. Unset: the server sends the current state as ADDED events first. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Streaming list: initial state as ADDED events, ended by a BOOKMARK annotated `k8s.io/initial-events-end`. */
  sendInitialEvents?: boolean;
  /** Server-side timeout of one watch request; the iterator reconnects transparently. Default: server's choice. */
  timeoutSeconds?: number;
  /** Stops the watch; the iterator then ends without an error. */
  signal?: AbortSignal;
  /** Longest pause between reconnect attempts after a dropped connection. Default 10 s. */
  maxReconnectDelayMs?: number;
}

/** Splits a byte stream into lines. */
export async function* readLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim()) yield line;
    }
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield buffered;
}

const aborted = (signal: AbortSignal | undefined) => signal?.aborted === true;

/**
 * Watches `path` (a collection URL without query), yielding typed events. Bookmarks are requested. When the
 * connection drops or the server ends the request, it reconnects from the last resourceVersion seen; a 410
 * (resourceVersion too old) throws {@link ResourceExpiredError} so the caller re-lists. Ends quietly on abort.
 */
export async function* watchPath<T extends KubernetesObject>(
  transport: Transport,
  path: string,
  baseQuery: Query,
  options: WatchOptions,
): AsyncGenerator<WatchEvent<T>> {
  let resourceVersion = options.resourceVersion;
  let failures = 0;
  const backoff = new Backoff({ initialMs: 100, maxMs: options.maxReconnectDelayMs ?? 10_000, jitter: 0.5 });
  const { signal } = options;
  while (!aborted(signal)) {
    const query: Query = {
      ...baseQuery,
      watch: true,
      allowWatchBookmarks: true,
      resourceVersion,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      timeoutSeconds: options.timeoutSeconds,
      ...(options.sendInitialEvents && failures === 0 && resourceVersion === options.resourceVersion
        ? { sendInitialEvents: true, resourceVersionMatch: "NotOlderThan" }
        : {}),
    };
    let res: HttpResponse;
    try {
      res = await transport.request({ method: "GET", path: path + queryString(query), stream: true, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (aborted(signal)) return;
      if (error instanceof KubernetesError && !(error.code >= 500 || error.code === 429)) throw error;
      if (!(error instanceof KubernetesError) && !(error instanceof TransportError)) throw error;
      failures++;
      await pause(backoff.next(), signal);
      continue;
    }
    try {
      for await (const line of readLines(res.body)) {
        const event = JSON.parse(line) as { type: string; object: T | Status };
        if (event.type === "ERROR") {
          const status = event.object as Status;
          throw errorFromResponse(status.code ?? 500, JSON.stringify(status), { method: "GET", url: `${transport.connection.server}${path}` });
        }
        if (aborted(signal)) return; // events already buffered when the caller aborted are not delivered
        failures = 0;
        backoff.reset();
        const rv = (event.object as KubernetesObject).metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
        yield event as WatchEvent<T>;
      }
    } catch (error) {
      if (aborted(signal)) return;
      if (error instanceof KubernetesError) throw error;
      // The connection dropped mid-stream: reconnect from the last resourceVersion.
      failures++;
      await pause(backoff.next(), signal);
    }
  }
}
