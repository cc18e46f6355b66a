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
}

/** Builds the reference binary if it is not cached yet (a cold build takes about a minute) and returns its path. */
export function buildClientGoReference(): string {
  const out = execFileSync("bash", [join(REPO_ROOT, "scripts/clientgo-reference/build.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").pop()!;
}

/** Runs the reference with exactly the fixture's environment; the request goes on stdin. */
export function runClientGo(binary: string, fx: MaterializedFixture): ClientGoResult & { stderr: string } {
  const r = spawnSync(binary, [], { input: JSON.stringify(fx.request), env: fx.env, cwd: fx.dir, encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`clientgo-reference exited ${r.status ?? r.signal}: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as ClientGoResult), stderr: r.stderr };
}
