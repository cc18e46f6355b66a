/**
 * YAML as client-go reads a kubeconfig: sigs.k8s.io/yaml's YAMLToJSON over go-yaml v2, i.e. YAML 1.1 scalars
 * (`yes`/`no`/`on`/`off` are booleans, `0777` is octal), the first document only, a repeated key replaced by the
 * last one, merge keys (`<<`), and aliases expanded (copied) under go-yaml's limit on alias expansion. The result
 * holds plain values only (no shared nodes), so every later traversal is linear in its size, and go-yaml's limit
 * keeps that size linear in the file's (plus a constant).
 *
 * js-yaml turns the text into a flat event stream (its parser); this module builds the values from those events
 * with go-yaml's decoder rules, iteratively, so no input can exhaust the call stack here.
 */
import { COLLECTION_STYLE, EVENT_ID, type Event, type ScalarEvent, SCALAR_STYLE, YAMLException, getScalarValue, parseEvents } from "js-yaml";

/** A value of the YAML document after sigs.k8s.io/yaml's conversion to JSON-compatible values. */
export type YamlValue = null | boolean | number | bigint | string | YamlValue[] | YamlMap;

/** A mapping with its keys converted to strings, as sigs.k8s.io/yaml does before encoding JSON. */
export class YamlMap extends Map<string, YamlValue> {}

/** The document is not YAML client-go would read; `line` is 1-based when known. Never quotes the content. */
export class YamlError extends Error {
  override readonly name = "YamlError";
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line ? `line ${line}: ${message}` : message);
  }
}

/**
 * Nesting limit. go-yaml allows 10000 levels; js-yaml's parser recurses and runs out of stack near 2000, so ours is
 * 1000 (kubeconfigs nest about 6 deep).
 */
export const MAX_YAML_DEPTH = 1000;

/** How many `\'` escapes (known to libyaml, not to js-yaml) are rewritten, each costing one more parse. */
const MAX_ESCAPE_RETRIES = 4;

const TAG_PREFIX = "tag:yaml.org,2002:";
const TAG = {
  str: `${TAG_PREFIX}str`,
  bool: `${TAG_PREFIX}bool`,
  int: `${TAG_PREFIX}int`,
  float: `${TAG_PREFIX}float`,
  null: `${TAG_PREFIX}null`,
  timestamp: `${TAG_PREFIX}timestamp`,
  binary: `${TAG_PREFIX}binary`,
  merge: `${TAG_PREFIX}merge`,
} as const;
const RESOLVABLE = new Set<string>(["", TAG.str, TAG.bool, TAG.int, TAG.float, TAG.null, TAG.timestamp]);

// go-yaml v2 resolve.go: the values looked up by their exact spelling.
const RESOLVE_MAP = new Map<string, [string, YamlValue]>();
for (const [value, tag, spellings] of [
  [true, TAG.bool, "y Y yes Yes YES true True TRUE on On ON"],
  [false, TAG.bool, "n N no No NO false False FALSE off Off OFF"],
  [null, TAG.null, "~ null Null NULL"],
  [Number.NaN, TAG.float, ".nan .NaN .NAN"],
  [Number.POSITIVE_INFINITY, TAG.float, ".inf .Inf .INF +.inf +.Inf +.INF"],
  [Number.NEGATIVE_INFINITY, TAG.float, "-.inf -.Inf -.INF"],
] as const) {
  for (const spelling of spellings.split(" ")) RESOLVE_MAP.set(spelling, [tag, value]);
}
RESOLVE_MAP.set("", [TAG.null, null]);

