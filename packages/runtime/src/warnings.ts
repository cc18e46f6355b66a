import type { RequestDescription } from "./errors.js";
import { writeErrorLine } from "./host.js";

/** One RFC 7234 `Warning` header value, as the API server sends them (`299 - "message"`). */
export interface Warning {
  /** Warn code; the API server uses 299 ("miscellaneous persistent warning"). */
  code: number;
  /** Warn agent; `-` from the API server. */
  agent: string;
  text: string;
}

/** Receives every warning of every response (deprecated APIs, unknown fields under `fieldValidation: "Warn"`, ...). */
export type WarningHandler = (warning: Warning, request: RequestDescription) => void;

/** Control characters, which apimachinery rejects in warn-agent and warn-text. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A quoted string with backslash escapes; returns the text and what follows, or undefined when malformed. */
function quoted(input: string): [string, string] | undefined {
  if (input[0] !== '"') return undefined;
  let text = "";
  for (let i = 1; i < input.length; i++) {
    const c = input[i]!;
    if (c === "\\" && i + 1 < input.length) text += input[++i];
    else if (c === '"') return [text, input.slice(i + 1).trim()];
    else text += c;
  }
  return undefined;
}

/**
 * Parses `Warning` header values as apimachinery's `ParseWarningHeaders`: `code agent "text" ["date"]`, several per
 * value separated by commas; a malformed value ends that value's parsing (what came before it is kept).
 */
export function parseWarningHeader(value: string | undefined): Warning[] {
  const warnings: Warning[] = [];
  let rest = value?.trim() ?? "";
  while (rest) {
    const match = /^(\d{3}) (\S+) /.exec(rest);
    if (!match || CONTROL.test(match[2]!)) break;
    const text = quoted(rest.slice(match[0].length));
    if (!text || CONTROL.test(text[0])) break;
    let remainder = text[1];
    if (remainder.startsWith('"')) {
      const end = remainder.indexOf('"', 1);
      if (end < 0) break; // unterminated warn-date
      remainder = remainder.slice(end + 1).trim();
    }
    if (remainder && !remainder.startsWith(",")) break; // unexpected token after warn-date
    warnings.push({ code: Number(match[1]), agent: match[2]!, text: text[0] });
    rest = remainder.slice(1).trim();
  }
  return warnings;
}

/** Options of {@link printWarningsOnce}. */
export interface PrintWarningsOptions {
  /** Where lines go. Default: standard error. */
  write?: ((line: string) => void) | undefined;
  /** Distinct messages remembered for deduplication; beyond it, new ones are still printed but not remembered. Default 1000. */
  remember?: number | undefined;
}

/**
 * kubectl's warning output (`rest.NewWarningWriter` with `Deduplicate`): `Warning: <text>` on standard error, each
 * distinct 299 warning once. Other codes and empty texts are ignored, as client-go's handlers do.
 */
export function printWarningsOnce(options: PrintWarningsOptions = {}): WarningHandler {
  const seen = new Set<string>();
  const remember = options.remember ?? 1000;
  const write = options.write ?? writeErrorLine;
  return (warning) => {
    if (warning.code !== 299 || !warning.text || seen.has(warning.text)) return;
    if (seen.size < remember) seen.add(warning.text);
    write(`Warning: ${warning.text}`);
  };
}

/** The default handler: one per process, so a warning is printed once however many clients see it (as kubectl). */
export const defaultWarningHandler: WarningHandler = printWarningsOnce();
