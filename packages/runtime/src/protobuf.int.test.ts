// How reads behave with a protobuf codec, against the real kube-apiserver, with codecs that fail on purpose (the
// decoders themselves are @org/k8s-core's, tested there): the Accept header, and the fall back to JSON when a body
// cannot be decoded or the decoders cannot be loaded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminTestConnection } from "../../../scripts/vitest/test-connection.js";
import { createClient } from "./client.js";
import type { ProtobufCodec } from "./protobuf.js";
import { configMaps, namespaces } from "./test/descriptors.js";

const ns = `protobuf-${Date.now()}`;
const connection = await adminTestConnection(ns);
const plain = createClient(connection);

beforeAll(async () => {
  await plain.resource(namespaces).create({ metadata: { name: ns } });
  await plain.resource(configMaps).create({ metadata: { name: "a" }, data: { v: "1" } });
});
afterAll(async () => {
  await plain.resource(namespaces).delete(ns).catch(() => {});
  await connection.close();
});

/** A client with `codec`, recording the Accept header and content type of each read. */
function clientWith(codec: ProtobufCodec) {
  const reads: Array<{ accept: string; contentType: string; watch?: true }> = [];
  const client = createClient(connection, {
    protobuf: codec,
    onRequest: (request) => ({
      response: (response) =>
        void reads.push({ accept: request.headers.accept ?? "", contentType: response.header("content-type") ?? "", ...(request.url.includes("watch=true") ? { watch: true as const } : {}) }),
    }),
  });
  return { cms: client.resource(configMaps), reads };
}

const warnings = () => {
  const seen: string[] = [];
  const listener = (warning: Error) => {
    if (warning.name === "K8sProtobufWarning") seen.push(warning.message);
  };
  process.on("warning", listener);
  return { seen, stop: () => process.off("warning", listener) };
};

describe("protobuf reads", () => {
  it("ask for JSON when the codec does not know the kind", async () => {
    const { cms, reads } = clientWith({ readable: () => false, load: () => Promise.reject(new Error("never loaded")) });
    expect((await cms.list()).items.map((c) => c.metadata?.name)).toEqual(["a"]);
    expect(reads).toEqual([{ accept: "application/json", contentType: "application/json" }]);
  });

  it("ask for protobuf when it does; a body it cannot decode is read again as JSON, and so is every later read", async () => {
    let decoded = 0;
    const { cms, reads } = clientWith({
      readable: (apiVersion, kind) => apiVersion === "v1" && kind === "ConfigMap",
      load: async () => ({
        object: () => {
          decoded++;
          throw new Error("this decoder reads nothing");
        },
        watchEvent: () => {
          throw new Error("nor watch frames");
        },
      }),
    });
    const seen = warnings();
    try {
      const fromJson = await plain.resource(configMaps).list();
      expect(await cms.list()).toEqual(fromJson);
      expect(await cms.get("a")).toEqual(await plain.resource(configMaps).get("a"));
      expect(decoded).toBe(1);
      expect(reads.map((r) => r.accept)).toEqual(["application/vnd.kubernetes.protobuf, application/json", "application/json", "application/json"]);
      expect(reads[0]!.contentType).toBe("application/vnd.kubernetes.protobuf");
      await new Promise((r) => setImmediate(r));
      expect(seen.seen).toEqual(["ConfigMap: reading protobuf failed (this decoder reads nothing); reading JSON instead"]);
    } finally {
      seen.stop();
    }
  });

  it("a watch whose frames cannot be decoded resumes as JSON where it was, losing no event", async () => {
    const { cms, reads } = clientWith({
      readable: () => true,
      load: async () => ({
        object: () => {
          throw new Error("no objects");
        },
        watchEvent: () => {
          throw new Error("no frames");
        },
      }),
    });
    const seen = warnings();
    const stop = new AbortController();
    try {
      const resourceVersion = (await plain.resource(configMaps).list()).metadata!.resourceVersion!;
      const events: string[] = [];
      const watching = (async () => {
        for await (const event of cms.watch({ resourceVersion, signal: stop.signal })) {
          events.push(`${event.type} ${event.object.metadata?.name}`);
          if (events.length === 2) return;
        }
      })();
      await plain.resource(configMaps).create({ metadata: { name: "b" } });
      await plain.resource(configMaps).create({ metadata: { name: "c" } });
      await watching;
      expect(events).toEqual(["ADDED b", "ADDED c"]);
      const watches = reads.filter((r) => r.watch);
      expect(watches.map((r) => r.contentType)).toEqual(["application/vnd.kubernetes.protobuf;stream=watch", "application/json"]);
      expect(seen.seen).toHaveLength(1);
    } finally {
      stop.abort();
      seen.stop();
    }
  });

  it("decoders that fail to load: the read is JSON", async () => {
    const { cms, reads } = clientWith({ readable: () => true, load: () => Promise.reject(new Error("module not found")) });
    const seen = warnings();
    try {
      expect((await cms.get("a")).data).toEqual({ v: "1" });
      expect(reads.at(-1)!.contentType).toBe("application/json");
      await new Promise((r) => setImmediate(r));
      expect(seen.seen).toEqual(["ConfigMap: reading protobuf failed (module not found); reading JSON instead"]);
    } finally {
      seen.stop();
    }
  });
});
