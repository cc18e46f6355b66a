/**
 * The text of a kubeconfig file as go-yaml's reader (libyaml's) sees it: UTF-8, or UTF-16 LE/BE when the file starts
 * with that byte-order mark; a UTF-8 BOM is skipped; invalid encodings and control characters are errors.
 */

/** A file that is not readable YAML text; `line` is 1-based when known. */
export class YamlTextError extends Error {
  override readonly name = "YamlTextError";
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

// libyaml accepts #x9 | #xA | #xD | [#x20-#x7E] | #x85 | [#xA0-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  if (bytes.length % 2 !== 0) throw new YamlTextError("incomplete UTF-16 character");
  const units = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < units.length; i++) {
    const a = bytes[2 * i]!;
    const b = bytes[2 * i + 1]!;
    units[i] = littleEndian ? a | (b << 8) : (a << 8) | b;
  }
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!;
    if (unit >= 0xdc00 && unit <= 0xdfff) throw new YamlTextError("unexpected low surrogate area");
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = units[i + 1];
      if (next === undefined) throw new YamlTextError("incomplete UTF-16 surrogate pair");
      if (next < 0xdc00 || next > 0xdfff) throw new YamlTextError("expected low surrogate area");
      i++;
    }
  }
  // Decoded in slices: String.fromCharCode takes its arguments on the stack.
  let text = "";
  for (let i = 0; i < units.length; i += 8192) text += String.fromCharCode(...units.subarray(i, i + 8192));
  return text;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes a kubeconfig file's bytes to text, with the encodings and checks of go-yaml's reader. */
export function kubeconfigText(bytes: Uint8Array): string {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = decodeUtf16(bytes.subarray(2), true);
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = decodeUtf16(bytes.subarray(2), false);
  else {
    const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    try {
      text = utf8.decode(body);
    } catch {
      throw new YamlTextError("invalid UTF-8 (the file is neither UTF-8 nor UTF-16 with a byte-order mark)");
    }
  }
  const bad = NOT_PRINTABLE.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    throw new YamlTextError(`control characters are not allowed (U+${code})`, lineAt(text, bad.index));
  }
  return text;
}
