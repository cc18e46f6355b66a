/**
 * Differential test: for every fixture in ./fixtures, client-go v0.37.1 (scripts/clientgo-reference) and our
 * `loadConnection` resolve the same kubeconfig / in-cluster setup, with the same environment, and must agree on
 * server, namespace, TLS material, Authorization and Impersonate-* headers, and on whether it is an error.
 *
 * It needs no control plane (it lives in the integration project because the first Go build is slow):
 *   pnpm exec vitest run --project integration packages/auth/src/differential
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConnection } from "../index.js";
import { type ClientGoResult, buildClientGoReference, runClientGoBatch } from "./clientgo.js";
import { generatePki, loadFixtures, materialize, type Fixture, type MaterializedFixture, type Pki } from "./fixtures.js";
import { ERROR_ONLY, normalizeClientGo, normalizeConnection, type Normalized } from "./normalize.js";

const fixtures = loadFixtures();
const materialized = new Map<string, MaterializedFixture>();
const references = new Map<string, ClientGoResult>();
const dirs: string[] = [];

beforeAll(async () => {
  const pki: Pki = await generatePki();
  const binary = buildClientGoReference(); // cached by content hash; cold build ~1 min
  for (const fixture of fixtures) {
    const fx = materialize(fixture, pki);
    dirs.push(fx.dir);
    materialized.set(fixture.name, fx);
  }
  // One run of the reference for every fixture (each with its own environment and working directory).
  const results = runClientGoBatch(binary, [...materialized.values()].map((fx) => ({ request: { ...fx.request }, env: fx.env, cwd: fx.dir })));
  fixtures.forEach((fixture, i) => references.set(fixture.name, results[i]!));
}, 600_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function ours(fx: MaterializedFixture): Promise<{ result: Normalized; message?: string }> {
  let connection: Awaited<ReturnType<typeof loadConnection>> | undefined;
  try {
    connection = await loadConnection({ ...fx.request, env: fx.env });
    // headers() runs exec plugins and reads token files: client-go's equivalent errors surface when its transport is
    // built or on the first request, so ours count wherever they surface up to the first headers().
    return { result: await normalizeConnection(connection) };
  } catch (error) {
    return { result: ERROR_ONLY, message: error instanceof Error ? error.message : `non-Error thrown: ${String(error)}` };
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

describe("kubeconfig / in-cluster resolution agrees with client-go", () => {
  it("has enough fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(45);
  });

  it.each(fixtures.map((f) => [f.name, f] as [string, Fixture]))("%s", async (_name, fixture) => {
    const fx = materialized.get(fixture.name)!;
    const reference = references.get(fixture.name)!;
    const expected = normalizeClientGo(reference);
    const actual = await ours(fx);
    const scrub = (s: string | null | undefined) => (s ?? "(none)").split(fx.dir).join("$DIR");
    const context = [
      `fixture ${fixture.name}: ${fixture.description}`,
      `client-go error: ${scrub(reference.error ?? reference.requestError)}`,
      `our error:       ${scrub(actual.message)}`,
    ].join("\n");

    expect(actual.result, context).toEqual(expected);
    if (fixture.expect) expect(expected.error ? "error" : "ok", `${context}\nclient-go's outcome is not what the fixture is about`).toBe(fixture.expect);

    if (actual.message !== undefined) {
      expect(actual.message.trim(), `${context}\nour error message is empty`).not.toBe("");
      const leaked = fx.secrets.filter((secret) => actual.message!.includes(secret));
      expect(leaked, `${context}\nour error message contains secret values`).toEqual([]);
    }
  });
});
