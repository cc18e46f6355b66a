// A list/watch source that plays a script, for unit tests of the state machine, the plain watch and the informer:
// each watch request and each list page is the next entry of its script; when a script runs out, requests hang
// until the caller aborts (as a quiet server would).
import { KubernetesError, ResourceExpiredError, TransportError } from "../errors.js";
import type { Bookmark, KubernetesList, KubernetesObject, Status } from "../types.js";
import type { ListWatchSource, RawWatchEvent } from "../watcher.js";

export type Step<T> = RawWatchEvent<T> | { end: true } | { fail: unknown } | { hang: true };
export type WatchScript<T> = { openError: unknown } | { steps: Step<T>[] };
export type ListScript<T> = KubernetesList<T> | { error: unknown };
type WatchCall = Parameters<ListWatchSource<KubernetesObject>["watch"]>[0];
type ListCall = Parameters<ListWatchSource<KubernetesObject>["list"]>[0];

const abortError = () => Object.assign(new Error("aborted"), { name: "AbortError" });

function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(abortError());
    signal.addEventListener("abort", () => reject(abortError()), { once: true });
  });
}

export class ScriptedSource<T extends KubernetesObject> implements ListWatchSource<T> {
  readonly watchCalls: WatchCall[] = [];
  readonly listCalls: ListCall[] = [];

  constructor(
    readonly watches: WatchScript<T>[] = [],
    readonly lists: ListScript<T>[] = [],
  ) {}

  async list(options: ListCall): Promise<KubernetesList<T>> {
    this.listCalls.push(options);
    const next = this.lists.shift();
    if (!next) return hang(options.signal);
    if ("error" in next) throw next.error;
    return structuredClone(next);
  }

  async watch(options: WatchCall): Promise<AsyncIterable<RawWatchEvent<T>>> {
    this.watchCalls.push(options);
    const script = this.watches.shift();
    if (script && "openError" in script) throw script.openError;
    const steps = script?.steps ?? [{ hang: true as const }];
    return {
      async *[Symbol.asyncIterator]() {
        for (const step of steps) {
          if ("end" in step) return;
          if ("fail" in step) throw step.fail;
          if ("hang" in step) await hang(options.signal);
          else yield structuredClone(step as RawWatchEvent<T>);
        }
        await hang(options.signal); // a script's last step keeps the stream open unless it ends it
      },
    };
  }
}

export interface Item extends KubernetesObject {
  apiVersion?: "v1";
  kind?: "ConfigMap";
  data?: Record<string, string>;
}

export const item = (name: string, resourceVersion: string, data?: Record<string, string>): Item => ({
  metadata: { name, namespace: "ns", resourceVersion },
  ...(data ? { data } : {}),
});
export const added = (object: Item): RawWatchEvent<Item> => ({ type: "ADDED", object });
export const modified = (object: Item): RawWatchEvent<Item> => ({ type: "MODIFIED", object });
export const deleted = (object: Item): RawWatchEvent<Item> => ({ type: "DELETED", object });
export const bookmark = (resourceVersion: string, initialEnd = false): RawWatchEvent<Item> => ({
  type: "BOOKMARK",
  object: { metadata: { resourceVersion, ...(initialEnd ? { annotations: { "k8s.io/initial-events-end": "true" } } : {}) } } satisfies Bookmark,
});
export const list = (resourceVersion: string, items: Item[], continueToken?: string): KubernetesList<Item> => ({
  metadata: { resourceVersion, ...(continueToken ? { continue: continueToken } : {}) },
  items,
});

const request = { method: "GET", url: "https://test/api/v1/configmaps" };
export const status = (code: number, reason: string): KubernetesError =>
  new (code === 410 ? ResourceExpiredError : KubernetesError)({ kind: "Status", status: "Failure", code, reason, message: reason } satisfies Status, request);
export const reset = (): TransportError => Object.assign(new TransportError("socket hang up", request, { cause: new Error("ECONNRESET") }), { code: "ECONNRESET" });
export const closed = (): TransportError => Object.assign(new TransportError("connection closed", request), { code: "ERR_CONNECTION_CLOSED", retryable: false });

/** A backoff that never waits long and records every delay asked for. */
export function recordingBackoff(delayMs = 1): { next(): number; reset(): void; asked: number } {
  const backoff = {
    asked: 0,
    next() {
      backoff.asked++;
      return delayMs;
    },
    reset() {},
  };
  return backoff;
}

/** Takes events from an iterator until `count` were taken (or it ends), with a deadline. */
export async function take<E>(iterator: AsyncIterator<E>, count: number, timeoutMs = 2000): Promise<E[]> {
  const out: E[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`took only ${out.length} of ${count}: ${JSON.stringify(out)}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = await Promise.race([iterator.next(), new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), remaining)))]).finally(() => clearTimeout(timer));
    if (next === "timeout") continue;
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}
