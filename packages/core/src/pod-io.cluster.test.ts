import { execFileSync, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { type Server, connect as tcpConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { isAlive } from "../../../scripts/vitest/kubectl.js";
import { readmeExamples, typecheckExamples, writeRunnableExample } from "../../../scripts/vitest/readme-examples.js";
import { startConnectProxy, startSocks5Proxy } from "@org/k8s-test-tools";
import { PodScripts, createNamespace } from "@org/k8s-testenv";
import { poll } from "@org/k8s-testenv";
import {
  type ByteDuplex,
  type ByteReadable,
  type Kube,
  type RemoteProcess,
  connect,
  isContainerNotFound,
  isContainerNotRunning,
  isForbidden,
  isNotFound,
  isPortForwardError,
  isUnsafeArchiveEntry,
} from "./index.js";
import { isTransportError } from "@org/k8s-runtime";
import type { Pod } from "./generated/core/v1/index.js";

// Pod I/O through kube-apiserver to the test kubelet's simulated pods, with the SDK as users call it. Every verb
// runs as the admin with a client certificate and as a bearer-token admin; then the cases that are about the
// connection itself (proxies, exec plugins, impersonation, a forbidden user, closing).
const shared = inject("cluster");
const scripts = new PodScripts(shared.kubeletDir);
const ns = `sdk-podio-${randomBytes(3).toString("hex")}`;
const work = mkdtempSync(join(tmpdir(), "sdk-pod-io-"));
const identities = [
  ["a client certificate", "admin"],
  ["a bearer token", "token-admin"],
] as const;

const connectAs = (context: string, extra: { requestLog?: { level: number; write: (entry: string) => void } } = {}) =>
  connect({ kubeconfig: shared.kubeconfigPath, context, namespace: ns, inCluster: false, env: { HOME: "/nonexistent" }, ...extra });

async function text(stream: ByteReadable | null): Promise<string> {
  let out = "";
  if (stream) for await (const chunk of stream) out += Buffer.from(chunk).toString("utf8");
  return out;
}

/** Collects a stream's text as it arrives, to wait for something in it. */
function collect(stream: ByteReadable) {
  const seen = { text: "" };
  stream.on("data", (chunk) => (seen.text += Buffer.from(chunk).toString("utf8")));
  return {
    get text() {
      return seen.text;
    },
    until: (needle: string | RegExp, timeoutMs = 20_000) =>
      poll(`${needle} in ${JSON.stringify(seen.text.slice(-300))}`, timeoutMs, async () => (typeof needle === "string" ? seen.text.includes(needle) : needle.test(seen.text)) || undefined, 50),
  };
}

async function createPod(k8s: Kube, name: string, containers = ["main"], spec: Partial<NonNullable<Pod["spec"]>> = {}): Promise<void> {
  await k8s.core.v1.pods.create({ metadata: { name }, spec: { containers: containers.map((c) => ({ name: c, image: "registry.example/app:1" })), ...spec } });
  if (spec.nodeSelector) return;
  await poll(`pod ${name} Running`, 60_000, async () => ((await k8s.core.v1.pods.get(name)).status?.phase === "Running" ? true : undefined));
}

/** One round trip through a local port: connect, send, half-close, read to the end. */
function exchange(port: number, message: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1", () => socket.end(message));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
  });
}

