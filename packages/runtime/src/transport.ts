import { jittered, sleepOrAbort } from "./backoff.js";
import { describeCause } from "./cause.js";
import { type RequestDescription, TransportError, errorFromResponse, isTransportError } from "./errors.js";
import type { RequestEvent, RequestHook, RequestObserver } from "./hooks.js";
import { type ProtobufCodec, isProtobuf } from "./protobuf.js";
import { type RateLimit, type RateLimiter, TokenBucket } from "./rate-limit.js";
import { type RequestLogOptions, requestLogHook, requestLogLevelFromEnv } from "./request-log.js";
import { defaultUserAgent } from "./user-agent.js";
import { type WarningHandler, defaultWarningHandler, parseWarningHeader } from "./warnings.js";

/** A request as {@link HttpConnection.request} takes it. */
export interface HttpRequestInit {
  method?: string | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  body?: string | Uint8Array | undefined;
  signal?: AbortSignal | undefined;
  /** A long-lived response (watch, log follow): a connection may keep such requests out of its bounded pool. */
  stream?: boolean | undefined;
}

/** A response as the runtime reads it (an `@org/k8s-auth` connection's `request()` returns one). */
export interface HttpResponse {
  readonly status: number;
  /** A response header (repeated ones joined with ", "), or undefined. */
  header(name: string): string | undefined;
  /** All response headers as received, names and values alternating (optional: for the request log). */
  readonly rawHeaders?: readonly string[];
  /** The request headers as sent, credentials masked (optional: for the request log). */
  readonly sentHeaders?: Readonly<Record<string, string>>;
  /** The decoded body, chunk by chunk as it arrives; it can be read once. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Reads the whole body as UTF-8 text. */
  text(): Promise<string>;
  /** Reads the whole body and parses it as JSON. */
  json(): Promise<unknown>;
  /** Discards the rest of the body and frees the socket. */
  cancel(): void;
}

/**
 * The switched connection of an HTTP/1.1 upgrade, as the runtime uses it: at run time a Node `Duplex` (a TLS or TCP
 * socket). Typed structurally so that the runtime's declarations need no `@types/node`.
 */
