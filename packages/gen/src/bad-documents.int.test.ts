/**
 * Generator fuzz test (issue 14), documents: the real documents of the shared control plane, saved, then one of them
 * truncated, made invalid JSON, wrong-shaped (every part the generator reads, and seeded random mutations), nested
 * too deeply or made huge. Every run must fail with exit code 4 and a clear message naming the document (and the
 * JSON pointer for shape problems), never a raw runtime message or stack, and leave the previous output
 * byte-identical with no leftovers. A few cases go through the built CLI to check what a user sees.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ControlPlaneAccess } from "@org/k8s-testenv";
import { EXIT, GenError } from "./errors.js";
import { generate } from "./generate.js";
import { adminSpecClient } from "./testing/spec-client.js";
import { treeHash } from "./tree-hash.test-helper.js";

const cp = inject("controlPlane");
const admin: ControlPlaneAccess = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const GROUP = "scheduling.k8s.io";
const DOC = `apis/${GROUP}/v1.json`;

/** Messages that betray a runtime failure instead of a check. */
const RAW = /TypeError|RangeError|ReferenceError|is not iterable|Cannot read properties|is not a function|Maximum call stack|undefined is not|\n\s+at /;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

let work: string;
let spec: string;
let out: string;
let before: string;
let original: { [key: string]: Json };

const client = adminSpecClient(admin);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-gen-bad-"));
  spec = join(work, "spec");
  out = join(work, "out");
  await generate({ out, source: { client }, saveSpec: spec, groups: [GROUP] });
  before = treeHash(out);
  original = JSON.parse(readFileSync(join(spec, DOC), "utf8")) as { [key: string]: Json };
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A copy of the saved documents with the one under test replaced by `content`. */
function specWith(content: string | Buffer | ((doc: { [key: string]: Json }) => void)): string {
  const dir = join(work, `case-${n++}`);
  cpSync(spec, dir, { recursive: true });
  const file = join(dir, DOC);
  if (typeof content === "function") {
    const doc = JSON.parse(JSON.stringify(original)) as { [key: string]: Json };
    content(doc);
    writeFileSync(file, JSON.stringify(doc));
  } else writeFileSync(file, content);
  return dir;
}

