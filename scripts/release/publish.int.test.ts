import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUBLISHED, type PublishedPackage, packPackages, repo } from "../vitest/pack.js";

// The tarballs as they would be published: what is in them, what their manifests say, and `npm publish --dry-run`
// of each (what a release runs, without the upload). Private packages must refuse to publish.
const exec = promisify(execFile);
let work: string;
let tarballs: Record<PublishedPackage, string>;
const license = readFileSync(join(repo, "LICENSE"), "utf8");

const tarFiles = async (tarball: string) => (await exec("tar", ["-tzf", tarball], { maxBuffer: 64 * 2 ** 20 })).stdout.trim().split("\n");
const tarText = async (tarball: string, file: string) => (await exec("tar", ["-xzOf", tarball, `package/${file}`], { maxBuffer: 64 * 2 ** 20 })).stdout;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-publish-"));
  tarballs = await packPackages(PUBLISHED, join(work, "packs"));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("published tarballs", () => {
  it.each(PUBLISHED)("@org/k8s-%s holds README, LICENSE, CHANGELOG and dist only", async (name) => {
    const files = await tarFiles(tarballs[name]);
    expect(files).toEqual(expect.arrayContaining(["package/README.md", "package/LICENSE", "package/CHANGELOG.md", "package/package.json"]));
    const outside = files.filter((f) => !f.startsWith("package/dist/") && !["package/README.md", "package/LICENSE", "package/CHANGELOG.md", "package/package.json"].includes(f));
    expect(outside).toEqual([]);
    // No tests or test tooling in what users install.
    expect(files.filter((f) => /\.(int\.)?test\.|\/(testing|test|differential)\//.test(f))).toEqual([]);
    expect(await tarText(tarballs[name], "LICENSE")).toBe(license);
    const readme = await tarText(tarballs[name], "README.md");
    expect(readme.split("\n")[0]).toBe(`# @org/k8s-${name}`);
  });

  it.each(PUBLISHED)("@org/k8s-%s has the metadata a registry page and provenance need", async (name) => {
    const manifest = JSON.parse(await tarText(tarballs[name], "package.json")) as Record<string, unknown> & {
      version: string;
      repository: { type: string; url: string; directory: string };
      bugs: { url: string };
      keywords: string[];
      publishConfig: Record<string, unknown>;
      engines: { node: string };
      dependencies?: Record<string, string>;
    };
    expect(manifest.name).toBe(`@org/k8s-${name}`);
    expect(manifest.license).toBe("Apache-2.0");
    expect(manifest.repository).toEqual({ type: "git", url: expect.stringMatching(/^git\+https:\/\/.+\.git$/), directory: `packages/${name}` });
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs.url).toMatch(/^https:\/\/.+\/issues$/);
    expect(manifest.keywords).toEqual(expect.arrayContaining(["kubernetes"]));
    // Provenance needs a public repository URL matching the one the build ran from; access for a scoped package.
    expect(manifest.publishConfig).toEqual({ access: "public", provenance: true });
    expect(manifest.engines.node).toBe(">=20.18");
    expect(manifest.private).toBeUndefined();
    // pnpm pack turned workspace:* into the versions released together.
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      if (dep.startsWith("@org/")) expect(range).toBe(manifest.version);
      expect(range).not.toMatch(/^workspace:/);
    }
    expect(await tarText(tarballs[name], "CHANGELOG.md")).toContain(`## ${manifest.version}`);
  });

  it("every published package has one version, which the runtime's User-Agent names", async () => {
    const versions = PUBLISHED.map((name) => (JSON.parse(readFileSync(join(repo, "packages", name, "package.json"), "utf8")) as { version: string }).version);
    expect(new Set(versions).size).toBe(1);
    expect(readFileSync(join(repo, "packages/runtime/src/user-agent.ts"), "utf8")).toContain(`export const SDK_VERSION = ${JSON.stringify(versions[0])};`);
  });

  it.each(PUBLISHED)("npm publish --dry-run accepts the @org/k8s-%s tarball", async (name) => {
    const { stdout, stderr } = await exec("npm", ["publish", "--dry-run", tarballs[name]], { cwd: work, timeout: 120_000, env: { ...process.env, npm_config_loglevel: "notice" } });
    const version = (JSON.parse(await tarText(tarballs[name], "package.json")) as { version: string }).version;
    expect(`${stdout}\n${stderr}`).toContain(`+ @org/k8s-${name}@${version}`);
    expect(stderr).toContain("with tag latest and public access (dry-run)");
  }, 120_000);

  it.each(["packages/test-tools", "examples/crd-app"])("%s is private and npm refuses to publish it", async (dir) => {
    // A real publish, not a dry run (npm checks `private` only then), to a registry address where nothing listens, with
    // a made-up token so that npm gets past its login check: a package that is not private fails with ECONNREFUSED.
    // No fetch retries: npm's backoff on that refused connection took 70 s per package.
    const result = await exec("npm", ["publish", "--ignore-scripts", "--fetch-retries=0", "--registry=http://127.0.0.1:9/", "--//127.0.0.1:9/:_authToken=not-a-token"], { cwd: join(repo, dir), timeout: 120_000 }).then(
      () => ({ ok: true, output: "" }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/code EPRIVATE/);
  }, 120_000);

  it("the workspace root is private", () => {
    expect((JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { private?: boolean }).private).toBe(true);
  });
});
