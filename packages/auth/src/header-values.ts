/**
 * Header values built from configuration (tokens, impersonation): Go's transport refuses control characters in a
 * value and sends other text as its UTF-8 bytes. Node wants a byte string, so a value is handed to it as the
 * latin1 spelling of those bytes, and a value Go would refuse is refused here, with a message that omits it.
 */

// Go's httpguts.ValidHeaderFieldValue: no control characters other than horizontal tab.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** Why a value cannot be a header value (`"contains a line break or control character"`), or undefined. */
export function headerValueProblem(value: string): string | undefined {
  return CONTROL.test(value) ? "contains a line break or another control character" : undefined;
}

/** The value as Node must be given it to send the UTF-8 bytes Go sends. */
export function headerBytes(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(value) ? value : Buffer.from(value, "utf8").toString("latin1");
}
