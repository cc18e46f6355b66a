// Watches and informers against the real kube-apiserver through a fault-injecting proxy: each of the failure
// paths of issue #15, reproduced on demand, with the request counts that show they stay bounded.
import { type FaultProxy, startFaultProxy } from "@org/k8s-test-tools";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { kubeconfigConnection } from "../../../scripts/vitest/test-connection.js";
import { createClient } from "./client.js";
import { Informer, InformerStoppedError, type InformerEvent } from "./informer.js";
import { type ConfigMap, configMaps, namespaces } from "./test/descriptors.js";

const cp = inject("controlPlane");
const ns = `faults-${Date.now()}`;
let proxy: FaultProxy;
const direct = await kubeconfigConnection(cp.kubeconfigPath, ns);
const admin = createClient(direct).resource(configMaps);

/** A client whose every request goes through the proxy. */
async function proxied(options: { retry?: { maxRetries: number } } = {}) {
  const connection = await kubeconfigConnection(cp.kubeconfigPath, ns, "admin", proxy.url);
  return { connection, cms: createClient(connection, options).resource(configMaps) };
}

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cachedVersions = (informer: Informer<ConfigMap, true>, label: string) =>
  informer
    .list()
    .filter((o) => o.metadata?.labels?.set === label)
    .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
    .sort();
const serverVersions = async (label: string) => (await admin.list({ labelSelector: `set=${label}` })).items.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort();
const watchPath = `/api/v1/namespaces/${ns}/configmaps`;

async function seed(label: string, count: number) {
  for (let i = 0; i < count; i++) await admin.create({ metadata: { name: `${label}-${i}`, labels: { set: label } }, data: { i: String(i) } });
}

beforeAll(async () => {
  await createClient(direct).resource(namespaces).create({ metadata: { name: ns } });
  proxy = await startFaultProxy({ upstream: { server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem } });
});
afterEach(() => proxy.reset());
afterAll(async () => {
  await proxy.close();
  await direct.close();
});

describe("informer: the initial state", () => {
  it("1. a streaming list cut before its end bookmark starts over (with sendInitialEvents) and syncs; so does a re-list cut the same way", async () => {
    await seed("s1", 20);
    proxy.inject({ path: watchPath, watch: true, query: { sendInitialEvents: "true" }, fault: { type: "cut", afterLines: 3 } });
    const { connection, cms } = await proxied();
    const informer = new Informer(cms, { labelSelector: "set=s1", backoff: { initialMs: 50, maxMs: 200 } });
    await informer.start({ timeoutMs: 20_000 });
    expect(cachedVersions(informer, "s1")).toEqual(await serverVersions("s1"));
    const streaming = proxy.received({ path: watchPath, watch: true, query: { sendInitialEvents: "true" } });
    expect(streaming.length).toBe(2);
    expect(streaming[0]!.fault).toBe("cut");

    // Force a re-list (410 on the watch) and cut that streaming list too: the cache must not freeze.
    proxy.inject({ path: watchPath, watch: true, query: { sendInitialEvents: "true" }, fault: { type: "cut", afterLines: 3 } });
    proxy.inject({ path: watchPath, watch: true, fault: { type: "watch-error", afterLines: 0 } });
    proxy.cutAll();
    await admin.patch("s1-0", { type: "merge", body: { data: { i: "changed" } } });
    await admin.delete("s1-1");
    await until("the cache to follow the server after the re-list", async () => JSON.stringify(cachedVersions(informer, "s1")) === JSON.stringify(await serverVersions("s1")));
    expect(informer.synced).toBe(true);
    await informer.stop();
    await connection.close();
  });

  it("8. pages(): continuation pages carry no resourceVersion; an expired continue token falls back to one full list", async () => {
    await seed("p8", 7);
    const { connection, cms } = await proxied();
    const names: string[] = [];
    // An exact resourceVersion is read from etcd, in pages (a list at "0" comes from the watch cache in one piece).
    const at = (await admin.list({ labelSelector: "set=p8" })).metadata!.resourceVersion!;
    for await (const object of cms.items({ labelSelector: "set=p8", limit: 2, resourceVersion: at, resourceVersionMatch: "Exact" })) names.push(object.metadata!.name!);
    expect(names.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `p8-${i}`).sort());
    const lists = proxy.received({ path: watchPath, watch: false });
    expect(lists.length).toBe(4);
    for (const request of lists.slice(1)) expect(new URLSearchParams(request.query).has("resourceVersion")).toBe(false);

    proxy.reset();
    proxy.inject({ path: watchPath, watch: false, skip: 1, fault: { type: "status", status: 410, reason: "Expired", message: "The provided continue parameter is too old" } });
    const again: string[] = [];
    for await (const object of cms.items({ labelSelector: "set=p8", limit: 2 })) again.push(object.metadata!.name!);
    expect(again.sort()).toEqual(names.sort()); // every object once: the full list skips what the first page gave
    const fallback = proxy.received({ path: watchPath, watch: false }).at(-1)!;
    expect(new URLSearchParams(fallback.query).has("limit")).toBe(false);
    await connection.close();
  });
});

