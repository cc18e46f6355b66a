// Differential test of the protobuf decoders: a corpus of every built-in kind (test/protobuf/corpus.yaml) is created
// on the whole cluster, controllers and simulated nodes add what they write (status, ReplicaSets, Pods, Events,
// EndpointSlices, Leases, ControllerRevisions, ...), and other cluster tests add theirs. Then every listable kind is
// read as JSON and as protobuf from the same kube-apiserver: lists at one exact resourceVersion, every object by
// get, and watch events from one resourceVersion. Each pair must be deep-equal.
import { fileURLToPath } from "node:url";
import type { KubernetesList, KubernetesObject, ResourceClient, ResourceDescriptor } from "@org/k8s-runtime";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { clients, firstDifference, keyOf, kindOf, listable, stubPkcs10Request } from "../test/protobuf/differential.js";
import { type Kube, type Manifest, applyManifests, deleteManifests, readManifests, waitFor, waitForRollout } from "./index.js";
import { protobuf } from "./protobuf/index.js";

const cluster = inject("cluster");
const corpus = fileURLToPath(new URL("../test/protobuf/corpus.yaml", import.meta.url));
let json: Kube;
let proto: Kube;
let contentTypes: Map<string, Set<string>>;
let manifests: Manifest[] = [];

/** Kinds with no protobuf decoders (JSON both ways, still compared): apiextensions-apiserver's and kube-aggregator's. */
const JSON_ONLY = new Set(["apiextensions.k8s.io/v1/CustomResourceDefinition", "apiregistration.k8s.io/v1/APIService"]);
/** Kinds the apiserver lists in no stable order (componentstatuses probes each component concurrently). */
const UNORDERED = new Set(["v1/ComponentStatus"]);

beforeAll(async () => {
  ({ json, proto, contentTypes } = await clients(cluster.kubeconfigPath));
  manifests = await readManifests(corpus);
  // One by one in document order: the pod needs its PriorityClass, the claim its StorageClass, ...
  for (const manifest of manifests) await applyManifests(json.objects, [manifest], { fieldManager: "pb-corpus", force: true });
  expect(manifests.length).toBeGreaterThan(70);
  // What the corpus cannot say statically: a PodCertificateRequest names a running pod, its node and account.
  const pod = await waitFor(json.core.v1.pods, "everything", (p) => p?.status?.phase === "Running", { namespace: "pb-corpus", timeoutMs: 90_000 }).catch(async (error: Error) => {
    const events = await json.core.v1.events.list({ namespace: "pb-corpus", fieldSelector: "involvedObject.name=everything" });
    throw new Error(`${error.message}; its events: ${events.items.map((e) => e.message).join(" | ")}`);
  });
  const [node, account] = await Promise.all([json.core.v1.nodes.get(pod!.spec!.nodeName!), json.core.v1.serviceAccounts.get("default", { namespace: "pb-corpus" })]);
  await json.certificates.v1.podCertificateRequests
    .create({
      metadata: { name: "pb-pcr", namespace: "pb-corpus" },
      spec: {
        signerName: "example.com/pb-signer",
        podName: pod!.metadata!.name!,
        podUID: pod!.metadata!.uid!,
        serviceAccountName: "default",
        serviceAccountUID: account.metadata!.uid!,
        nodeName: node.metadata!.name!,
        nodeUID: node.metadata!.uid!,
        maxExpirationSeconds: 86400,
        stubPKCS10Request: stubPkcs10Request(),
        unverifiedUserAnnotations: { "example.com/from": "pb-corpus" },
      },
    })
    .catch((error: { status?: { reason?: string } }) => {
      if (error.status?.reason !== "AlreadyExists") throw error;
    });
  // A CSR with an approval condition (its lastUpdateTime and lastTransitionTime), a ConfigMap being deleted (held by
  // a finalizer: deletionTimestamp, deletionGracePeriodSeconds).
  const csr = await json.certificates.v1.certificateSigningRequests.get("pb-csr");
  if (!csr.status?.conditions?.length) {
    await json.client.resource(json.certificates.v1.certificateSigningRequests.descriptor).replaceSubresource("approval", {
      ...csr,
      status: { conditions: [{ type: "Approved", status: "True", reason: "PbCorpus", message: "approved by the protobuf corpus" }] },
    });
  }
  await json.core.v1.configMaps.delete("finalized", { namespace: "pb-corpus" });
  await Promise.all(["web"].map((name) => waitForRollout(json.apps.v1.deployments, name, { namespace: "pb-corpus", timeoutMs: 90_000 })));
}, 240_000);

