/**
 * The list-then-watch state machine shared by {@link Informer} and `ResourceClient.watch()`, after client-go's
 * reflector and kube-rs' `watcher`:
 *
 * ```text
 *   Empty ──(streaming list: watch with sendInitialEvents)──▶ InitialWatch ──(initial-events-end bookmark)──┐
 *     │                                                                                                      ▼
 *     └──(paged list: list pages)───────────────────────────▶ InitialList ──(last page)──────────────────▶ Watching(rv)
 *   any failure before the initial state is complete ──▶ back off, Empty (a clean start: `init` again)
 *   Watching: events move rv; a watch that ends is reopened at rv (after a backoff if it lasted < 1 s with no event);
 *             429 / 5xx / lost or silent connections back off and reopen at rv; 410 → Empty (or thrown)
 * ```
 *
 * It yields what a consumer needs to keep a cache: `init` (drop any temporary state), `initApply` (one object of
 * the initial state), `initDone` (the initial state is complete at `resourceVersion`), then `apply` / `delete` /
 * `bookmark`, plus an `error` item each time it backs off. Resume points are only ever taken from events after the
 * initial state (initial events are not ordered by resourceVersion). Terminal errors (credentials, a closed
 * connection, 4xx answers where retrying cannot help) end the iteration by throwing.
 */
import { defineErrorKind } from "./error-kind.js";
import { type Backoff, exponentialBackoff, sleep } from "./backoff.js";
import { KubernetesError, ResourceExpiredError, TransportError } from "./errors.js";
import type { Bookmark, KubernetesList, KubernetesObject } from "./types.js";

/** One event of a single watch request, as the server sent it (`ERROR` events are thrown as errors instead). */
export interface RawWatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  object: T | Bookmark;
}

/** The requests the state machine makes: one list page, one watch request. */
export interface ListWatchSource<T extends KubernetesObject> {
  /** Reads one page of the list (`limit`/`continue`), at `resourceVersion` when given. */
  list(options: {
    limit: number | undefined;
    continue: string | undefined;
    resourceVersion: string | undefined;
    resourceVersionMatch: "NotOlderThan" | undefined;
    signal: AbortSignal;
  }): Promise<KubernetesList<T>>;
  /**
   * Opens one watch request. Resolves once the server has answered; the iterable yields its events and ends when
   * the server ends the request. A stream that stays silent longer than `idleTimeoutMs` fails (a dead connection
   * looks like a quiet one otherwise).
   */
  watch(options: {
    resourceVersion: string | undefined;
    resourceVersionMatch: "NotOlderThan" | undefined;
    sendInitialEvents: boolean;
    timeoutSeconds: number;
    idleTimeoutMs: number;
    signal: AbortSignal;
  }): Promise<AsyncIterable<RawWatchEvent<T>>>;
}

/** What the state machine yields. */
export type WatcherEvent<T> =
  /** A (re)start of the initial state: forget any temporary state from an earlier, interrupted attempt. */
  | { type: "init" }
  /** One object of the initial state. */
  | { type: "initApply"; object: T }
  /** The initial state is complete: everything up to `resourceVersion` has been seen. */
  | { type: "initDone"; resourceVersion: string; bookmark: Bookmark }
  /** An object was added (`added`) or changed. */
  | { type: "apply"; object: T; added: boolean }
  /** An object was deleted; `object` is its last state. */
  | { type: "delete"; object: T }
  /** The watch has seen everything up to this bookmark's resourceVersion. */
  | { type: "bookmark"; bookmark: Bookmark }
  /** Something failed; the state machine backs off `retryInMs` and goes on (from `restart: "watch"` or a new list). */
  | { type: "error"; error: unknown; retryInMs: number; restart: "list" | "watch" };

