/** Builds and runs scripts/clientgo-reference, the client-go (v0.37.1) side of the differential test. */
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { MaterializedFixture } from "./fixtures.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** What the Go program prints (see scripts/clientgo-reference/main.go `Result`). */
export interface ClientGoResult {
  server: string;
  requestURL: string;
  namespace: string;
  ca: string;
  cert: string;
  key: string;
  serverName: string;
  insecure: boolean;
  bearerToken: string;
  bearerTokenFile: string;
  basicAuth: string;
  authorization: string;
  impersonate: string[];
  source: "kubeconfig" | "in-cluster";
  error: string | null;
  /** Batch mode only: the address Go's transport dials for the request (no proxy), "" when it does not. */
  dial?: string;
  /** Batch mode only: why Go's transport refuses to send the request (an invalid header value, a bad scheme). */
  requestError?: string | null;
}

/** Builds the reference binary if it is not cached yet (a cold build takes about a minute) and returns its path. */
export function buildClientGoReference(): string {
  const out = execFileSync("bash", [join(REPO_ROOT, "scripts/clientgo-reference/build.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop()!;
}

/** One case of the batch mode: a request with exactly its environment and working directory. */
export interface ClientGoCase {
  request: Record<string, unknown>;
  env: Record<string, string>;
  cwd: string;
}

/** Runs many requests in one run of the reference (`-batch`), each with its own environment. */
export function runClientGoBatch(binary: string, cases: ClientGoCase[], timeoutMs = 300_000): ClientGoResult[] {
  const input = cases.map((c) => JSON.stringify(c)).join("\n") + "\n";
  const r = spawnSync(binary, ["-batch"], { input, encoding: "utf8", timeout: timeoutMs, maxBuffer: 1 << 30, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  if (r.status !== 0) throw new Error(`clientgo-reference -batch exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  const lines = r.stdout.trim().split("\n");
  if (lines.length !== cases.length) throw new Error(`clientgo-reference -batch answered ${lines.length} of ${cases.length} cases`);
  return lines.map((line) => JSON.parse(line) as ClientGoResult);
}

/** Runs the reference with exactly the fixture's environment; the request goes on stdin. */
export function runClientGo(binary: string, fx: MaterializedFixture): ClientGoResult & { stderr: string } {
  const r = spawnSync(binary, [], { input: JSON.stringify(fx.request), env: fx.env, cwd: fx.dir, encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`clientgo-reference exited ${r.status ?? r.signal}: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as ClientGoResult), stderr: r.stderr };
}

/** One file as the reference's decode mode reports it (see scripts/clientgo-reference/decode.go). */
export type ClientGoDecoded = { error: string; config?: undefined } | { config: Record<string, unknown>; error?: undefined };

/** Decodes files with client-go's `clientcmd.LoadFromFile`, all in one run of the reference. */
export function runClientGoDecode(binary: string, paths: string[]): ClientGoDecoded[] {
  const r = spawnSync(binary, ["-decode"], { input: JSON.stringify(paths), encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`clientgo-reference -decode exited ${r.status ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ClientGoDecoded[];
}