afterAll(async () => {
  // The corpus goes (its cluster-scoped objects too: other cluster tests share this cluster).
  await json?.core.v1.configMaps.patch("finalized", { type: "merge", body: { metadata: { finalizers: null } } }, { namespace: "pb-corpus" }).catch(() => {});
  await json?.certificates.v1.podCertificateRequests.delete("pb-pcr", { namespace: "pb-corpus" }).catch(() => {});
  if (json) await deleteManifests(json.objects, manifests);
  await Promise.all([json?.close(), proto?.close()]);
}, 120_000);

const both = (d: ResourceDescriptor) => [json.client.resource(d), proto.client.resource(d)] as const;
const scope = (d: ResourceDescriptor) => (d.namespaced ? { allNamespaces: true as const } : {});

describe("protobuf reads equal JSON reads on the real kube-apiserver", () => {
  it("lists every kind at one resourceVersion, both ways, deep-equal; protobuf is what was read", async () => {
    const counts: Record<string, number> = {};
    for (const d of listable) {
      const [a, b] = both(d);
      const first = await a.list(scope(d));
      const at = first.metadata?.resourceVersion ? { resourceVersion: first.metadata.resourceVersion, resourceVersionMatch: "Exact" as const } : {};
      const [fromJson, fromProto] = await Promise.all([a.list({ ...scope(d), ...at }), b.list({ ...scope(d), ...at })]);
      if (UNORDERED.has(kindOf(d))) for (const list of [fromJson, fromProto]) list.items.sort((x, y) => keyOf(x).localeCompare(keyOf(y)));
      expect(firstDifference(fromJson, fromProto), kindOf(d)).toBeUndefined();
      counts[kindOf(d)] = fromJson.items.length;
    }
    // The corpus reaches every readable kind (a kind without objects would prove nothing).
    expect(Object.entries(counts).filter(([kind, n]) => n === 0 && !JSON_ONLY.has(kind)).map(([kind]) => kind)).toEqual([]);
    expect(Object.values(counts).reduce((n, m) => n + m, 0)).toBeGreaterThan(300);
    // Every read of a kind with decoders was answered in protobuf; the others in JSON.
    for (const d of listable) {
      const path = d.group ? `/apis/${d.group}/${d.version}/${d.plural}` : `/api/${d.version}/${d.plural}`;
      expect([...(contentTypes.get(path) ?? [])], kindOf(d)).toEqual([JSON_ONLY.has(kindOf(d)) ? "application/json" : "application/vnd.kubernetes.protobuf"]);
      expect(protobuf.readable(d.group ? `${d.group}/${d.version}` : d.version, d.kind), kindOf(d)).toBe(!JSON_ONLY.has(kindOf(d)));
    }
  }, 120_000);

  it("gets every object of every kind, both ways, deep-equal", async () => {
    let compared = 0;
    for (const d of listable) {
      const [a, b] = both(d);
      const objects = (await a.list(scope(d))).items;
      await Promise.all(
        objects.map(async (object) => {
          const name = object.metadata!.name!;
          const where = d.namespaced ? { namespace: object.metadata!.namespace! } : {};
          // An object that changes between the two reads (a Lease renewed, a status written) is read again.
          for (let attempt = 1; ; attempt++) {
            const [fromJson, fromProto] = await Promise.all([a.get(name, where).catch(gone), b.get(name, where).catch(gone)]);
            if (fromJson === undefined || fromProto === undefined) return; // deleted meanwhile (another test's)
            if (fromJson.metadata?.resourceVersion !== fromProto.metadata?.resourceVersion && attempt < 5) continue;
            expect(firstDifference(fromJson, fromProto), `${kindOf(d)} ${keyOf(object)}`).toBeUndefined();
            compared++;
            return;
          }
        }),
      );
    }
    expect(compared).toBeGreaterThan(300);
  }, 180_000);

  it("watches every kind from one resourceVersion, both ways: the same events, deep-equal", async () => {
    let compared = 0;
    const queue = [...listable];
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        const events = await compareWatches(d);
        compared += events; // after the await: `compared += await ...` would read it before, losing other workers' counts
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(compared).toBeGreaterThanOrEqual(listable.length - 3);
  }, 180_000);

  it("watches a Pod and a ConfigMap come and go, both ways: ADDED, MODIFIED, DELETED, deep-equal", async () => {
    for (const kind of ["v1/ConfigMap", "v1/Pod"]) {
      const d = listable.find((x) => kindOf(x) === kind)!;
      const [a, b] = both(d) as unknown as [Client, Client];
      const resourceVersion = (await a.list({ namespace: "pb-corpus" })).metadata!.resourceVersion!;
      const stop = new AbortController();
      const collect = async (client: Client) => {
        const events: Array<{ type: string; object: KubernetesObject }> = [];
        for await (const event of client.watch({ namespace: "pb-corpus", resourceVersion, signal: stop.signal })) {
          events.push(event);
          if (event.type === "DELETED" && event.object.metadata?.name === "pb-temporary") return events;
        }
        return events;
      };
      const watches = Promise.all([collect(a), collect(b)]);
      const timer = setTimeout(() => stop.abort(), 60_000);
      const object =
        kind === "v1/Pod"
          ? { metadata: { name: "pb-temporary", labels: { app: "temporary" } }, spec: { containers: [{ name: "main", image: "nginx:1.27", resources: { requests: { cpu: "5m", memory: "5Mi" } } }] } }
          : { metadata: { name: "pb-temporary" }, data: { a: "1" }, binaryData: { b: "AA==" } };
      await a.create(object, { namespace: "pb-corpus" });
      await a.patch("pb-temporary", { type: "merge", body: { metadata: { annotations: { touched: "yes" } } } }, { namespace: "pb-corpus" });
      await a.delete("pb-temporary", { namespace: "pb-corpus", gracePeriodSeconds: 0 });
      const [fromJson, fromProto] = await watches;
      clearTimeout(timer);
      stop.abort();
      const mine = fromJson.filter((e) => e.object.metadata?.name === "pb-temporary").map((e) => e.type);
      expect(mine[0], kind).toBe("ADDED");
      expect(mine.at(-1), kind).toBe("DELETED");
      expect(mine.length, kind).toBeGreaterThanOrEqual(3);
      expect(firstDifference(fromJson, fromProto), `${kind} watch events`).toBeUndefined();
    }
  }, 120_000);

  it("streams a list (sendInitialEvents) both ways: the same objects and initial-events-end bookmark", async () => {
    for (const kind of ["v1/Pod", "v1/ConfigMap", "apps/v1/Deployment", "v1/Node", "v1/Event"]) {
      const d = listable.find((x) => kindOf(x) === kind)!;
      const [a, b] = both(d);
      const [fromJson, fromProto] = await Promise.all([initialState(a, d), initialState(b, d)]);
      let same = 0;
      for (const [key, object] of fromJson.objects) {
        const other = fromProto.objects.get(key);
        if (!other || other.metadata?.resourceVersion !== object.metadata?.resourceVersion) continue; // changed meanwhile
        expect(firstDifference(object, other), `${kind} ${key}`).toBeUndefined();
        same++;
      }
      expect(same, kind).toBeGreaterThan(fromJson.objects.size / 2);
      const normalized = (bookmark: KubernetesObject) => ({ ...bookmark, metadata: { ...bookmark.metadata, resourceVersion: "rv" } });
      expect(firstDifference(normalized(fromJson.bookmark), normalized(fromProto.bookmark)), `${kind} bookmark`).toBeUndefined();
    }
  }, 120_000);

  it("a protobuf error answer is the same typed error as JSON's", async () => {
    const [a, b] = [json.core.v1.configMaps, proto.core.v1.configMaps];
    const [fromJson, fromProto] = await Promise.all([a.get("does-not-exist", { namespace: "pb-corpus" }).catch((e: unknown) => e), b.get("does-not-exist", { namespace: "pb-corpus" }).catch((e: unknown) => e)]);
    expect((fromProto as { name: string }).name).toBe("KubernetesError");
    expect(firstDifference((fromJson as { status: unknown }).status, (fromProto as { status: unknown }).status)).toBeUndefined();
    expect([...(contentTypes.get("/api/v1/namespaces/pb-corpus/configmaps/does-not-exist") ?? [])]).toEqual(["application/vnd.kubernetes.protobuf"]);
  });
});

