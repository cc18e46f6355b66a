import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { deadline } from "./deadline.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("deadline", () => {
  it("fires after its time even when nothing but the returned signal is referenced and the heap is collected", async () => {
    const parent = new AbortController();
    const { signal } = deadline(parent.signal, 100, () => new Error("too late"));
    await collectGarbage();
    await new Promise((r) => setTimeout(r, 250));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe("too late");
  });

  it("follows its parent, and clear() stops the timer", async () => {
    const parent = new AbortController();
    const followed = deadline(parent.signal, 10_000, () => new Error("x"));
    parent.abort(new Error("parent gone"));
    expect((followed.signal.reason as Error).message).toBe("parent gone");
    const cleared = deadline(undefined, 50, () => new Error("x"));
    cleared.clear();
    await new Promise((r) => setTimeout(r, 120));
    expect(cleared.signal.aborted).toBe(false);
    const early = new AbortController();
    early.abort("already");
    expect(deadline(early.signal, 10_000, () => new Error("x")).signal.reason).toBe("already");
  });
});
