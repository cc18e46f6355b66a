import { TransportError, errorFromResponse } from "./errors.js";

/** A request as {@link HttpConnection.request} takes it. */
export interface HttpRequestInit {
  method?: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
}

/** A response as the runtime reads it (an `@org/k8s-auth` connection's `request()` returns one). */
export interface HttpResponse {
  readonly status: number;
  /** A response header (repeated ones joined with ", "), or undefined. */
  header(name: string): string | undefined;
  /** The decoded body, chunk by chunk as it arrives; it can be read once. */
  readonly body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** Discards the rest of the body and frees the socket. */
  cancel(): void;
}

/** A fetch `Response` seen as an {@link HttpResponse}, for connections that only have `fetch`. */
export function fromFetchResponse(res: Response): HttpResponse {
  return {
    status: res.status,
    header: (name) => res.headers.get(name) ?? undefined,
    body: {
      async *[Symbol.asyncIterator]() {
        if (res.body) yield* res.body as unknown as AsyncIterable<Uint8Array>;
      },
    },
    text: () => res.text(),
    json: () => res.json() as Promise<unknown>,
    cancel: () => void res.body?.cancel().catch(() => {}),
  };
}

/**
 * What the runtime needs of a connection. An `@org/k8s-auth` `Connection` satisfies it; so does anything else that
 * can send authenticated requests to one API server.
 */
export interface HttpConnection {
  /** Base URL of the API server, without a trailing slash. */
  readonly server: string;
  /** Namespace used when a call names none (as kubectl's context namespace). */
  readonly namespace: string;
  /** Sends a request; relative URLs resolve against `server`. */
  fetch(input: string, init?: RequestInit): Promise<Response>;
  /**
   * Sends a request without the WHATWG fetch layer; the runtime prefers it when present (an `@org/k8s-auth`
   * connection has it: it reads bodies straight from Node's HTTP client).
   */
  request?(input: string, init?: HttpRequestInit): Promise<HttpResponse>;
}

/** When and how often failed requests are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 3; 0 disables retries. */
  maxRetries: number;
  /** First backoff delay; doubles per attempt, with full jitter. Default 200 ms. */
  baseDelayMs: number;
  /** Upper bound of one delay, also for `Retry-After`. Default 10 s. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, baseDelayMs: 200, maxDelayMs: 10_000 };

/** Per-call options every verb accepts. */
export interface CallOptions {
  /** Cancels the call. */
  signal?: AbortSignal | undefined;
  /** Gives up after this long (the whole call, retries included). Default: the client's (30 s). */
  timeoutMs?: number | undefined;
}

/** One request as the verbs describe it. */
export interface RequestSpec extends CallOptions {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path and query, starting with `/`. */
  path: string;
  body?: string;
  contentType?: string;
  accept?: string;
  /** Safe to send twice: only these are retried. */
  idempotent: boolean;
  /** Server-side apply: a 409 becomes an ApplyConflictError. */
  apply?: boolean;
  /** Return once headers arrive, leaving the body to the caller (watch, log streams); no timeout applies then. */
  stream?: boolean;
}

/** The transport options of a client. */
export interface TransportOptions {
  retry?: Partial<RetryPolicy>;
  /** Default timeout of non-streaming calls. Default 30 s. */
  timeoutMs?: number;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

function retryAfterMs(res: HttpResponse): number | undefined {
  const header = res.header("retry-after");
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The most specific reason a fetch failed: fetch implementations hide it in `cause` (sometimes an AggregateError). */
function describeCause(error: unknown): string {
  let cause = (error as { cause?: unknown }).cause ?? error;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  const { code, message } = cause as { code?: string; message?: string };
  if (code && message && !message.includes(code)) return `${code}: ${message}`;
  return message || code || String(cause);
}

/** Sends requests with timeouts, retries (idempotent only) and typed errors. */
export class Transport {
  readonly connection: HttpConnection;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly #send: (path: string, init: HttpRequestInit) => Promise<HttpResponse>;

  constructor(connection: HttpConnection, options: TransportOptions = {}) {
    this.connection = connection;
    this.#send = connection.request
      ? connection.request.bind(connection)
      : async (path, init) => fromFetchResponse(await connection.fetch(path, init as RequestInit));
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Sends the request and returns the successful response; throws KubernetesError or TransportError. */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    const url = `${this.connection.server}${spec.path}`;
    const described = { method: spec.method, url };
    const signals = [spec.signal, spec.stream ? undefined : AbortSignal.timeout(spec.timeoutMs ?? this.timeoutMs)].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const signal = signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
    const headers: Record<string, string> = { accept: spec.accept ?? "application/json" };
    if (spec.contentType) headers["content-type"] = spec.contentType;

    for (let attempt = 0; ; attempt++) {
      const retriesLeft = spec.idempotent && attempt < this.retry.maxRetries;
      let res: HttpResponse;
      try {
        res = await this.#send(spec.path, {
          method: spec.method,
          headers,
          ...(spec.body !== undefined ? { body: spec.body } : {}),
          signal,
        });
      } catch (error) {
        if (signal.aborted) {
          if (spec.signal?.aborted) throw spec.signal.reason;
          throw new TransportError(`${spec.method} ${url}: timed out after ${spec.timeoutMs ?? this.timeoutMs} ms`, described, { cause: error });
        }
        if (!retriesLeft) {
          const why = describeCause(error);
          throw new TransportError(`${spec.method} ${url}: ${why}`, described, { cause: error });
        }
        await sleep(this.backoff(attempt), signal);
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res;
      if (retriesLeft && RETRYABLE_STATUS.has(res.status)) {
        const wait = retryAfterMs(res);
        res.cancel();
        await sleep(wait === undefined ? this.backoff(attempt) : Math.min(wait, this.retry.maxDelayMs), signal);
        continue;
      }
      throw errorFromResponse(res.status, await res.text().catch(() => ""), described, spec.apply === true);
    }
  }

  /** Sends the request and parses the JSON body. */
  async json<T>(spec: RequestSpec): Promise<T> {
    const res = await this.request(spec);
    return (await res.json()) as T;
  }

  /** Sends the request and returns the body as text. */
  async text(spec: RequestSpec): Promise<string> {
    const res = await this.request(spec);
    return res.text();
  }

  /** Full-jitter exponential backoff. */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return Math.random() * ceiling;
  }
}
