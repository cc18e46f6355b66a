import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TAR_END, type TarEntry, TarFormatError, padding, readTar, tarHeader } from "./tar.js";

// Differential: what we write, GNU tar extracts; what GNU tar writes (gnu, ustar, pax), we read.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sdk-tar-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const longDir = `${"deep-directory-name-".repeat(6)}end`; // 123 bytes: needs ustar's prefix field
const longFile = `${"a-very-long-file-name-".repeat(8)}.txt`; // 180 bytes: needs a pax record
const longTarget = `${"../".repeat(3)}${"target-".repeat(20)}`; // a link name over 100 bytes

async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}

async function readAll(archive: Buffer, chunkSize = 777): Promise<Array<TarEntry & { content: string }>> {
  const out: Array<TarEntry & { content: string }> = [];
  for await (const { entry, content } of readTar(chunks(archive, chunkSize))) {
    const parts: Buffer[] = [];
    for await (const piece of content) parts.push(piece);
    out.push({ ...entry, content: Buffer.concat(parts).toString("utf8") });
  }
  return out;
}

describe("tarHeader (our writer) read by GNU tar", () => {
  it("files, directories, symlinks, long names (ustar prefix, pax path) and long link targets", () => {
    const file = (name: string, text: string) => {
      const body = Buffer.from(text);
      return [tarHeader({ name, type: "file", mode: 0o640, size: body.length, mtime: 1_700_000_000, linkname: "" }), body, padding(body.length)];
    };
    const archive = Buffer.concat([
      tarHeader({ name: "top", type: "directory", mode: 0o755, size: 0, mtime: 1_700_000_000, linkname: "" }),
      ...file("top/small.txt", "small\n"),
      ...file(`top/${longDir}/inner.txt`, "in a long directory\n"),
      ...file(`top/${longFile}`, "long name\n"),
      tarHeader({ name: "top/link", type: "symlink", mode: 0o777, size: 0, mtime: 1_700_000_000, linkname: "small.txt" }),
      tarHeader({ name: "top/far-link", type: "symlink", mode: 0o777, size: 0, mtime: 1_700_000_000, linkname: longTarget }),
      ...file("top/empty", ""),
      TAR_END,
    ]);
    const out = join(dir, "gnu-extract");
    mkdirSync(out);
    writeFileSync(join(dir, "ours.tar"), archive);
    execFileSync("tar", ["-xf", join(dir, "ours.tar"), "-C", out]);
    expect(readFileSync(join(out, "top/small.txt"), "utf8")).toBe("small\n");
    expect(statSync(join(out, "top/small.txt")).mode & 0o777).toBe(0o640);
    expect(statSync(join(out, "top/small.txt")).mtimeMs).toBe(1_700_000_000_000);
    expect(readFileSync(join(out, "top", longDir, "inner.txt"), "utf8")).toBe("in a long directory\n");
    expect(readFileSync(join(out, "top", longFile), "utf8")).toBe("long name\n");
    expect(readlinkSync(join(out, "top/link"))).toBe("small.txt");
    expect(readlinkSync(join(out, "top/far-link"))).toBe(longTarget);
    expect(readFileSync(join(out, "top/empty"), "utf8")).toBe("");
    // GNU tar's own listing agrees, entry by entry.
    const listing = execFileSync("tar", ["-tf", join(dir, "ours.tar")], { encoding: "utf8" }).trim().split("\n");
    expect(listing).toEqual(["top/", "top/small.txt", `top/${longDir}/inner.txt`, `top/${longFile}`, "top/link", "top/far-link", "top/empty"]);
  });
});

describe("readTar (our reader) of GNU tar's archives", () => {
  beforeAll(() => {
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "src", longDir), { recursive: true });
    mkdirSync(join(tree, "src", "empty"));
    writeFileSync(join(tree, "src", "a.txt"), "alpha\n");
    writeFileSync(join(tree, "src", longDir, "b.txt"), "beta\n");
    writeFileSync(join(tree, "src", longFile), "long\n");
    writeFileSync(join(tree, "src", "big.bin"), Buffer.alloc(70_000, 7));
    mkdirSync(join(tree, "src", "x".repeat(80)));
    writeFileSync(join(tree, "src", "x".repeat(80), `${"y".repeat(40)}.txt`), "split\n"); // 129 bytes: ustar's prefix + name
    symlinkSync("a.txt", join(tree, "src", "link"));
    symlinkSync(longTarget, join(tree, "src", "far-link"));
    linkSync(join(tree, "src", "a.txt"), join(tree, "src", "hard"));
  });

  it.each(["gnu", "pax", "posix", "ustar", "v7"])("format %s", async (format) => {
    const file = join(dir, `${format}.tar`);
    const args = ["--format", format, "-cf", file, "-C", join(dir, "tree"), "--sort=name", "src"];
    let archive: Buffer;
    try {
      execFileSync("tar", args, { stdio: "pipe" });
      archive = readFileSync(file);
    } catch (error) {
      // ustar cannot hold the long file name, v7 neither that nor long links: GNU tar refuses those entries.
      expect(["ustar", "v7"]).toContain(format);
      expect(String((error as { stderr?: Buffer }).stderr)).toMatch(/too long/);
      archive = readFileSync(file);
    }
    const entries = await readAll(archive);
    const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ""), e]));
    expect(byName.get("src")?.type).toBe("directory");
    expect(byName.get("src/a.txt")).toMatchObject({ type: "file", content: "alpha\n", size: 6 });
    expect(byName.get("src/big.bin")?.content).toBe("\u0007".repeat(70_000));
    expect(byName.get("src/link")).toMatchObject({ type: "symlink", linkname: "a.txt", size: 0 });
    expect(byName.get("src/empty")?.type).toBe("directory");
    expect(byName.get("src/hard")).toMatchObject({ type: "hardlink", linkname: "src/a.txt" });
    if (format !== "v7") expect(byName.get(`src/${"x".repeat(80)}/${"y".repeat(40)}.txt`)?.content).toBe("split\n");
    if (format !== "ustar" && format !== "v7") {
      expect(byName.get(`src/${longDir}/b.txt`)?.content).toBe("beta\n");
      expect(byName.get(`src/${longFile}`)?.content).toBe("long\n");
      expect(byName.get("src/far-link")?.linkname).toBe(longTarget);
    }
  });

  it("skips content the caller does not read, or reads only in part, and stays aligned", async () => {
    const archive = readFileSync(join(dir, "gnu.tar"));
    const names: string[] = [];
    for await (const { entry, content } of readTar(chunks(archive, 100))) {
      names.push(entry.name);
      if (entry.name.endsWith("big.bin")) for await (const _ of content) break; // one chunk, then stop
    }
    expect(names).toContain("src/a.txt");
    expect(names.at(-1)).toMatch(/^src\//);
    expect(names.length).toBe((await readAll(archive)).length);
  });

  it("refuses what is not a tar archive, and one cut short", async () => {
    const garbage = Buffer.alloc(1024, 0x41);
    await expect(readAll(garbage)).rejects.toThrow(TarFormatError);
    await expect(readAll(garbage)).rejects.toThrow(/checksum does not match/);
    const archive = readFileSync(join(dir, "gnu.tar"));
    const bigAt = archive.indexOf(Buffer.from("src/big.bin"));
    await expect(readAll(archive.subarray(0, bigAt + 512 + 1000))).rejects.toThrow(/archive ends .* before an entry's content does/);
    await expect(readAll(archive.subarray(0, 300))).rejects.toThrow(/ends inside a header/);
  });
});
