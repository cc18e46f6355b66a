/**
 * Kubeconfig fuzz test (issue 14): about 390 malformed kubeconfigs (./fuzz-cases) run through the built package's
 * `loadConnection`, `headers()` and one request to a local HTTPS server, each in a child process with a time limit.
 * Checked for every case: no hang (the limit), no crash (the child lives, nothing unhandled), every error typed and
 * naming the file or field, no planted secret in any message or printed form (inspect, JSON, describe, stack), and
 * accept/reject as client-go v0.37.1 decides for the same files (scripts/clientgo-reference -batch), except the
 * documented divergences, which are checked to be real.
 *
 *   pnpm exec vitest run --project integration packages/auth/src/differential/fuzz
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCertificateAuthority } from "@org/k8s-testenv";
import { type ClientGoResult, buildClientGoReference, runClientGoBatch } from "./clientgo.js";
import { type FuzzCase, fuzzCases } from "./fuzz-cases.js";
import { normalizeClientGo } from "./normalize.js";

const RUNNER = fileURLToPath(new URL("./fuzz-runner.mjs", import.meta.url));
const DEFAULT_LIMIT_MS = 10_000;

interface CaseResult {
  id: string;
  loaded: boolean;
  headersOk: boolean;
  status?: number;
  error?: { name: string; typed: boolean; message: string; file?: string; entry?: string; field?: string };
  requestError?: CaseResult["error"];
  leaks: string[];
  elapsedMs: number;
}
type Outcome = { result: CaseResult } | { hang: number } | { crash: string };

// Cases are generated while the file is collected (top-level await), so that each is a named test.
const ca = await generateCertificateAuthority("fuzz-ca");
const serving = await ca.issue({ commonName: "127.0.0.1", usage: "server", ipAddresses: ["127.0.0.1"] });
const client = await ca.issue({ commonName: "fuzz-user", usage: "client" });
const other = await ca.issue({ commonName: "other-user", usage: "client" });
const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, (_req, res) => {
  res.setHeader("content-type", "application/json");
  res.end("{}");
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const cases: FuzzCase[] = fuzzCases(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, {
  caPem: ca.certPem,
  clientCertPem: client.certPem,
  clientKeyPem: client.keyPem,
  otherKeyPem: other.keyPem,
});

let work: string;
const paths = new Map<string, { dir: string; kubeconfig: string }>();
const outcomes = new Map<string, Outcome>();
const references = new Map<string, ClientGoResult>();

function materialize(c: FuzzCase): { dir: string; kubeconfig: string } {
  const dir = join(work, c.name);
  mkdirSync(join(dir, "home"), { recursive: true });
  for (const [rel, file] of Object.entries(c.files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof file === "object" && "directory" in file) mkdirSync(path, { recursive: true });
    else if (typeof file === "object" && !Buffer.isBuffer(file)) {
      writeFileSync(path, file.content);
      chmodSync(path, file.mode);
    } else writeFileSync(path, file);
  }
  const kubeconfig = c.kubeconfigPath ? (isAbsolute(c.kubeconfigPath) ? c.kubeconfigPath : join(dir, c.kubeconfigPath)) : join(dir, "kubeconfig");
  return { dir, kubeconfig };
}

const caseEnv = (dir: string) => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(dir, "home") });

/** Runs cases in a child process, one at a time; a case over its limit kills the child (a new one takes over). */
async function runQueue(queue: FuzzCase[]): Promise<void> {
  let child: ChildProcess | undefined;
  let buffered = "";
  let waiting: ((line: string | Error) => void) | undefined;
  const start = () => {
    const c = spawn(process.execPath, [RUNNER], { stdio: ["pipe", "pipe", "pipe"] });
    buffered = "";
    c.stdout!.setEncoding("utf8");
    c.stdout!.on("data", (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline >= 0 && waiting) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const w = waiting;
        waiting = undefined;
        w(line);
      }
    });
    c.stderr!.resume(); // plugins write to the inherited stderr; not part of any message
    c.once("exit", (code, signal) => waiting?.(new Error(`runner exited (${code ?? signal})`)));
    return c;
  };
  for (let c = queue.shift(); c; c = queue.shift()) {
    child ??= start();
    const { dir, kubeconfig } = paths.get(c.name)!;
    const limit = c.timeLimitMs ?? DEFAULT_LIMIT_MS;
    const line = JSON.stringify({ id: c.name, kubeconfig, env: caseEnv(dir), execTimeoutMs: c.execTimeoutMs, secrets: c.secrets, requestTimeoutMs: Math.min(5_000, limit) });
    const answer = await new Promise<string | Error | "timeout">((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), limit);
      waiting = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
      child!.stdin!.write(`${line}\n`);
    });
    waiting = undefined;
    if (answer === "timeout") {
      outcomes.set(c.name, { hang: limit });
      child.kill("SIGKILL");
      child = undefined;
    } else if (answer instanceof Error) {
      outcomes.set(c.name, { crash: answer.message });
      child = undefined;
    } else {
      const parsed = JSON.parse(answer) as CaseResult & { crash?: string };
      outcomes.set(c.name, parsed.crash ? { crash: parsed.crash } : { result: parsed });
      if (parsed.crash) child = undefined;
    }
  }
  child?.stdin!.end();
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-fuzz-"));
  for (const c of cases) paths.set(c.name, materialize(c));

  const started = Date.now();
  const queue = [...cases];
  await Promise.all([runQueue(queue), runQueue(queue)]);
  const oursMs = Date.now() - started;

  const binary = buildClientGoReference();
  const compared = cases.filter((c) => !c.skipReference);
  const results = runClientGoBatch(
    binary,
    compared.map((c) => {
      const { dir, kubeconfig } = paths.get(c.name)!;
      return { request: { kubeconfig, inCluster: false }, env: caseEnv(dir), cwd: dir };
    }),
    600_000,
  );
  compared.forEach((c, i) => references.set(c.name, results[i]!));
  // eslint-disable-next-line no-console
  console.log(`kubeconfig fuzz: ${cases.length} cases, ours ${(oursMs / 1000).toFixed(1)} s (2 runners), client-go ${((Date.now() - started - oursMs) / 1000).toFixed(1)} s`);
}, 900_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("kubeconfig fuzz: no hang, no crash, typed errors naming the file or field, no secrets, client-go's verdicts", () => {
  it("generates the cases", () => {
    expect(cases.length).toBeGreaterThan(350);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const outcome = outcomes.get(c.name)!;
    const where = `case ${c.name}`;
    expect(outcome, `${where}: hung past its ${c.timeLimitMs ?? DEFAULT_LIMIT_MS} ms limit`).not.toHaveProperty("hang");
    expect(outcome, `${where}: crashed`).not.toHaveProperty("crash");
    const result = (outcome as { result: CaseResult }).result;
    const error = result.error ?? result.requestError;
    if (error) {
      const context = `${where}: ${error.name}: ${error.message}`;
      expect(error.typed, context).toBe(true);
      if (error.name === "KubeconfigError") {
        expect(Boolean(error.file || error.field), `${context}\nnames no file or field`).toBe(true);
        if (error.file) expect(error.message.includes(error.file) || error.message.includes(error.field ?? "\u0000"), context).toBe(true);
      }
      expect(error.message.trim(), context).not.toBe("");
    }
    expect(result.leaks, `${where}: secrets in printed forms`).toEqual([]);

    const reference = references.get(c.name);
    if (c.skipReference) {
      expect(result.error, `${where} (${c.skipReference}): ours must refuse it`).toBeDefined();
      return;
    }
    const theirs = normalizeClientGo(reference!);
    const oursAccept = result.loaded && result.headersOk;
    const context = `${where}\nclient-go: ${reference!.error ?? reference!.requestError ?? "ok"}\nours:      ${result.error ? `${result.error.name}: ${result.error.message}` : "ok"}`;
    if (c.divergence) {
      expect(theirs.error, `${context}\nthe documented divergence (${c.divergence}) is not real`).toBe(false);
      expect(oursAccept, `${context}\n${c.divergence}`).toBe(false);
    } else {
      expect(oursAccept, context).toBe(!theirs.error);
    }
  });
});