describe("plain watch", () => {
  it("2. started without a resourceVersion and cut after 3 of 10 initial events: every object exactly once, then later writes once", async () => {
    await seed("w2", 10);
    proxy.inject({ path: watchPath, watch: true, fault: { type: "cut", afterLines: 3 } });
    const { connection, cms } = await proxied();
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const event of cms.watch({ labelSelector: "set=w2", signal: controller.signal })) seen.push(`${event.type} ${event.object.metadata?.name}`);
    })();
    await until("10 initial events", () => seen.length >= 10);
    await admin.patch("w2-4", { type: "merge", body: { data: { i: "x" } } });
    await until("the update", () => seen.length >= 11);
    await sleep(300);
    controller.abort();
    await done;
    const initial = seen.slice(0, 10);
    expect(initial.every((line) => line.startsWith("ADDED "))).toBe(true);
    expect(new Set(initial).size).toBe(10);
    expect(seen.slice(10)).toEqual(["MODIFIED w2-4"]);
    await connection.close();
  });

  it("3. a watch closed cleanly right after its headers is reopened with backoff, not in a loop", async () => {
    const start = await admin.list({ labelSelector: "set=w3" });
    proxy.inject({ path: watchPath, watch: true, fault: { type: "close-after-headers" }, times: Number.POSITIVE_INFINITY });
    const { connection, cms } = await proxied();
    const controller = new AbortController();
    const done = (async () => {
      for await (const _ of cms.watch({ resourceVersion: start.metadata?.resourceVersion, labelSelector: "set=w3", signal: controller.signal }));
    })();
    await sleep(5000);
    controller.abort();
    await done;
    const watches = proxy.received({ path: watchPath, watch: true }).length;
    // client-go's backoff: 0.8-1.6 s, then 1.6-3.2 s, ...: a handful in 5 s, not hundreds.
    console.log(`[faults] case 3: ${watches} watch requests in 5 s`);
    expect(watches).toBeGreaterThanOrEqual(2);
    expect(watches).toBeLessThanOrEqual(6);
    await connection.close();
  });
});

describe("informer: the watch", () => {
  it("4. a 410 on every watch makes the informer re-list with backoff, reporting each as an error event", async () => {
    await seed("i4", 2);
    const { connection, cms } = await proxied();
    const informer = new Informer(cms, { labelSelector: "set=i4" });
    const errors: unknown[] = [];
    informer.on((event) => void (event.type === "error" && errors.push(event.error)));
    await informer.start();
    // From now on every watch (streaming lists of the re-lists included) ends at once with 410.
    proxy.inject({ path: watchPath, watch: true, fault: { type: "watch-error", afterLines: 0 }, times: Number.POSITIVE_INFINITY });
    const t0 = Date.now();
    proxy.cutAll();
    await sleep(5000);
    const requests = proxy.received({ path: watchPath }).filter((r) => r.at >= t0).length;
    console.log(`[faults] case 4: ${requests} list/watch requests and ${errors.length} error events in 5 s`);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(requests).toBeLessThanOrEqual(8);
    expect(informer.list()).toHaveLength(2); // the cache stays as it was
    await informer.stop();
    await connection.close();
  });

  it("5. listeners that throw (once, always, asynchronously) disturb neither the cache, nor other listeners, nor the process", async () => {
    const { connection, cms } = await proxied();
    const informer = new Informer(cms, { labelSelector: "set=i5", onListenerError: () => {} });
    let threw = false;
    informer.on(() => {
      if (!threw) {
        threw = true;
        throw new Error("once");
      }
    });
    informer.on(() => {
      throw new Error("always");
    });
    informer.on(async () => {
      throw new Error("async");
    });
    const seen: InformerEvent<ConfigMap>[] = [];
    informer.on((event) => void seen.push(event));
    await informer.start();
    await seed("i5", 3);
    await until("3 added events", () => seen.filter((e) => e.type === "added").length === 3);
    expect(informer.list()).toHaveLength(3);
    expect(proxy.received({ path: watchPath, watch: false })).toHaveLength(0); // no re-list
    expect(proxy.received({ path: watchPath, watch: true })).toHaveLength(1);
    await informer.stop();
    await connection.close();
  });

  it("6. start() settles: rejects when stopped first, after stop, on 403 (no rights), and on its signal", async () => {
    const { connection, cms } = await proxied();
    proxy.inject({ path: watchPath, watch: true, fault: { type: "silent", when: "before-response" }, times: Number.POSITIVE_INFINITY });
    const stuck = new Informer(cms, { labelSelector: "set=i6" });
    const starting = stuck.start();
    await sleep(200);
    await stuck.stop();
    await expect(starting).rejects.toBeInstanceOf(InformerStoppedError);
    await expect(stuck.start()).rejects.toBeInstanceOf(InformerStoppedError);

    const nobody = await kubeconfigConnection(cp.kubeconfigPath, ns, "unprivileged");
    const forbidden = new Informer(createClient(nobody).resource(configMaps), {});
    await expect(forbidden.start()).rejects.toMatchObject({ code: 403 });
    await nobody.close();

    const waiting = new Informer(cms, { labelSelector: "set=i6" });
    await expect(waiting.start({ signal: AbortSignal.timeout(300) })).rejects.toMatchObject({ name: "TimeoutError" });
    await waiting.stop();
    await connection.close();
  });

  it.each([
    ["after the headers", { type: "silent", when: "after-headers" }],
    ["mid-stream, after sync", { type: "silent", when: "mid-stream", afterLines: 1 }],
  ] as const)("7. a watch that goes silent %s is noticed and reopened; a later write is seen", async (_label, fault) => {
    const { connection, cms } = await proxied();
    const informer = new Informer(cms, { labelSelector: "set=i7", watchTimeoutSeconds: 3 });
    await informer.start();
    proxy.inject({ path: watchPath, watch: true, fault, times: 1 });
    proxy.cutAll(); // the running watch reconnects into the silent fault
    await sleep(200);
    const name = `i7-${fault.when}`;
    await admin.create({ metadata: { name, labels: { set: "i7" } } });
    await until("the write after the silence", () => informer.list().some((o) => o.metadata?.name === name), 20_000);
    await informer.stop();
    await connection.close();
  });
});