const gone = (error: { status?: { reason?: string } }) => {
  if (error.status?.reason === "NotFound") return undefined;
  throw error;
};

type Client = ResourceClient<KubernetesObject, KubernetesList<KubernetesObject>, boolean>;

/**
 * Opens a JSON and a protobuf watch from the same resourceVersion, touches one object of the kind (a label, by merge
 * patch) where it can, and compares both streams' events up to that change. Returns the events compared.
 */
async function compareWatches(d: ResourceDescriptor): Promise<number> {
  const [a, b] = both(d) as unknown as [Client, Client];
  if (!d.verbs.includes("watch") || !d.verbs.includes("patch")) return 0; // componentstatuses
  const list = await a.list(scope(d));
  const resourceVersion = list.metadata!.resourceVersion!;
  const target = list.items.find((o) => o.metadata?.namespace === "pb-corpus" || o.metadata?.name?.startsWith("pb-")) ?? list.items[0];
  if (!target) return 0; // no object to touch (no CRD exists right now)
  const stop = new AbortController();
  const marker = `m${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  const collect = async (client: Client) => {
    const events: unknown[] = [];
    for await (const event of client.watch({ ...scope(d), resourceVersion, signal: stop.signal })) {
      events.push(event);
      if (event.object.metadata?.labels?.["pb-touched"] === marker) return events;
    }
    return events;
  };
  const watches = Promise.all([collect(a), collect(b)]);
  const timer = setTimeout(() => stop.abort(), 60_000);
  const where = d.namespaced ? { namespace: target.metadata!.namespace! } : {};
  await a.patch(target.metadata!.name!, { type: "merge", body: { metadata: { labels: { "pb-touched": marker } } } }, where);
  const [fromJson, fromProto] = await watches;
  clearTimeout(timer);
  stop.abort();
  // Both streams end at the touched object's MODIFIED event; what came before (other writers') is the same too.
  expect(fromJson.length, `${kindOf(d)} events`).toBeGreaterThan(0);
  expect(firstDifference(fromJson, fromProto), `${kindOf(d)} watch events`).toBeUndefined();
  return fromJson.length;
}

/** The initial state of a streaming list (watch with sendInitialEvents) and its initial-events-end bookmark. */
async function initialState(client: Client, d: ResourceDescriptor) {
  const stop = new AbortController();
  const objects = new Map<string, KubernetesObject>();
  for await (const event of client.watch({ ...scope(d), allowWatchBookmarks: true, signal: stop.signal })) {
    if (event.type === "BOOKMARK") {
      stop.abort();
      return { objects, bookmark: event.object as KubernetesObject };
    }
    objects.set(keyOf(event.object), event.object);
  }
  throw new Error(`${kindOf(d)}: the streaming list ended without its bookmark`);
}
