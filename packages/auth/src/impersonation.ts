import { headerBytes } from "./header-values.js";
import type { Impersonation } from "./resolved.js";

// RFC 7230 token characters; everything else in an extra key, and '%', is percent-encoded (client-go does the same).
const TOKEN_CHAR = /^[!#$&'*+\-.^_`|~0-9A-Za-z]$/;

/** Encodes an `Impersonate-Extra-<key>` key as client-go does (`scopes/x` → `scopes%2Fx`). */
export function encodeExtraKey(key: string): string {
  let out = "";
  for (const byte of Buffer.from(key, "utf8")) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && TOKEN_CHAR.test(char) && char !== "%" ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * The `Impersonate-*` headers for an impersonation, one `Impersonate-Group` per group. Values are byte strings (the
 * UTF-8 bytes client-go sends); resolution already refused values with control characters.
 */
export function impersonationHeaders(impersonate: Impersonation | undefined, headers: Headers): void {
  for (const [name, values] of Object.entries(impersonationHeaderLines(impersonate))) for (const value of values) headers.append(name, value);
}

/** The same headers as a map of name to every value, for transports that keep repeated header lines apart. */
export function impersonationHeaderLines(impersonate: Impersonation | undefined): Record<string, string[]> {
  const lines: Record<string, string[]> = {};
  if (!impersonate) return lines;
  lines["Impersonate-User"] = [headerBytes(impersonate.user)];
  if (impersonate.uid) lines["Impersonate-Uid"] = [headerBytes(impersonate.uid)];
  if (impersonate.groups.length) lines["Impersonate-Group"] = impersonate.groups.map(headerBytes);
  for (const key of Object.keys(impersonate.extra).sort()) {
    const values = impersonate.extra[key] ?? [];
    // Keys that encode alike (`a b` and `a%20b` cannot both be meant) share one header, values in key order.
    if (values.length) (lines[`Impersonate-Extra-${encodeExtraKey(key)}`] ??= []).push(...values.map(headerBytes));
  }
  return lines;
}
