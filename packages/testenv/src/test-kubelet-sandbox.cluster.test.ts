import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";

// The test kubelet's exec sandbox on its own: what a command can reach. It runs the built binary directly.
const shared = inject("cluster");
const work = mkdtempSync(join(tmpdir(), "sandbox-"));
const root = join(work, "root");
const outside = join(work, "outside");
mkdirSync(root);
mkdirSync(outside);
writeFileSync(join(outside, "secret"), "host secret\n");
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function sandbox(argv: string[], input?: Buffer | string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      shared.binaries.testKubelet,
      ["sandbox", `--root=${root}`, `--spec=${JSON.stringify({ pod: "p" })}`, "--", ...argv],
      { encoding: "utf8", env: {}, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

describe("the exec sandbox", () => {
  it("resolves absolute paths and .. inside the root", async () => {
    expect(await sandbox(["sh", "-c", "mkdir -p /a/b && echo x > /a/b/f && cd /a/b && cat ../../a/b/f && cd ../../../.. && pwd"])).toMatchObject({
      code: 0,
      stdout: "x\n/\n",
    });
    expect(readFileSync(join(root, "a/b/f"), "utf8")).toBe("x\n");
    const escape = await sandbox(["sh", "-c", `cat ${join(outside, "secret")}; echo y > ../../../outside/planted`]);
    expect(escape.stdout).toBe("");
    expect(existsSync(join(outside, "planted"))).toBe(false);
  });

  it("refuses symlinks that lead out of the root", async () => {
    symlinkSync(outside, join(root, "link-out"));
    symlinkSync("/etc", join(root, "etc-link"));
    const res = await sandbox(["sh", "-c", "cat /link-out/secret; cat /etc-link/hostname; echo planted > /link-out/planted"]);
    expect(res.stdout).toBe("");
    expect(res.code).not.toBe(0);
    expect(existsSync(join(outside, "planted"))).toBe(false);
  });

  it("extracts tar archives without letting entries or links escape", async () => {
    // An archive whose members try ../, an absolute path, and a symlink out followed by a file through it.
    const tarDir = join(work, "evil");
    mkdirSync(join(tarDir, "d"), { recursive: true });
    writeFileSync(join(tarDir, "d", "f"), "ok\n");
    symlinkSync(outside, join(tarDir, "d", "out"));
    const { stdout: archive } = await promisify(execFile)("tar", ["-C", tarDir, "-cf", "-", "d", "--transform", "s,^d/f$,../../escaped,"], { encoding: "buffer" });
    const res = await sandbox(["tar", "-xmf", "-", "-C", "/x"], archive);
    expect(res).toMatchObject({ code: 0, stderr: "" });
    // "../../escaped" from /x stops at the root, as in a chroot: the file lands in the root, not beside it.
    expect(readFileSync(join(root, "escaped"), "utf8")).toBe("ok\n");
    expect(existsSync(join(work, "escaped"))).toBe(false);
    // The symlink is extracted as it is, but nothing goes through it.
    const linked = await sandbox(["sh", "-c", "ls /x/d; cat /x/d/out/secret"]);
    expect(linked.stdout).toBe("out\n");
    expect(linked.code).toBe(1);
  });

  it("runs no host program, only its own, and says which those are", async () => {
    // (A built-in answers to any path ending in its name, as /bin/sh does in an image.)
    for (const program of ["python3", "/usr/bin/python3", "node", "curl"]) {
      const res = await sandbox([program, "--version"]);
      expect(res.code).toBe(127);
      expect(res.stderr).toContain(`${program}: command not found (test-kubelet runs only its built-in programs: bash cat env head hostname ls mkdir rm sh sleep stty tar tty wc)`);
    }
    // Not even through the shell: exec, command and a path.
    expect((await sandbox(["sh", "-c", "exec /usr/bin/id"])).code).toBe(127);
    expect((await sandbox(["sh", "-c", "command id"])).code).toBe(127);
  });

  it("starts with a clean environment", async () => {
    const res = await sandbox(["env"]);
    expect(res.stdout.split("\n").filter(Boolean).sort()).toEqual(["HOME=/root", "HOSTNAME=p", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
  });
});
