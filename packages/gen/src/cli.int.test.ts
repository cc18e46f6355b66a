import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { treeHash } from "./tree-hash.test-helper.js";

// The built CLI, run as a user would. `pnpm test` builds every package before vitest runs.
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const coreGenerated = fileURLToPath(new URL("../../core/src/generated", import.meta.url));
const cp = inject("controlPlane");
let work: string;

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, HOME: work, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function kubeconfig(name: string, server: string, user: Record<string, unknown>): string {
  const file = join(work, name);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "c",
      clusters: [{ name: "c", cluster: { server, "certificate-authority-data": Buffer.from(cp.caPem).toString("base64") } }],
      users: [{ name: "u", user }],
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
    }),
  );
  return file;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "k8s-gen-cli-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("k8s-gen CLI", () => {
  it("prints help, and rejects bad flags with exit code 2", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^k8s-gen: generate typed Kubernetes clients/);
    expect(help.stdout).toContain("--check");
    expect((await run(["--bogus"])).code).toBe(2);
    const noOut = await run([]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain("--out DIR is required");
    const jobs = await run(["--out", join(work, "x"), "--jobs", "0"]);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain('--jobs must be a positive integer, got "0"');
  });

  it("packages/core is up to date with the pinned control plane (what CI checks)", async () => {
    const result = await run(["--check", "--out", coreGenerated, "--runtime-import", "@org/k8s-runtime", "--kubeconfig", cp.kubeconfigPath, "--no-cache"]);
    expect(result.stderr).toMatch(/is up to date \(23 group-versions/);
    expect(result.code).toBe(0);
  });

  it("generates with a kubeconfig, prints a summary (no live progress off a TTY), and is silent with --quiet", async () => {
    const out = join(work, "out");
    const result = await run(["--out", out, "--kubeconfig", cp.kubeconfigPath, "--groups", "core,apps", "--save-spec", join(work, "spec")]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^\[k8s-gen\] 2 group-versions → .*: \d+ files, [\d.]+ MB, \d+ changed; downloaded \d+, cached \d+ in [\d.]+ s\n$/);
    expect(existsSync(join(out, "apps/v1/index.ts"))).toBe(true);
    const quiet = await run(["--out", out, "--kubeconfig", cp.kubeconfigPath, "--groups", "core,apps", "--quiet"]);
    expect(quiet).toMatchObject({ code: 0, stderr: "" });
  });

  it("writes the same bytes on worker threads as on the calling thread alone", async () => {
    const threads = await run(["--out", join(work, "jobs3"), "--from", join(work, "spec"), "--jobs", "3", "--quiet"]);
    const alone = await run(["--out", join(work, "jobs1"), "--from", join(work, "spec"), "--jobs", "1", "--quiet"]);
    expect(threads).toMatchObject({ code: 0, stderr: "" });
    expect(alone).toMatchObject({ code: 0, stderr: "" });
    expect(treeHash(join(work, "jobs3"))).toBe(treeHash(join(work, "jobs1")));
    expect(treeHash(join(work, "jobs1"))).toBe(treeHash(join(work, "out")));
  });

  it("names the URL it tried when the cluster is unreachable (exit 3)", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const result = await run(["--out", join(work, "x"), "--kubeconfig", kubeconfig("down.yaml", `https://127.0.0.1:${port}`, { token: "t" })]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`https://127.0.0.1:${port}/openapi/v3`);
    expect(result.stderr).toMatch(/ECONNREFUSED/);
    expect(result.stderr).not.toContain('"t"');
  });

  it("explains 401 and 403 on /openapi/v3 with the identity (exit 3)", async () => {
    const unauthorized = await run(["--out", join(work, "x"), "--kubeconfig", kubeconfig("bad-token.yaml", cp.server, { token: "not-a-valid-token" })]);
    expect(unauthorized.code).toBe(3);
    expect(unauthorized.stderr).toMatch(/401 Unauthorized: the server rejected the credentials of .*user "u" \(bearer token\)/);
    expect(unauthorized.stderr).not.toContain("not-a-valid-token");
    const forbidden = await run(["--out", join(work, "x"), "--kubeconfig", kubeconfig("anonymous.yaml", cp.server, {})]);
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toMatch(/403 Forbidden for .*: it needs "get" on the non-resource URLs \/openapi\/v3 and \/openapi\/v3\/\*/);
  });

  it("a malformed saved document names the file (exit 4); an unwritable --out is exit 5", async () => {
    const spec = join(work, "bad-spec");
    cpSync(join(work, "spec"), spec, { recursive: true });
    writeFileSync(join(spec, "apis/apps/v1.json"), "{ not json");
    const bad = await run(["--out", join(work, "y"), "--from", spec]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/bad-spec\/apis\/apps\/v1\.json: not valid JSON/);
    writeFileSync(join(work, "a-file"), "");
    const unwritable = await run(["--out", join(work, "a-file", "sub"), "--from", join(work, "spec")]);
    expect(unwritable.code).toBe(5);
    expect(unwritable.stderr).toMatch(/--out .*a-file\/sub/);
  });
});
