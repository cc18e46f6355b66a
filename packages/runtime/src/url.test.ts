import { describe, expect, it } from "vitest";
import { queryString, resourcePath } from "./url.js";
import { readLines } from "./watch.js";

describe("resourcePath", () => {
  const pods = { group: "", version: "v1", plural: "pods" };
  const deployments = { group: "apps", version: "v1", plural: "deployments" };
  it("builds core and group paths, namespaced or not, with subresources", () => {
    expect(resourcePath(pods, { namespace: "default", name: "p", subresource: "log", query: { container: "c", follow: undefined } })).toBe(
      "/api/v1/namespaces/default/pods/p/log?container=c",
    );
    expect(resourcePath(deployments, {})).toBe("/apis/apps/v1/deployments");
  });
  it("encodes names and refuses empty ones", () => {
    expect(resourcePath(pods, { namespace: "a b", name: "x/y" })).toBe("/api/v1/namespaces/a%20b/pods/x%2Fy");
    expect(() => resourcePath(pods, { name: "" })).toThrowError(/name must not be empty/);
  });
  it("repeats array query values", () => {
    expect(queryString({ dryRun: ["All"], limit: 5, x: undefined })).toBe("?dryRun=All&limit=5");
    expect(queryString({})).toBe("");
  });
});

describe("readLines", () => {
  it("splits a byte stream into lines across chunk and UTF-8 boundaries", async () => {
    const bytes = new TextEncoder().encode('{"a":"é"}\n{"b":2}\n\n{"c":3}');
    const chunks = [bytes.slice(0, 7), bytes.slice(7, 12), bytes.slice(12)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const lines: string[] = [];
    for await (const line of readLines(stream)) lines.push(line);
    expect(lines).toEqual(['{"a":"é"}', '{"b":2}', '{"c":3}']);
  });

  it("gives the same lines wherever the chunks are cut, also when a line spans three chunks", async () => {
    const text = '{"a":"é€😀"}\n\n  \n{"b":[1,2,3]}\n{"c":"ü"}\n';
    const bytes = new TextEncoder().encode(text);
    const expected = ['{"a":"é€😀"}', '{"b":[1,2,3]}', '{"c":"ü"}'];
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j += 3) {
        async function* chunks() {
          yield bytes.slice(0, i);
          yield bytes.slice(i, j);
          yield bytes.slice(j);
        }
        const lines: string[] = [];
        for await (const line of readLines(chunks())) lines.push(line);
        expect(lines, `cut at ${i}, ${j}`).toEqual(expected);
      }
    }
  });

  it("decodes as one decoder would when every byte is its own chunk, invalid bytes included", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"a":"é😀"}\n{"b":"'), 0xff, 0xf0, 0x9f, 0x0a, ...new TextEncoder().encode('{"c":"€"}\n{"d":'), 0xe2, 0x82]);
    const expected = new TextDecoder().decode(bytes).split("\n").filter((line) => line.trim());
    async function* single() {
      for (const byte of bytes) yield new Uint8Array([byte]);
    }
    const lines: string[] = [];
    for await (const line of readLines(single())) lines.push(line);
    expect(lines).toEqual(expected);
    expect(lines.at(-1)).toBe('{"d":\ufffd');
  });

  it("keeps a log's lines as written: blank lines too, a CR before the newline dropped as Go's ScanLines does", async () => {
    const bytes = new TextEncoder().encode("first\n\n  \r\nwindows\r\nlast without newline");
    for (let cut = 0; cut <= bytes.length; cut++) {
      async function* chunks() {
        yield bytes.slice(0, cut);
        yield bytes.slice(cut);
      }
      const lines: string[] = [];
      for await (const line of readLines(chunks(), { text: true })) lines.push(line);
      expect(lines, `cut at ${cut}`).toEqual(["first", "", "  ", "windows", "last without newline"]);
    }
    const ended: string[] = [];
    for await (const line of readLines((async function* () { yield new TextEncoder().encode("a\n\n"); })(), { text: true })) ended.push(line);
    expect(ended).toEqual(["a", ""]);
  });

  it("keeps a character cut between two Buffer chunks intact when the source reuses the Buffer", async () => {
    const shared = Buffer.alloc(8);
    const bytes = new TextEncoder().encode('{"a":"€"}\n'); // € is three bytes: cut after its first
    async function* chunks() {
      for (const piece of [bytes.subarray(0, 7), bytes.subarray(7)]) {
        shared.fill(0xff);
        shared.set(piece);
        yield shared.subarray(0, piece.length);
      }
    }
    const lines: string[] = [];
    for await (const line of readLines(chunks())) lines.push(line);
    expect(lines).toEqual(['{"a":"€"}']);
  });

  it("keeps an unfinished line intact when the source reuses its chunk's memory", async () => {
    const shared = new Uint8Array(8);
    const encoder = new TextEncoder();
    async function* chunks() {
      for (const piece of ['{"a":', '1}\n{"b"', ":2}\n"]) {
        shared.fill(0);
        const written = encoder.encodeInto(piece, shared).written;
        yield shared.subarray(0, written);
      }
    }
    const lines: string[] = [];
    for await (const line of readLines(chunks())) lines.push(line);
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });
});
