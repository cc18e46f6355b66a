import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Output, exited, isAlive, kubectl, startKubectl } from "../../../scripts/vitest/kubectl.js";
import { runInPty } from "../../../scripts/vitest/pty.js";
import { type ControlPlaneAccess, apiRequest } from "./admin-client.js";
import { createNamespace } from "./cluster-helpers.js";
import { PodScripts } from "./pod-scripts.js";
import { poll } from "./wait-for.js";

// Every pod I/O verb through kube-apiserver with the built kubectl, against simulated pods served by the test
// kubelet: the cluster is proven here before the SDK's own pod I/O is built on it.
const shared = inject("cluster");
const admin: ControlPlaneAccess = { server: shared.server, caPem: shared.caPem, certPem: shared.admin.certPem, keyPem: shared.admin.keyPem };
const scripts = new PodScripts(shared.kubeletDir);
const ns = `podio-${randomBytes(3).toString("hex")}`;
const bin = shared.binaries.kubectl!;
const run = (args: string[], options: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}) =>
  kubectl(bin, ["-n", ns, ...args], { kubeconfig: shared.kubeconfigPath, ...options });
const spdy = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" };
const main = { namespace: ns, pod: "p", container: "main" };
const work = mkdtempSync(join(tmpdir(), "pod-io-"));

async function createPod(name: string, containers = ["main"]): Promise<void> {
  const res = await apiRequest(admin, "POST", `/api/v1/namespaces/${ns}/pods`, {
    metadata: { name },
    spec: { containers: containers.map((c) => ({ name: c, image: "registry.example/app:1" })) },
  });
  if (res.status !== 201) throw new Error(`creating pod ${name}: ${res.status} ${res.text}`);
  await poll(`pod ${name} Running`, 60_000, async () => {
    const pod = await apiRequest(admin, "GET", `/api/v1/namespaces/${ns}/pods/${name}`);
    return (pod.json as { status?: { phase?: string } }).status?.phase === "Running" ? true : undefined;
  });
}

