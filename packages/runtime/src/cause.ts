/** What actually failed under a wrapped network error. */
export interface FailureCause {
  /** Node's error code of the innermost error that has one (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...). */
  code: string | undefined;
  /** The innermost message (`connect ECONNREFUSED 127.0.0.1:6443`). */
  message: string;
}

/**
 * The innermost reason a request failed. Fetch implementations hide it in `cause` (undici: `TypeError: fetch
 * failed`), and a connection to a name with several addresses fails with an `AggregateError` (empty message) whose
 * `errors` say why. The one place that digs; `describeCause` formats it.
 */
export function innermostCause(error: unknown): FailureCause {
  let current: unknown = error;
  let code: string | undefined;
  for (let depth = 0; depth < 10; depth++) {
    const { code: here } = (current ?? {}) as { code?: unknown };
    if (typeof here === "string") code = here;
    if (current instanceof AggregateError && current.errors.length > 0) current = current.errors[0];
    else if (current instanceof Error && current.cause !== undefined && current.cause !== current) current = current.cause;
    else break;
  }
  const { code: innermost, message } = (current ?? {}) as { code?: unknown; message?: unknown };
  if (typeof innermost === "string") code = innermost;
  const text = typeof message === "string" && message ? message : code ?? String(current);
  return { code, message: text };
}

/** `connect ECONNREFUSED 127.0.0.1:6443`, or `message (CODE)` when the message does not name the code. */
export function describeCause(error: unknown): string {
  const { code, message } = innermostCause(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