async function expectRefused(dir: string, message: RegExp): Promise<string> {
  const started = Date.now();
  const error = await generate({ out, source: { fromDir: dir }, groups: [GROUP] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the run succeeded").toBeInstanceOf(GenError);
  const { exitCode, message: text } = error as GenError;
  expect(text).not.toMatch(RAW);
  expect(text).toContain(join(dir, DOC));
  expect(text).toMatch(message);
  expect(exitCode).toBe(EXIT.document);
  expect(treeHash(out)).toBe(before);
  expect(readdirSync(work).filter((f) => f.includes("k8s-gen"))).toEqual([]);
  expect(Date.now() - started).toBeLessThan(30_000);
  return text;
}

// A path item and a schema of the real document, to aim at.
const pathKey = () => Object.keys(original.paths as object).find((p) => p.endsWith("/priorityclasses"))!;
const schemaKey = "io.k8s.api.scheduling.v1.PriorityClass";
const at = (doc: { [key: string]: Json }, path: Array<string | number>) => {
  let node: Json = doc;
  for (const key of path) node = (node as Record<string, Json>)[key]!;
  return node as { [key: string]: Json };
};

describe("malformed documents are refused with a clear message; the previous output stays byte-identical", () => {
  it.each([0.01, 0.5, 0.99])("truncated at %d of its length", async (fraction) => {
    const text = readFileSync(join(spec, DOC), "utf8");
    await expectRefused(specWith(text.slice(0, Math.floor(text.length * fraction))), /not valid JSON \(it ends early, after \d+ characters: truncated\?\)/);
  });

  it.each([
    ["empty", ""],
    ["garbage bytes", Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256))],
    ["a trailing comma", '{"openapi": "3.0.0", "paths": {},}'],
    ["NaN", '{"openapi": "3.0.0", "x": NaN}'],
  ])("invalid JSON: %s", async (_what, content) => {
    await expectRefused(specWith(content), /not valid JSON/);
  });

  it.each([
    ["an array", "[]", /#: expected an OpenAPI 3 document \(an object\), got an array/],
    ["a string", '"openapi"', /#: expected an OpenAPI 3 document/],
    ["null", "null", /#: expected an OpenAPI 3 document \(an object\), got null/],
    ["Swagger 2.0", '{"swagger": "2.0", "paths": {}}', /#\/openapi: expected an OpenAPI 3 version/],
  ])("not an OpenAPI 3 document: %s", async (_what, content, message) => {
    await expectRefused(specWith(content), message);
  });

  it.each<[string, (doc: { [key: string]: Json }) => void, RegExp]>([
    ["a schema's properties: 5", (d) => void (at(d, ["components", "schemas", schemaKey]).properties = 5), /#\/components\/schemas\/io\.k8s\.api\.scheduling\.v1\.PriorityClass\/properties: expected an object of schemas by name, got the number 5/],
    ["the group-version-kind extension as a string", (d) => void (at(d, ["components", "schemas", schemaKey])["x-kubernetes-group-version-kind"] = "scheduling.k8s.io/v1 PriorityClass"), /x-kubernetes-group-version-kind: expected an array of \{group, version, kind\}/],
    ["responses as an array", (d) => void (at(d, ["paths", pathKey(), "get"]).responses = []), /\/get\/responses: expected an object of responses by status code, got an array/],
    ["paths as an array", (d) => void (d.paths = []), /#\/paths: expected an object of path items, got an array/],
    ["a path item that is a number", (d) => void ((d.paths as Record<string, Json>)[pathKey()] = 1), /: expected a path item/],
    ["parameters as an object", (d) => void (at(d, ["paths", pathKey()]).parameters = {}), /\/parameters: expected an array of parameters/],
    ["a null parameter", (d) => void ((at(d, ["paths", pathKey()]).parameters as Json[])[0] = null), /\/parameters\/0: expected a parameter \(an object\), got null/],
    ["an operation's kind as a string", (d) => void (at(d, ["paths", pathKey(), "get"])["x-kubernetes-group-version-kind"] = "PriorityClass"), /x-kubernetes-group-version-kind: expected \{group, version, kind\}/],
    ["schemas as an array", (d) => void (at(d, ["components"]).schemas = []), /#\/components\/schemas: expected an object of schemas by name, got an array/],
    ["a description that is not text", (d) => void (at(d, ["components", "schemas", schemaKey]).description = 42), /PriorityClass\/description: expected a string, got the number 42/],
    ["a dangling $ref", (d) => void (at(d, ["components", "schemas", schemaKey]).properties = { metadata: { $ref: "#/components/schemas/io.k8s.Missing" } }), /\$ref to "io\.k8s\.Missing", which no selected document defines/],
    ["a $ref to a parameter", (d) => void ((at(d, ["paths", pathKey()]).parameters as Json[])[0] = { $ref: "#/components/parameters/x" }), /a \$ref parameter is not supported/],
  ])("wrong shape: %s", async (_what, mutate, message) => {
    await expectRefused(specWith(mutate), message);
  });

  it("nesting 100000 levels deep in a default value (no check reads it, but JSON.stringify and the emitters would recurse)", async () => {
    const text = JSON.stringify(original).replace('"components":{', `"components":{"x-deep":${"[".repeat(100_000)}${"]".repeat(100_000)},`);
    await expectRefused(specWith(text), /#\/components\/x-deep(?:\/0)+\/…: nested more than 200 levels deep/);
  });

  it("a huge document (20 MB of wrong paths) is refused quickly, listing the first problems", async () => {
    const dir = specWith((d) => {
      d.paths = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`/apis/x/${i}/${"p".repeat(70)}`, i]));
    });
    const text = await expectRefused(dir, /\(200000 problems\):/);
    expect(text).toMatch(/\.\.\. and 199988 more$/);
  });

  it("a directory named like a document is named, not a raw EISDIR", async () => {
    const dir = specWith("{}");
    rmSync(join(dir, DOC));
    mkdirSync(join(dir, DOC));
    await expectRefused(dir, /not a file/);
  });

  it("seeded random mutations of the parts the generator reads are refused or generate, never a raw error", async () => {
    // Every node below paths and schemas, by JSON path; each mutant gives one of them a value of another type.
    const nodes: Array<Array<string | number>> = [];
    const walk = (value: Json, path: Array<string | number>) => {
      if (path.length > 0) nodes.push(path);
      if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v as Json, [...path, Array.isArray(value) ? Number(k) : k]);
    };
    walk({ paths: original.paths!, components: original.components! } as Json, []);
    let seed = 14;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const replacements: Json[] = [5, "x", [], {}, null, true, [1, "a"], { a: { b: 1 } }];
    let refused = 0;
    for (let i = 0; i < 60; i++) {
      const path = nodes[Math.floor(random() * nodes.length)]!;
      const value = replacements[Math.floor(random() * replacements.length)]!;
      const dir = specWith((d) => {
        const parent = at(d, path.slice(0, -1));
        parent[path[path.length - 1] as string] = value;
      });
      const error = await generate({ out: join(work, `mutant-out-${i}`), source: { fromDir: dir }, groups: [GROUP] }).then(
        () => undefined,
        (e: unknown) => e as GenError,
      );
      if (error) {
        refused++;
        expect(error, `mutant ${i} at ${path.join("/")}`).toBeInstanceOf(GenError);
        expect(error.message, `mutant ${i} at ${path.join("/")}`).not.toMatch(RAW);
        expect(error.exitCode).toBe(EXIT.document);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    expect(refused).toBeGreaterThan(20);
    expect(treeHash(out)).toBe(before);
  }, 300_000);
});

describe("what a user sees (the built CLI)", () => {
  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, HOME: work }, timeout: 120_000 }, (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
  it("a wrong-shaped document: exit 4, one message with the document and pointer, no stack", async () => {
    const dir = specWith((d) => void (at(d, ["paths", pathKey(), "get"]).responses = []));
    const result = await run(["--out", out, "--from", dir, "--groups", GROUP]);
    expect(result.code).toBe(EXIT.document);
    expect(result.stderr).toMatch(/^k8s-gen: .*scheduling\.k8s\.io\/v1\.json: not a document k8s-gen can generate from \(1 problem\):\n  #\/paths\/.*\/get\/responses: expected an object of responses by status code, got an array\n$/);
    expect(result.stderr).not.toMatch(RAW);
    expect(treeHash(out)).toBe(before);
  });
  it("a truncated document: exit 4, no stack", async () => {
    const result = await run(["--out", out, "--from", specWith('{"openapi": "3.0'), "--groups", GROUP]);
    expect(result.code).toBe(EXIT.document);
    expect(result.stderr).toMatch(/not valid JSON \(it ends early/);
    expect(result.stderr).not.toMatch(RAW);
  });
});
