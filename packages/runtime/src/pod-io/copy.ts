// `kubectl cp`, both ways, as tar over exec (kubectl/pkg/cmd/cp/cp.go): into a pod `test -d DEST` then
// `tar -xmf - -C DIR` fed with our archive; out of a pod `tar cf - SRC`, whose entries are checked before anything
// is written. Unlike kubectl (which skips every symlink and warns about escaping names), an entry that would land
// outside the destination stops the copy with an UnsafeArchiveEntryError; symlinks that stay inside are created.
import { createReadStream } from "node:fs";
import { type FileHandle, link, lstat, mkdir, open, readdir, readlink, realpath, symlink, unlink } from "node:fs/promises";
import { constants } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { posix } from "node:path";
import { CopyFailedError, UnsafeArchiveEntryError } from "./errors.js";
import { TAR_END, type TarEntry, padding, readTar, tarHeader } from "./tar.js";
import type { ByteReadable, CopyOptions, CopyResult, RemoteProcess } from "./types.js";

/** Runs a command in the container: with `stdin` fed and closed, stdout and stderr apart. */
export type RunInContainer = (command: string[], stdin: AsyncIterable<Uint8Array> | undefined, signal: AbortSignal | undefined) => Promise<RemoteProcess>;

const MAX_STDERR = 64 * 1024;

async function collectText(stream: ByteReadable | null): Promise<string> {
  let text = "";
  if (!stream) return text;
  try {
    for await (const chunk of stream) if (text.length < MAX_STDERR) text += Buffer.from(chunk).toString("utf8");
  } catch {
    // the session's result says what went wrong
  }
  return text.slice(0, MAX_STDERR);
}

/** kubectl's stripPathShortcuts: no leading `../` or `./` left after cleaning. */
function stripShortcuts(path: string): string {
  let out = posix.normalize(path);
  while (out.startsWith("../") || out.startsWith("./")) out = out.slice(out.indexOf("/") + 1);
  return out === ".." || out === "." ? "" : out;
}

const inside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** Where `target` leads from the real directory `from`, following symlinks that exist (at most 40, as Linux). */
async function resolvePhysically(from: string, target: string): Promise<string> {
  let current = isAbsolute(target) ? "/" : from;
  const parts = target.split("/");
  for (let hops = 0; parts.length > 0; ) {
    const part = parts.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    const stat = await lstat(next).catch(() => undefined);
    if (!stat?.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++hops > 40) throw new Error("too many levels of symbolic links");
    const link = await readlink(next);
    if (isAbsolute(link)) current = "/";
    parts.unshift(...link.split("/"));
  }
  return current;
}

/** Writes archive entries under one root, never through a symlink and never outside it. */
class Extraction {
  readonly #root: string;
  readonly #links: Array<{ path: string; name: string }> = [];
  readonly result: CopyResult = { entries: 0, bytes: 0, skipped: [] };

  constructor(root: string) {
    this.#root = root;
  }

