import { describe, expect, it } from "vitest";
import { isProtobuf, readBytes, readFrames } from "./protobuf.js";

const frame = (payload: number[]) => [(payload.length >>> 24) & 255, (payload.length >>> 16) & 255, (payload.length >>> 8) & 255, payload.length & 255, ...payload];
async function* chunks(bytes: number[], sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield Uint8Array.from(bytes.slice(at, at + size));
    at += size;
  }
}
const collect = async (body: AsyncIterable<Uint8Array>) => {
  const out: number[][] = [];
  for await (const f of readFrames(body)) out.push([...f]);
  return out;
};

describe("protobuf watch framing", () => {
  const payloads = [[1, 2, 3], [], Array.from({ length: 300 }, (_, i) => i & 255), [9]];
  const stream = payloads.flatMap(frame);

  it("splits length-prefixed frames however the chunks fall (prefixes and payloads split, several per chunk)", async () => {
    for (const sizes of [[stream.length], [1], [2, 3], [5, 1, 7], [4], [300, 1]]) expect(await collect(chunks(stream, sizes)), JSON.stringify(sizes)).toEqual(payloads);
  });

  it("fails when the stream ends inside a frame, and on a frame larger than the bound", async () => {
    await expect(collect(chunks(stream.slice(0, -1), [7]))).rejects.toThrow(/ended inside a frame/);
    await expect(collect(chunks(stream.slice(0, 2), [7]))).rejects.toThrow(/ended inside a frame/);
    const huge = async () => {
      for await (const _ of readFrames(chunks([0x7f, 0, 0, 0], [4]), 1024)) void _;
    };
    await expect(huge()).rejects.toThrow(/frame of 2130706432 bytes is larger than 1024/);
  });

  it("reads a whole body into one buffer and tells protobuf content types", async () => {
    expect([...(await readBytes(chunks([1, 2, 3, 4, 5], [2])))]).toEqual([1, 2, 3, 4, 5]);
    expect(isProtobuf("application/vnd.kubernetes.protobuf")).toBe(true);
    expect(isProtobuf("application/vnd.kubernetes.protobuf;stream=watch")).toBe(true);
    expect(isProtobuf("application/json")).toBe(false);
    expect(isProtobuf(undefined)).toBe(false);
  });
});
