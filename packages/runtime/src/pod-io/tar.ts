// The tar that `kubectl cp` exchanges with the container's `tar`: a writer of ustar headers (pax records for long
// names and large sizes), and a streaming reader of what GNU tar, busybox and Go's archive/tar write (ustar, pax
// `x`/`g`, GNU `L`/`K` long names, base-256 numbers). Only headers and framing: what may be written where is the
// copier's business (copy.ts).

const BLOCK = 512;
/** The largest number an 11-digit octal field holds (8 GiB - 1). */
const MAX_OCTAL = 0o77777777777;
/** Long names and pax records are held in memory: refuse absurd ones. */
const MAX_META = 1024 * 1024;

export type TarEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

/** One archive member. */
export interface TarEntry {
  name: string;
  type: TarEntryType;
  /** The type flag as it was (for `other`: `3` char device, `4` block device, `6` FIFO, ...). */
  typeflag: string;
  /** Permission bits. */
  mode: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Target of a symlink or hard link. */
  linkname: string;
}

/** A malformed archive. */
export class TarFormatError extends Error {}

// ---- writing ----

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function writeString(block: Buffer, offset: number, width: number, text: string): boolean {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length > width) return false;
  bytes.copy(block, offset);
  return true;
}

function headerBlock(name: string, entry: Pick<TarEntry, "mode" | "size" | "mtime" | "linkname">, typeflag: string, prefix = ""): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, name);
  block.write(octal(entry.mode & 0o7777, 8), 100, "ascii");
  block.write(octal(0, 8), 108, "ascii");
  block.write(octal(0, 8), 116, "ascii");
  block.write(octal(Math.min(entry.size, MAX_OCTAL), 12), 124, "ascii");
  block.write(octal(Math.max(0, Math.min(Math.floor(entry.mtime), MAX_OCTAL)), 12), 136, "ascii");
  block.write("        ", 148, "ascii");
  block.write(typeflag, 156, "ascii");
  writeString(block, 157, 100, entry.linkname);
  block.write("ustar\u000000", 257, "ascii");
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return block;
}

/** `name` as ustar's prefix and name fields, when it fits them. */
function splitName(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", name };
  for (let i = name.indexOf("/"); i > 0; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== "") return { prefix, name: rest };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

/** Zero bytes that pad `size` bytes of content to whole blocks. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The header block(s) of an entry: a pax record first when the name, link or size does not fit ustar. */
export function tarHeader(entry: Omit<TarEntry, "typeflag">): Buffer {
  const typeflag = { file: "0", directory: "5", symlink: "2", hardlink: "1", other: "0" }[entry.type];
  const name = entry.type === "directory" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
  const split = splitName(name);
  const records: string[] = [];
  if (!split) records.push(paxRecord("path", name));
  if (Buffer.byteLength(entry.linkname) > 100) records.push(paxRecord("linkpath", entry.linkname));
  if (entry.size > MAX_OCTAL) records.push(paxRecord("size", String(entry.size)));
  const main = headerBlock(split?.name ?? name.slice(0, 100), entry, typeflag, split?.prefix ?? "");
  if (records.length === 0) return main;
  const pax = Buffer.from(records.join(""), "utf8");
  const paxName = `PaxHeaders/${(split?.name ?? name).slice(-80)}`;
  return Buffer.concat([headerBlock(paxName, { mode: 0o644, size: pax.length, mtime: entry.mtime, linkname: "" }, "x"), pax, padding(pax.length), main]);
}

/** The end of an archive: two zero blocks. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

// ---- reading ----

/** Reads exact byte counts from an async iterable of chunks. */
class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #chunk: Buffer = Buffer.alloc(0);
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    while (this.#chunk.length === 0 && !this.#done) {
      const next = await this.#source.next();
      if (next.done) this.#done = true;
      else this.#chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
    return this.#chunk.length > 0;
  }

  /** Exactly `n` bytes, or fewer at the end of the input. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n && (await this.#fill())) {
      const piece = this.#chunk.subarray(0, n - got);
      this.#chunk = this.#chunk.subarray(piece.length);
      parts.push(piece);
      got += piece.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Up to `max` bytes, as much as one chunk holds; the end of the input there is an error. */
  async chunk(max: number): Promise<Buffer> {
    if (!(await this.#fill())) throw new TarFormatError(`the archive ends ${max} bytes before an entry's content does`);
    const piece = this.#chunk.subarray(0, max);
    this.#chunk = this.#chunk.subarray(piece.length);
    return piece;
  }

  /** Closes the source (the rest is not wanted). */
  async cancel(): Promise<void> {
    await this.#source.return?.();
  }
}

function text(block: Buffer, offset: number, width: number): string {
  const field = block.subarray(offset, offset + width);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? width : end).toString("utf8");
}

function number(block: Buffer, offset: number, width: number, what: string): number {
  const field = block.subarray(offset, offset + width);
  if (field[0]! & 0x80) {
    // GNU base-256: big-endian, the first byte's high bit is the marker (negative values are refused).
    if (field[0]! & 0x40) throw new TarFormatError(`negative ${what} in a base-256 field`);
    let value = field[0]! & 0x3f;
    for (let i = 1; i < width; i++) value = value * 256 + field[i]!;
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`${what} is too large`);
    return value;
  }
  const digits = field.toString("ascii").replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (digits === "") return 0;
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`${what} is not an octal number: ${JSON.stringify(digits)}`);
  return parseInt(digits, 8);
}