/** go-yaml's first-character hint: S(ign), D(igit), M(ap lookup), '.', or none. */
function hint(text: string): string | undefined {
  if (text === "") return "N";
  const c = text[0]!;
  if (c === "+" || c === "-") return "S";
  if (c >= "0" && c <= "9") return "D";
  if ("yYnNtTfFoO~".includes(c)) return "M";
  if (c === ".") return ".";
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt/ParseUint with base 0 (prefixes 0x, 0o, 0b, 0 for octal), as a bigint, or undefined. */
function parseGoInteger(text: string, signed: boolean): bigint | undefined {
  let s = text;
  let negative = false;
  if (s[0] === "+" || s[0] === "-") {
    if (!signed) return undefined;
    negative = s[0] === "-";
    s = s.slice(1);
  }
  let digits: string;
  let radix: number;
  if (/^0[xX]/.test(s)) [digits, radix] = [s.slice(2), 16];
  else if (/^0[oO]/.test(s)) [digits, radix] = [s.slice(2), 8];
  else if (/^0[bB]/.test(s)) [digits, radix] = [s.slice(2), 2];
  else if (s.length > 1 && s[0] === "0") [digits, radix] = [s.slice(1), 8];
  else [digits, radix] = [s, 10];
  const pattern = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : radix === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return undefined;
  let value = 0n;
  const big = BigInt(radix);
  for (const d of digits) value = value * big + BigInt(parseInt(d, radix));
  if (negative) value = -value;
  if (signed ? value < INT64_MIN || value > INT64_MAX : value > UINT64_MAX) return undefined;
  return value;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** Go's strconv.ParseFloat for the decimal forms go-yaml passes it; undefined on a syntax or range error. */
function parseGoFloat(text: string): number | undefined {
  if (!YAML_STYLE_FLOAT.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined; // out of range: Go returns ErrRange, go-yaml keeps the string
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DATE = /^(\d{4})-(\d\d?)-(\d\d?)$/;
const DATE_TIME = /^(\d{4})-(\d\d?)-(\d\d?)(?:[Tt](\d\d?):(\d\d?):(\d\d?)(?:[.,]\d+)?(?:Z|[+-](\d\d):(\d\d))|[ ](\d\d?):(\d\d?):(\d\d?)(?:[.,]\d+)?)$/;

/** go-yaml's parseTimestamp (the formats it passes to Go's time.Parse, with its range checks). */
function isTimestamp(text: string): boolean {
  const m = DATE.exec(text) ?? DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1]!)) return false;
  const hour = Number(m[4] ?? m[9] ?? 0);
  const minute = Number(m[5] ?? m[10] ?? 0);
  const second = Number(m[6] ?? m[11] ?? 0);
  if (hour >= 24 || minute >= 60 || second >= 60) return false;
  if (m[7] !== undefined && (Number(m[7]) > 24 || Number(m[8]) > 60)) return false;
  return true;
}

/** What a scalar resolved to: go-yaml's tag and the value it decodes into an `interface{}`. */
interface Resolved {
  tag: string;
  value: YamlValue;
}

const shortTag = (tag: string) => (tag.startsWith(TAG_PREFIX) ? `!!${tag.slice(TAG_PREFIX.length)}` : tag);

/** go-yaml v2's resolve(): implicit typing of plain scalars and explicit `!!int`-style tags. */
function resolve(tag: string, text: string, fail: (message: string) => never): Resolved {
  if (!RESOLVABLE.has(tag)) return { tag, value: text };
  let out: Resolved = { tag: TAG.str, value: text };
  const h = hint(text);
  if (h !== undefined && tag !== TAG.str) {
    const known = RESOLVE_MAP.get(text);
    if (known) out = { tag: known[0], value: known[1] };
    else if (h === ".") {
      const f = /^\.\d+(?:[eE][+-]?\d+)?$/.test(text) ? parseGoFloat(text) : undefined;
      if (f !== undefined) out = { tag: TAG.float, value: f };
    } else if (h === "D" || h === "S") {
      if ((tag === "" || tag === TAG.timestamp) && isTimestamp(text)) out = { tag: TAG.timestamp, value: text };
      else {
        const plain = text.replaceAll("_", "");
        const int = parseGoInteger(plain, true) ?? parseGoInteger(plain, false);
        if (int !== undefined) out = { tag: TAG.int, value: Number.isSafeInteger(Number(int)) ? Number(int) : int };
        else {
          const f = parseGoFloat(plain);
          if (f !== undefined) out = { tag: TAG.float, value: f };
        }
      }
    }
  }
  if (tag === "" || tag === out.tag || tag === TAG.str) return out;
  if (tag === TAG.float && out.tag === TAG.int) return { tag: TAG.float, value: Number(out.value) };
  fail(`cannot decode a ${shortTag(out.tag)} as a ${shortTag(tag)}`);
}

/** Go's base64.StdEncoding.DecodeString (padding required, CR and LF ignored). */
export function decodeStdBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) return undefined;
  return Buffer.from(compact, "base64");
}

