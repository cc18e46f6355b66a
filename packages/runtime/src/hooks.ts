/** One attempt of a request, as hooks see it before it is sent. */
export interface RequestEvent {
  readonly method: string;
  /** Absolute URL (server and path with query); never credentials. */
  readonly url: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * Headers the runtime sends (lower-case names). A hook may add its own, e.g. `traceparent`. The connection adds
   * credentials afterwards; they never appear here.
   */
  readonly headers: Record<string, string>;
  /** The request body, when there is one. */
  readonly body: string | undefined;
  /** A long-lived response (watch, log follow): the attempt ends at the response headers. */
  readonly stream: boolean;
}

/** The answer to one attempt, at its headers. */
export interface ResponseEvent {
  readonly status: number;
  /** A response header (repeated ones joined with ", "), or undefined. */
  header(name: string): string | undefined;
  /** All response headers as received, names and values alternating, when the connection provides them. */
  readonly rawHeaders: readonly string[] | undefined;
  /** The request headers as the connection sent them, credentials masked (`Bearer <masked>`), when it reports them. */
  readonly sentHeaders: Readonly<Record<string, string>> | undefined;
  /** Milliseconds from sending to the response headers. */
  readonly durationMs: number;
  /** True when the transport will send the request again after this answer (429/5xx with `Retry-After`). */
  readonly retrying: boolean;
}

/** What a hook wants to hear about the attempt it saw start. Every callback is optional. */
export interface RequestObserver {
  /** The response headers arrived. */
  response?(response: ResponseEvent): void;
  /** The attempt failed without an answer, or its body could not be read; `error` is what the caller will see. */
  error?(error: unknown, durationMs: number): void;
  /** The body, when the transport read it whole (non-streaming calls and error answers). */
  body?(text: string): void;
  /**
   * An upgraded stream (exec, attach, port-forward) that began with a 101 answer is over: closed after `durationMs`
   * since the 101, cleanly or with `error`.
   */
  closed?(durationMs: number, error: unknown): void;
}

/**
 * Called before every attempt (retries included); returns what it wants to observe of it. Enough for tracing
 * without a dependency: start a span here, inject `traceparent` into `headers`, end the span in `response`/`error`.
 * A hook that throws does not fail the request.
 */
export type RequestHook = (request: RequestEvent) => RequestObserver | void;
