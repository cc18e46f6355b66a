import { FILE_LIMITS, readFileBoundedAsync } from "../read-bounded.js";

/** How long a token read from a file is trusted before reading it again (client-go: one minute minus 10 s). */
export const TOKEN_FILE_MAX_AGE_MS = 50_000;

/**
 * A bearer token read from a file and re-read when older than `maxAgeMs`, so projected service-account tokens keep
 * working as the kubelet rotates them. A failed or empty read keeps the last good token, and before there is one the
 * `fallback` (the kubeconfig's inline token, or the file's content as first read), as client-go.
 */
export class TokenFileSource {
  readonly path: string;
  readonly #fallback: string | undefined;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #token: string | undefined;
  #readAt = -Infinity;
  #reading: Promise<string | undefined> | undefined;

  constructor(path: string, options: { fallback?: string; maxAgeMs?: number; now?: () => number } = {}) {
    this.path = path;
    this.#fallback = options.fallback;
    this.#maxAgeMs = options.maxAgeMs ?? TOKEN_FILE_MAX_AGE_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The current token; reads the file when the cached copy is stale (concurrent callers share one read). */
  async token(): Promise<string | undefined> {
    if (this.#now() - this.#readAt < this.#maxAgeMs && this.#token) return this.#token;
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  /** Forgets the cached copy, so the next call reads the file (after a 401). */
  invalidate(): void {
    this.#readAt = -Infinity;
  }

  async #read(): Promise<string | undefined> {
    try {
      const content = (await readFileBoundedAsync(this.path, FILE_LIMITS.token)).toString("utf8").trim();
      if (content) this.#token = content;
    } catch {
      // keep the last good token
    }
    this.#readAt = this.#now();
    return this.#token ?? this.#fallback;
  }
}
