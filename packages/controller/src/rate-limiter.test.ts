import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { bucketRateLimiter, defaultControllerRateLimiter, itemExponentialFailureRateLimiter, maxOfRateLimiter } from "./rate-limiter.js";

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe("itemExponentialFailureRateLimiter (client-go's ItemExponentialFailureRateLimiter)", () => {
  it("doubles per failure from the base delay, per item, until the cap", () => {
    const limiter = itemExponentialFailureRateLimiter<string>(1, 1000);
    expect([1, 2, 3, 4, 5].map(() => limiter.when("one"))).toEqual([1, 2, 4, 8, 16]);
    expect(limiter.numRequeues("one")).toBe(5);
    // Another item has its own count.
    expect(limiter.when("two")).toBe(1);
    for (let i = 0; i < 20; i++) limiter.when("one");
    expect(limiter.when("one")).toBe(1000);
    limiter.forget("one");
    expect(limiter.numRequeues("one")).toBe(0);
    expect(limiter.when("one")).toBe(1);
  });

  it("caps without overflowing after very many failures", () => {
    const limiter = itemExponentialFailureRateLimiter<string>(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < 2000; i++) last = limiter.when("x");
    expect(last).toBe(1_000_000);
    expect(limiter.numRequeues("x")).toBe(2000);
  });

  it("refuses nonsense bounds", () => {
    expect(() => itemExponentialFailureRateLimiter(0, 10)).toThrow(RangeError);
    expect(() => itemExponentialFailureRateLimiter(10, 5)).toThrow(/baseMs <= maxMs/);
  });
});

describe("bucketRateLimiter (client-go's BucketRateLimiter over rate.Limiter)", () => {
  it("lets a burst through at once, then spaces items at 1/qps, and refills with time", () => {
    const limiter = bucketRateLimiter<string>(10, 3);
    expect([1, 2, 3].map((i) => limiter.when(`item-${i}`))).toEqual([0, 0, 0]);
    // The bucket is empty: each further reservation waits one more token's time (100 ms at 10 qps).
    expect(limiter.when("a")).toBeCloseTo(100, 6);
    expect(limiter.when("b")).toBeCloseTo(200, 6);
    vi.advanceTimersByTime(1000); // 10 tokens' worth, but the debt of 2 comes first and the bucket holds 3
    expect([1, 2, 3].map((i) => limiter.when(`later-${i}`))).toEqual([0, 0, 0]);
    expect(limiter.when("c")).toBeCloseTo(100, 6);
    expect(limiter.numRequeues("a")).toBe(0);
  });
});

describe("defaultControllerRateLimiter (client-go's DefaultTypedControllerRateLimiter)", () => {
  it("is the per-item backoff while the overall bucket has tokens", () => {
    const limiter = defaultControllerRateLimiter<string>();
    expect([1, 2, 3, 4].map(() => limiter.when("x"))).toEqual([5, 10, 20, 40]);
    expect(limiter.numRequeues("x")).toBe(4);
    limiter.forget("x");
    expect(limiter.when("x")).toBe(5);
  });

  it("is the bucket's wait once 100 retries have come in faster than 10 per second", () => {
    const limiter = defaultControllerRateLimiter<number>();
    const waits = Array.from({ length: 110 }, (_, i) => limiter.when(i)); // 110 distinct items, first failure each
    expect(waits.slice(0, 100).every((w) => w === 5)).toBe(true);
    expect(waits[100]).toBeCloseTo(100, 6);
    expect(waits[109]).toBeCloseTo(1000, 6);
  });

  it("maxOf asks every limiter and takes the longest wait and the largest count", () => {
    const calls: string[] = [];
    const fixed = (name: string, wait: number, requeues: number) => ({
      when: () => (calls.push(name), wait),
      forget: () => void calls.push(`forget ${name}`),
      numRequeues: () => requeues,
    });
    const limiter = maxOfRateLimiter<string>(fixed("a", 5, 1), fixed("b", 50, 0), fixed("c", 7, 3));
    expect(limiter.when("x")).toBe(50);
    expect(limiter.numRequeues("x")).toBe(3);
    limiter.forget("x");
    expect(calls).toEqual(["a", "b", "c", "forget a", "forget b", "forget c"]);
    expect(() => maxOfRateLimiter()).toThrow(RangeError);
  });
});