  /** Makes the directories from the root down to `segments` (all of them), refusing any that is not a real directory. */
  async #directories(segments: readonly string[], name: string): Promise<string> {
    let current = this.#root;
    for (const segment of segments) {
      current = join(current, segment);
      const stat = await lstat(current).catch(() => undefined);
      if (!stat) await mkdir(current, { mode: 0o755 });
      else if (stat.isSymbolicLink()) throw new UnsafeArchiveEntryError(name, `${current} is a symlink, and nothing is written through one`);
      else if (!stat.isDirectory()) throw new UnsafeArchiveEntryError(name, `${current} exists and is not a directory`);
    }
    return current;
  }

  async add(entry: TarEntry, segments: readonly string[], content: AsyncIterable<Buffer>): Promise<void> {
    const name = entry.name;
    if (entry.type === "directory") {
      await this.#directories(segments, name);
      this.result.entries++;
      return;
    }
    if (segments.length === 0) throw new UnsafeArchiveEntryError(name, "only a directory can be the destination itself here");
    const parent = await this.#directories(segments.slice(0, -1), name);
    const path = join(parent, segments[segments.length - 1]!);
    switch (entry.type) {
      case "file": {
        let file: FileHandle;
        try {
          // O_NOFOLLOW: an existing symlink at the path is refused, never written through.
          file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, entry.mode & 0o777 || 0o644);
        } catch (error) {
          if ((error as { code?: string }).code === "ELOOP") throw new UnsafeArchiveEntryError(name, `${path} is a symlink, and nothing is written through one`);
          throw error;
        }
        try {
          for await (const chunk of content) {
            await file.write(chunk);
            this.result.bytes += chunk.length;
          }
        } finally {
          await file.close();
        }
        this.result.entries++;
        return;
      }
      case "symlink": {
        if (isAbsolute(entry.linkname)) throw new UnsafeArchiveEntryError(name, `it is a symlink to the absolute path ${entry.linkname}`);
        const lexical = resolve(parent, entry.linkname);
        if (!inside(this.#root, lexical)) throw new UnsafeArchiveEntryError(name, `it is a symlink to ${entry.linkname}, outside the destination`);
        // Made after every other entry, so no later entry can be written through it; checked again then.
        this.#links.push({ path, name });
        this.#pending.set(path, entry.linkname);
        return;
      }
      case "hardlink": {
        const targetSegments = this.#segmentsOf?.(entry.linkname);
        if (!targetSegments || targetSegments.length === 0) throw new UnsafeArchiveEntryError(name, `it is a hard link to ${entry.linkname}, outside the copied path`);
        const target = join(this.#root, ...targetSegments);
        const stat = await lstat(target).catch(() => undefined);
        if (!stat?.isFile()) throw new UnsafeArchiveEntryError(name, `it is a hard link to ${entry.linkname}, which is not a file extracted here`);
        for (let dir = dirname(target); inside(this.#root, dir) && dir !== this.#root; dir = dirname(dir)) {
          if ((await lstat(dir)).isSymbolicLink()) throw new UnsafeArchiveEntryError(name, `its target's directory ${dir} is a symlink`);
        }
        await unlink(path).catch(() => {});
        await link(target, path);
        this.result.entries++;
        return;
      }
      default:
        this.result.skipped.push({ path: name, reason: `entry type ${JSON.stringify(entry.typeflag)} (device, FIFO, ...) is not copied` });
    }
  }

  readonly #pending = new Map<string, string>();
  /** Maps an archive name to its segments under the root, or undefined when it is outside (set by the copier). */
  #segmentsOf: ((name: string) => string[] | undefined) | undefined;
  segmentsOf(resolveName: (name: string) => string[] | undefined): void {
    this.#segmentsOf = resolveName;
  }

  /** Creates the symlinks, then checks where each really leads now that all exist; removes them all if one escapes. */
  async finish(): Promise<void> {
    const made: string[] = [];
    try {
      for (const { path, name } of this.#links) {
        const stat = await lstat(path).catch(() => undefined);
        if (stat?.isDirectory()) throw new UnsafeArchiveEntryError(name, `${path} is a directory`);
        if (stat) await unlink(path);
        await symlink(this.#pending.get(path)!, path);
        made.push(path);
      }
      for (const { path, name } of this.#links) {
        const target = this.#pending.get(path)!;
        const leads = await resolvePhysically(await realpath(dirname(path)), target);
        if (!inside(this.#root, leads)) throw new UnsafeArchiveEntryError(name, `it is a symlink to ${target}, which leads to ${leads} through other symlinks, outside the destination`);
      }
      this.result.entries += made.length;
    } catch (error) {
      await Promise.all(made.map((path) => unlink(path).catch(() => {})));
      throw error;
    }
  }
}

/**
 * Copies `podPath` out of the container to `localPath` (a directory's contents into `localPath`, a file to it),
 * as `kubectl cp POD:SRC DEST`.
 */
export async function copyFromPod(run: RunInContainer, where: string, podPath: string, localPath: string, options: CopyOptions): Promise<CopyResult> {
  if (podPath === "") throw new TypeError("copyFrom: the pod path must not be empty");
  const prefix = stripShortcuts(podPath.replace(/^\/+/, ""));
  const process = await run(["tar", "cf", "-", podPath], undefined, options.signal);
  const stderr = collectText(process.stderr);
  const destination = resolve(localPath);
  let extraction: Extraction | undefined;
  /** An archive name as segments below the destination, or undefined when it is not under the copied path. */
  const segmentsOf = (name: string): string[] | undefined => {
    if (name.startsWith("/")) return undefined;
    const clean = posix.normalize(name).replace(/\/+$/, "");
    if (clean.split("/").includes("..")) return undefined;
    if (prefix !== "" && clean !== prefix && !clean.startsWith(`${prefix}/`)) return undefined;
    const rest = prefix === "" ? clean : clean.slice(prefix.length);
    return rest.split("/").filter((segment) => segment !== "" && segment !== ".");
  };
  try {
    for await (const { entry, content } of readTar(process.stdout!)) {
      const segments = segmentsOf(entry.name);
      if (!segments) {
        const why = entry.name.startsWith("/") ? "it is an absolute path" : entry.name.split("/").includes("..") ? "it has a .. component" : `it is not under ${podPath}`;
        throw new UnsafeArchiveEntryError(entry.name, why);
      }
      if (!extraction) {
        if (segments.length === 0 && entry.type === "file") {
          // A single file: written to the destination path itself, as kubectl does.
          const root = dirname(destination);
          extraction = new Extraction(await realpath(root));
          extraction.segmentsOf(() => undefined);
          await extraction.add(entry, [basename(destination)], content);
          continue;
        }
        await mkdir(destination, { recursive: true });
        extraction = new Extraction(await realpath(destination));
        extraction.segmentsOf(segmentsOf);
      }
      await extraction.add(entry, segments, content);
    }
    await extraction?.finish();
  } catch (error) {
    process.close();
    throw error;
  }
  const { exitCode } = await process.result;
  if (exitCode !== 0) throw new CopyFailedError(`copyFrom ${where}:${podPath}: tar cf - failed`, exitCode, await stderr);
  if (!extraction) throw new CopyFailedError(`copyFrom ${where}:${podPath}: the archive was empty`, exitCode, await stderr);
  return extraction.result;
}

/** Our archive of `local` with names under `base`, as kubectl's makeTar (symlinks as symlinks, never followed). */
async function* archive(local: string, base: string, result: CopyResult): AsyncGenerator<Uint8Array> {
  async function* walk(path: string, name: string): AsyncGenerator<Uint8Array> {
    const stat = await lstat(path);
    const mtime = Math.floor(stat.mtimeMs / 1000);
    if (stat.isDirectory()) {
      const children = (await readdir(path)).sort();
      yield tarHeader({ name, type: "directory", mode: stat.mode & 0o7777, size: 0, mtime, linkname: "" });
      result.entries++;
      for (const child of children) yield* walk(join(path, child), `${name}/${child}`);
    } else if (stat.isSymbolicLink()) {
      yield tarHeader({ name, type: "symlink", mode: stat.mode & 0o7777, size: 0, mtime, linkname: await readlink(path) });
      result.entries++;
    } else if (stat.isFile()) {
      yield tarHeader({ name, type: "file", mode: stat.mode & 0o7777, size: stat.size, mtime, linkname: "" });
      let written = 0;
      for await (const chunk of createReadStream(path)) {
        const piece = (chunk as Buffer).subarray(0, stat.size - written); // a file that grew: its size as archived
        written += piece.length;
        if (piece.length > 0) yield piece;
      }
      if (written < stat.size) yield Buffer.alloc(stat.size - written); // a file that shrank: padded
      yield padding(stat.size);
      result.entries++;
      result.bytes += stat.size;
    } else {
      result.skipped.push({ path, reason: "not a file, directory or symlink (device, FIFO, socket)" });
    }
  }
  yield* walk(local, base);
  yield TAR_END;
}

/**
 * Copies `localPath` (a file or a directory) into the container at `podPath`, as `kubectl cp SRC POD:DEST`: into
 * `podPath/<name>` when `podPath` is an existing directory, else to `podPath` itself.
 */
export async function copyToPod(run: RunInContainer, where: string, localPath: string, podPath: string, options: CopyOptions): Promise<CopyResult> {
  if (podPath === "") throw new TypeError("copyTo: the pod path must not be empty");
  const source = resolve(localPath);
  await lstat(source).catch(() => {
    throw new Error(`copyTo: ${localPath} doesn't exist in the local filesystem`);
  });
  const test = await run(["test", "-d", podPath], undefined, options.signal);
  const [, , outcome] = await Promise.all([collectText(test.stdout), collectText(test.stderr), test.result]);
  const target = outcome.exitCode === 0 ? posix.join(podPath, basename(source)) : podPath;
  const dir = posix.dirname(posix.normalize(target));
  const base = posix.basename(posix.normalize(target));
  if (base === "" || base === "." || base === ".." || base === "/") throw new TypeError(`copyTo: ${JSON.stringify(podPath)} names no file in the pod`);
  const result: CopyResult = { entries: 0, bytes: 0, skipped: [] };
  const process = await run(["tar", "-xmf", "-", "-C", dir], archive(source, base, result), options.signal);
  const [, stderr, { exitCode }] = await Promise.all([collectText(process.stdout), collectText(process.stderr), process.result]);
  if (exitCode !== 0) throw new CopyFailedError(`copyTo ${where}:${podPath}: tar -x failed`, exitCode, stderr);
  return result;
}
