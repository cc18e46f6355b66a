import type { Status } from "./types.js";

/**
 * An error response from the API server, carrying its `Status` (code, reason, message, details).
 * Use the guards ({@link isNotFound}, {@link isConflict}, ...) rather than comparing codes by hand.
 */
export class KubernetesError extends Error {
  override readonly name = "KubernetesError";
  /** HTTP status code. */
  readonly code: number;
  /** Machine-readable reason (`NotFound`, `AlreadyExists`, `Conflict`, `Forbidden`, `Expired`, ...). */
  readonly reason: string;
  /** The full `Status` the server sent (synthesized from the HTTP status when the body was not a Status). */
  readonly status: Status;
  /** Method and URL of the failed request (no credentials). */
  readonly request: { method: string; url: string };

  constructor(status: Status, request: { method: string; url: string }) {
    const code = status.code ?? 0;
    super(`${request.method} ${request.url}: ${code} ${status.reason ?? ""}: ${status.message ?? "(no message)"}`.replace(/ {2}/g, " "));
    this.code = code;
    this.reason = status.reason ?? "";
    this.status = status;
    this.request = request;
  }

  /** `status.details` of the server's Status. */
  get details(): Status["details"] {
    return this.status.details;
  }
}

/**
 * A server-side apply conflict (409 with `reason: Conflict` on apply): other field managers own fields this apply
 * sets. `conflicts` lists them; re-apply with `force: true` to take ownership.
 */
export class ApplyConflictError extends KubernetesError {
  /** Each conflicting field and the manager that owns it, parsed from the server's causes. */
  readonly conflicts: Array<{ field: string; manager: string; message: string }>;

  constructor(status: Status, request: { method: string; url: string }) {
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
export class ResourceExpiredError extends KubernetesError {}

/** The request never got an HTTP answer: DNS, connection refused, TLS failure, timeout, abort. */
export class TransportError extends Error {
  override readonly name = "TransportError";
  constructor(
    message: string,
    readonly request: { method: string; url: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const hasReason = (error: unknown, code: number, reason?: string) =>
  error instanceof KubernetesError && (error.code === code || (reason !== undefined && error.reason === reason));

/** 404 NotFound. */
export const isNotFound = (error: unknown): error is KubernetesError => hasReason(error, 404, "NotFound");
/** 409 AlreadyExists (create of an existing name). */
export const isAlreadyExists = (error: unknown): error is KubernetesError =>
  error instanceof KubernetesError && error.reason === "AlreadyExists";
/** 409 Conflict (stale resourceVersion, or an apply conflict). */
export const isConflict = (error: unknown): error is KubernetesError =>
  error instanceof KubernetesError && error.code === 409 && error.reason !== "AlreadyExists";
/** 403 Forbidden (RBAC). */
export const isForbidden = (error: unknown): error is KubernetesError => hasReason(error, 403, "Forbidden");
/** 401 Unauthorized. */
export const isUnauthorized = (error: unknown): error is KubernetesError => hasReason(error, 401, "Unauthorized");
/** 422 Invalid (validation failed; causes list the fields). */
export const isInvalid = (error: unknown): error is KubernetesError => hasReason(error, 422, "Invalid");
/** 410 Gone / Expired resourceVersion. */
export const isExpired = (error: unknown): error is ResourceExpiredError => error instanceof ResourceExpiredError;
/** 429 TooManyRequests. */
export const isTooManyRequests = (error: unknown): error is KubernetesError => hasReason(error, 429, "TooManyRequests");

/** Builds the error for a non-2xx response body. */
export function errorFromResponse(code: number, body: string, request: { method: string; url: string }, apply = false): KubernetesError {
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
  return new KubernetesError(status, request);
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
