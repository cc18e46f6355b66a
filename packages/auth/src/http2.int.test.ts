import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConnection } from "./load-connection.js";
import type { Connection, HttpResponse } from "./types.js";

// The opt-in HTTP/2 transport (`http2: true`) against the real kube-apiserver: plain requests, watches multiplexed
// on one connection, aborts, and the default staying HTTP/1.1.
const cp = inject("controlPlane");
const namespace = `h2-${process.pid}-${Date.now().toString(36)}`;
const open: Connection[] = [];

async function connect(http2: boolean): Promise<Connection> {
  const connection = await loadConnection({ kubeconfig: cp.kubeconfigPath, context: "admin", namespace, inCluster: false, env: { HOME: "/nonexistent" }, http2 });
  open.push(connection);
  return connection;
}

/** The protocol the response came over (`NodeResponse.httpVersion`; not part of the public type). */
const versionOf = (res: HttpResponse) => (res as HttpResponse & { httpVersion?: string }).httpVersion;

const json = { "content-type": "application/json" };
const configMap = (name: string) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: name } });
const configMaps = `/api/v1/namespaces/${namespace}/configmaps`;

/** Watch events, one JSON line each, until `until` says stop (the stream is cancelled then). */
async function readEvents(res: HttpResponse, until: (event: { type: string; object: { metadata: { name: string } } }) => boolean): Promise<string[]> {
  const seen: string[] = [];
  let buffered = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const event = JSON.parse(buffered.slice(0, newline)) as { type: string; object: { metadata: { name: string } } };
      buffered = buffered.slice(newline + 1);
      seen.push(`${event.type} ${event.object.metadata.name}`);
      if (until(event)) {
        res.cancel();
        return seen;
      }
    }
  }
  return seen;
}

let h2: Connection;

beforeAll(async () => {
  h2 = await connect(true);
  const res = await h2.request("/api/v1/namespaces", { method: "POST", headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }) });
  expect(res.status).toBe(201);
  await res.text();
});
afterAll(async () => {
  await (await h2.request(`/api/v1/namespaces/${namespace}`, { method: "DELETE" })).text();
  await Promise.all(open.map((c) => c.close()));
});

describe("HTTP/2 transport (opt-in) against the real apiserver", () => {
  it("creates, gets and lists over h2; a connection without the option stays on HTTP/1.1", async () => {
    for (const name of ["a", "b", "c"]) {
      const created = await h2.request(configMaps, { method: "POST", headers: json, body: configMap(name) });
      expect(versionOf(created)).toBe("2.0");
      expect(created.status).toBe(201);
      await created.text();
    }
    const got = await h2.request(`${configMaps}/b`);
    expect((await got.json()) as { data: unknown }).toMatchObject({ data: { k: "b" } });
    const listed = await h2.request(configMaps, { headers: { "accept-encoding": "gzip" } });
    expect(versionOf(listed)).toBe("2.0");
    expect(listed.header("content-type")).toMatch(/^application\/json/);
    const names = ((await listed.json()) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
    expect(names.filter((n) => ["a", "b", "c"].includes(n)).sort()).toEqual(["a", "b", "c"]);
    // Pseudo-headers never reach the masked request headers.
    expect(Object.keys(listed.sentHeaders).some((n) => n.startsWith(":"))).toBe(false);

    const http1 = await connect(false);
    const plain = await http1.request(configMaps);
    expect(versionOf(plain)).toBe("1.1");
    await plain.text();
  });

  it("delivers events to many concurrent watches on one connection while requests go on", async () => {
    const list = await h2.request(configMaps);
    const { metadata } = (await list.json()) as { metadata: { resourceVersion: string } };
    const watchers = 30; // above what the default request pool would hold as sockets, well below the server's 250 streams
    const watches = await Promise.all(
      Array.from({ length: watchers }, () => h2.request(`${configMaps}?watch=1&allowWatchBookmarks=false&resourceVersion=${metadata.resourceVersion}`, { stream: true })),
    );
    for (const w of watches) {
      expect(w.status).toBe(200);
      expect(versionOf(w)).toBe("2.0");
    }
    const delivered = Promise.all(watches.map((w) => readEvents(w, (e) => e.type === "ADDED" && e.object.metadata.name === "late")));
    // Plain requests are not held up by the open streams.
    const created = await h2.request(configMaps, { method: "POST", headers: json, body: configMap("late") });
    expect(created.status).toBe(201);
    await created.text();
    const seen = await delivered;
    for (const events of seen) expect(events).toContain("ADDED late");
  });

  it("an aborted watch ends with the caller's reason, and the connection keeps serving", async () => {
    const controller = new AbortController();
    const watch = await h2.request(`${configMaps}?watch=1`, { stream: true, signal: controller.signal });
    expect(versionOf(watch)).toBe("2.0");
    const reason = new Error("done watching");
    const reading = (async () => {
      for await (const _ of watch.body) controller.abort(reason); // the initial ADDED events arrive first
    })();
    await expect(reading).rejects.toBe(reason);
    const after = await h2.request(`${configMaps}/a`);
    expect(after.status).toBe(200);
    await after.text();
  });
});
