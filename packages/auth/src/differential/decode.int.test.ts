/**
 * Decode differential test: every case of ./decode-cases is decoded by client-go v0.37.1's `clientcmd.LoadFromFile`
 * (scripts/clientgo-reference -decode) and by ours; both must accept or reject it, and decode it to the same
 * values (every field, the extensions' JSON). Our errors must be KubeconfigErrors naming the file.
 *
 *   pnpm exec vitest run --project integration packages/auth/src/differential/decode
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeconfigError } from "../errors.js";
import { decodeKubeconfigFile } from "../kubeconfig/load.js";
import { type ClientGoDecoded, buildClientGoReference, runClientGoDecode } from "./clientgo.js";
import { type DecodeCase, decodeCases, mutants } from "./decode-cases.js";
import { dumpOurs, prune } from "./decode-dump.js";

const cases: DecodeCase[] = [...decodeCases(), ...mutants(400)];

/**
 * YAML syntax that libyaml (YAML 1.1) accepts and js-yaml's YAML 1.2 parser refuses: a flow collection continued on a
 * less indented line, and `?` starting a plain scalar inside a flow collection (libyaml reads an explicit key).
 * Such files fail to load with us (a clear error) and load with client-go; the mutants may produce a few.
 */
const STRICTER_THAN_CLIENT_GO = [/deficient indentation/, /a '\?' inside a plain scalar of a flow collection/];
const stricter: string[] = [];
let dir: string;
let reference: Map<string, ClientGoDecoded>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "k8s-decode-"));
  const paths = cases.map((c) => {
    const path = join(dir, `${c.name}.yaml`);
    writeFileSync(path, c.bytes);
    return path;
  });
  const results = runClientGoDecode(buildClientGoReference(), paths);
  reference = new Map(cases.map((c, i) => [c.name, results[i]!]));
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ours(c: DecodeCase): { error?: KubeconfigError; dump?: unknown } {
  try {
    return { dump: prune(dumpOurs(decodeKubeconfigFile(c.bytes, join(dir, `${c.name}.yaml`)))) ?? null };
  } catch (error) {
    if (!(error instanceof KubeconfigError)) throw error;
    return { error };
  }
}

describe("kubeconfig decoding agrees with client-go's clientcmd.LoadFromFile", () => {
  it("has the cases", () => {
    expect(cases.length).toBeGreaterThan(500);
  });

  it.each(cases.filter((c) => !c.divergence).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const theirs = reference.get(c.name)!;
    const mine = ours(c);
    const context = `case ${c.name}\nclient-go: ${theirs.error ?? "ok"}\nours:      ${mine.error?.message ?? "ok"}\n--- text ---\n${c.bytes.toString("utf8").slice(0, 2000)}`;
    if (c.name.startsWith("mutant-") && mine.error && theirs.error === undefined && STRICTER_THAN_CLIENT_GO.some((p) => p.test(mine.error!.message))) {
      stricter.push(c.name);
      return;
    }
    expect(mine.error === undefined, context).toBe(theirs.error === undefined);
    if (mine.error) {
      expect(mine.error.file, context).toBe(join(dir, `${c.name}.yaml`));
      expect(mine.error.message, context).toMatch(/^error loading config file "/);
    } else {
      expect(mine.dump, context).toEqual(prune(theirs.config) ?? null);
    }
  });

  it("refuses only a few mutants that client-go loads, each for a known YAML 1.1/1.2 difference", () => {
    expect(stricter.length, stricter.join(", ")).toBeLessThanOrEqual(8);
  });

  it.each(cases.filter((c) => c.divergence).map((c) => [c.name, c] as const))("%s (known divergence)", (_name, c) => {
    const theirs = reference.get(c.name)!;
    const mine = ours(c);
    // The divergence is real (client-go accepts) and ours is a clear, typed error.
    expect(theirs.error, c.divergence).toBeUndefined();
    expect(mine.error?.message, c.divergence).toMatch(/exceeded max depth of 1000/);
  });
});