/** Options of {@link watcher}. */
export interface WatcherOptions {
  /** Watch from here, with no initial state. Unset: list first (streaming or paged). */
  resourceVersion?: string | undefined;
  /** Read the initial state from the watch cache (`"0"`, any age) rather than a consistent read (`""`, default). */
  initialFromCache?: boolean | undefined;
  /** Try a streaming list (`sendInitialEvents`) for the initial state; falls back to paged lists when refused. */
  streamingList?: boolean | undefined;
  /** Page size of paged lists. Default 500. */
  pageSize?: number | undefined;
  /** Server-side timeout of each watch request. Default: a random 5–10 min, as client-go's reflector. */
  timeoutSeconds?: number | undefined;
  /** How long past `timeoutSeconds` a silent stream is given before it counts as lost. Default 5 s + 10% of it. */
  idleMarginMs?: number | undefined;
  /** On 410 (resourceVersion too old) after the initial state: start over with a new list, or throw. */
  onExpired: "relist" | "throw";
  /**
   * Whether answers retrying cannot fix (401, 403, 404, other 4xx) while reading the initial state are retried
   * (with backoff) rather than thrown; asked at each failure. Default: thrown.
   */
  retryClientErrors?: (() => boolean) | undefined;
  /** The backoff policy; default client-go's reflector (800 ms doubling to 30 s, jitter, reset after 2 min calm). */
  backoff?: Backoff | undefined;
  signal?: AbortSignal | undefined;
}

export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";
const SHORT_WATCH_MS = 1000;

/** A watch that closed within a second without a single event: client-go's "very short watch", a failure. */
export class ShortWatchError extends Error {
  static {
    defineErrorKind(this, "ShortWatchError");
  }
}


const aborted = (signal: AbortSignal | undefined) => signal?.aborted === true;
const bookmarkAt = (resourceVersion: string): Bookmark => ({ metadata: { resourceVersion } });

/** What to do after an error, by client-go's reflector rules. */
function classify(error: unknown, phase: "initial" | "watch"): "terminal" | "expired" | "rewatch" | "relist" | "unsupported" {
  if (error instanceof ResourceExpiredError) return "expired";
  if (error instanceof KubernetesError) {
    if (phase === "initial" && (error.code === 400 || error.code === 422)) return "unsupported";
    if (error.code === 429 || error.code >= 500) return phase === "watch" ? "rewatch" : "relist";
    return phase === "watch" ? "relist" : "terminal";
  }
  if (error instanceof TransportError) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_CONNECTION_CLOSED" || (error as { retryable?: unknown }).retryable === false) return "terminal";
    return phase === "watch" ? "rewatch" : "relist";
  }
  if (error instanceof ShortWatchError) return phase === "watch" ? "rewatch" : "relist";
  return "terminal"; // credentials, programming errors: retrying cannot help
}

