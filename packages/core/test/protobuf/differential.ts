// Helpers of the protobuf differential test (src/protobuf.cluster.test.ts): two clients of one cluster, one reading
// JSON and one reading protobuf, and a comparison that names the first differing field.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { KubernetesObject, ResourceDescriptor } from "@org/k8s-runtime";
import { connect } from "../../src/index.js";
import { descriptors } from "../../src/generated/api.js";
import { protobuf } from "../../src/protobuf/index.js";

/** The path and value of the first difference between what JSON and protobuf gave, or undefined when equal. */
export function firstDifference(json: unknown, proto: unknown, path = ""): string | undefined {
  if (isDeepStrictEqual(json, proto)) return undefined;
  if (json && proto && typeof json === "object" && typeof proto === "object" && Array.isArray(json) === Array.isArray(proto)) {
    const a = json as Record<string, unknown>;
    const b = proto as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (Object.hasOwn(a, key) !== Object.hasOwn(b, key)) return `${path}.${key}: ${Object.hasOwn(a, key) ? `only in JSON (${JSON.stringify(a[key])?.slice(0, 200)})` : `only in protobuf (${JSON.stringify(b[key])?.slice(0, 200)})`}`;
      const inner = firstDifference(a[key], b[key], `${path}.${key}`);
      if (inner) return inner;
    }
    return `${path}: same fields, different prototypes`;
  }
  return `${path}: JSON ${JSON.stringify(json)?.slice(0, 200)}, protobuf ${JSON.stringify(proto)?.slice(0, 200)}`;
}

/** `apiVersion/kind` of a descriptor. */
export const kindOf = (d: ResourceDescriptor) => `${d.group ? `${d.group}/` : ""}${d.version}/${d.kind}`;

/** Every generated resource that can be listed. */
export const listable = descriptors.filter((d) => d.verbs.includes("list"));

export const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;

/** A JSON client and a protobuf client of one cluster; `contentTypes` records what each protobuf-client read got. */
export async function clients(kubeconfig: string) {
  const contentTypes = new Map<string, Set<string>>(); // path without query -> content types
  const json = await connect({ kubeconfig, context: "admin", warnings: false });
  const proto = await connect({
    kubeconfig,
    context: "admin",
    warnings: false,
    protobuf,
    onRequest: (request) => ({
      response: (response) => {
        if (request.method !== "GET") return;
        const path = new URL(request.url).pathname;
        if (!contentTypes.has(path)) contentTypes.set(path, new Set());
        contentTypes.get(path)!.add(response.header("content-type") ?? "");
      },
    }),
  });
  return { json, proto, contentTypes };
}

/** The DER of the PKCS#10 request beside the corpus (PEM), base64: for a PodCertificateRequest's stubPKCS10Request. */
export function stubPkcs10Request(): string {
  const pem = readFileSync(new URL("./request.csr.pem", import.meta.url), "utf8");
  return pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
}