async function readAll(stream: ByteDuplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

let admin: Kube;
let tcpServer: Server;
let tcpPort = 0;
beforeAll(async () => {
  await createNamespace({ server: shared.server, caPem: shared.caPem, certPem: shared.admin.certPem, keyPem: shared.admin.keyPem }, ns);
  admin = await connectAs("admin");
  // A real TCP server on the host that the pods' port 8080 leads to.
  tcpServer = createServer((socket) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => socket.end(`server got ${Buffer.concat(chunks)}`));
  });
  await new Promise<void>((resolve) => tcpServer.listen(0, "127.0.0.1", resolve));
  tcpPort = (tcpServer.address() as { port: number }).port;
  await Promise.all([
    ...identities.flatMap(([, id]) => [createPod(admin, `p-${id}`, ["main", "side"]), createPod(admin, `attach-${id}`), createPod(admin, `logs-${id}`, ["main", "side"])]),
    createPod(admin, "hostile"),
    createPod(admin, "pending", ["main"], { nodeSelector: { "no-such-node": "true" } }),
  ]);
  for (const [, id] of identities) scripts.setPodBehaviour({ namespace: ns, pod: `p-${id}` }, { portForward: { "8080": `127.0.0.1:${tcpPort}`, "9": "refuse", "*": "echo" } });
}, 180_000);
afterAll(async () => {
  await admin?.close();
  await new Promise<void>((resolve) => tcpServer?.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

describe.each(identities)("as an admin with %s", (_how, id) => {
  let k8s: Kube;
  const pod = `p-${id}`;
  beforeAll(async () => {
    k8s = await connectAs(id);
  });
  afterAll(() => k8s?.close());

  describe("exec", () => {
    it("runs a command: stdout and stderr apart, exit code 0, over v5.channel.k8s.io", async () => {
      const process = await k8s.core.v1.pods.exec(pod, { command: ["sh", "-c", "echo hello world; echo oops >&2"], container: "main" });
      expect(process.protocol).toBe("v5.channel.k8s.io");
      const [stdout, stderr, result] = await Promise.all([text(process.stdout), text(process.stderr), process.result]);
      expect({ stdout, stderr, exitCode: result.exitCode, status: result.status.status }).toEqual({ stdout: "hello world\n", stderr: "oops\n", exitCode: 0, status: "Success" });
      expect(await k8s.core.v1.pods.execCommand(pod, ["echo", "a", "b"], { container: "side" })).toEqual({ stdout: "a b\n", stderr: "", exitCode: 0 });
    });

    it("reports a non-zero exit code as the result, from the NonZeroExitCode status and its ExitCode cause", async () => {
      const process = await k8s.core.v1.pods.exec(pod, { command: ["sh", "-c", "echo out; echo err >&2; exit 3"], container: "main" });
      const [stdout, stderr, result] = await Promise.all([text(process.stdout), text(process.stderr), process.result]);
      expect({ stdout, stderr, exitCode: result.exitCode }).toEqual({ stdout: "out\n", stderr: "err\n", exitCode: 3 });
      expect(result.status.reason).toBe("NonZeroExitCode");
      expect(result.status.details?.causes).toContainEqual({ reason: "ExitCode", message: "3" });
      expect((await k8s.core.v1.pods.execCommand(pod, ["sh", "-c", "exit 130"], { container: "main" })).exitCode).toBe(130);
    });

    it("passes stdin to its end: the command reads until EOF and exits by itself", async () => {
      const input = `${Array.from({ length: 2000 }, (_, i) => `line ${i} ${"x".repeat(60)}`).join("\n")}\n`;
      expect(await k8s.core.v1.pods.execCommand(pod, ["wc", "-l"], { container: "main", stdin: input })).toEqual({ stdout: "2000\n", stderr: "", exitCode: 0 });
      expect((await k8s.core.v1.pods.execCommand(pod, ["cat"], { container: "main", stdin: input })).stdout).toBe(input);
      // A writable stdin: what is written arrives, end() is the EOF.
      const process = await k8s.core.v1.pods.exec(pod, { command: ["sh", "-c", 'read a; read b; echo "got $b then $a"; exit 9'], container: "main", stdin: true });
      process.stdin!.write("one\n");
      process.stdin!.end("two\n");
      const [stdout, result] = await Promise.all([text(process.stdout), process.result]);
      expect({ stdout, exitCode: result.exitCode }).toEqual({ stdout: "got two then one\n", exitCode: 9 });
      // Binary input and output, byte for byte.
      const bytes = randomBytes(300_000);
      const cat = await k8s.core.v1.pods.exec(pod, { command: ["cat"], container: "main", stdin: [bytes.subarray(0, 100_000), bytes.subarray(100_000)].values() as unknown as AsyncIterable<Uint8Array> });
      const out: Buffer[] = [];
      for await (const chunk of cat.stdout!) out.push(Buffer.from(chunk));
      expect(createHash("sha256").update(Buffer.concat(out)).digest("hex")).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect((await cat.result).exitCode).toBe(0);
    });

    it("falls back to v4.channel.k8s.io (servers before 1.30): output and exit codes, though stdin cannot close", async () => {
      const process = await k8s.core.v1.pods.exec(pod, { command: ["sh", "-c", "head -n 1; echo err >&2; exit 5"], container: "main", stdin: true, protocols: ["v4.channel.k8s.io"] });
      expect(process.protocol).toBe("v4.channel.k8s.io");
      process.stdin!.write("only line\n"); // head ends by itself: v4 has no way to send EOF
      const [stdout, stderr, result] = await Promise.all([text(process.stdout), text(process.stderr), process.result]);
      expect({ stdout, stderr, exitCode: result.exitCode }).toEqual({ stdout: "only line\n", stderr: "err\n", exitCode: 5 });
    });

    it("gives tty a terminal of the requested size, and the command sees it resized", async () => {
      const poller = 'stty size; tty; echo "TERM=$TERM"; i=0; while [ $i -lt 100 ]; do s=$(stty size); if [ "$s" != "40 100" ]; then echo "resized to $s"; exit 4; fi; sleep 0.1; i=$((i+1)); done';
      const process = await k8s.core.v1.pods.exec(pod, { command: ["sh", "-c", poller], container: "main", tty: true, terminalSize: { columns: 100, rows: 40 } });
      expect(process.stderr).toBeNull(); // a terminal has one output
      const out = collect(process.stdout!);
      await out.until("TERM=xterm");
      process.resize({ columns: 120, rows: 50 });
      const result = await process.result;
      expect(out.text).toMatch(/^40 100\r\n\/dev\/pts\/\d+\r\nTERM=xterm\r\nresized to 50 120\r\n$/);
      expect(result.exitCode).toBe(4);
    });

    it("aborting ends the session and frees its connection; the command is killed", async () => {
      const stop = new AbortController();
      const process = await k8s.core.v1.pods.exec(pod, { command: ["sh", "-c", "echo $$; sleep 300"], container: "main", signal: stop.signal });
      const out = collect(process.stdout!);
      await out.until(/^\d+\n/);
      const pid = Number(out.text.trim());
      expect(isAlive(pid)).toBe(true);
      const reason = new Error("enough");
      stop.abort(reason);
      await expect(process.result).rejects.toBe(reason);
      await poll(`sandbox ${pid} killed after its client went away`, 20_000, async () => (isAlive(pid) ? undefined : true));
      // close() does the same.
      const second = await k8s.core.v1.pods.exec(pod, { command: ["sleep", "300"], container: "main" });
      second.close();
      await expect(second.result).rejects.toMatchObject({ name: "AbortError" });
    });
  });

  describe("attach", () => {
    const ref = { namespace: ns, pod: `attach-${id}`, container: "main" };

    it("streams what the container writes from now on, and sends it input", async () => {
      scripts.appendLog(ref, "old line");
      const attached = await k8s.core.v1.pods.attach(ref.pod, { stdin: true });
      const out = collect(attached.stdout!);
      const err = collect(attached.stderr!);
      // The kubelet shows only what comes after it attached: write until it is seen.
      await poll("attach shows new lines", 30_000, async () => {
        scripts.appendLog(ref, "new line");
        await new Promise((resolve) => setTimeout(resolve, 200));
        return out.text.includes("new line\n") || undefined;
      });
      scripts.appendLog(ref, "new error", { stream: "stderr" });
      await err.until("new error\n");
      attached.stdin!.write("typed in\n"); // the simulated container echoes its input
      await out.until("typed in\n");
      expect(out.text).not.toContain("old line");
      // The container exits: the attach ends by itself, successfully.
      scripts.exitContainer(ref);
      expect((await attached.result).exitCode).toBe(0);
      expect(await k8s.core.v1.pods.log(ref.pod)).toContain("typed in\n");
    });
  });

  describe("port-forward", () => {
    it.each(["websocket", "spdy"] as const)("tunnels real TCP clients through a 127.0.0.1 listener (%s)", async (transport) => {
      await using forward = await k8s.core.v1.pods.portForward(pod, { ports: [":8080", { remote: 80 }], transport });
      expect(forward.protocol).toBe(transport === "websocket" ? "SPDY/3.1+portforward.k8s.io" : "portforward.k8s.io");
      const [toServer, toEcho] = forward.ports;
      expect(toServer).toMatchObject({ address: "127.0.0.1", remote: 8080 });
      expect(toEcho).toMatchObject({ address: "127.0.0.1", remote: 80 });
      expect((await exchange(toServer!.local, "hello")).toString()).toBe("server got hello");
      // Several connections at once over the one session.
      const replies = await Promise.all(Array.from({ length: 5 }, (_, i) => exchange(toServer!.local, `n${i}`)));
      expect(replies.map(String)).toEqual(Array.from({ length: 5 }, (_, i) => `server got n${i}`));
      const big = randomBytes(2 * 2 ** 20);
      expect((await exchange(toEcho!.local, big)).equals(big)).toBe(true);
    });

    it("gives a connection as a duplex stream; a refused port fails that connection only", async () => {
      const errors: Array<{ error: Error; port: { local: number; remote: number } }> = [];
      const forward = await k8s.core.v1.pods.portForward(pod, { ports: [":9"], onError: (error, port) => errors.push({ error, port }) });
      const stream = await forward.connect(8080);
      stream.end("from a duplex");
      expect((await readAll(stream)).toString()).toBe("server got from a duplex");

      const refused = await forward.connect(9);
      const failure = await readAll(refused).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isPortForwardError(failure)).toBe(true);
      expect(failure).toMatchObject({ port: 9, message: expect.stringContaining("connection refused") });
      // Through the listener the error goes to onError, and the client's connection ends.
      expect((await exchange(forward.ports[0]!.local, "anyone?")).length).toBe(0);
      await poll("onError called", 10_000, async () => errors.length > 0 || undefined);
      expect(errors[0]!.port).toEqual({ local: forward.ports[0]!.local, remote: 9 });
      expect(isPortForwardError(errors[0]!.error)).toBe(true);
      // The session is still up.
      const again = await forward.connect(80);
      again.end("still here");
      expect((await readAll(again)).toString()).toBe("still here");

      await forward.close();
      await forward.closed;
      // Closed: the listener is gone and no connection can be opened.
      await expect(exchange(forward.ports[0]!.local, "x")).rejects.toMatchObject({ code: "ECONNREFUSED" });
      await expect(forward.connect(80)).rejects.toThrow(/closed/);
    });
  });

  describe("copy", () => {
    it("copies a directory into a pod and back out, symlinks as symlinks", async () => {
      const src = join(work, `src-${id}`);
      mkdirSync(join(src, "nested", "empty"), { recursive: true });
      writeFileSync(join(src, "a.txt"), "alpha\n");
      const payload = randomBytes(300_000);
      writeFileSync(join(src, "nested", "b.bin"), payload);
      writeFileSync(join(src, `${"long-name-".repeat(12)}.txt`), "a name longer than ustar's 100 bytes\n");
      symlinkSync("a.txt", join(src, "inside-link"));
      // A local link to a host file goes in as a link: the host file's content never reaches the pod.
      symlinkSync("/etc/hostname", join(src, "host-link"));

      const into = await k8s.core.v1.pods.copyTo(pod, src, "/data", { container: "main" });
      expect(into).toMatchObject({ entries: 8, bytes: 6 + 300_000 + 37, skipped: [] });
      expect(await k8s.core.v1.pods.execCommand(pod, ["cat", "/data/a.txt", "/data/inside-link"], { container: "main" })).toMatchObject({ stdout: "alpha\nalpha\n" });
      expect((await k8s.core.v1.pods.execCommand(pod, ["wc", "-c", "/data/nested/b.bin"], { container: "main" })).stdout).toBe("300000 /data/nested/b.bin\n");
      expect(lstatSync(join(scripts.containerRoot({ namespace: ns, pod, container: "main" }), "data", "host-link")).isSymbolicLink()).toBe(true);
      // An existing directory as destination: the source goes inside it, as kubectl cp.
      await k8s.core.v1.pods.copyTo(pod, join(src, "a.txt"), "/data/nested", { container: "main" });
      expect((await k8s.core.v1.pods.execCommand(pod, ["cat", "/data/nested/a.txt"], { container: "main" })).stdout).toBe("alpha\n");

      // On the way back out, that link to an absolute path is refused before anything of it is written.
      const back = join(work, `back-${id}`);
      const refused = await k8s.core.v1.pods.copyFrom(pod, "/data", back, { container: "main" }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ name: "UnsafeArchiveEntryError", entry: "data/host-link" });
      expect(existsSync(join(back, "host-link"))).toBe(false);
      await k8s.core.v1.pods.execCommand(pod, ["rm", "/data/host-link"], { container: "main" });
      const out = await k8s.core.v1.pods.copyFrom(pod, "/data", back, { container: "main" });
      expect(out.skipped).toEqual([]);
      expect(readFileSync(join(back, "a.txt"), "utf8")).toBe("alpha\n");
      expect(readFileSync(join(back, "nested", "b.bin")).equals(payload)).toBe(true);
      expect(readFileSync(join(back, "nested", "a.txt"), "utf8")).toBe("alpha\n");
      expect(readFileSync(join(back, `${"long-name-".repeat(12)}.txt`), "utf8")).toContain("longer than ustar");
      expect(lstatSync(join(back, "nested", "empty")).isDirectory()).toBe(true);
      expect(readlinkSync(join(back, "inside-link"))).toBe("a.txt");
      // One file out, to a file path.
      await k8s.core.v1.pods.copyFrom(pod, "/data/nested/b.bin", join(work, `one-${id}.bin`), { container: "main" });
      expect(readFileSync(join(work, `one-${id}.bin`)).equals(payload)).toBe(true);
    });

    it("fails with the container tar's message when the path does not exist", async () => {
      await expect(k8s.core.v1.pods.copyFrom(pod, "/no/such/dir", join(work, `missing-${id}`), { container: "main" })).rejects.toMatchObject({
        name: "CopyFailedError",
        exitCode: 1,
        stderr: expect.stringContaining("/no/such/dir"),
      });
    });
  });

  describe("logs", () => {
    const main = { namespace: ns, pod: `logs-${id}`, container: "main" };

    it("follows: lines written after the call started arrive; the follow ends with the container or an abort", async () => {
      scripts.appendLog(main, "before");
      const stop = new AbortController();
      const lines: string[] = [];
      const following = (async () => {
        for await (const line of k8s.core.v1.pods.logStream(main.pod, { container: "main", signal: stop.signal })) lines.push(line);
      })();
      await poll("the first line", 20_000, async () => lines.includes("before") || undefined);
      scripts.appendLog(main, ["after 1", "", "  after 2"]);
      await poll("lines written after the follow started", 20_000, async () => lines.includes("  after 2") || undefined);
      expect(lines).toEqual(["before", "after 1", "", "  after 2"]); // blank and indented lines as written, as kubectl logs -f
      const reason = new Error("done reading");
      stop.abort(reason);
      await expect(following).rejects.toBe(reason);
    });

    it("tailLines, timestamps, sinceSeconds, previous and the container of a multi-container pod", async () => {
      const side = { ...main, container: "side" };
      const old = new Date(Date.now() - 2 * 3600_000);
      scripts.appendLog(side, ["old 1", "old 2"], { time: old });
      scripts.appendLog(side, ["recent 1", "recent 2"]);
      scripts.appendLog(side, "from before the restart", { previous: true });
      const read = async (options: Parameters<Kube["core"]["v1"]["pods"]["logStream"]>[1]) => {
        const lines: string[] = [];
        const stop = new AbortController();
        const timer = setTimeout(() => stop.abort(), 3_000);
        try {
          for await (const line of k8s.core.v1.pods.logStream(side.pod, { container: "side", ...options, signal: stop.signal })) lines.push(line);
        } catch (error) {
          if (!stop.signal.aborted) throw error;
        } finally {
          clearTimeout(timer);
        }
        return lines;
      };
      expect(await read({ tailLines: 1 })).toEqual(["recent 2"]);
      expect(await read({ sinceSeconds: 3600 })).toEqual(["recent 1", "recent 2"]);
      const stamped = await read({ tailLines: 3, timestamps: true });
      // RFC 3339 with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano), before each line.
      const [stamp, line] = stamped[0]!.split(" ");
      expect({ time: new Date(stamp!).getTime(), line }).toEqual({ time: old.getTime(), line: "old" });
      expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z old 2$/);
      expect(stamped[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z recent 1$/);
      expect(await read({ previous: true })).toEqual(["from before the restart"]);
      // Without a container, a multi-container pod is refused with a typed error.
      const error = await (async () => {
        for await (const _ of k8s.core.v1.pods.logStream(side.pod)) return undefined;
        return undefined;
      })().catch((e: unknown) => e);
      expect(isContainerNotFound(error)).toBe(true);
      expect((error as Error).message).toContain("a container name must be specified");
      // The container ends: the follow ends with it.
      scripts.exitContainer(side);
      const lines: string[] = [];
      for await (const line of k8s.core.v1.pods.logStream(side.pod, { container: "side", tailLines: 1 })) lines.push(line);
      expect(lines).toEqual(["recent 2"]);
    });
  });

  it("refuses with typed errors: no such container, a pod not running yet, no such pod", async () => {
    const missing = await k8s.core.v1.pods.exec(pod, { command: ["true"], container: "nope" }).catch((e: unknown) => e);
    expect(isContainerNotFound(missing)).toBe(true);
    expect(missing).toMatchObject({ code: 400, message: expect.stringContaining("container nope is not valid for pod") });
    const unnamed = await k8s.core.v1.pods.execCommand(pod, ["true"]).catch((e: unknown) => e);
    expect(isContainerNotFound(unnamed)).toBe(true);
    expect((unnamed as Error).message).toMatch(/a container name must be specified for pod p-[\w-]+, choose one of: \[main side\]/);
    const pending = await k8s.core.v1.pods.attach("pending").catch((e: unknown) => e);
    expect(isContainerNotRunning(pending)).toBe(true);
    expect((pending as Error).message).toContain("does not have a host assigned");
    await expect(k8s.core.v1.pods.portForward("pending")).rejects.toSatisfy(isContainerNotRunning);
    await expect(k8s.core.v1.pods.execCommand("no-such-pod", ["true"])).rejects.toSatisfy(isNotFound);
  });
});

describe("hostile archives from a pod (copyFrom)", () => {
  const ref = { namespace: ns, pod: "hostile", container: "main" };
  const archives = join(work, "archives");
  const tar = (name: string, args: string[], cwd: string) => execFileSync("tar", ["-cf", join(archives, `${name}.tar`), ...args], { cwd });

  beforeAll(() => {
    // Real archives from GNU tar, served by the pod's `tar` (scripted to print the archive named after its path).
    mkdirSync(archives, { recursive: true });
    const tree = join(work, "tree");
    mkdirSync(join(tree, "x"), { recursive: true });
    writeFileSync(join(tree, "x", "evil"), "escaped\n");
    tar("dotdot", ["-P", "--transform=s,^x/evil,x/../../escaped,", "x/evil"], tree);
    tar("absolute", ["-P", "--transform=s,^x/evil,/tmp/sdk-podio-absolute,", "x/evil"], tree);
    tar("elsewhere", ["--transform=s,^x,other,", "x/evil"], tree);
    mkdirSync(join(tree, "linkout"));
    symlinkSync("/etc/passwd", join(tree, "linkout", "passwd"));
    tar("linkout", ["linkout"], tree);
    mkdirSync(join(tree, "linkup"));
    symlinkSync("../../..", join(tree, "linkup", "up"));
    tar("linkup", ["linkup"], tree);
    // Each link alone stays inside; together `l` leads out (a -> . makes a/.. the destination's parent).
    mkdirSync(join(tree, "chain"));
    symlinkSync(".", join(tree, "chain", "a"));
    symlinkSync("a/..", join(tree, "chain", "l"));
    writeFileSync(join(tree, "chain", "file"), "fine\n");
    tar("chain", ["chain"], tree);
    mkdirSync(join(tree, "through", "evil"), { recursive: true });
    writeFileSync(join(tree, "through", "evil", "file"), "through a link\n");
    tar("through", ["through"], tree);
    const root = scripts.containerRoot(ref);
    mkdirSync(join(root, "archives"), { recursive: true });
    for (const name of ["dotdot", "absolute", "elsewhere", "linkout", "linkup", "chain", "through"]) {
      writeFileSync(join(root, "archives", `${name}.tar`), readFileSync(join(archives, `${name}.tar`)));
    }
    scripts.setPodBehaviour({ namespace: ns, pod: "hostile" }, { programs: { tar: 'cat "/archives$3.tar"' } });
  });

  it.each([
    ["dotdot", "x/../../escaped", /has a \.\. component/],
    ["absolute", "/tmp/sdk-podio-absolute", /absolute path/],
    ["elsewhere", "other/evil", /not under \/elsewhere/],
    ["linkout", "linkout/passwd", /symlink to the absolute path \/etc\/passwd/],
    ["linkup", "linkup/up", /symlink to \.\.\/\.\.\/\.\., outside the destination/],
    ["chain", "chain/l", /leads to .* through other symlinks, outside the destination/],
  ])("refuses %s: entry %s", async (name, entry, why) => {
    const dest = join(work, `dest-${name}`, "inner");
    const error = await admin.core.v1.pods.copyFrom("hostile", `/${name}`, dest).catch((e: unknown) => e);
    expect(isUnsafeArchiveEntry(error)).toBe(true);
    expect(error).toMatchObject({ entry, message: expect.stringMatching(why) });
    // Nothing landed outside the destination, and no link of the refused archive is left.
    expect(existsSync(join(work, "escaped"))).toBe(false);
    expect(existsSync(join(work, `dest-${name}`, "escaped"))).toBe(false);
    expect(existsSync("/tmp/sdk-podio-absolute")).toBe(false);
    if (name === "chain") {
      expect(existsSync(join(dest, "l"))).toBe(false);
      expect(existsSync(join(dest, "a"))).toBe(false);
      expect(readFileSync(join(dest, "file"), "utf8")).toBe("fine\n");
    }
  });

  it("never writes through a symlink already in the destination", async () => {
    const outside = join(work, "outside");
    mkdirSync(outside, { recursive: true });
    const dest = join(work, "dest-through");
    mkdirSync(dest, { recursive: true });
    symlinkSync(outside, join(dest, "evil"));
    const error = await admin.core.v1.pods.copyFrom("hostile", "/through", dest).catch((e: unknown) => e);
    expect(isUnsafeArchiveEntry(error)).toBe(true);
    expect((error as Error).message).toMatch(/is a symlink, and nothing is written through one/);
    expect(existsSync(join(outside, "file"))).toBe(false);
  });
});

describe("the connection underneath", () => {
  it("sends exactly the connection's credentials, and neither the request log nor errors show them", async () => {
    const entries: string[] = [];
    const k8s = await connectAs("token-admin", { requestLog: { level: 9, write: (entry) => entries.push(entry) } });
    try {
      expect((await k8s.core.v1.pods.execCommand("p-admin", ["echo", "logged"], { container: "main" })).stdout).toBe("logged\n");
      const forward = await k8s.core.v1.pods.portForward("p-admin");
      await forward.close();
      const log = entries.join("\n");
      expect(log).toMatch(/GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/[\w-]+\/pods\/p-admin\/exec\?command=echo&command=logged.* 101 Switching Protocols in \d+ milliseconds/);
      expect(log).toMatch(/pods\/p-admin\/exec\?.* stream closed after \d+ milliseconds/);
      expect(log).toMatch(/pods\/p-admin\/portforward 101 Switching Protocols/);
      expect(log).toContain("Authorization: Bearer <masked>");
      expect(log).toContain("Sec-Websocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io");
      expect(log).not.toContain(shared.adminToken.token);
    } finally {
      await k8s.close();
    }
    const unprivileged = await connectAs("unprivileged");
    try {
      const error = await unprivileged.core.v1.pods.execCommand("p-admin", ["true"], { container: "main" }).catch((e: unknown) => e);
      expect(isForbidden(error)).toBe(true);
      expect((error as Error).message).toMatch(/User "unprivileged" cannot get resource "pods\/exec"/);
      expect(JSON.stringify(error) + String(error) + (error as Error).stack).not.toContain(shared.unprivileged.token);
      await expect(unprivileged.core.v1.pods.portForward("p-admin")).rejects.toSatisfy(isForbidden);
      await expect(unprivileged.core.v1.pods.attach("attach-admin")).rejects.toSatisfy(isForbidden);
    } finally {
      await unprivileged.close();
    }
  });

  it("K8S_SDK_LOG_LEVEL shows pod I/O, and NODE_DEBUG=http,tls,net shows no token, in a process of its own", () => {
    const core = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = join(work, "debug-app.mjs");
    writeFileSync(
      script,
      [
        `import { connect } from ${JSON.stringify(core)};`,
        `const k8s = await connect({ kubeconfig: ${JSON.stringify(shared.kubeconfigPath)}, context: "token-admin", namespace: ${JSON.stringify(ns)} });`,
        `const out = await k8s.core.v1.pods.execCommand("p-admin", ["cat"], { container: "main", stdin: "through the debug log" });`,
        "const forward = await k8s.core.v1.pods.portForward('p-admin');",
        "const stream = await forward.connect(80);",
        "stream.end('pf');",
        "for await (const _ of stream);",
        "await forward.close();",
        "console.log(out.stdout);",
        "await k8s.close();",
      ].join("\n"),
    );
    const run = spawnSync(process.execPath, [script], {
      env: { PATH: process.env.PATH, HOME: "/nonexistent", K8S_SDK_LOG_LEVEL: "8", NODE_DEBUG: "http,https,tls,net" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toBe("through the debug log\n");
    expect(run.stderr).toMatch(/pods\/p-admin\/exec\?command=cat.* 101 Switching Protocols/);
    expect(run.stderr).toMatch(/pods\/p-admin\/portforward stream closed after/);
    expect(run.stderr).toMatch(/^HTTP \d+: /m); // Node's own debug output is there
    expect(run.stderr).not.toContain(shared.adminToken.token);
  });

  function kubeconfig(name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const file = join(work, `${name}.kubeconfig`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "c",
        clusters: [{ name: "c", cluster: { server: shared.server, "certificate-authority-data": b64(shared.caPem), ...cluster } }],
        users: [{ name: "u", user }],
        contexts: [{ name: "c", context: { cluster: "c", user: "u", namespace: ns } }],
      }),
    );
    return file;
  }
  const certUser = { "client-certificate-data": Buffer.from(shared.admin.certPem).toString("base64"), "client-key-data": Buffer.from(shared.admin.keyPem).toString("base64") };

  it.each([
    ["an HTTP CONNECT proxy", startConnectProxy],
    ["a SOCKS5 proxy", () => startSocks5Proxy()],
  ] as const)("goes through %s, as every other request", async (_name, start) => {
    const proxy = await start();
    const k8s = await connect({ kubeconfig: kubeconfig(`proxy-${proxy.url.slice(0, 5)}`, certUser, { "proxy-url": proxy.url }), inCluster: false, env: { HOME: "/nonexistent" } });
    try {
      expect((await k8s.core.v1.pods.execCommand("p-admin", ["echo", "proxied"], { container: "main" })).stdout).toBe("proxied\n");
      await using forward = await k8s.core.v1.pods.portForward("p-admin");
      const stream = await forward.connect(80);
      stream.end("via the proxy");
      expect((await readAll(stream)).toString()).toBe("via the proxy");
      const server = new URL(shared.server);
      expect(proxy.targets.length).toBeGreaterThanOrEqual(1);
      expect(proxy.targets.every((target) => target === `${server.hostname}:${server.port}`)).toBe(true);
    } finally {
      await k8s.close();
      await proxy.close();
    }
  });

  it("authenticates with an exec plugin, and impersonates as configured", async () => {
    const plugin = join(work, "credential-plugin.cjs");
    writeFileSync(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: ${JSON.stringify(shared.adminToken.token)} } }));\n`,
    );
    const exec = { apiVersion: "client.authentication.k8s.io/v1", command: process.execPath, args: [plugin], interactiveMode: "Never" };
    const viaPlugin = await connect({ kubeconfig: kubeconfig("exec-plugin", { exec }), inCluster: false, env: { HOME: "/nonexistent", PATH: process.env.PATH } });
    try {
      expect((await viaPlugin.core.v1.pods.execCommand("p-admin", ["echo", "plugin"], { container: "main" })).stdout).toBe("plugin\n");
    } finally {
      await viaPlugin.close();
    }
    // The admin's certificate, impersonating a user without rights: the upgrade carries Impersonate-User.
    const impersonating = await connect({ kubeconfig: kubeconfig("impersonate", { ...certUser, as: "unprivileged" }), inCluster: false, env: { HOME: "/nonexistent" } });
    try {
      const error = await impersonating.core.v1.pods.execCommand("p-admin", ["true"], { container: "main" }).catch((e: unknown) => e);
      expect(isForbidden(error)).toBe(true);
      expect((error as Error).message).toMatch(/User "unprivileged" cannot get resource "pods\/exec"/);
    } finally {
      await impersonating.close();
    }
  });

  it("closing the connection ends open sessions (ERR_CONNECTION_CLOSED) and frees their sockets", async () => {
    const k8s = await connectAs("admin");
    const process: RemoteProcess = await k8s.core.v1.pods.exec("p-admin", { command: ["sleep", "300"], container: "main" });
    const forward = await k8s.core.v1.pods.portForward("p-admin");
    await k8s.close();
    const error = await process.result.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
    await expect(forward.closed).rejects.toSatisfy((e: unknown) => isTransportError(e));
    await expect(k8s.core.v1.pods.execCommand("p-admin", ["true"], { container: "main" })).rejects.toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
  });
});

describe("README: the pod I/O example", () => {
  const examples = readmeExamples("pod-io example");
  const workDir = join(fileURLToPath(new URL("..", import.meta.url)), ".readme-examples-pod-io");
  const pod = `readme-${randomBytes(3).toString("hex")}`;
  beforeAll(async () => {
    mkdirSync(join(workDir, "config"), { recursive: true });
    writeFileSync(join(workDir, "config", "app.yaml"), "replicas: 2\n");
    await admin.core.v1.pods.create({ metadata: { name: pod }, spec: { containers: [{ name: "web", image: "nginx" }] } }, { namespace: "default" });
    await poll(`pod ${pod} Running`, 60_000, async () => ((await admin.core.v1.pods.get(pod, { namespace: "default" })).status?.phase === "Running" ? true : undefined));
  });
  afterAll(async () => {
    rmSync(workDir, { recursive: true, force: true });
    await admin.core.v1.pods.delete(pod, { namespace: "default", gracePeriodSeconds: 0 }).catch(() => {});
  });

  it("runs: exec to its end and streamed, a forwarded port, a copy both ways", async () => {
    expect([...examples.keys()]).toEqual(["exec-forward-copy"]);
    const file = writeRunnableExample(workDir, "exec-forward-copy", examples.get("exec-forward-copy")!);
    const run = spawnSync(process.execPath, [file, pod], { cwd: workDir, env: { PATH: process.env.PATH, HOME: workDir, KUBECONFIG: shared.kubeconfigPath }, encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([`3 ${pod}`, "2", "exit code 0", expect.stringMatching(/^forwarding 127\.0\.0\.1:\d+ -> 80$/), "2 entries back"]);
    expect(readFileSync(join(workDir, "copied", "app.yaml"), "utf8")).toBe("replicas: 2\n");
  });

  it("type-checks under --strict", async () => {
    expect(await typecheckExamples(workDir, examples)).toBe("");
  });
});
