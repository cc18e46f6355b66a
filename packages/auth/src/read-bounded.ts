import { close, closeSync, open, openSync, read, readSync } from "node:fs";

/** A file that is larger than what it can reasonably be (a device like /dev/zero, or the wrong file). */
export class FileTooLargeError extends Error {
  override readonly name = "FileTooLargeError";
  readonly code = "EFBIG";
  constructor(readonly path: string, readonly limit: number) {
    super(`${path} is larger than ${limit >= 1 << 20 ? `${limit / (1 << 20)} MiB` : `${limit} bytes`}`);
  }
}

/** Reads a whole file, but at most `limit` bytes: a bigger one (or an endless device) is a {@link FileTooLargeError}. */
export function readFileBounded(path: string, limit: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit) throw new FileTooLargeError(path, limit);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/**
 * {@link readFileBounded}, asynchronously. On node:fs's callbacks rather than node:fs/promises, which would load
 * Node's readline and REPL-history modules into every cold process (a few milliseconds).
 */
export async function readFileBoundedAsync(path: string, limit: number): Promise<Buffer> {
  const fd = await new Promise<number>((resolve, reject) => open(path, "r", (error, opened) => (error ? reject(error) : resolve(opened))));
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      const bytesRead = await new Promise<number>((resolve, reject) => read(fd, chunk, 0, chunk.length, null, (error, n) => (error ? reject(error) : resolve(n))));
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw new FileTooLargeError(path, limit);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await new Promise<void>((resolve, reject) => close(fd, (error) => (error ? reject(error) : resolve())));
  }
}

/** Size limits of the files a connection reads. client-go reads any size; these are far above real files. */
export const FILE_LIMITS = {
  kubeconfig: 64 << 20,
  tlsMaterial: 16 << 20,
  token: 1 << 20,
} as const;
