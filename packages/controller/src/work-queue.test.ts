import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { itemExponentialFailureRateLimiter } from "./rate-limiter.js";
import { WorkQueue } from "./work-queue.js";

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

/** Settles a promise now or reports it pending (fake timers never advance by themselves). */
async function peek<T>(promise: Promise<T>): Promise<{ settled: true; value: T } | { settled: false }> {
  const pending = Symbol("pending");
  const value = await Promise.race([promise, Promise.resolve().then(() => pending)]);
  return value === pending ? { settled: false } : { settled: true, value: value as T };
}

describe("WorkQueue: deduplication and one worker per item (client-go's dirty and processing sets)", () => {
  it("hands items out in order, each once however often it was added", async () => {
    const q = new WorkQueue<string>();
    for (const item of ["a", "b", "a", "c", "b", "a"]) q.add(item);
    expect(q.length).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["a", "b", "c"]);
    expect(q.length).toBe(0);
    expect(q.processing).toBe(3);
  });

  it("an item added while it is processed is not handed to a second worker, and is processed again after done", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    const first = await q.get();
    expect(first).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.length).toBe(0); // not queued while processing
    const second = q.get();
    expect(await peek(second)).toEqual({ settled: false });
    q.done("a");
    expect(await second).toBe("a"); // exactly once more
    q.done("a");
    expect(await peek(q.get())).toEqual({ settled: false });
  });

  it("a waiting worker gets the next item added; several waiting workers get distinct items", async () => {
    const q = new WorkQueue<string>();
    const workers = [q.get(), q.get(), q.get()];
    q.add("x");
    q.add("y");
    q.add("x"); // x is processing now: only marked dirty
    expect(await workers[0]).toBe("x");
    expect(await workers[1]).toBe("y");
    expect(await peek(workers[2]!)).toEqual({ settled: false });
    q.done("x");
    expect(await workers[2]).toBe("x");
  });

  it("many concurrent workers never hold one item at once", async () => {
    vi.useRealTimers();
    const q = new WorkQueue<number>();
    const active = new Set<number>();
    let overlaps = 0;
    let processed = 0;
    const worker = async () => {
      for (let item = await q.get(); item !== undefined; item = await q.get()) {
        if (active.has(item)) overlaps++;
        active.add(item);
        await new Promise((r) => setTimeout(r, Math.random() * 2));
        if (Math.random() < 0.3) q.add(item); // re-added while processing
        active.delete(item);
        processed++;
        q.done(item);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    for (let i = 0; i < 400; i++) q.add(i % 10);
    await new Promise((r) => setTimeout(r, 50));
    await q.shutDownWithDrain();
    await Promise.all(workers);
    expect(overlaps).toBe(0);
    expect(processed).toBeGreaterThanOrEqual(10);
  });
});

describe("WorkQueue: delays (client-go's delaying queue)", () => {
  it("addAfter adds when the time comes; the earliest of several delays wins", async () => {
    const q = new WorkQueue<string>();
    q.addAfter("a", 100);
    q.addAfter("b", 50);
    q.addAfter("a", 300); // later: ignored
    q.addAfter("c", 200);
    q.addAfter("c", 20); // earlier: wins
    expect(q.delayed).toBe(3);
    expect(q.length).toBe(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(await q.get()).toBe("c");
    await vi.advanceTimersByTimeAsync(30);
    expect(await q.get()).toBe("b");
    await vi.advanceTimersByTimeAsync(49);
    expect(q.length).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await q.get()).toBe("a");
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.length).toBe(0); // the ignored later delay of "a" adds nothing
    expect(q.delayed).toBe(0);
  });

  it("addAfter with no delay adds at once", () => {
    const q = new WorkQueue<string>();
    q.addAfter("now", 0);
    q.addAfter("negative", -5);
    expect(q.length).toBe(2);
  });

  it("a delayed item that comes due while queued or processing is deduplicated as add is", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    const item = await q.get();
    q.addAfter("a", 10);
    await vi.advanceTimersByTimeAsync(10);
    expect(q.length).toBe(0);
    q.done(item!);
    expect(q.length).toBe(1);
  });
});

describe("WorkQueue: rate limiting (client-go's rate-limiting queue)", () => {
  it("addRateLimited backs off exponentially per item; forget starts over", async () => {
    const q = new WorkQueue<string>({ rateLimiter: itemExponentialFailureRateLimiter(10, 1000) });
    const waits: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const start = performance.now();
      q.addRateLimited("a");
      while (q.length === 0) await vi.advanceTimersByTimeAsync(1);
      waits.push(performance.now() - start);
      q.done((await q.get())!);
    }
    expect(waits).toEqual([10, 20, 40, 80]);
    expect(q.numRequeues("a")).toBe(4);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
    q.addRateLimited("a");
    await vi.advanceTimersByTimeAsync(10);
    expect(q.length).toBe(1);
  });

  it("the default limiter's overall bucket spaces a storm of failures at 10 per second after a burst of 100", async () => {
    const q = new WorkQueue<number>();
    for (let i = 0; i < 120; i++) q.addRateLimited(i);
    await vi.advanceTimersByTimeAsync(5);
    expect(q.length).toBe(100);
    await vi.advanceTimersByTimeAsync(995);
    expect(q.length).toBe(110);
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.length).toBe(120);
  });
});

describe("WorkQueue: shutdown", () => {
  it("shutDown ignores new items, drops delayed ones, still hands out what is queued, then undefined", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    q.add("b");
    q.addAfter("later", 10);
    q.shutDown();
    q.add("c");
    q.addRateLimited("d");
    expect(q.shuttingDown).toBe(true);
    expect(q.delayed).toBe(0);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(await q.get()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    expect(q.length).toBe(0);
  });

  it("shutDown wakes idle workers with undefined", async () => {
    const q = new WorkQueue<string>();
    const idle = [q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(idle)).toEqual([undefined, undefined]);
  });

  it("shutDownWithDrain waits for items being processed, and for items re-added while processing", async () => {
    const q = new WorkQueue<string>();
    q.add("a");
    q.add("b");
    const a = (await q.get())!;
    q.add("a"); // dirty while processing: must run again before the drain completes
    const drained = q.shutDownWithDrain();
    expect(await peek(drained)).toEqual({ settled: false });
    expect(await q.get()).toBe("b");
    q.done("b");
    expect(await peek(drained)).toEqual({ settled: false });
    q.done(a);
    expect(await peek(drained)).toEqual({ settled: false }); // "a" is queued again
    expect(await q.get()).toBe("a");
    q.done("a");
    expect(await peek(drained)).toEqual({ settled: true, value: undefined });
    expect(await q.get()).toBeUndefined();
  });

  it("shutDown after shutDownWithDrain stops the wait", async () => {
    const q = new WorkQueue<string>();
    q.add("stuck");
    await q.get();
    const drained = q.shutDownWithDrain();
    expect(await peek(drained)).toEqual({ settled: false });
    q.shutDown();
    expect(await peek(drained)).toEqual({ settled: true, value: undefined });
  });
});