export interface UpgradedSocket {
  readonly destroyed: boolean;
  /** Writes a chunk; `false` when the buffer is full (wait for `drain` before writing more). */
  write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  /** Ends the writing side (the other side sees EOF). */
  end(): unknown;
  /** Closes the stream at once, failing it with `error` when one is given. */
  destroy(error?: Error): unknown;
  /** Stops `data` events until {@link resume}. */
  pause(): unknown;
  /** Starts (again) the flow of `data` events. */
  resume(): unknown;
  /** Listens for each chunk of bytes as it arrives. */
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  /** Listens for the `drain`, `end`, `close` events. */
  on(event: "drain" | "end" | "close", listener: () => void): unknown;
  /** Listens for the error that ended the stream. */
  on(event: "error", listener: (error: Error) => void): unknown;
  /** Removes a listener added with `on` for `data`. */
  off(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  /** Removes a listener added with `on` for `drain`, `end`, `close`. */
  off(event: "drain" | "end" | "close", listener: () => void): unknown;
  /** Removes a listener added with `on` for `error`. */
  off(event: "error", listener: (error: Error) => void): unknown;
}

/** An upgrade request as {@link HttpConnection.upgrade} takes it. */
export interface UpgradeRequestInit {
  method?: string | undefined;
  /** `Upgrade` and the protocol's headers; the connection adds `Connection: Upgrade` and credentials. */
  headers?: Readonly<Record<string, string>> | undefined;
  signal?: AbortSignal | undefined;
}

/** The answer to an upgrade: on 101 the switched `socket` (and bytes already read, `head`); else a refusal with a body. */
export interface UpgradeResponse extends HttpResponse {
  readonly socket: UpgradedSocket | undefined;
  readonly head: Uint8Array;
}

/** A fetch `Response` seen as an {@link HttpResponse}, for connections that only have `fetch`. */
export function fromFetchResponse(res: Response): HttpResponse {
  const rawHeaders: string[] = [];
  res.headers.forEach((value, name) => rawHeaders.push(name, value));
  return {
    status: res.status,
    header: (name) => res.headers.get(name) ?? undefined,
    rawHeaders,
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
  /**
   * Sends an HTTP/1.1 upgrade (WebSocket, SPDY) with the connection's credentials, TLS and proxy: what exec,
   * attach and port-forward need. An `@org/k8s-auth` connection has it.
   */
  upgrade?(input: string, init?: UpgradeRequestInit): Promise<UpgradeResponse>;
}

/**
 * When failed requests are sent again: client-go's rules. Any verb is re-sent after a 429 or 5xx that carries
 * `Retry-After` (the server says the request was not processed, or that repeating it is safe); a GET is also
 * re-sent after its connection was lost before an answer (reset, closed). Nothing else is retried: a write the
 * server may have applied is never replayed.
 */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 10, as client-go; 0 disables retries. */
  maxRetries: number;
  /** Wait before re-sending a GET whose connection was lost. Default 1 s (client-go's implied `Retry-After: 1`). */
  baseDelayMs: number;
  /** Upper bound of one wait, also for `Retry-After`. Default 30 s. */
  maxDelayMs: number;
}

/** client-go's defaults: at most 10 retries, 1 s before a GET is sent again, waits capped at 30 s. */
export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 10, baseDelayMs: 1_000, maxDelayMs: 30_000 };

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
  body?: string | undefined;
  contentType?: string | undefined;
  accept?: string | undefined;
  /** Server-side apply: a 409 becomes an ApplyConflictError. */
  apply?: boolean | undefined;
  /**
   * Return once headers arrive, leaving the body to the caller (watch, log streams). The whole-call timeout does
   * not apply; {@link RequestSpec.headerTimeoutMs} and {@link RequestSpec.idleTimeoutMs} do.
   */
  stream?: boolean | undefined;
  /** Streams: fail when no response headers arrived within this long. Default: the client's (30 s). */
  headerTimeoutMs?: number | undefined;
  /** Streams: fail when no body data arrived for this long (a watch: `timeoutSeconds` plus a margin). Default: none. */
  idleTimeoutMs?: number | undefined;
  /**
   * Return an error answer (after the retries the policy allows) instead of throwing it as a KubernetesError: for
   * callers that read error bodies themselves (the openapi-fetch client of `fetchClient()`).
   */
  returnErrors?: boolean | undefined;
  /**
   * Reads an error answer in protobuf (a read that asked for protobuf gets its Status in protobuf too) as the JSON
   * text of that Status, for the typed error.
   */
  protobufErrorBody?: ((res: HttpResponse) => Promise<string>) | undefined;
}

/** An upgrade as {@link Transport.upgrade} sends it (exec, attach, port-forward). */
export interface UpgradeSpec {
  method: "GET" | "POST";
  /** Path and query, starting with `/`. */
  path: string;
  /** `Upgrade` and the protocol's headers (`Sec-WebSocket-*`, `X-Stream-Protocol-Version`). */
  headers: Readonly<Record<string, string>>;
  /** Aborts the upgrade, and destroys the switched connection later. */
  signal?: AbortSignal | undefined;
  /** Fail when the server did not answer within this long. Default: the client's `headerTimeoutMs` (30 s). */
  headerTimeoutMs?: number | undefined;
}

/** A switched connection from {@link Transport.upgrade}. */
export interface UpgradedStream {
  /** Method and URL of the upgrade (no credentials), for messages. */
  readonly request: RequestDescription;
  readonly socket: UpgradedSocket;
  /** Bytes the server sent right after its 101 headers. */
  readonly head: Uint8Array;
  /** A header of the 101 response. */
  header(name: string): string | undefined;
  /** Tells the request log and hooks that the stream is over (the first call counts). */
  finished(error?: unknown): void;
}

