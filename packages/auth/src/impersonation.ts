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

/** The `Impersonate-*` headers for an impersonation, one `Impersonate-Group` per group. */
export function impersonationHeaders(impersonate: Impersonation | undefined, headers: Headers): void {
  if (!impersonate) return;
  headers.set("Impersonate-User", impersonate.user);
  if (impersonate.uid) headers.set("Impersonate-Uid", impersonate.uid);
  for (const group of impersonate.groups) headers.append("Impersonate-Group", group);
  for (const key of Object.keys(impersonate.extra).sort()) {
    for (const value of impersonate.extra[key] ?? []) headers.append(`Impersonate-Extra-${encodeExtraKey(key)}`, value);
  }
}

/** The same headers as a map of name to every value, for transports that keep repeated header lines apart. */
export function impersonationHeaderLines(impersonate: Impersonation | undefined): Record<string, string[]> {
  const lines: Record<string, string[]> = {};
  if (!impersonate) return lines;
  lines["Impersonate-User"] = [impersonate.user];
  if (impersonate.uid) lines["Impersonate-Uid"] = [impersonate.uid];
  if (impersonate.groups.length) lines["Impersonate-Group"] = [...impersonate.groups];
  for (const key of Object.keys(impersonate.extra).sort()) {
    const values = impersonate.extra[key] ?? [];
    if (values.length) lines[`Impersonate-Extra-${encodeExtraKey(key)}`] = [...values];
  }
  return lines;
}