/** Runs the state machine; see the module comment. Ends quietly when `signal` aborts. */
export async function* watcher<T extends KubernetesObject>(source: ListWatchSource<T>, options: WatcherOptions): AsyncGenerator<WatcherEvent<T>> {
  const signal = options.signal ?? new AbortController().signal;
  const backoff = options.backoff ?? exponentialBackoff();
  const timeoutSeconds = () => options.timeoutSeconds ?? Math.floor(300 + Math.random() * 300);
  let streaming = options.streamingList ?? true;
  let resourceVersion = options.resourceVersion;
  let listed = resourceVersion !== undefined; // there is a resume point: no initial state
  let delayBeforeList = 0;
  /** The rest of a streaming list's request, which goes on as the watch after the end bookmark. */
  let carried: AsyncIterator<RawWatchEvent<T>> | undefined;

  const openWatch = (rv: string | undefined, initial: boolean) => {
    const timeout = timeoutSeconds();
    return source.watch({
      resourceVersion: rv,
      resourceVersionMatch: initial ? "NotOlderThan" : undefined,
      sendInitialEvents: initial,
      timeoutSeconds: timeout,
      idleTimeoutMs: timeout * 1000 + (options.idleMarginMs ?? 5000 + timeout * 100),
      signal,
    });
  };

  try {
    while (!aborted(signal)) {
      if (!listed) {
        if (delayBeforeList > 0 && !(await sleep(delayBeforeList, signal))) return;
        try {
          yield { type: "init" };
          resourceVersion = streaming ? yield* streamingList() : yield* pagedList();
          listed = true;
        } catch (error) {
          await closeCarried();
          if (aborted(signal)) return;
          const action = classify(error, "initial");
          if (action === "unsupported" && streaming) {
            streaming = false; // the server (or a policy) refuses sendInitialEvents: paged lists from now on
            delayBeforeList = 0;
            continue;
          }
          const retryAnyway = action !== "terminal" || (error instanceof KubernetesError && options.retryClientErrors?.() === true);
          if (!retryAnyway || action === "unsupported") throw error;
          delayBeforeList = backoff.next();
          yield { type: "error", error, retryInMs: delayBeforeList, restart: "list" };
        }
        continue;
      }

      const started = Date.now();
      let events = 0;
      try {
        const iterator = carried ?? (await openWatch(resourceVersion, false))[Symbol.asyncIterator]();
        carried = undefined;
        try {
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
            if (aborted(signal)) return;
            const event = next.value;
            events++;
            const rv = event.object.metadata?.resourceVersion;
            if (rv) resourceVersion = rv;
            if (event.type === "BOOKMARK") yield { type: "bookmark", bookmark: event.object as Bookmark };
            else if (event.type === "DELETED") yield { type: "delete", object: event.object as T };
            else yield { type: "apply", object: event.object as T, added: event.type === "ADDED" };
          }
        } finally {
          await iterator.return?.();
        }
        if (events === 0 && Date.now() - started < SHORT_WATCH_MS) {
          throw new ShortWatchError("the watch closed within a second without any event");
        }
      } catch (error) {
        if (aborted(signal)) return;
        const action = classify(error, "watch");
        if (action === "terminal" || (options.onExpired === "throw" && (action === "expired" || action === "relist"))) throw error;
        const delay = backoff.next();
        if (action === "rewatch") {
          yield { type: "error", error, retryInMs: delay, restart: "watch" };
          if (!(await sleep(delay, signal))) return;
        } else {
          yield { type: "error", error, retryInMs: delay, restart: "list" };
          listed = false;
          delayBeforeList = delay;
        }
      }
    }
  } finally {
    await closeCarried();
  }

  async function closeCarried(): Promise<void> {
    const iterator = carried;
    carried = undefined;
    await iterator?.return?.();
  }

  /** Initial state from one watch request with `sendInitialEvents`, ended by the `initial-events-end` bookmark. */
  async function* streamingList(): AsyncGenerator<WatcherEvent<T>, string> {
    const iterator = (await openWatch(options.initialFromCache ? "0" : undefined, true))[Symbol.asyncIterator]();
    carried = iterator; // closed by closeCarried() if anything below fails
    for (;;) {
      const next = await iterator.next();
      if (next.done) throw new ShortWatchError("the streaming list ended before its initial-events-end bookmark");
      const event = next.value;
      if (event.type === "ADDED") yield { type: "initApply", object: event.object as T };
      else if (event.type === "BOOKMARK" && event.object.metadata?.annotations?.[INITIAL_EVENTS_END] === "true") {
        const bookmark = event.object as Bookmark;
        yield { type: "initDone", resourceVersion: bookmark.metadata.resourceVersion, bookmark };
        return bookmark.metadata.resourceVersion; // the same request goes on as the watch (`carried`)
      }
      // MODIFIED/DELETED cannot come before the end bookmark; other bookmarks carry no resume point yet.
    }
  }

  /** Initial state from paged lists, as client-go's pager: continue tokens only, a full list if one expires. */
  async function* pagedList(): AsyncGenerator<WatcherEvent<T>, string> {
    const pageSize = options.pageSize ?? 500;
    const initialVersion = options.initialFromCache ? "0" : undefined;
    let token: string | undefined;
    let listVersion: string | undefined;
    for (;;) {
      let page: KubernetesList<T>;
      try {
        page = await source.list({
          limit: pageSize,
          continue: token,
          // A continue token carries the list's resourceVersion; the server refuses both together.
          resourceVersion: token ? undefined : initialVersion,
          resourceVersionMatch: token || initialVersion === undefined ? undefined : "NotOlderThan",
          signal,
        });
      } catch (error) {
        if (!(token && error instanceof ResourceExpiredError)) throw error;
        // The continue token expired mid-list: start over with one full list (client-go's FullListIfExpired).
        yield { type: "init" };
        page = await source.list({ limit: undefined, continue: undefined, resourceVersion: initialVersion, resourceVersionMatch: undefined, signal });
      }
      for (const item of page.items ?? []) yield { type: "initApply", object: item };
      listVersion = page.metadata?.resourceVersion ?? listVersion;
      token = page.metadata?.continue || undefined;
      if (!token) break;
    }
    const rv = listVersion ?? "";
    yield { type: "initDone", resourceVersion: rv, bookmark: bookmarkAt(rv) };
    return rv;
  }
}
