import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Scratch, scratch } from "../testing/tmp.js";
import { TOKEN_FILE_MAX_AGE_MS, TokenFileSource } from "./token-file.js";

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.remove());

describe("TokenFileSource", () => {
  it("defaults to client-go's 50 s (1 min minus 10 s leeway)", () => expect(TOKEN_FILE_MAX_AGE_MS).toBe(50_000));

  it("trims, caches for maxAge, then re-reads", async () => {
    let now = 1_000;
    const file = s.write("token", " one\n");
    const source = new TokenFileSource(file, { now: () => now });
    expect(await source.token()).toBe("one");
    s.write("token", "two");
    now += 49_999;
    expect(await source.token()).toBe("one");
    now += 2;
    expect(await source.token()).toBe("two");
  });

  it("keeps the last good token when the file is missing or empty", async () => {
    let now = 0;
    const file = s.write("token", "good");
    const source = new TokenFileSource(file, { now: () => now, maxAgeMs: 10 });
    expect(await source.token()).toBe("good");
    s.write("token", "   ");
    now += 20;
    expect(await source.token()).toBe("good");
    s.remove();
    now += 20;
    expect(await source.token()).toBe("good");
  });

  it("falls back to the static token only while the file cannot be read", async () => {
    const source = new TokenFileSource(s.path("missing"), { fallback: "static" });
    expect(await source.token()).toBe("static");
    const file = s.write("present", "from-file");
    expect(await new TokenFileSource(file, { fallback: "static" }).token()).toBe("from-file");
  });

  it("invalidate() forces a re-read; concurrent callers share one read", async () => {
    const file = s.write("token", "a");
    const source = new TokenFileSource(file);
    expect(await source.token()).toBe("a");
    s.write("token", "b");
    expect(await source.token()).toBe("a");
    source.invalidate();
    const all = await Promise.all(Array.from({ length: 5 }, () => source.token()));
    expect(all).toEqual(["b", "b", "b", "b", "b"]);
  });
});
