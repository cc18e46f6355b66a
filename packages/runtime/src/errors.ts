import { defineErrorKind, hasErrorKind } from "./error-kind.js";
import type { Status } from "./types.js";

/** Method and URL of a request, for error messages and logs (never credentials). */
export interface RequestDescription {
  method: string;
  url: string;
}

/** Statuses that describe a passing condition of the server (overload, restart, timeout), not of the request. */
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * An error response from the API server, carrying its `Status` (code, reason, message, details).
 * Use the guards ({@link isNotFound}, {@link isConflict}, ...) rather than comparing codes by hand.
 */
export class KubernetesError extends Error {
  static {
    defineErrorKind(this, "KubernetesError");
  }
  /** HTTP status code. */
  readonly code: number;
  /** Machine-readable reason (`NotFound`, `AlreadyExists`, `Conflict`, `Forbidden`, `Expired`, ...). */
  readonly reason: string;
  /** The full `Status` the server sent (synthesized from the HTTP status when the body was not a Status). */
  readonly status: Status;
  /** Method and URL of the failed request (no credentials). */
  readonly request: RequestDescription;
  /** The server's `Retry-After` (whole seconds), when it sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: Status, request: RequestDescription, options: { retryAfterSeconds?: number | undefined } = {}) {
    const code = status.code ?? 0;
    super(`${request.method} ${request.url}: ${code} ${status.reason ?? ""}: ${status.message ?? "(no message)"}`.replace(/ {2}/g, " "));
    this.code = code;
    this.reason = status.reason ?? "";
    this.status = status;
    this.request = request;
    this.retryAfterSeconds = options.retryAfterSeconds ?? status.details?.retryAfterSeconds;
  }

  /** `status.details` of the server's Status. */
  get details(): Status["details"] {
    return this.status.details;
  }

  /**
   * Whether the same request may succeed later without any change: throttling (429), server errors and timeouts
   * (5xx), or an answer with `Retry-After`. Conflicts, validation, RBAC, not-found are terminal.
   */
  get retryable(): boolean {
    return TRANSIENT_STATUS.has(this.code) || this.retryAfterSeconds !== undefined;
  }
}

/**
 * A server-side apply conflict (409 with `reason: Conflict` on apply): other field managers own fields this apply
 * sets. `conflicts` lists them; re-apply with `force: true` to take ownership.
 */
export class ApplyConflictError extends KubernetesError {
  static {
    defineErrorKind(this, "ApplyConflictError");
  }
  /** Each conflicting field and the manager that owns it, parsed from the server's causes. */
  readonly conflicts: Array<{ field: string; manager: string; message: string }>;

  constructor(status: Status, request: RequestDescription) {
    super(status, request);
    this.conflicts = (status.details?.causes ?? [])
      .filter((cause) => cause.reason === "FieldManagerConflict")
      .map((cause) => ({
        field: cause.field ?? "",
        manager: /conflict with "([^"]*)"/.exec(cause.message ?? "")?.[1] ?? "",
        message: cause.message ?? "",
      }));
  }
}

/**
 * A watch (or a list with a `continue` token) asked for a resourceVersion the server no longer has (410 Gone /
 * `Expired`): re-list and watch again from the new resourceVersion.
 */
export class ResourceExpiredError extends KubernetesError {
  static {
    defineErrorKind(this, "ResourceExpiredError");
  }
}

/**
 * Node error codes after which trying again cannot help: the server's certificate is not trusted, the connection
 * was closed by its owner, the request was refused before it was sent. Everything else (resets, refusals,
 * timeouts, DNS hiccups) may pass.
 */
const TERMINAL_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_CONNECTION_CLOSED",
  "ERR_FOREIGN_ORIGIN",
  "ERR_INVALID_URL",
]);

/**
 * The request got no HTTP answer: the connection failed (refused, reset, TLS, proxy), timed out, or broke while
 * the body was read. `code` says which (`ECONNRESET`, `ETIMEDOUT`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...);
 * `retryable` says whether trying again later may help.
 */
export class TransportError extends Error {
  static {
    defineErrorKind(this, "TransportError");
  }
  /** Method and URL of the failed request (no credentials). */
  readonly request: RequestDescription;
  /** Node's error code of what failed, when known. */
  readonly code: string | undefined;
  /** Whether the same request may succeed later (false for TLS verification failures and closed connections). */
  readonly retryable: boolean;

