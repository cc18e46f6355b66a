/** Bytes received and not parsed yet, kept as the chunks they came in: taking copies only what spans chunks. */
export class ByteQueue {
  #chunks: Buffer[] = [];
  /** How many bytes are queued. */
  length = 0;

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The byte at `index` without taking it (-1 past the end). */
  peek(index: number): number {
    for (const chunk of this.#chunks) {
      if (index < chunk.length) return chunk[index]!;
      index -= chunk.length;
    }
    return -1;
  }

  /** Takes `n` (<= length) bytes off the front. */
  take(n: number): Buffer {
    this.length -= n;
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.#chunks[0]!;
      const used = Math.min(chunk.length, n - offset);
      chunk.copy(out, offset, 0, used);
      offset += used;
      if (used === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(used);
    }
    return out;
  }

  clear(): void {
    this.#chunks = [];
    this.length = 0;
  }
}
