// Scenario 9, pod I/O on a whole cluster (kube-apiserver in front of the test kubelet's simulated pods):
//  - exec round trip: `execs` sequential `echo` commands, each to its end (exit status received), after `warmup`;
//    kubectl is a process per command, as a script would run it;
//  - port-forward throughput: `mib` MiB written to a forwarded echo port and read back whole, through a local
//    127.0.0.1 listener with a real TCP client (kubectl port-forward; client-node's PortForward behind a net.Server,
//    one WebSocket per connection; this SDK's portForward listener), after a 4 MiB warm-up, median of 3 transfers
//    on new connections. MB/s counts the bytes one way.
// Result: exec median and p95 ms, port-forward MB/s.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect as tcpConnect, createServer } from "node:net";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { args, clientNode, done, now, sdkClient } from "./_common.mjs";

const run = promisify(execFile);
const { namespace, pod, container = "main", execs = 30, warmup = 3, mib = 32, kubectl } = args;
const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Sends `bytes` to a local port and reads them back (the pod's port echoes); resolves with the ms it took. */
function echoThrough(port, bytes) {
  return new Promise((resolve, reject) => {
    const started = now();
    let got = 0;
    const socket = tcpConnect(port, "127.0.0.1", () => socket.write(bytes));
    socket.on("data", (chunk) => {
      got += chunk.length;
      if (got >= bytes.length) {
        const ms = now() - started;
        socket.destroy();
        resolve(ms);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => got < bytes.length && reject(new Error(`port-forward echoed ${got} of ${bytes.length} bytes`)));
  });
}

let execOnce;
let forward; // { port, close }
let close = async () => {};
if (args.client === "sdk") {
  const k8s = await sdkClient();
  execOnce = async () => {
    const { stdout, exitCode } = await k8s.core.v1.pods.execCommand(pod, ["echo", "ping"], { namespace, container });
    if (stdout !== "ping\n" || exitCode !== 0) throw new Error(`exec printed ${JSON.stringify(stdout)}, exit ${exitCode}`);
  };
  forward = async () => {
    const session = await k8s.core.v1.pods.portForward(pod, { namespace, ports: [":80"] });
    return { port: session.ports[0].local, close: () => session.close() };
  };
  close = () => k8s.close();
} else if (args.client === "clientnode") {
  const { k8s, kc } = await clientNode();
  const exec = new k8s.Exec(kc);
  execOnce = () =>
    new Promise((resolve, reject) => {
      let out = "";
      const stdout = new Writable({ write: (chunk, _e, cb) => ((out += chunk), cb()) });
      exec
        .exec(namespace, pod, container, ["echo", "ping"], stdout, null, null, false, (status) => {
          if (status.status !== "Success") reject(new Error(`exec status ${JSON.stringify(status)}`));
        })
        .then((ws) => ws.on("close", () => (out === "ping\n" ? resolve() : reject(new Error(`exec printed ${JSON.stringify(out)}`)))), reject);
    });
  forward = async () => {
    const pf = new k8s.PortForward(kc);
    const server = createServer((socket) => {
      pf.portForward(namespace, pod, [80], socket, null, socket).catch(() => socket.destroy());
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
  };
} else if (args.client === "kubectl") {
  const env = { PATH: process.env.PATH, HOME: "/nonexistent", KUBECONFIG: args.kubeconfig };
  execOnce = async () => {
    const { stdout } = await run(kubectl, ["-n", namespace, "exec", pod, "-c", container, "--", "echo", "ping"], { env });
    if (stdout !== "ping\n") throw new Error(`kubectl exec printed ${JSON.stringify(stdout)}`);
  };
  forward = async () => {
    const child = spawn(kubectl, ["-n", namespace, "port-forward", `pod/${pod}`, ":80"], { env, stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const match = /127\.0\.0\.1:(\d+) -> 80/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once("exit", (code) => reject(new Error(`kubectl port-forward exited with ${code}`)));
    });
    return { port, close: async () => child.kill("SIGKILL") };
  };
} else {
  throw new Error(`podio: unknown client ${args.client}`);
}

for (let i = 0; i < warmup; i++) await execOnce();
const times = [];
for (let i = 0; i < execs; i++) {
  const t0 = now();
  await execOnce();
  times.push(now() - t0);
}
const session = await forward();
await echoThrough(session.port, randomBytes(4 * 2 ** 20)); // sets the session up and warms the JIT, as for execs
const payload = randomBytes(mib * 2 ** 20);
const transfers = [];
for (let i = 0; i < 3; i++) transfers.push(await echoThrough(session.port, payload)); // a new connection each time
await session.close();
await close();
const ms = percentile(transfers, 50);
done({ execs, execMedianMs: percentile(times, 50), execP95Ms: percentile(times, 95), mib, forwardMs: ms, forwardMBps: payload.length / 1e6 / (ms / 1000) });