/** How a client sends requests: timeouts, retries, rate limit, warnings, request log, hooks, User-Agent. */
export interface TransportOptions {
  retry?: Partial<RetryPolicy> | undefined;
  /** Default timeout of non-streaming calls (the whole call, retries included). Default 30 s. */
  timeoutMs?: number | undefined;
  /** Default time a stream (watch, log follow) may take to answer with headers. Default 30 s. */
  headerTimeoutMs?: number | undefined;
  /**
   * Client-side rate limit: a token bucket shared by every resource client of this client (client-go's QPS and
   * burst), or your own {@link RateLimiter} to share one between clients. Watches are not limited (as client-go).
   * Default off: the API server's priority and fairness (APF, on since Kubernetes 1.20) protects it and answers
   * 429 with `Retry-After`, which is honoured; controller-runtime dropped its client-side default for that reason.
   * `{ qps: 5, burst: 10 }` is client-go's default.
   */
  rateLimit?: RateLimit | RateLimiter | false | undefined;
  /**
   * Receives the server's `Warning` headers. Default: each distinct warning once per process on standard error,
   * as kubectl prints them (`Warning: ...`). `false` drops them.
   */
  warnings?: WarningHandler | false | undefined;
  /**
   * The request log, as kubectl's `-v=6..9` (see {@link RequestLogOptions}); a number is the level. Default: the
   * `K8S_SDK_LOG_LEVEL` environment variable, else off.
   */
  requestLog?: RequestLogOptions | number | false | undefined;
  /** Observes every attempt (tracing, metrics); see {@link RequestHook}. */
  onRequest?: RequestHook | undefined;
  /** `User-Agent` of every request. Default {@link defaultUserAgent}: `<program>/unknown (<os>/<arch>) k8s-sdk-ts/<version>`. */
  userAgent?: string | undefined;
  /**
   * Reads the kinds these decoders know as Kubernetes protobuf (`get`, `list`, `watch`, informers), as Kubernetes'
   * own components do: `@org/k8s-core/protobuf` has the decoders of every built-in kind. Writes, subresources and
   * other kinds (CRDs) stay JSON, and a server that answers JSON is read as JSON. Default: off (`@org/k8s-core`'s
   * `connect()` may set it; see its documentation).
   */
  protobuf?: ProtobufCodec | false | undefined;
}

/** `Retry-After` as client-go reads it: whole seconds only (`strconv.Atoi`); dates and fractions are ignored. */
function retryAfterSeconds(res: HttpResponse): number | undefined {
  const header = res.header("retry-after")?.trim();
  return header && /^\d+$/.test(header) ? Number(header) : undefined;
}