describe("silence before any answer", () => {
  it("7. a watch that gets no response headers at all times out (headerTimeoutMs) and is reopened; a later write is seen", async () => {
    const connection = await kubeconfigConnection(cp.kubeconfigPath, ns, "admin", proxy.url);
    const cms = createClient(connection, { headerTimeoutMs: 2000 }).resource(configMaps);
    const informer = new Informer(cms, { labelSelector: "set=i7b" });
    await informer.start();
    proxy.inject({ path: watchPath, watch: true, fault: { type: "silent", when: "before-response" }, times: 1 });
    proxy.cutAll();
    await sleep(200);
    await admin.create({ metadata: { name: "i7b-after", labels: { set: "i7b" } } });
    await until("the write after the silence", () => informer.list().some((o) => o.metadata?.name === "i7b-after"), 20_000);
    expect(proxy.received({ path: watchPath, watch: true }).some((r) => r.fault === "silent")).toBe(true);
    await informer.stop();
    await connection.close();
  });
});

describe("the connection ends everything", () => {
  it("9. credentials that cannot be obtained (a failing exec plugin) end the informer with a CredentialError, not endless re-runs", async () => {
    const { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "faults-exec-"));
    try {
      const runs = join(dir, "runs");
      const plugin = join(dir, "plugin.sh");
      writeFileSync(plugin, `#!/bin/sh\necho run >> ${runs}\necho "no credentials for you" >&2\nexit 1\n`);
      chmodSync(plugin, 0o755);
      const kubeconfig = join(dir, "kubeconfig");
      const ca = Buffer.from(cp.caPem).toString("base64");
      writeFileSync(
        kubeconfig,
        `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: "${cp.server}", certificate-authority-data: ${ca}}}]\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: Never}}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: ${ns}}}]\n`,
      );
      const { loadConnection } = await import("@org/k8s-auth");
      const connection = await loadConnection({ kubeconfig, inCluster: false, env: { HOME: dir, PATH: process.env.PATH } });
      const informer = new Informer(createClient(connection).resource(configMaps), {});
      const started = Date.now();
      await expect(informer.start()).rejects.toMatchObject({ name: "CredentialError" });
      expect(Date.now() - started).toBeLessThan(5000);
      await sleep(1500);
      expect(readFileSync(runs, "utf8").trim().split("\n").length).toBeLessThanOrEqual(2);
      await connection.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("9. connection.close() ends open watches and informers with a clear error instead of retrying", async () => {
    const { connection, cms } = await proxied();
    const informer = new Informer(cms, { labelSelector: "set=c9" });
    await informer.start();
    const ended = (async () => {
      try {
        for await (const _ of informer);
        return "ended";
      } catch (error) {
        return error;
      }
    })();
    const watchEnded = (async () => {
      try {
        for await (const _ of cms.watch({ labelSelector: "set=c9" }));
        return "ended";
      } catch (error) {
        return error;
      }
    })();
    await sleep(300);
    const before = proxy.requests.length;
    await connection.close();
    const [informerResult, watchResult] = await Promise.all([ended, watchEnded]);
    expect(informerResult).toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
    expect(watchResult).toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
    await sleep(1000);
    expect(proxy.requests.length).toBe(before); // nothing retried after close
  });
});