beforeAll(async () => {
  await createNamespace(admin, ns);
  await Promise.all([createPod("p", ["main", "side"]), createPod("follow"), createPod("attach"), createPod("forward")]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the test kubelet", () => {
  it("is what the nodes point kube-apiserver at, on loopback, and only for clients with a certificate of the cluster CA", async () => {
    const node = (await apiRequest(admin, "GET", `/api/v1/nodes/${shared.nodeNames[0]}`)).json as {
      status: { addresses: Array<{ type: string; address: string }>; daemonEndpoints: { kubeletEndpoint: { Port: number } } };
    };
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
    const kubelet = `https://127.0.0.1:${node.status.daemonEndpoints.kubeletEndpoint.Port}`;
    const anonymous = await apiRequest({ server: kubelet, caPem: shared.caPem }, "GET", "/healthz").then(
      (res) => `HTTP ${res.status}`,
      (error: Error) => error.message,
    );
    expect(anonymous).not.toMatch(/^HTTP/); // the TLS handshake fails without a client certificate
    expect((await apiRequest({ ...admin, server: kubelet }, "GET", "/healthz")).status).toBe(200);
  });
});

describe("kubectl logs", () => {
  it("returns what the container logged, per container, with --tail, --timestamps, --limit-bytes and --previous", async () => {
    const at = new Date("2026-01-02T03:04:05.123Z");
    scripts.appendLog(main, ["first line", "second line"], { time: at });
    scripts.appendLog(main, "to stderr", { stream: "stderr", time: at });
    scripts.appendLog({ ...main, container: "side" }, "sidecar says hi");
    scripts.appendLog(main, "from before the restart", { previous: true });

    expect(await run(["logs", "p", "-c", "main"])).toMatchObject({ code: 0, stdout: "first line\nsecond line\nto stderr\n" });
    expect((await run(["logs", "p", "-c", "side"])).stdout).toBe("sidecar says hi\n");
    expect((await run(["logs", "p", "-c", "main", "--tail=1"])).stdout).toBe("to stderr\n");
    expect((await run(["logs", "p", "-c", "main", "--tail=2", "--timestamps"])).stdout).toBe(
      "2026-01-02T03:04:05.123Z second line\n2026-01-02T03:04:05.123Z to stderr\n",
    );
    expect((await run(["logs", "p", "-c", "main", "--limit-bytes=8"])).stdout).toBe("first li");
    expect((await run(["logs", "p", "-c", "main", "--since-time=2026-01-02T03:04:06Z"])).stdout).toBe("");
    expect((await run(["logs", "p", "-c", "main", "--previous"])).stdout).toBe("from before the restart\n");
    const noPrevious = await run(["logs", "p", "-c", "side", "--previous"]);
    expect(noPrevious.code).toBe(1);
    expect(noPrevious.stderr).toContain('previous terminated container "side" in pod "p" not found');
  });

  it("follows with -f: lines appended later arrive, and the stream ends when the container exits", async () => {
    const ref = { namespace: ns, pod: "follow", container: "main" };
    scripts.appendLog(ref, "before");
    const child = startKubectl(bin, ["-n", ns, "logs", "-f", "follow"], { kubeconfig: shared.kubeconfigPath });
    const out = new Output(child.stdout!);
    await out.waitFor("before\n");
    scripts.appendLog(ref, ["after 1", "after 2"]);
    await out.waitFor("after 2\n");
    expect(child.exitCode).toBeNull(); // still following
    scripts.exitContainer(ref);
    expect(await exited(child)).toBe(0);
    expect(out.text).toBe("before\nafter 1\nafter 2\n");
  });
});

describe("kubectl exec", () => {
  it("separates stdout and stderr and exits with the command's exit code (WebSocket and SPDY)", async () => {
    const script = "echo out; echo err >&2; exit 3";
    for (const env of [{}, spdy] as Array<Record<string, string>>) {
      const res = await run(["exec", "p", "-c", "main", "--", "sh", "-c", script], { env });
      expect(res.code).toBe(3);
      expect(res.stdout).toBe("out\n");
      expect(res.stderr).toBe("err\ncommand terminated with exit code 3\n");
    }
    expect(await run(["exec", "p", "--", "echo", "hello", "world"])).toMatchObject({ code: 0, stdout: "hello world\n" });
  });

  it("passes stdin through to its end: -i with EOF lets the command finish (WebSocket and SPDY)", async () => {
    const input = `${Array.from({ length: 500 }, (_, i) => `line ${i} ${"x".repeat(40)}`).join("\n")}\n`;
    for (const env of [{}, spdy] as Array<Record<string, string>>) {
      expect(await run(["exec", "-i", "p", "--", "cat"], { input, env })).toMatchObject({ code: 0, stdout: input });
      expect(await run(["exec", "-i", "p", "--", "wc", "-l"], { input, env })).toMatchObject({ code: 0, stdout: "500\n" });
      expect(await run(["exec", "-i", "p", "--", "sh", "-c", "read a; read b; echo \"got $b then $a\"; exit 9"], { input: "one\ntwo\n", env })).toMatchObject({
        code: 9,
        stdout: "got two then one\n",
      });
    }
    // sh with no -c reads its script from stdin and ends at EOF with the last status.
    expect(await run(["exec", "-i", "p", "--", "sh"], { input: "echo a\necho b\nfalse\n" })).toMatchObject({ code: 1, stdout: "a\nb\n" });
  });

  it("gives -t a terminal whose size follows the client's, resized while the command runs", async () => {
    const poller = 'stty size; tty; echo "TERM=$TERM"; i=0; while [ $i -lt 100 ]; do s=$(stty size); if [ "$s" != "40 100" ]; then echo "resized to $s"; exit 4; fi; sleep 0.1; i=$((i+1)); done';
    const result = await runInPty([bin, "-n", ns, "exec", "-it", "p", "-c", "main", "--", "sh", "-c", poller], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", KUBECONFIG: shared.kubeconfigPath },
      size: [40, 100],
      resizeWhen: "TERM=xterm",
      resizeTo: [50, 120],
    });
    // A pty on the node side: \r\n line endings, a /dev/pts device, TERM set, the initial and the new size.
    expect(result.output).toMatch(/^40 100\r\n\/dev\/pts\/\d+\r\nTERM=xterm\r\nresized to 50 120\r\n/);
    expect(result.output).toContain("command terminated with exit code 4");
    expect(result.code).toBe(4);
  });

  it("kills the command when the client goes away (WebSocket and SPDY)", async () => {
    for (const env of [{}, spdy] as Array<Record<string, string>>) {
      const child = startKubectl(bin, ["-n", ns, "exec", "p", "--", "sh", "-c", "echo $$; sleep 300"], { kubeconfig: shared.kubeconfigPath, env });
      const out = new Output(child.stdout!);
      const pid = Number((await out.waitFor(/^(\d+)\n/))[1]);
      expect(isAlive(pid)).toBe(true);
      child.kill("SIGKILL");
      await exited(child);
      await poll(`sandbox ${pid} killed after its client went away`, 20_000, async () => (isAlive(pid) ? undefined : true));
    }
  });

  it("runs only built-in and scripted programs, confined to the container's root", async () => {
    writeFileSync(join(scripts.containerRoot(main), "seeded.txt"), "seeded by the test\n");
    expect(await run(["exec", "p", "--", "cat", "/seeded.txt"])).toMatchObject({ code: 0, stdout: "seeded by the test\n" });
    expect(await run(["exec", "p", "--", "sh", "-c", "pwd; ls /"])).toMatchObject({ code: 0, stdout: "/\nseeded.txt\ntmp\n" });
    // The host's files and programs are out of reach.
    const hostFile = await run(["exec", "p", "--", "cat", "/etc/hostname", "../../../../../etc/hostname"]);
    expect(hostFile.code).toBe(1);
    expect(hostFile.stderr).toContain("cat: /etc/hostname: No such file or directory");
    const hostProgram = await run(["exec", "p", "--", "/usr/bin/python3", "-c", "print(1)"]);
    expect(hostProgram.code).toBe(127);
    expect(hostProgram.stderr).toContain("/usr/bin/python3: command not found");
  });

  it("runs programs and environment scripted cluster-wide and per pod; the pod's win", async () => {
    scripts.setClusterBehaviour({ portForward: { "*": "echo" }, programs: { version: "echo cluster-v1" }, env: { STAGE: "cluster" } });
    try {
      scripts.setPodBehaviour({ namespace: ns, pod: "p" }, {
        env: { STAGE: "pod" },
        programs: { migrate: 'echo "migrating $1 on $HOSTNAME ($STAGE)"; echo "no schema" >&2; exit 4' },
        containers: { side: { programs: { version: "echo side-v2" } } },
      });
      expect(await run(["exec", "p", "--", "migrate", "db"])).toMatchObject({ code: 4, stdout: "migrating db on p (pod)\n" });
      expect((await run(["exec", "p", "-c", "main", "--", "version"])).stdout).toBe("cluster-v1\n");
      expect((await run(["exec", "p", "-c", "side", "--", "version"])).stdout).toBe("side-v2\n");
      expect((await run(["exec", "follow", "--", "sh", "-c", "version; echo $STAGE"])).stdout).toBe("cluster-v1\ncluster\n");
    } finally {
      scripts.setClusterBehaviour({ portForward: { "*": "echo" } });
      scripts.setPodBehaviour({ namespace: ns, pod: "p" }, {});
    }
  });
});

