import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The package as it is published: publint, are-the-types-wrong on the packed tarball, and a user's strict project
// (skipLibCheck: false, exactOptionalPropertyTypes) compiled against the build, @ts-expect-error lines included.
const exec = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const packageDir = join(repo, "packages/controller");
const bin = (name: string) => join(repo, "node_modules/.bin", name);
let work: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-controller-pack-"));
  await exec("pnpm", ["pack", "--pack-destination", work], { cwd: packageDir });
  tarball = join(work, readdirSync(work).find((f) => f.startsWith("org-k8s-controller-"))!);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("@org/k8s-controller as published", () => {
  it("passes publint", async () => {
    const { stdout } = await exec(bin("publint"), ["run", packageDir, "--strict"], { cwd: repo });
    expect(stdout).not.toMatch(/Errors?:|Warnings?:/);
  });

  it("passes are-the-types-wrong (node16 and bundler resolution)", async () => {
    const result = await exec(bin("attw"), [tarball, "--profile", "node16", "--format", "ascii"]).then(
      ({ stdout }) => ({ ok: true, stdout }),
      (error: { stdout?: string }) => ({ ok: false, stdout: error.stdout ?? String(error) }),
    );
    expect(result.stdout.split("\n").filter((line) => /💀|❌|⚠️|🥴|🎭/.test(line) && !line.includes("ignored"))).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("types: a strict user project compiles, and what must not compile does not", async () => {
    const tsc = join(repo, "node_modules/typescript/bin/tsc");
    const output = await exec(process.execPath, [tsc, "-p", join(packageDir, "test/types"), "--pretty", "false"]).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(output.trim()).toBe("");
  }, 60_000);
});
