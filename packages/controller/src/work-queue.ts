import { type RateLimiter, defaultControllerRateLimiter } from "./rate-limiter.js";

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions<T> {
  /** Backoff of {@link WorkQueue.addRateLimited}. Default {@link defaultControllerRateLimiter} (client-go's). */
  rateLimiter?: RateLimiter<T> | undefined;
}

/** setTimeout's longest delay; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiting<T> {
  item: T;
  readyAt: number;
  /** Superseded by an earlier `addAfter` of the same item (the heap drops it lazily). */
  stale: boolean;
}

/**
 * A work queue with client-go's `workqueue` semantics (the plain, delaying and rate-limiting queues in one):
 *
 * - **Deduplicating**: an item added again before a worker takes it is queued once (the dirty set).
 * - **One worker per item**: an item a worker is processing (between {@link WorkQueue.get} and
 *   {@link WorkQueue.done}) is never handed to another; added meanwhile, it is queued again after `done` (the
 *   processing set).
 * - **Delays**: {@link WorkQueue.addAfter}; of several delays for one item the earliest wins.
 * - **Backoff**: {@link WorkQueue.addRateLimited} waits as the rate limiter says (per-item exponential backoff and
 *   an overall token bucket by default), {@link WorkQueue.forget} starts an item's backoff over.
 * - **Shutdown**: {@link WorkQueue.shutDown} ignores new items (and drops delayed ones); workers still get what is
 *   queued, then `get` resolves `undefined`. {@link WorkQueue.shutDownWithDrain} also waits until every item handed
 *   out is done and nothing is queued.
 *
 * Items are compared as `Map` keys (strings and numbers by value, objects by identity): use string keys such as
 * `namespace/name`. Time is monotonic (`performance.now()`).
 */
export class WorkQueue<T extends {}> {
  readonly #rateLimiter: RateLimiter<T>;
  /** FIFO of items to hand out: each is dirty and not processing. `#head` avoids O(n) shifts. */
  #queue: T[] = [];
  #head = 0;
  readonly #dirty = new Set<T>();
  readonly #processing = new Set<T>();
  readonly #getters: Array<(item: T | undefined) => void> = [];
  readonly #waiting = new Map<T, Waiting<T>>();
  #heap: Waiting<T>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #shuttingDown = false;
  #drainers: Array<() => void> = [];

  constructor(options: WorkQueueOptions<T> = {}) {
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<T>();
  }

  /** Marks `item` as needing processing. Ignored once the queue is shutting down. */
  add(item: T): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(item)) return;
    this.#dirty.add(item);
    if (this.#processing.has(item)) return; // queued again by done()
    this.#push(item);
  }

  /** Adds `item` after `delayMs` (at once when <= 0); an earlier pending delay of the same item is kept. */
  addAfter(item: T, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) return this.add(item);
    const readyAt = performance.now() + delayMs;
    const existing = this.#waiting.get(item);
    if (existing) {
      if (existing.readyAt <= readyAt) return;
      existing.stale = true;
    }
    const entry: Waiting<T> = { item, readyAt, stale: false };
    this.#waiting.set(item, entry);
    this.#heapPush(entry);
    this.#arm();
  }

  /** Adds `item` when the rate limiter allows it (counting one more retry of it). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.#rateLimiter.when(item));
  }

  /** Stops tracking `item`'s retries: its next `addRateLimited` waits the shortest time again. */
  forget(item: T): void {
    this.#rateLimiter.forget(item);
  }

  /** How many times `item` was rate-limited since it was last forgotten. */
  numRequeues(item: T): number {
    return this.#rateLimiter.numRequeues(item);
  }

  /**
   * The next item to process, waiting for one if needed; `undefined` once the queue is shut down and empty. Call
   * {@link WorkQueue.done} with the item when finished with it.
   */
  get(): Promise<T | undefined> {
    if (this.#head < this.#queue.length) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Ends processing of `item`; if it was added meanwhile, it is queued again. */
  done(item: T): void {
    if (!this.#processing.delete(item)) return;
    if (this.#dirty.has(item)) this.#push(item);
    this.#checkDrained();
  }

  /** Items waiting to be handed out (not those being processed or delayed). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Items handed out and not yet done. */
  get processing(): number {
    return this.#processing.size;
  }

  /** Items delayed by `addAfter` / `addRateLimited` and not yet added. */
  get delayed(): number {
    return this.#waiting.size;
  }

  /** Whether {@link WorkQueue.shutDown} or {@link WorkQueue.shutDownWithDrain} was called. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Ignores new items and drops delayed ones; workers still get what is queued, then `undefined`. Also ends a pending drain. */
  shutDown(): void {
    this.#stop();
    const drainers = this.#drainers;
    this.#drainers = [];
    for (const resolve of drainers) resolve();
  }

  /** As {@link WorkQueue.shutDown}, then waits until nothing is queued and every item handed out is done. */
  shutDownWithDrain(): Promise<void> {
    this.#stop();
    if (this.#drained()) return Promise.resolve();
    return new Promise((resolve) => this.#drainers.push(resolve));
  }

  #stop(): void {
    this.#shuttingDown = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#waiting.clear();
    this.#heap = [];
    if (this.length === 0) for (const resolve of this.#getters.splice(0)) resolve(undefined);
  }

  #push(item: T): void {
    const getter = this.#getters.shift();
    if (getter) {
      this.#dirty.delete(item);
      this.#processing.add(item);
      getter(item);
      return;
    }
    this.#queue.push(item);
  }

  #take(): T {
    const item = this.#queue[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(item);
    this.#processing.add(item);
    if (this.#shuttingDown && this.length === 0) this.#checkDrained();
    return item;
  }

  #drained(): boolean {
    return this.#processing.size === 0 && this.length === 0;
  }

  #checkDrained(): void {
    if (this.#shuttingDown && this.length === 0) for (const resolve of this.#getters.splice(0)) resolve(undefined);
    if (this.#drainers.length === 0 || !this.#drained()) return;
    const drainers = this.#drainers;
    this.#drainers = [];
    for (const resolve of drainers) resolve();
  }

  /** Adds every delayed item whose time has come, then re-arms the timer for the next one. */
  #release = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    for (let top = this.#heap[0]; top && (top.stale || top.readyAt <= now); top = this.#heap[0]) {
      this.#heapPop();
      if (top.stale) continue;
      this.#waiting.delete(top.item);
      this.add(top.item);
    }
    this.#arm();
  };

  #arm(): void {
    while (this.#heap[0]?.stale) this.#heapPop();
    const next = this.#heap[0];
    if (!next || this.#shuttingDown) return;
    if (this.#timer !== undefined && this.#timerAt <= next.readyAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = next.readyAt;
    this.#timer = setTimeout(this.#release, Math.min(MAX_TIMER_MS, Math.max(0, next.readyAt - performance.now())));
  }

  #heapPush(entry: Waiting<T>): void {
    const heap = this.#heap;
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.readyAt <= heap[i]!.readyAt) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  #heapPop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heap[left]!.readyAt < heap[smallest]!.readyAt) smallest = left;
      if (right < heap.length && heap[right]!.readyAt < heap[smallest]!.readyAt) smallest = right;
      if (smallest === i) break;
      [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
      i = smallest;
    }
  }
}
