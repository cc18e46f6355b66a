/**
 * A protobuf wire reader for the generated decoders (`./generated/*`), with the value types of apimachinery that
 * marshal themselves to JSON (Time, MicroTime, Quantity, IntOrString, RawExtension, FieldsV1) read into what the
 * apiserver's JSON encoder writes for them. Straight-line and allocation-free except for the values it returns: the
 * decoders call it a few times per field, which is what makes them faster than `JSON.parse` of the same object.
 */

/** A decoded object as `JSON.parse` gives it. */
export type JsonObject = Record<string, unknown>;

/** One message's decoder: reads fields up to `end` into `into`, then sets what Go's JSON encoder writes for unset ones. */
export type MessageDecoder = (reader: Reader, end: number, into: JsonObject) => JsonObject;

/** Malformed protobuf (truncated, bad lengths, unsupported wire types or payloads). */
export class ProtobufDecodeError extends Error {
  override readonly name = "ProtobufDecodeError";
}

// The zero time.Time (0001-01-01T00:00:00Z) in Unix seconds: metav1.Time marshals it as JSON null.
const ZERO_TIME_SECONDS = -62135596800;
const TWO_32 = 4294967296;

const hasBuffer = typeof Buffer === "function";

/**
 * Node's Buffer slices text without copying the bytes first; `utf8Slice`/`base64Slice` are what `toString` calls
 * after validating its arguments (undocumented but on Buffer.prototype since Node 0.x), used when present.
 */
interface NodeBytes {
  utf8Slice(start: number, end: number): string;
  base64Slice(start: number, end: number): string;
}
const nodeSlices = hasBuffer && typeof (Buffer.prototype as unknown as Partial<NodeBytes>).utf8Slice === "function" && typeof (Buffer.prototype as unknown as Partial<NodeBytes>).base64Slice === "function";
const utf8 = new TextDecoder();