const lossyUtf8 = new TextDecoder("utf-8");

/** go-yaml ends the first document at the next document marker; nothing after it is read. */
function firstDocument(text: string): string {
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let seenStart = false;
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    const before = text.slice(0, m.index);
    const hasContent = before.split("\n").some((line) => !/^\s*(?:#.*)?$/.test(line) && !line.startsWith("%") && !/^---(?:[ \t]|$)/.test(line));
    if (!seenStart && !hasContent && m[0] === "---") {
      seenStart = true;
      // "--- value" starts the document on the marker's line
      continue;
    }
    return before;
  }
  return text;
}

/** Parses a `%TAG`-aware tag as written (`!!str`, `!<uri>`, `!local`, `!e!x`) into go-yaml's full tag. */
function fullTag(written: string, handles: ReadonlyMap<string, string>, fail: (message: string) => never): string {
  if (written === "!") return "!";
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      fail("did not find URI escaped octet in a tag");
    }
  };
  if (written.startsWith("!<") && written.endsWith(">")) return decode(written.slice(2, -1));
  const m = /^(!(?:[0-9A-Za-z-]*!)?)(.*)$/s.exec(written)!;
  const [handle, suffix] = [m[1]!, m[2]!];
  const prefix = handles.get(handle) ?? (handle === "!!" ? TAG_PREFIX : handle === "!" ? "!" : undefined);
  if (prefix === undefined) fail(`found undefined tag handle ${handle}`);
  return prefix + decode(suffix);
}

// libyaml's double-quoted escapes; js-yaml also knows `\/`, which go-yaml rejects.
const ESCAPE = /\\(.)/gs;
const GO_ESCAPES = new Set(["0", "a", "b", "t", "\t", "n", "v", "f", "r", "e", " ", '"', "'", "\\", "N", "_", "L", "P", "x", "u", "U", "\n", "\r"]);

function checkEscapes(raw: string, fail: (message: string) => never): void {
  for (const m of raw.matchAll(ESCAPE)) {
    if (!GO_ESCAPES.has(m[1]!)) fail("found unknown escape character");
    if (m[1] === "u" || m[1] === "U") {
      const code = parseInt(raw.slice(m.index + 2, m.index + (m[1] === "u" ? 6 : 10)), 16);
      if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) fail("found invalid Unicode character escape code");
    }
  }
}

const isCollection = (event: Event) => event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE;

// go-yaml's limit on alias expansion (decode.go allowedAliasRatio).
const ALIAS_RATIO_LOW = 400_000;
const ALIAS_RATIO_HIGH = 4_000_000;
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= ALIAS_RATIO_LOW) return 0.99;
  if (decodeCount >= ALIAS_RATIO_HIGH) return 0.1;
  return 0.99 - (0.89 * (decodeCount - ALIAS_RATIO_LOW)) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW);
}

