import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Scratch, scratch } from "../testing/tmp.js";
import { ExecAuthenticator, type ExecRunOptions, parseExecCredential, runExecPlugin } from "./exec-plugin.js";

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.remove());

const V1 = "client.authentication.k8s.io/v1";
const V1B = "client.authentication.k8s.io/v1beta1";
const cluster = { server: "https://k8s:6443", "certificate-authority-data": "Q0E=" };

/** A node plugin: records its env and argv, counts runs, prints `status` (or exits with `exit`). */
function plugin(status: unknown, options: { apiVersion?: string; exit?: number; sleepMs?: number } = {}): string {
  return s.write(
    `plugin-${Math.random().toString(36).slice(2)}.mjs`,
    `#!/usr/bin/env node
import { appendFileSync, writeFileSync } from "node:fs";
appendFileSync(${JSON.stringify(s.path("runs"))}, "x");
writeFileSync(${JSON.stringify(s.path("seen.json"))}, JSON.stringify({ info: process.env.KUBERNETES_EXEC_INFO, foo: process.env.FOO, argv: process.argv.slice(2), parent: process.env.PARENT }));
${options.sleepMs ? `await new Promise((r) => setTimeout(r, ${options.sleepMs}));` : ""}
${options.exit !== undefined ? `process.exit(${options.exit});` : ""}
process.stdout.write(JSON.stringify({ apiVersion: ${JSON.stringify(options.apiVersion ?? V1)}, kind: "ExecCredential", status: ${JSON.stringify(status)} }));
`,
    0o755,
  );
}
const runs = () => {
  try {
    return readFileSync(s.path("runs"), "utf8").length;
  } catch {
    return 0;
  }
};
const seen = () => JSON.parse(readFileSync(s.path("seen.json"), "utf8")) as { info: string; foo?: string; argv: string[]; parent?: string };
const opts = (command: string, exec: Partial<ExecRunOptions["exec"]> = {}): ExecRunOptions => ({
  exec: { command, apiVersion: V1, interactiveMode: "Never", ...exec },
  user: "u",
  cluster,
  env: { PATH: process.env.PATH, PARENT: "p" },
  timeoutMs: 10_000,
  stdinIsTTY: false,
});

describe("running a plugin", () => {
  it("passes env, args and KUBERNETES_EXEC_INFO (with the cluster when provideClusterInfo)", async () => {
    const command = plugin({ token: "tok" });
    expect(await runExecPlugin(opts(command, { args: ["get-token", "--x"], env: [{ name: "FOO", value: "bar" }] }))).toEqual({ token: "tok" });
    expect(seen()).toMatchObject({ foo: "bar", parent: "p", argv: ["get-token", "--x"] });
    expect(JSON.parse(seen().info)).toEqual({ kind: "ExecCredential", apiVersion: V1, spec: { interactive: false } });
    await runExecPlugin(opts(command, { provideClusterInfo: true }));
    expect(JSON.parse(seen().info).spec).toEqual({ interactive: false, cluster });
  });

  it("v1beta1 defaults to IfAvailable; Always without a terminal fails", async () => {
    const command = plugin({ token: "t" }, { apiVersion: V1B });
    await runExecPlugin({ ...opts(command, { apiVersion: V1B, interactiveMode: undefined }), stdinIsTTY: false });
    expect(JSON.parse(seen().info).spec.interactive).toBe(false);
    await expect(runExecPlugin(opts(command, { interactiveMode: "Always" }))).rejects.toThrowError(
      "exec plugin cannot support interactive mode: standard input is not a terminal",
    );
  });

  it("client-go's output checks, never echoing the output", async () => {
    expect(() => parseExecCredential('{"apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"SECRET"}}', V1)).toThrowError(
      `exec plugin is configured to use API version ${V1}, plugin returned version ${V1B}`,
    );
    expect(() => parseExecCredential(`{"apiVersion":"${V1}"}`, V1)).toThrowError("exec plugin didn't return a status field");
    expect(() => parseExecCredential(`{"apiVersion":"${V1}","status":{}}`, V1)).toThrowError("exec plugin didn't return a token or cert/key pair");
    expect(() => parseExecCredential(`{"apiVersion":"${V1}","status":{"clientCertificateData":"c"}}`, V1)).toThrowError(
      "exec plugin returned only certificate or key, not both",
    );
    const bad = (() => {
      try {
        parseExecCredential("SECRET not json", V1);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(bad).not.toContain("SECRET");
    expect(parseExecCredential(`{"apiVersion":"${V1}","status":{"token":"t","expirationTimestamp":"2030-01-01T00:00:00Z"}}`, V1)).toEqual({
      token: "t",
      expiresAt: Date.parse("2030-01-01T00:00:00Z"),
    });
  });

  it("a missing plugin names it and shows the install hint", async () => {
    await expect(runExecPlugin(opts("no-such-plugin-xyz", { installHint: "install it with: brew install xyz" }))).rejects.toThrowError(
      /^exec: executable no-such-plugin-xyz not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed\.[\s\S]*install it with: brew install xyz$/,
    );
  });

  it("a failing plugin gives its exit code", async () => {
    const command = plugin({ token: "t" }, { exit: 7 });
    await expect(runExecPlugin(opts(command))).rejects.toThrowError(`exec: executable ${command} failed with exit code 7`);
  });

  it("a hung plugin is killed after the timeout", async () => {
    const command = plugin({ token: "t" }, { sleepMs: 20_000 });
    const started = Date.now();
    await expect(runExecPlugin({ ...opts(command), timeoutMs: 300 })).rejects.toThrowError(/did not finish within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("ExecAuthenticator", () => {
  it("one run for concurrent callers; cached until expirationTimestamp (no skew)", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const command = plugin({ token: "t", expirationTimestamp: "2030-01-01T00:01:00Z" });
    const auth = new ExecAuthenticator(opts(command), () => now);
    const all = await Promise.all(Array.from({ length: 10 }, () => auth.credentials()));
    expect(new Set(all.map((c) => c.token))).toEqual(new Set(["t"]));
    expect(runs()).toBe(1);
    now += 60_000; // exactly at expiry: still used
    await auth.credentials();
    expect(runs()).toBe(1);
    now += 1;
    await auth.credentials();
    expect(runs()).toBe(2);
  });

  it("without a timestamp the credential is kept until a 401 for exactly those credentials", async () => {
    const command = plugin({ token: "t" });
    const auth = new ExecAuthenticator(opts(command));
    const first = await auth.credentials();
    await auth.credentials();
    expect(runs()).toBe(1);
    auth.unauthorized({ token: "something else" });
    await auth.credentials();
    expect(runs()).toBe(1);
    auth.unauthorized(first);
    await auth.credentials();
    expect(runs()).toBe(2);
  });

  it("errors at request time are prefixed 'getting credentials: '", async () => {
    const auth = new ExecAuthenticator(opts(plugin({}, { exit: 1 })));
    await expect(auth.credentials()).rejects.toThrowError(/^getting credentials: exec: executable .* failed with exit code 1$/);
  });
});