function checksumOk(block: Buffer): boolean {
  let stored: number;
  try {
    stored = number(block, 148, 8, "checksum");
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = Number(data.subarray(offset, space).toString("ascii"));
    if (space < 0 || !Number.isInteger(length) || length <= 0 || offset + length > data.length) throw new TarFormatError("a malformed pax record");
    const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq <= 0 || data[offset + length - 1] !== 0x0a) throw new TarFormatError("a malformed pax record");
    records[record.slice(0, eq)] = record.slice(eq + 1);
    offset += length;
  }
  return records;
}

const HEADER_ONLY = new Set(["1", "2", "3", "4", "5", "6"]);
const TYPES: Record<string, TarEntryType> = { "0": "file", "\0": "file", "": "file", "7": "file", "5": "directory", "2": "symlink", "1": "hardlink" };

/**
 * The members of a tar stream, each with its content (read it, or it is skipped, before asking for the next one).
 * Ends at the end-of-archive blocks or at the end of the input.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<{ entry: TarEntry; content: AsyncGenerator<Buffer> }> {
  const reader = new ByteReader(source);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  let global: Record<string, string> = {};
  try {
    for (;;) {
      const block = await reader.read(BLOCK);
      if (block.length === 0) return;
      if (block.length < BLOCK) throw new TarFormatError("the archive ends inside a header");
      if (block.every((byte) => byte === 0)) return; // end of archive (the second zero block is not needed)
      if (!checksumOk(block)) throw new TarFormatError("a header's checksum does not match (not a tar archive, or a corrupted one)");
      const typeflag = String.fromCharCode(block[156]!);
      const size = pax["size"] !== undefined ? Number(pax["size"]) : number(block, 124, 12, "size");
      if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`an entry size of ${pax["size"] ?? size}`);
      if (typeflag === "x" || typeflag === "g" || typeflag === "L" || typeflag === "K") {
        if (size > MAX_META) throw new TarFormatError(`a ${typeflag} header of ${size} bytes (more than ${MAX_META})`);
        const data = await reader.read(size);
        if (data.length < size) throw new TarFormatError("the archive ends inside a header");
        await reader.read(padding(size).length);
        if (typeflag === "x") pax = { ...pax, ...parsePax(data) };
        else if (typeflag === "g") global = { ...global, ...parsePax(data) };
        else {
          const value = data.toString("utf8").replace(/\0+$/, "");
          if (typeflag === "L") longName = value;
          else longLink = value;
        }
        continue;
      }
      const magic = block.subarray(257, 263).toString("latin1");
      const ustarPrefix = magic === "ustar\0" ? text(block, 345, 155) : ""; // GNU's old format keeps times there
      const attrs = { ...global, ...pax };
      const name = attrs["path"] ?? longName ?? (ustarPrefix ? `${ustarPrefix}/${text(block, 0, 100)}` : text(block, 0, 100));
      const entry: TarEntry = {
        name,
        type: TYPES[typeflag] ?? "other",
        typeflag,
        mode: number(block, 100, 8, "mode") & 0o7777,
        size: HEADER_ONLY.has(typeflag) ? 0 : size, // as Go's archive/tar: these types carry no content
        mtime: attrs["mtime"] !== undefined ? Math.floor(Number(attrs["mtime"])) : number(block, 136, 12, "mtime"),
        linkname: attrs["linkpath"] ?? longLink ?? text(block, 157, 100),
      };
      if (entry.name === "") throw new TarFormatError("an entry without a name");
      if (entry.name.includes("\0") || entry.linkname.includes("\0")) throw new TarFormatError(`an entry name with a NUL byte`);
      pax = {};
      longName = undefined;
      longLink = undefined;
      const state = { left: entry.size };
      const content = (async function* () {
        while (state.left > 0) {
          const piece = await reader.chunk(state.left);
          state.left -= piece.length;
          yield piece;
        }
      })();
      yield { entry, content };
      while (state.left > 0) state.left -= (await reader.chunk(state.left)).length; // what the caller did not read
      await reader.read(padding(entry.size).length);
    }
  } finally {
    await reader.cancel();
  }
}