/** sigs.k8s.io/yaml formats a float map key with Go's `strconv.FormatFloat(f, 'g', -1, 32)`. */
export function formatFloat32Key(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (value === Number.POSITIVE_INFINITY) return ".inf";
  if (value === Number.NEGATIVE_INFINITY) return "-.inf";
  const f32 = Math.fround(value);
  if (!Number.isFinite(f32)) return f32 > 0 ? ".inf" : "-.inf";
  if (f32 === 0) return Object.is(f32, -0) ? "-0" : "0";
  let exp = "";
  for (let p = 1; p <= 9; p++) {
    exp = Math.abs(f32).toExponential(p - 1);
    if (Math.fround(Number(exp)) === Math.abs(f32)) break;
  }
  const [mantissa, e] = exp.split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exponent = Number(e);
  const sign = f32 < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 6) { // shortest formatting switches at 6 digits
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${"0".repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

type Frame =
  | { kind: "map"; map: YamlMap; pos: number; end: number; merge: boolean; key?: string; valueAt?: number }
  | { kind: "seq"; items: YamlValue[]; pos: number; end: number }
  | { kind: "aliasExit"; alias: number }
  | { kind: "mergeSeq"; map: YamlMap; children: number[] };

type Task = { kind: "visit"; at: number; into?: YamlMap; asKey?: boolean };

/**
 * Parses a kubeconfig's text into the value sigs.k8s.io/yaml would hand to the JSON decoder. Throws
 * {@link YamlError} for anything go-yaml would refuse (and for nesting deeper than {@link MAX_YAML_DEPTH}).
 */
export function parseKubeconfigYaml(source: string): YamlValue {
  // YAML 1.1 (libyaml) reads NEL as a line break, as it reads LF; YAML 1.2 (js-yaml) reads it as text.
  let text = firstDocument(source).replaceAll("\u0085", "\n");
  const lineOf = (offset: number) => {
    let line = 1;
    for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
    return line;
  };
  let events: Event[] | undefined;
  for (let attempt = 0; !events; attempt++) {
    try {
      events = parseEvents(text, { maxDepth: MAX_YAML_DEPTH });
    } catch (error) {
      if (error instanceof YAMLException) {
        // libyaml knows the escape \' in double-quoted scalars, js-yaml does not: spell it \x27 and parse again.
        const at = error.mark?.position ?? -1;
        if (/unknown escape/.test(error.reason) && text.slice(at - 1, at + 1) === "\\'" && attempt < MAX_ESCAPE_RETRIES) {
          text = `${text.slice(0, at - 1)}\\x27${text.slice(at + 1)}`;
          continue;
        }
        const reason = /nesting depth|max.*depth/i.test(error.reason) ? `exceeded max depth of ${MAX_YAML_DEPTH}` : error.reason;
        throw new YamlError(reason, error.mark ? error.mark.line + 1 : undefined);
      }
      if (error instanceof RangeError) throw new YamlError(`exceeded max depth of ${MAX_YAML_DEPTH}`);
      throw error;
    }
  }
  if (events.length === 0) return null;

  const offsetOf = (event: Event): number =>
    "valueStart" in event && event.valueStart >= 0 ? event.valueStart : "start" in event ? event.start : "anchorStart" in event ? event.anchorStart : 0;
  const failAt = (at: number) => (message: string): never => {
    throw new YamlError(message, lineOf(offsetOf(events[at]!)));
  };

  // One pass in document order: collection ends, alias targets (the latest anchor before the alias, as go-yaml binds
  // them while parsing), `%TAG` handles, and escapes js-yaml accepts but go-yaml does not.
  const end = new Int32Array(events.length).fill(-1);
  const target = new Int32Array(events.length).fill(-1);
  const anchors = new Map<string, number>();
  const handles = new Map<string, string>();
  const open: number[] = [];
  let flowDepth = 0;
  const anchorName = (start: number, endAt: number, at: number) => {
    const name = text.slice(start, endAt);
    // libyaml's anchors are alphanumeric (with - and _); js-yaml takes any character but flow indicators
    if (!/^[0-9A-Za-z_-]+$/.test(name)) failAt(at)("did not find expected alphabetic or numeric character in an anchor or alias");
    return name;
  };
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (event.type === EVENT_ID.DOCUMENT) {
      for (const d of event.directives) if (d.kind === "tag") handles.set(d.handle, d.prefix);
      open.push(i);
    } else if (event.type === EVENT_ID.POP) {
      const start = open.pop()!;
      end[start] = i;
      const opened = events[start]!;
      if (isCollection(opened) && (opened as { style: number }).style === COLLECTION_STYLE.FLOW) flowDepth--;
    } else {
      if (event.type === EVENT_ID.ALIAS) {
        const name = anchorName(event.anchorStart, event.anchorEnd, i);
        const at = anchors.get(name);
        if (at === undefined) failAt(i)(`unknown anchor '${name}' referenced`);
        target[i] = at!;
        continue;
      }
      if (event.anchorStart >= 0) anchors.set(anchorName(event.anchorStart, event.anchorEnd, i), i);
      // libyaml wants whitespace after a tag (its tags may contain , [ and ], js-yaml's stop there)
      if (event.tagStart >= 0 && event.tagEnd < text.length && !/[ \t\r\n]/.test(text[event.tagEnd]!)) failAt(i)("did not find expected whitespace or line break after a tag");
      if (isCollection(event)) {
        open.push(i);
        if (event.style === COLLECTION_STYLE.FLOW) flowDepth++;
      } else if (event.style === SCALAR_STYLE.DOUBLE_QUOTED && event.valueStart >= 0) checkEscapes(text.slice(event.valueStart, event.valueEnd), failAt(i));
      else if (event.style === SCALAR_STYLE.PLAIN && flowDepth > 0 && event.valueStart >= 0 && text.slice(event.valueStart, event.valueEnd).includes("?")) {
        // in a flow collection, libyaml ends a plain scalar at '?' (YAML 1.1), which then is not where it may be
        failAt(i)("did not find expected ',' or ']' (a '?' inside a plain scalar of a flow collection)");
      }
    }
  }
  const next = (at: number) => (isCollection(events[at]!) ? end[at]! + 1 : at + 1);
  const tagOf = (event: Event, at: number) =>
    "tagStart" in event && event.tagStart >= 0 ? fullTag(text.slice(event.tagStart, event.tagEnd), handles, failAt(at)) : "";
  const isMergeKey = (at: number) => {
    const event = events[at]!;
    if (event.type !== EVENT_ID.SCALAR || getScalarValue(text, event) !== "<<") return false;
    const tag = tagOf(event, at);
    return (tag === "" && event.style === SCALAR_STYLE.PLAIN) || tag === "!" || tag === TAG.merge;
  };

  let decodeCount = 0;
  let aliasCount = 0;
  let aliasDepth = 0;
  let unsupported: string | undefined; // json.Marshal's error, reported once decoding is done (as sigs.k8s.io/yaml)
  const activeAliases = new Set<number>();

  const scalar = (event: ScalarEvent, at: number): Resolved => {
    const value = getScalarValue(text, event);
    const tag = tagOf(event, at);
    if (tag === "" && event.style !== SCALAR_STYLE.PLAIN) return { tag: TAG.str, value };
    if (tag === TAG.binary) {
      const bytes = decodeStdBase64(value);
      if (!bytes) failAt(at)("!!binary value contains invalid base64 data");
      return { tag: TAG.binary, value: lossyUtf8.decode(bytes) };
    }
    return resolve(tag, value, failAt(at));
  };

  const keyString = (resolved: Resolved | YamlValue, at: number): string => {
    const r = resolved as Resolved;
    const fail = failAt(at);
    switch (r.tag) {
      case TAG.int:
        if (typeof r.value === "bigint" && r.value > INT64_MAX) fail("unsupported map key of type: uint64");
        return String(r.value);
      case TAG.float:
        return formatFloat32Key(r.value as number);
      case TAG.bool:
        return r.value ? "true" : "false";
      case TAG.null:
        return fail("unsupported map key of type: <nil>");
      default:
        return String(r.value);
    }
  };

  const stack: Array<Frame | Task> = [{ kind: "visit", at: events[0]!.type === EVENT_ID.DOCUMENT ? 1 : 0 }];
  let root: YamlValue = null;
  let delivered: { value: YamlValue; resolved?: Resolved } | undefined;
  decodeCount++; // the document node

  const deliver = (value: YamlValue, resolved?: Resolved) => {
    delivered = { value, ...(resolved ? { resolved } : {}) };
  };

  while (stack.length > 0) {
    // Hand a finished value to the frame that waits for it.
    if (delivered) {
      const { value, resolved } = delivered;
      delivered = undefined;
      const parent = stack[stack.length - 1];
      if (!parent) {
        root = value;
        break;
      }
      if (parent.kind === "seq") parent.items.push(value);
      else if (parent.kind === "map") {
        if (parent.key === undefined) {
          if (value instanceof YamlMap || Array.isArray(value)) failAt(parent.pos)("invalid map key: a mapping or sequence");
          parent.key = keyString(resolved ?? { tag: TAG.str, value }, parent.pos);
          stack.push({ kind: "visit", at: parent.valueAt! });
        } else {
          parent.map.set(parent.key, value);
          parent.key = undefined;
          parent.pos = next(parent.valueAt!);
        }
      } else if (parent.kind === "aliasExit") {
        stack.pop();
        aliasDepth--;
        activeAliases.delete(parent.alias);
        delivered = { value, ...(resolved ? { resolved } : {}) };
      }
      continue;
    }

    const top = stack[stack.length - 1]!;
    if (top.kind === "visit") {
      stack.pop();
      const { at, into, asKey } = top;
      const event = events[at];
      if (!event || event.type === EVENT_ID.POP) {
        deliver(null);
        continue;
      }
      decodeCount++;
      if (aliasDepth > 0) aliasCount++;
      if (aliasCount > 100 && decodeCount > 1000 && aliasCount / decodeCount > allowedAliasRatio(decodeCount)) {
        failAt(at)("document contains excessive aliasing");
      }
      switch (event.type) {
        case EVENT_ID.ALIAS: {
          if (activeAliases.has(at)) failAt(at)(`anchor '${text.slice(event.anchorStart, event.anchorEnd)}' value contains itself`);
          activeAliases.add(at);
          aliasDepth++;
          stack.push({ kind: "aliasExit", alias: at }, { kind: "visit", at: target[at]!, ...(into ? { into } : {}), ...(asKey ? { asKey } : {}) });
          break;
        }
        case EVENT_ID.SCALAR: {
          const resolved = scalar(event, at);
          if (!asKey && typeof resolved.value === "number" && !Number.isFinite(resolved.value)) {
            unsupported ??= `json: unsupported value: ${Number.isNaN(resolved.value) ? "NaN" : resolved.value > 0 ? "+Inf" : "-Inf"}`;
          }
          if (into) failAt(at)("map merge requires map or sequence of maps as the value");
          deliver(resolved.value, resolved);
          break;
        }
        case EVENT_ID.SEQUENCE:
          if (into) failAt(at)("map merge requires map or sequence of maps as the value");
          stack.push({ kind: "seq", items: [], pos: at + 1, end: end[at]! });
          break;
        case EVENT_ID.MAPPING:
          stack.push({ kind: "map", map: into ?? new YamlMap(), pos: at + 1, end: end[at]!, merge: into !== undefined });
          break;
        default:
          deliver(null);
      }
      continue;
    }

    if (top.kind === "seq") {
      if (top.pos >= top.end) {
        stack.pop();
        deliver(top.items);
      } else {
        const child = top.pos;
        top.pos = next(child);
        stack.push({ kind: "visit", at: child });
      }
      continue;
    }

    if (top.kind === "map") {
      if (top.key !== undefined) throw new Error("unreachable: a mapping frame waits for its value");
      if (top.pos >= top.end) {
        stack.pop();
        if (top.merge) continue; // merged into the enclosing mapping: nothing to hand on
        deliver(top.map);
        continue;
      }
      const keyAt = top.pos;
      const valueAt = next(keyAt);
      if (isMergeKey(keyAt)) {
        top.pos = next(valueAt);
        const value = events[valueAt]!;
        const mergeable = (at: number) => {
          const e = events[at]!;
          const t = e.type === EVENT_ID.ALIAS ? events[target[at]!]! : e;
          if (t.type !== EVENT_ID.MAPPING) failAt(at)("map merge requires map or sequence of maps as the value");
        };
        if (value.type === EVENT_ID.SEQUENCE) {
          const children: number[] = [];
          for (let c = valueAt + 1; c < end[valueAt]!; c = next(c)) children.push(c);
          for (const c of children) mergeable(c);
          stack.push({ kind: "mergeSeq", map: top.map, children });
        } else {
          if (value.type === EVENT_ID.ALIAS || value.type === EVENT_ID.MAPPING) mergeable(valueAt);
          else failAt(valueAt)("map merge requires map or sequence of maps as the value");
          stack.push({ kind: "visit", at: valueAt, into: top.map });
        }
        continue;
      }
      top.valueAt = valueAt;
      top.pos = keyAt;
      stack.push({ kind: "visit", at: keyAt, asKey: true });
      continue;
    }

    if (top.kind === "mergeSeq") {
      // Later maps first, so that earlier ones take precedence (go-yaml's order).
      const child = top.children.pop();
      if (child === undefined) stack.pop();
      else stack.push({ kind: "visit", at: child, into: top.map });
      continue;
    }

    if (top.kind === "aliasExit") {
      // The alias target was merged into a mapping (nothing delivered).
      stack.pop();
      aliasDepth--;
      activeAliases.delete(top.alias);
      continue;
    }
  }
  if (delivered) root = delivered.value;
  if (unsupported) throw new YamlError(unsupported);
  return root;
}