/** The connection went away before an answer: client-go's `IsConnectionReset` / `IsProbableEOF`. */
const CONNECTION_LOST = new Set(["ECONNRESET", "EPIPE", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET"]);

const isWatch = (path: string) => /[?&]watch=(?:true|1)(?:&|$)/.test(path);

function composeHooks(hooks: Array<RequestHook | undefined>): RequestHook | undefined {
  const present = hooks.filter((h): h is RequestHook => h !== undefined);
  if (present.length <= 1) return present[0];
  return (request) => {
    const observers = present.map((hook) => safely(() => hook(request))).filter((o): o is RequestObserver => !!o);
    return {
      response: (response) => observers.forEach((o) => safely(() => o.response?.(response))),
      error: (error, ms) => observers.forEach((o) => safely(() => o.error?.(error, ms))),
      body: (text) => observers.forEach((o) => safely(() => o.body?.(text))),
      closed: (ms, error) => observers.forEach((o) => safely(() => o.closed?.(ms, error))),
    };
  };
}

/** Tells a hook's observer about a response's headers. */
function observeResponse(observer: RequestObserver | undefined, res: HttpResponse, started: number, retrying: boolean): void {
  safely(() =>
    observer?.response?.({
      status: res.status,
      header: (name) => res.header(name),
      rawHeaders: res.rawHeaders,
      sentHeaders: res.sentHeaders,
      durationMs: performance.now() - started,
      retrying,
    }),
  );
}

/** A hook's failure is its own: it never fails the request. */
function safely<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

/**
 * The timers and signals of one call: the caller's signal, the whole-call deadline (non-streaming calls), the
 * header timeout and the idle timeout (streams). Whatever ends the call, `failure()` turns what the connection
 * threw into the error the caller sees.
 */
class CallScope {
  readonly #controller = new AbortController();
  readonly signal: AbortSignal;
  readonly #caller: AbortSignal | undefined;
  readonly #described: RequestDescription;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  #deadlineAt = Infinity;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #idleMs: number | undefined;

  constructor(caller: AbortSignal | undefined, described: RequestDescription) {
    this.#caller = caller;
    this.#described = described;
    this.signal = caller ? AbortSignal.any([caller, this.#controller.signal]) : this.#controller.signal;
  }

  #timer(ms: number, why: string): ReturnType<typeof setTimeout> {
    const { method, url } = this.#described;
    const timer = setTimeout(() => this.#controller.abort(new TransportError(`${method} ${url}: ${why}`, this.#described, { code: "ETIMEDOUT" })), ms);
    (timer as { unref?: () => void }).unref?.(); // a pending timeout never keeps the process alive
    return timer;
  }

  /** The whole call must end within `ms`. */
  startDeadline(ms: number): void {
    this.#deadlineAt = Date.now() + ms;
    this.#deadline = this.#timer(ms, `timed out after ${ms} ms`);
  }

  /** Streams: headers must arrive within `ms`; returns the function that stops that clock. */
  headerTimeout(ms: number): () => void {
    const timer = this.#timer(ms, `no response headers within ${ms} ms`);
    return () => clearTimeout(timer);
  }

  /** Streams: from now on, the body must not go quiet for longer than `ms`. */
  idleTimeout(ms: number | undefined): void {
    this.#idleMs = ms;
    this.touch();
  }

  /** Body data arrived. */
  touch(): void {
    if (this.#idleMs === undefined) return;
    clearTimeout(this.#idle);
    this.#idle = this.#timer(this.#idleMs, `no data for ${this.#idleMs} ms`);
  }

  /** Whether a wait of `ms` ends before the deadline. */
  fits(ms: number): boolean {
    return Date.now() + ms < this.#deadlineAt;
  }

  /** Waits between attempts (a pause, then the rate limiter); a deadline or abort meanwhile ends the call. */
  async wait(ms: number, limiter: RateLimiter | undefined): Promise<void> {
    try {
      if (ms > 0) await sleepOrAbort(ms, this.signal);
      await limiter?.acquire(this.signal);
    } catch (error) {
      this.done();
      throw this.failure(error);
    }
  }

  /**
   * The error the caller sees: the caller's own abort reason; the transport's timeout; a connection's typed
   * error as it is (an `@org/k8s-auth` ConnectionError already says what failed and how to fix it); a bare
   * network error as a TransportError with its innermost cause. Credential, kubeconfig and programming errors
   * pass unchanged: they are terminal and already precise.
   */
  failure(error: unknown): unknown {
    if (this.#caller?.aborted) return this.#caller.reason;
    if (this.#controller.signal.aborted) return this.#controller.signal.reason;
    if (isTransportError(error)) return error;
    if (isNetworkError(error)) {
      const { method, url } = this.#described;
      return new TransportError(`${method} ${url}: ${describeCause(error)}`, this.#described, { cause: error, code: networkCode(error) });
    }
    return error;
  }

  done(): void {
    clearTimeout(this.#deadline);
    clearTimeout(this.#idle);
    this.#idleMs = undefined;
  }
}

/**
 * Codes of network failures: errno-style (`ECONNRESET`, `EAI_AGAIN`), undici's, Node's TLS, socket and stream ones,
 * and OpenSSL's certificate verdicts. Node's argument-validation codes (`ERR_INVALID_ARG_TYPE`) are bugs, not
 * network failures, and pass unchanged.
 */
const NETWORK_CODE = /^(?:(?!ERR_)E[A-Z0-9_]+|UND_ERR_\w+|ERR_(?:TLS|SSL|SOCKET|HTTP|STREAM_PREMATURE_CLOSE)\w*|\w*(?:CERT|SIGNATURE|ISSUER)\w*)$/;

/** A Node system error or fetch's `TypeError: fetch failed` wrapping one. */
function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return NETWORK_CODE.test(code);
  return error instanceof TypeError && error.message === "fetch failed";
}

function networkCode(error: unknown): string | undefined {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  let code: string | undefined;
  for (let depth = 0; current && depth < 10; depth++, current = current.cause as typeof current) if (typeof current.code === "string") code = current.code;
  return code;
}

/** Sends requests under one policy: timeouts, client-go's retry rules, rate limit, warnings, log, hooks, typed errors. */
export class Transport {
  readonly connection: HttpConnection;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly headerTimeoutMs: number;
  /** The client-side rate limiter, when one is set. */
  readonly rateLimiter: RateLimiter | undefined;
  readonly userAgent: string;
  /** The protobuf decoders reads of known kinds use, when set. */
  readonly protobuf: ProtobufCodec | undefined;
  readonly #send: (path: string, init: HttpRequestInit) => Promise<HttpResponse>;
  readonly #warnings: WarningHandler | undefined;
  readonly #hook: RequestHook | undefined;

  constructor(connection: HttpConnection, options: TransportOptions = {}) {
    this.connection = connection;
    this.#send = connection.request
      ? connection.request.bind(connection)
      : async (path, init) => fromFetchResponse(await connection.fetch(path, init as RequestInit));
    const retry = options.retry ?? {};
    this.retry = {
      maxRetries: retry.maxRetries ?? DEFAULT_RETRY.maxRetries,
      baseDelayMs: retry.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: retry.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.headerTimeoutMs = options.headerTimeoutMs ?? 30_000;
    const limit = options.rateLimit;
    this.rateLimiter = !limit ? undefined : "acquire" in limit ? limit : new TokenBucket(limit);
    this.userAgent = options.userAgent ?? defaultUserAgent();
    this.protobuf = options.protobuf || undefined;
    this.#warnings = options.warnings === false ? undefined : (options.warnings ?? defaultWarningHandler);
    const log = options.requestLog;
    const level = log === false ? undefined : typeof log === "number" ? log : (log?.level ?? requestLogLevelFromEnv());
    const logHook = level === undefined ? undefined : requestLogHook({ level, ...(typeof log === "object" && log.write ? { write: log.write } : {}) });
    this.#hook = composeHooks([logHook, options.onRequest]);
  }

  /**
   * Sends the request and returns the successful response (its body still to be read); throws KubernetesError for
   * an error answer, TransportError when there is none, the caller's abort reason when aborted.
   */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    const url = `${this.connection.server}${spec.path}`;
    const described: RequestDescription = { method: spec.method, url };
    const scope = new CallScope(spec.signal, described);
    const limited = this.rateLimiter && !(spec.stream && isWatch(spec.path)) ? this.rateLimiter : undefined;
    try {
      // As client-go: the first wait for the rate limiter is not part of the call's timeout.
      await limited?.acquire(spec.signal);
    } catch (error) {
      throw scope.failure(error);
    }
    if (!spec.stream) scope.startDeadline(spec.timeoutMs ?? this.timeoutMs);

    for (let attempt = 1; ; attempt++) {
      const retriesLeft = attempt <= this.retry.maxRetries;
      const headers: Record<string, string> = { accept: spec.accept ?? "application/json", "user-agent": this.userAgent };
      if (spec.contentType) headers["content-type"] = spec.contentType;
      const event: RequestEvent = { method: spec.method, url, attempt, headers, body: spec.body, stream: spec.stream === true };
      const observer = this.#hook ? (safely(() => this.#hook!(event)) ?? undefined) : undefined;
      const started = performance.now();
      const stopHeaderClock = spec.stream ? scope.headerTimeout(spec.headerTimeoutMs ?? this.headerTimeoutMs) : undefined;

      let res: HttpResponse;
      try {
        res = await this.#send(spec.path, {
          method: spec.method,
          headers,
          ...(spec.body !== undefined ? { body: spec.body } : {}),
          signal: scope.signal,
          ...(spec.stream ? { stream: true } : {}),
        });
      } catch (raw) {
        stopHeaderClock?.();
        const error = scope.failure(raw);
        safely(() => observer?.error?.(error, performance.now() - started));
        const delay = jittered(Math.min(this.retry.baseDelayMs, this.retry.maxDelayMs), 0.1);
        if (retriesLeft && spec.method === "GET" && !scope.signal.aborted && connectionLost(error) && scope.fits(delay)) {
          await scope.wait(delay, limited);
          continue;
        }
        scope.done();
        throw error;
      }
      stopHeaderClock?.();
      this.#warn(res, described);

      const wait = retryAfterSeconds(res);
      const delay = wait === undefined ? 0 : jittered(Math.min(wait * 1000, this.retry.maxDelayMs), 0.1);
      const retrying = (res.status === 429 || res.status >= 500) && wait !== undefined && retriesLeft && scope.fits(delay);
      observeResponse(observer, res, started, retrying);
      if ((res.status >= 200 && res.status < 300) || (spec.returnErrors && !retrying)) return this.#wrap(res, scope, spec, observer);
      if (retrying) {
        await res.text().catch(() => ""); // read the (small) Status to the end, so the socket goes back to the pool
        await scope.wait(delay, limited); // retries are throttled too, as client-go's
        continue;
      }
      let body: string;
      try {
        body = spec.protobufErrorBody && isProtobuf(res.header("content-type")) ? await spec.protobufErrorBody(res) : await res.text();
      } catch {
        body = ""; // the status says enough
      }
      safely(() => observer?.body?.(body));
      scope.done();
      throw errorFromResponse(res.status, body, described, spec.apply === true, wait);
    }
  }

  /**
   * Sends an HTTP/1.1 upgrade and returns the switched connection (exec, attach, port-forward): the connection's
   * credentials, TLS and proxy, the client's User-Agent, hooks and request log, the header timeout. Not retried and
   * not rate-limited (as client-go's WebSocket and SPDY round trippers). A refusal throws the server's
   * KubernetesError (403, 404, 400 ...); no answer throws a TransportError.
   */
  async upgrade(spec: UpgradeSpec): Promise<UpgradedStream> {
    const url = `${this.connection.server}${spec.path}`;
    const described: RequestDescription = { method: spec.method, url };
    const connection = this.connection;
    if (!connection.upgrade) {
      throw new TypeError(`${spec.method} ${url}: this connection cannot upgrade requests; exec, attach and port-forward need an @org/k8s-auth Connection (or an HttpConnection with upgrade())`);
    }
    const scope = new CallScope(spec.signal, described);
    const headers: Record<string, string> = { "user-agent": this.userAgent };
    for (const [name, value] of Object.entries(spec.headers)) headers[name.toLowerCase()] = value;
    const event: RequestEvent = { method: spec.method, url, attempt: 1, headers, body: undefined, stream: true };
    const observer = this.#hook ? (safely(() => this.#hook!(event)) ?? undefined) : undefined;
    const started = performance.now();
    const stopHeaderClock = scope.headerTimeout(spec.headerTimeoutMs ?? this.headerTimeoutMs);
    let res: UpgradeResponse;
    try {
      res = await connection.upgrade(spec.path, { method: spec.method, headers, signal: scope.signal });
    } catch (raw) {
      const error = scope.failure(raw);
      safely(() => observer?.error?.(error, performance.now() - started));
      throw error;
    } finally {
      stopHeaderClock();
      scope.done();
    }
    this.#warn(res, described);
    observeResponse(observer, res, started, false);
    const socket = res.socket;
    if (res.status !== 101 || !socket) {
      socket?.destroy();
      let body: string;
      try {
        body = await res.text();
      } catch {
        body = "";
      }
      safely(() => observer?.body?.(body));
      throw errorFromResponse(res.status === 101 ? 502 : res.status, body || (res.status === 101 ? "101 without a connection" : ""), described);
    }
    const switched = performance.now();
    let over = false;
    return {
      request: described,
      socket,
      head: res.head,
      header: (name) => res.header(name),
      finished: (error) => {
        if (over) return;
        over = true;
        safely(() => observer?.closed?.(performance.now() - switched, error));
      },
    };
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

  #warn(res: HttpResponse, request: RequestDescription): void {
    const handler = this.#warnings;
    if (!handler) return;
    const header = res.header("warning");
    if (!header) return;
    for (const warning of parseWarningHeader(header)) safely(() => handler(warning, request));
  }

  /** The successful response, with body errors turned into the call's error and its timers ended with the body. */
  #wrap(res: HttpResponse, scope: CallScope, spec: RequestSpec, observer: RequestObserver | undefined): HttpResponse {
    if (spec.stream) scope.idleTimeout(spec.idleTimeoutMs);
    const text = async () => {
      try {
        const body = await res.text();
        safely(() => observer?.body?.(body));
        return body;
      } catch (error) {
        const failure = scope.failure(error);
        safely(() => observer?.error?.(failure, 0));
        throw failure;
      } finally {
        scope.done();
      }
    };
    return {
      status: res.status,
      header: (name) => res.header(name),
      // Read on demand: a connection may build these per call (masking credentials costs on every request).
      get rawHeaders() {
        return res.rawHeaders;
      },
      get sentHeaders() {
        return res.sentHeaders;
      },
      body: {
        async *[Symbol.asyncIterator]() {
          try {
            for await (const chunk of res.body) {
              scope.touch();
              yield chunk;
            }
          } catch (error) {
            throw scope.failure(error);
          } finally {
            scope.done();
          }
        },
      },
      text,
      json: async () => JSON.parse(await text()) as unknown,
      cancel: () => {
        scope.done();
        res.cancel();
      },
    };
  }
}

/** Lost before an answer (reset, closed): the case client-go re-sends a GET for. */
function connectionLost(error: unknown): boolean {
  return isTransportError(error) && error.code !== undefined && CONNECTION_LOST.has(error.code);
}