/** Reads one protobuf buffer. `pos` is public so that generated loops stay monomorphic and inline-friendly. */
export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  /** Where the buffer's payload ends (a reader can be a window onto a larger buffer). */
  readonly limit: number;
  readonly #node: NodeBytes | undefined;

  constructor(buf: Uint8Array, pos = 0, limit = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.limit = limit;
    this.#node = !nodeSlices ? undefined : ((Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)) as unknown as NodeBytes);
  }

  fail(what: string): never {
    throw new ProtobufDecodeError(`protobuf: ${what} at byte ${this.pos} of ${this.limit}`);
  }

  /** A varint of up to 32 bits (tags, lengths, int32 and enum values, bools); longer varints are read to their end. */
  uint32(): number {
    const b = this.buf;
    let p = this.pos;
    let c = b[p++]!;
    let v = c & 0x7f;
    if (c >= 0x80) {
      c = b[p++]!;
      v |= (c & 0x7f) << 7;
      if (c >= 0x80) {
        c = b[p++]!;
        v |= (c & 0x7f) << 14;
        if (c >= 0x80) {
          c = b[p++]!;
          v |= (c & 0x7f) << 21;
          if (c >= 0x80) {
            c = b[p++]!;
            v |= (c & 0x0f) << 28;
            // A negative int32 is sign-extended to ten bytes; the low 32 bits are all in the first five.
            for (let i = 0; c >= 0x80 && i < 5; i++) c = b[p++]!;
            if (c >= 0x80) this.fail("varint longer than 10 bytes");
          }
        }
      }
    }
    if (p > this.limit) this.fail("truncated varint");
    this.pos = p;
    return v >>> 0;
  }

  /** int32 (two's complement in a varint). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** int64 as a JSON number: exact up to 2^53, beyond that rounded as `JSON.parse` rounds the decimal. */
  int64(): number {
    const b = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let c = 0;
    let shift = 0;
    for (; shift < 28; shift += 7) {
      c = b[p++]!;
      lo |= (c & 0x7f) << shift;
      if (c < 0x80) break;
    }
    if (c >= 0x80) {
      c = b[p++]!;
      lo |= (c & 0x0f) << 28;
      hi = (c & 0x7f) >> 4;
      for (shift = 3; c >= 0x80 && shift < 32; shift += 7) {
        c = b[p++]!;
        hi |= (c & 0x7f) << shift;
      }
      if (c >= 0x80) this.fail("varint longer than 10 bytes");
    }
    if (p > this.limit) this.fail("truncated varint");
    this.pos = p;
    lo >>>= 0;
    hi >>>= 0;
    if (hi === 0) return lo;
    if (hi < 0x200000) return hi * TWO_32 + lo; // below 2^53: exact
    // Beyond 2^53 (and negatives): BigInt converts with the one rounding JSON.parse applies to the decimal.
    return Number(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)));
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  /** The end of a length-delimited field whose length comes next (its payload starts at `pos`). */
  len(): number {
    const n = this.uint32();
    const end = this.pos + n;
    if (end > this.limit) this.fail(`length ${n} beyond the end`);
    return end;
  }

  /** A length-delimited UTF-8 string. */
  string(): string {
    const end = this.len();
    const start = this.pos;
    this.pos = end;
    return this.text(start, end);
  }

  /** UTF-8 text of `buf[start, end)` (Node's native slice: faster than any JS loop, even for short ASCII). */
  text(start: number, end: number): string {
    if (start === end) return "";
    return this.#node ? this.#node.utf8Slice(start, end) : utf8.decode(this.buf.subarray(start, end));
  }

  /** A length-delimited `bytes` field as standard base64 (how encoding/json writes `[]byte`). */
  base64(): string {
    const end = this.len();
    const start = this.pos;
    this.pos = end;
    if (this.#node) return this.#node.base64Slice(start, end);
    let binary = "";
    for (let i = start; i < end; i++) binary += String.fromCharCode(this.buf[i]!);
    return btoa(binary);
  }

  /** Skips a field of the wire type in `tag`. */
  skip(tag: number): void {
    switch (tag & 7) {
      case 0:
        this.int64();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.len();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        this.fail(`unsupported wire type ${tag & 7} (field ${tag >>> 3})`);
    }
    if (this.pos > this.limit) this.fail("truncated field");
  }

  /** A message decoder ends exactly at its end: anything else is a malformed length. */
  done(end: number): void {
    if (this.pos !== end) this.fail(`message overran its end (${end})`);
  }

  /** Sets a map entry as `JSON.parse` would: a key `__proto__` is an own property, never the prototype. */
  put(map: JsonObject, key: string, value: unknown): void {
    if (key === "__proto__") Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
    else map[key] = value;
  }

  // ---- apimachinery's self-marshalling types ----

  /** `metav1.Time` (a Timestamp message): RFC 3339 in UTC to the second, as its MarshalJSON; unset or zero: null. */
  time(): string | null {
    const end = this.len();
    if (end === this.pos) return null; // the zero time marshals to nothing
    let seconds = 0;
    while (this.pos < end) {
      const tag = this.uint32();
      if (tag === 8) seconds = this.int64();
      else this.skip(tag); // nanos: metav1.Time reads seconds only (its JSON has no fraction)
    }
    this.done(end);
    return seconds === ZERO_TIME_SECONDS ? null : formatSeconds(seconds);
  }

  /** `metav1.MicroTime`: RFC 3339 in UTC with six fractional digits (nanoseconds truncated); unset or zero: null. */
  microTime(): string | null {
    const end = this.len();
    if (end === this.pos) return null;
    let seconds = 0;
    let nanos = 0;
    while (this.pos < end) {
      const tag = this.uint32();
      if (tag === 8) seconds = this.int64();
      else if (tag === 16) nanos = this.int32();
      else this.skip(tag);
    }
    this.done(end);
    const micros = Math.trunc(nanos / 1000);
    if (seconds === ZERO_TIME_SECONDS && micros === 0) return null;
    return `${formatSeconds(seconds).slice(0, -1)}.${String(micros).padStart(6, "0")}Z`;
  }

  /** `resource.Quantity` (`{ string = 1 }`, already canonical on the wire); unset: "0", as the zero Quantity. */
  quantity(): string {
    const end = this.len();
    let value = "0";
    while (this.pos < end) {
      const tag = this.uint32();
      if (tag === 10) value = this.string();
      else this.skip(tag);
    }
    this.done(end);
    return value;
  }

  /** `intstr.IntOrString` (`{ type = 1; intVal = 2; strVal = 3 }`): a number for type 0, else the string. */
  intOrString(): number | string {
    const end = this.len();
    let type = 0;
    let intVal = 0;
    let strVal = "";
    while (this.pos < end) {
      const tag = this.uint32();
      if (tag === 8) type = this.int64();
      else if (tag === 16) intVal = this.int32();
      else if (tag === 26) strVal = this.string();
      else this.skip(tag);
    }
    this.done(end);
    return type === 0 ? intVal : strVal;
  }

  /**
   * `runtime.RawExtension` and `metav1.FieldsV1` (`{ raw = 1 }`): the JSON they carry, parsed (their MarshalJSON
   * inlines it); unset: null (FieldsV1: also when empty). A CBOR or protobuf payload (written by a client in that
   * encoding) has no JSON form here, and an empty RawExtension none at all (the apiserver fails to write it): both
   * fail, naming the type.
   */
  rawJson(type: "RawExtension" | "FieldsV1"): unknown {
    const end = this.len();
    let start = -1;
    let stop = -1;
    while (this.pos < end) {
      const tag = this.uint32();
      if (tag === 10) {
        stop = this.len();
        start = this.pos;
        this.pos = stop;
      } else this.skip(tag);
    }
    this.done(end);
    if (start < 0 || (stop === start && type === "FieldsV1")) return null;
    const first = this.buf[start];
    if (first === undefined || stop === start || !JSON_START.has(first)) {
      this.pos = start;
      this.fail(stop === start ? `${type} holds an empty payload` : `${type} holds a payload that is not JSON (first byte 0x${first!.toString(16)})`);
    }
    return JSON.parse(this.text(start, stop));
  }
}

/** The bytes JSON can start with (whitespace, object, array, string, number, literal): Go's guessContentType. */
const JSON_START = new Set([0x09, 0x0d, 0x0a, 0x20, 0x7b, 0x5b, 0x6e, 0x74, 0x66, 0x22, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);

let lastSeconds = Number.NaN;
let lastFormatted = "";

/** Unix seconds as Go's `t.UTC().Format(time.RFC3339)`: a four-digit (or longer, or negative) year, `Z`. */
export function formatSeconds(seconds: number): string {
  // Objects share timestamps (creation, managed fields, conditions): the last one is worth remembering.
  if (seconds === lastSeconds) return lastFormatted;
  const days = Math.floor(seconds / 86400);
  const secondOfDay = seconds - days * 86400;
  // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm), valid for every int64 seconds value here.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  const yearText = year < 0 ? `-${String(-year).padStart(4, "0")}` : String(year).padStart(4, "0");
  const two = (n: number) => (n < 10 ? `0${n}` : String(n));
  lastFormatted = `${yearText}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}Z`;
  lastSeconds = seconds;
  return lastFormatted;
}
