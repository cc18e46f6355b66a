/**
 * Generator fuzz test (issue 14), the output swap: the built CLI is killed with SIGKILL just before each of its file
 * changes next to the output (a preload counts them: the lock, the new tree, the journal, both renames, the
 * cleanup), and at seeded random moments. After every kill the output is the previous one or the new one, complete,
 * or (between the two renames) absent with the journal that lets the next run finish the swap; the next run then
 * leaves the new or the old output, byte-identical, and no leftovers. Leftovers of older k8s-gen versions and stale
 * locks are cleaned up too.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ControlPlaneAccess } from "@org/k8s-testenv";
import { EXIT } from "./errors.js";
import { generate } from "./generate.js";
import { adminSpecClient } from "./testing/spec-client.js";
import { treeHash } from "./tree-hash.test-helper.js";
import { MARKER_FILE, recoverOutput, swapPaths } from "./write-output.js";

const cp = inject("controlPlane");
const admin: ControlPlaneAccess = { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem };
const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const killAt = fileURLToPath(new URL("./testing/kill-at.cjs", import.meta.url));
// Two small outputs: the previous one (one group) and the new one (two groups).
const OLD = ["scheduling.k8s.io"];
const NEW = ["scheduling.k8s.io", "node.k8s.io"];

let work: string;
let spec: string;
let oldHash: string;
let newHash: string;

const client = adminSpecClient(admin);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "k8s-gen-swap-"));
  spec = join(work, "spec");
  await generate({ out: join(work, "reference-old"), source: { client }, saveSpec: spec, groups: NEW });
  rmSync(join(work, "reference-old"), { recursive: true });
  await generate({ out: join(work, "reference-old"), source: { fromDir: spec }, groups: OLD });
  await generate({ out: join(work, "reference-new"), source: { fromDir: spec }, groups: NEW });
  oldHash = treeHash(join(work, "reference-old"));
  newHash = treeHash(join(work, "reference-new"));
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI for the new output; with `kill`, the preload kills it before its kill-th change in `dir`. */
function runCli(out: string, env: Record<string, string> = {}): { child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, ["--require", killAt, cli, "--out", out, "--from", spec, "--groups", NEW.join(","), "--quiet"], {
    env: { PATH: process.env.PATH, HOME: work, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  return { child, exit: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stderr }))) };
}