  constructor(message: string, request: RequestDescription, options: { cause?: unknown; code?: string | undefined; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.request = request;
    this.code = options.code;
    this.retryable = options.retryable ?? !(options.code !== undefined && TERMINAL_CODES.has(options.code));
  }
}

const statusIs = (error: unknown, code: number, reason?: string) =>
  isKubernetesError(error) && (error.code === code || (reason !== undefined && error.reason === reason));

/** Any error response from the API server. Works across the ESM and CJS builds (no `instanceof` identity needed). */
export const isKubernetesError = (error: unknown): error is KubernetesError => hasErrorKind(error, "KubernetesError");
/** No HTTP answer: connection, TLS, proxy, timeout. */
export const isTransportError = (error: unknown): error is TransportError => hasErrorKind(error, "TransportError");
/** A server-side apply conflict. */
export const isApplyConflict = (error: unknown): error is ApplyConflictError => hasErrorKind(error, "ApplyConflictError");
/** 404 NotFound. */
export const isNotFound = (error: unknown): error is KubernetesError => statusIs(error, 404, "NotFound");
/** 409 AlreadyExists (create of an existing name). */
export const isAlreadyExists = (error: unknown): error is KubernetesError => isKubernetesError(error) && error.reason === "AlreadyExists";
/** 409 Conflict (stale resourceVersion, or an apply conflict). */
export const isConflict = (error: unknown): error is KubernetesError =>
  isKubernetesError(error) && error.code === 409 && error.reason !== "AlreadyExists";
/** 403 Forbidden (RBAC). */
export const isForbidden = (error: unknown): error is KubernetesError => statusIs(error, 403, "Forbidden");
/** 401 Unauthorized. */
export const isUnauthorized = (error: unknown): error is KubernetesError => statusIs(error, 401, "Unauthorized");
/** 422 Invalid (validation failed; causes list the fields). */
export const isInvalid = (error: unknown): error is KubernetesError => statusIs(error, 422, "Invalid");
/** 410 Gone / Expired resourceVersion. */
export const isExpired = (error: unknown): error is ResourceExpiredError => hasErrorKind(error, "ResourceExpiredError");
/** 429 TooManyRequests. */
export const isTooManyRequests = (error: unknown): error is KubernetesError => statusIs(error, 429, "TooManyRequests");
/** The call gave up because its time ran out (whole-call timeout, no response headers, or a stream went quiet). */
export const isTimeout = (error: unknown): error is TransportError => isTransportError(error) && error.code === "ETIMEDOUT";

/**
 * Whether trying again later may succeed: transient server answers (429, 5xx, `Retry-After`) and connection
 * failures other than TLS verification. Credential, kubeconfig and programming errors are terminal. This is a
 * property of the error, so watch loops and informers decide by it instead of guessing per call site.
 */
export function isRetryable(error: unknown): boolean {
  if (isKubernetesError(error) || isTransportError(error)) return error.retryable;
  return false;
}

/** Builds the error for a non-2xx response body. */
export function errorFromResponse(
  code: number,
  body: string,
  request: RequestDescription,
  apply = false,
  retryAfterSeconds?: number,
): KubernetesError {
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(body) as Status;
    if (parsed && parsed.kind === "Status") status = parsed;
  } catch {
    // not JSON: a proxy or load balancer answered
  }
  status ??= { kind: "Status", status: "Failure", code, reason: reasonForCode(code), message: body.trim().slice(0, 500) || `HTTP ${code}` };
  status.code ??= code;
  if (code === 410 || status.reason === "Expired" || status.reason === "Gone") return new ResourceExpiredError(status, request);
  if (apply && code === 409 && status.reason === "Conflict") return new ApplyConflictError(status, request);
  return new KubernetesError(status, request, { retryAfterSeconds });
}

function reasonForCode(code: number): string {
  return (
    {
      400: "BadRequest",
      401: "Unauthorized",
      403: "Forbidden",
      404: "NotFound",
      405: "MethodNotAllowed",
      409: "Conflict",
      410: "Expired",
      415: "UnsupportedMediaType",
      422: "Invalid",
      429: "TooManyRequests",
      500: "InternalError",
      503: "ServiceUnavailable",
      504: "Timeout",
    } as Record<number, string>
  )[code] ?? "Unknown";
}