describe("kubectl attach", () => {
  const ref = { namespace: ns, pod: "attach", container: "main" };

  it("streams what the container writes from now on, stdout and stderr apart", async () => {
    scripts.appendLog(ref, "old line");
    const child = startKubectl(bin, ["-n", ns, "attach", "attach"], { kubeconfig: shared.kubeconfigPath });
    const [out, err] = [new Output(child.stdout!), new Output(child.stderr!)];
    await err.waitFor("If you don't see a command prompt");
    // kubectl prints that before the kubelet has attached, and attach shows only what comes after: write until seen.
    for (let i = 0; !out.text.includes("new line"); i++) {
      if (i === 100) throw new Error(`attach showed nothing; stderr: ${err.text}`);
      scripts.appendLog(ref, "new line");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    scripts.appendLog(ref, "new error", { stream: "stderr" });
    await err.waitFor("new error\n");
    expect(out.text).not.toContain("old line");
    child.kill("SIGKILL");
    await exited(child);
  });

  it("-i sends input to the container, whose output (and log) echoes it", async () => {
    const child = startKubectl(bin, ["-n", ns, "attach", "-i", "attach"], { kubeconfig: shared.kubeconfigPath, env: spdy });
    const [out, err] = [new Output(child.stdout!), new Output(child.stderr!)];
    await err.waitFor("If you don't see a command prompt");
    child.stdin!.write("typed in\n");
    await out.waitFor("typed in\n");
    child.kill("SIGKILL");
    await exited(child);
    expect((await run(["logs", "attach"])).stdout).toContain("typed in\n");
  });
});

describe("kubectl port-forward", () => {
  let server: Server;
  beforeAll(async () => {
    // A real TCP server on the host that the pod's port 8080 leads to.
    server = createServer((socket) => socket.once("data", (data) => socket.end(`server got ${data}`)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    scripts.setPodBehaviour({ namespace: ns, pod: "forward" }, { portForward: { "8080": `127.0.0.1:${port}`, "9": "refuse" } });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function exchange(localPort: number, message: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(localPort, "127.0.0.1", () => socket.end(message));
      let reply = "";
      socket.on("data", (chunk) => (reply += chunk));
      socket.on("end", () => resolve(reply));
      socket.on("error", reject);
    });
  }

  it("tunnels a TCP client to the pod's port: to a scripted server, and the echo default (WebSocket and SPDY)", async () => {
    for (const env of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }] as Array<Record<string, string>>) {
      const child = startKubectl(bin, ["-n", ns, "port-forward", "pod/forward", ":8080", ":80"], { kubeconfig: shared.kubeconfigPath, env });
      const out = new Output(child.stdout!);
      await out.waitFor(/-> 80\n/);
      const [, toServer] = out.text.match(/127\.0\.0\.1:(\d+) -> 8080/)!;
      const [, toEcho] = out.text.match(/127\.0\.0\.1:(\d+) -> 80\n/)!;
      expect(await exchange(Number(toServer), "hello")).toBe("server got hello");
      expect(await exchange(Number(toServer), "again")).toBe("server got again");
      expect(await exchange(Number(toEcho), "ping")).toBe("ping");
      child.kill("SIGKILL");
      await exited(child);
    }
  });

  it("reports a refused port as kubectl does for a closed port", async () => {
    const child = startKubectl(bin, ["-n", ns, "port-forward", "pod/forward", ":9"], { kubeconfig: shared.kubeconfigPath });
    const [out, err] = [new Output(child.stdout!), new Output(child.stderr!)];
    const [, local] = (await out.waitFor(/127\.0\.0\.1:(\d+) -> 9\n/)) as RegExpMatchArray;
    expect(await exchange(Number(local), "anyone?")).toBe("");
    await err.waitFor("connection refused");
    child.kill("SIGKILL");
    await exited(child);
  });
});

describe("kubectl cp", () => {
  it("copies a directory into a pod and back out", async () => {
    const src = join(work, "src");
    mkdirSync(join(src, "nested"), { recursive: true });
    writeFileSync(join(src, "a.txt"), "alpha\n");
    writeFileSync(join(src, "nested", "b.bin"), randomBytes(50_000));
    const into = await run(["cp", src, `${ns}/p:/data`, "-c", "main"], { timeoutMs: 60_000 });
    expect(into).toMatchObject({ code: 0 });
    expect((await run(["exec", "p", "--", "cat", "/data/a.txt"])).stdout).toBe("alpha\n");
    expect((await run(["exec", "p", "--", "wc", "-c", "/data/nested/b.bin"])).stdout).toBe("50000 /data/nested/b.bin\n");

    const back = join(work, "back");
    const out = await run(["cp", `${ns}/p:/data`, back, "-c", "main"], { timeoutMs: 60_000 });
    expect(out.code).toBe(0);
    expect(readFileSync(join(back, "a.txt"), "utf8")).toBe("alpha\n");
    expect(readFileSync(join(back, "nested", "b.bin")).equals(readFileSync(join(src, "nested", "b.bin")))).toBe(true);
  });
});
