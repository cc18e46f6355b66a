// Shared by the scenario scripts. Each scenario runs in a fresh process (so peak RSS is its own) from a copy of this
// directory inside an app that has the SDKs installed; it takes one JSON argument and prints one JSON result line:
//   { client: "sdk" | "clientnode" | "raw", kubeconfig, rawCredentials, namespace, ...sizes }
// "raw" is the floor: undici fetch with an undici Agent built from the same client certificate and CA.
import { readFileSync } from "node:fs";

export const args = JSON.parse(process.argv[2] ?? "{}");
export const now = () => performance.now();

/** Prints the result line (with this process's peak RSS) and exits. */
export function done(result) {
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ client: args.client, ...result, peakRssMiB: rssMiB })}\n`);
  process.exit(0);
}

export function fail(error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
}
process.on("unhandledRejection", fail);

/** The raw floor: `{ fetch, base, dispatcher, close }` over an undici Agent with the admin client certificate. */
export async function rawClient() {
  const { Agent, fetch } = await import("undici");
  const creds = JSON.parse(readFileSync(args.rawCredentials, "utf8"));
  const dispatcher = new Agent({ connect: { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem } });
  const base = creds.server.replace(/\/$/, "");
  return {
    base,
    dispatcher,
    fetch: (path, init = {}) => fetch(`${base}${path}`, { ...init, dispatcher }),
    async json(path, init) {
      const res = await fetch(`${base}${path}`, { ...init, dispatcher });
      if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    close: () => dispatcher.close(),
  };
}

/** Our SDK, as a user calls it; `protobuf`: reading built-in kinds as protobuf (`@org/k8s-core/protobuf`). */
export async function sdkClient({ protobuf = false } = {}) {
  const { connect } = await import("@org/k8s-core");
  const http2 = args.http2 !== undefined ? { http2: args.http2 } : {};
  if (!protobuf) return connect({ kubeconfig: args.kubeconfig, ...http2 });
  return connect({ kubeconfig: args.kubeconfig, ...http2, protobuf: (await import("@org/k8s-core/protobuf")).protobuf });
}

/** Whether this run is one of our SDK's clients: "sdk" (JSON) or "sdkpb" (protobuf reads). */
export const isSdk = (client) => client === "sdk" || client === "sdkpb";

/** @kubernetes/client-node, as its README shows. */
export async function clientNode() {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(args.kubeconfig);
  return { k8s, kc, core: kc.makeApiClient(k8s.CoreV1Api) };
}

/** Creates `count` ConfigMaps `${prefix}-${i}` with `bytes` of data, `concurrency` in flight, over the raw client. */
export async function createConfigMaps(raw, { namespace, prefix, count, bytes = 1024, concurrency = 16, labels = {}, onCreated, onStart }) {
  const filler = "x".repeat(bytes);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      const name = `${prefix}-${i}`;
      const startedAt = now();
      onStart?.(name, startedAt);
      const res = await raw.fetch(`/api/v1/namespaces/${namespace}/configmaps`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data: { payload: filler } }),
      });
      const text = await res.text();
      if (res.status !== 201 && res.status !== 409) throw new Error(`create ${name}: ${res.status} ${text}`);
      onCreated?.(name, startedAt);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export async function ensureNamespace(raw, name) {
  const res = await raw.fetch(`/api/v1/namespaces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } }),
  });
  await res.text();
  if (res.status !== 201 && res.status !== 409) throw new Error(`create namespace ${name}: ${res.status}`);
}