/** A fresh output directory holding the previous output, in its own parent (so the preload watches only it). */
function previousOutput(name: string): { parent: string; out: string } {
  const parent = join(work, name);
  mkdirSync(parent, { recursive: true });
  const out = join(parent, "generated");
  rmSync(out, { recursive: true, force: true });
  // a copy of the reference: the CLI's previous output
  for (const entry of readdirSync(join(work, "reference-old"), { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath: string; isFile(): boolean }>) {
    if (!entry.isFile()) continue;
    const from = join(entry.parentPath, entry.name);
    const to = join(out, from.slice(join(work, "reference-old").length));
    mkdirSync(join(to, ".."), { recursive: true });
    writeFileSync(to, readFileSync(from));
  }
  expect(treeHash(out)).toBe(oldHash);
  return { parent, out };
}

/** What is next to the output besides it; a lock left by a killed run is stale (its pid is gone) and ignored. */
const leftovers = (parent: string) =>
  readdirSync(parent).filter((name) => {
    if (name === "generated") return false;
    if (!name.endsWith(".k8s-gen.lock")) return true;
    const pid = Number(readFileSync(join(parent, name), "utf8"));
    try {
      process.kill(pid, 0);
      return true; // held by a live process: a real leftover
    } catch {
      return false; // stale: the next run takes it over
    }
  });

/** The state right after a kill: old, new, or (between the renames) absent with the journal. */
function stateAfterKill(out: string): "old" | "new" | "between renames" {
  if (!existsSync(out)) {
    expect(existsSync(swapPaths(out).journal), "the output is gone and no journal says how to finish").toBe(true);
    return "between renames";
  }
  const hash = treeHash(out);
  expect([oldHash, newHash], "the output is partial").toContain(hash);
  return hash === oldHash ? "old" : "new";
}

/** What the next run sees: recovery, then the output is complete and nothing is left over. */
async function recoverAndCheck(out: string, parent: string): Promise<"old" | "new"> {
  await recoverOutput(out);
  const hash = treeHash(out);
  expect([oldHash, newHash]).toContain(hash);
  expect(leftovers(parent)).toEqual([]);
  return hash === oldHash ? "old" : "new";
}

describe("the output swap, killed at any moment", () => {
  it("SIGKILL just before each file change of the run leaves old or new output, and the next run completes it", async () => {
    // One traced run lists the changes next to the output: the lock, the new tree, the journal, both renames, cleanup.
    const traced = previousOutput("traced");
    const trace = join(work, "trace.txt");
    const result = await runCli(traced.out, { K8S_GEN_WATCH_DIR: traced.parent, K8S_GEN_TRACE: trace }).exit;
    expect(result).toMatchObject({ code: 0 });
    expect(treeHash(traced.out)).toBe(newHash);
    const changes = readFileSync(trace, "utf8").trim().split("\n");
    const kinds = changes.map((line) => line.split(" ")[0]);
    expect(kinds.filter((k) => k === "rename").length).toBe(3); // journal into place, old out, new in
    // Every change from the journal on (the swap itself), and a sample of the new tree's writes. The journal is
    // written to a temporary name, then renamed into place: from that rename on, the swap is finished by the next run.
    const journalAt = changes.findIndex((line) => line.includes(".generated.k8s-gen-swap.tmp-"));
    const journalInPlace = changes.findIndex((line) => line.startsWith("rename"));
    const writes = changes.slice(0, journalAt).map((_, i) => i);
    const points = [...new Set([1, writes[Math.floor(writes.length / 2)]!, journalAt - 1, ...changes.slice(journalAt).map((_, i) => journalAt + i)])].sort((a, b) => a - b);
    const seen: Record<string, number> = {};
    for (const point of points) {
      const { parent, out } = previousOutput(`kill-${point}`);
      const killed = await runCli(out, { K8S_GEN_WATCH_DIR: parent, K8S_GEN_KILL_AT: String(point) }).exit;
      expect(killed.signal, `change ${point} (${changes[point]}) was not reached; journal at ${journalAt}; changes:\n${changes.join("\n")}`).toBe("SIGKILL");
      const state = stateAfterKill(out);
      seen[state] = (seen[state] ?? 0) + 1;
      const recovered = await recoverAndCheck(out, parent);
      // Once the journal is in place the swap is finished by the next run; before it, the old output stays.
      expect(recovered, `killed before change ${point}: ${changes[point]}`).toBe(point > journalInPlace ? "new" : "old");
    }
    expect(seen["between renames"]).toBeGreaterThanOrEqual(1);
    expect(seen.old).toBeGreaterThanOrEqual(1);
    expect(seen.new).toBeGreaterThanOrEqual(1);
  }, 600_000);

  it("SIGKILL at seeded random moments of a run leaves old or new output, never a partial one", async () => {
    let seed = 14;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 6; i++) {
      const { parent, out } = previousOutput(`random-${i}`);
      const run = runCli(out);
      await new Promise((resolve) => setTimeout(resolve, 200 + random() * 3_000));
      run.child.kill("SIGKILL");
      await run.exit;
      stateAfterKill(out);
      await recoverAndCheck(out, parent);
    }
  }, 600_000);

  it("the next run of the CLI finishes a swap a killed run left between its renames", async () => {
    const traced = readFileSync(join(work, "trace.txt"), "utf8").trim().split("\n");
    const secondRename = traced.findIndex((line, i) => line.startsWith("rename") && traced.slice(0, i).filter((l) => l.startsWith("rename")).length === 2);
    const { parent, out } = previousOutput("between");
    await runCli(out, { K8S_GEN_WATCH_DIR: parent, K8S_GEN_KILL_AT: String(secondRename) }).exit;
    expect(existsSync(out)).toBe(false);
    const next = await runCli(out).exit; // a normal run: it recovers first, then finds nothing to change
    expect(next.code).toBe(0);
    expect(treeHash(out)).toBe(newHash);
    expect(leftovers(parent)).toEqual([]);
  }, 120_000);

  it("cleans up what killed runs of older versions left, and restores an output they left renamed away", async () => {
    const { parent, out } = previousOutput("legacy");
    mkdirSync(join(parent, ".generated.k8s-gen-new-99999/apps"), { recursive: true });
    writeFileSync(join(parent, ".generated.k8s-gen-new-99999/apps/partial.ts"), "export const half");
    mkdirSync(join(parent, ".generated.k8s-gen-old-99998"));
    await recoverOutput(out);
    expect(leftovers(parent)).toEqual([]);
    expect(treeHash(out)).toBe(oldHash);
    // The old two-rename swap killed between its renames: no output, the previous one renamed to -old-PID.
    const moved = join(parent, ".generated.k8s-gen-old-4242");
    const { renameSync } = await import("node:fs");
    renameSync(out, moved);
    expect(existsSync(join(moved, MARKER_FILE))).toBe(true);
    await recoverOutput(out);
    expect(treeHash(out)).toBe(oldHash);
    expect(leftovers(parent)).toEqual([]);
  });

  it("a stale lock is taken over; a live one is a clear error (exit 5) that changes nothing", async () => {
    const { parent, out } = previousOutput("locks");
    writeFileSync(swapPaths(out).lock, "999999\n"); // no such process
    expect((await runCli(out).exit).code).toBe(0);
    expect(treeHash(out)).toBe(newHash);
    writeFileSync(swapPaths(out).lock, `${process.pid}\n`); // this test process: alive
    const blocked = await runCli(out).exit;
    expect(blocked.code).toBe(EXIT.output);
    expect(blocked.stderr).toMatch(/is being written by another k8s-gen \(pid \d+\); wait for it, or delete .*\.generated\.k8s-gen\.lock if no such process runs/);
    expect(treeHash(out)).toBe(newHash);
    rmSync(swapPaths(out).lock);
    expect(leftovers(parent)).toEqual([]);
  }, 120_000);
});
