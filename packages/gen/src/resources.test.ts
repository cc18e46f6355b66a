import { describe, expect, it } from "vitest";
import type { GroupVersionDocument, OperationObject } from "./openapi.js";
import { extractResources } from "./resources.js";

const op = (action: string, kind: string, group = "stable.example.com", extra: Partial<OperationObject> = {}): OperationObject => ({
  "x-kubernetes-action": action,
  "x-kubernetes-group-version-kind": { group, version: "v1", kind },
  responses: { "200": { description: "OK", content: { "application/json": { schema: { $ref: `#/components/schemas/${group}.${kind}` } } } } },
  requestBody: { content: { "application/json": { schema: { $ref: `#/components/schemas/${group}.${kind}` } } } },
  ...extra,
});
const schemaOf = (group: string, kind: string) => ({ [`${group}.${kind}`]: { "x-kubernetes-group-version-kind": [{ group, version: "v1", kind }] } });
const patchBody = (...types: string[]) => ({ requestBody: { content: Object.fromEntries(types.map((t) => [t, {}])) } });

function crdDocument(): GroupVersionDocument {
  const p = "/apis/stable.example.com/v1";
  return {
    key: "apis/stable.example.com/v1",
    group: "stable.example.com",
    version: "v1",
    document: {
      openapi: "3.0.0",
      paths: {
        [`${p}/widgets`]: { get: op("list", "Widget") },
        [`${p}/namespaces/{namespace}/widgets`]: {
          get: op("list", "Widget", undefined, { parameters: [{ name: "watch", in: "query" }] }),
          post: op("post", "Widget"),
          delete: op("deletecollection", "Widget"),
        },
        [`${p}/namespaces/{namespace}/widgets/{name}`]: {
          get: op("get", "Widget"),
          put: op("put", "Widget"),
          patch: op("patch", "Widget", undefined, patchBody("application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml")),
          delete: op("delete", "Widget"),
        },
        // As a real server publishes it: the operation claims the parent kind, the body is an autoscaling/v1 Scale.
        [`${p}/namespaces/{namespace}/widgets/{name}/scale`]: {
          get: { ...op("get", "Widget"), responses: { "200": { content: { "application/json": { schema: { $ref: "#/components/schemas/autoscaling.Scale" } } } } } },
          patch: op("patch", "Widget", undefined, patchBody("application/merge-patch+json")),
        },
        [`${p}/namespaces/{namespace}/widgets/{name}/status`]: { get: op("get", "Widget"), put: op("put", "Widget") },
        [`${p}/clusterthings/{name}`]: { get: op("get", "ClusterThing") },
        [`${p}/clusterthings`]: { get: op("list", "ClusterThing") },
        [`${p}/watch/clusterthings`]: { get: op("watchlist", "ClusterThing") },
      },
      components: { schemas: { ...schemaOf("stable.example.com", "Widget"), ...schemaOf("autoscaling", "Scale") } },
    },
  };
}

describe("extractResources", () => {
  it("reads plural, kind, scope, verbs, patch types and subresources from the paths", () => {
    const [clusterThings, widgets] = extractResources(crdDocument());
    expect(widgets).toEqual({
      plural: "widgets",
      kind: { group: "stable.example.com", version: "v1", kind: "Widget" },
      namespaced: true,
      verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
      patchTypes: ["apply", "json", "merge"],
      subresources: [
        { name: "scale", kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch"], patchTypes: ["merge"], responseContentTypes: [] },
        { name: "status", kind: { group: "stable.example.com", version: "v1", kind: "Widget" }, verbs: ["get", "update"], patchTypes: [], responseContentTypes: [] },
      ],
    });
    expect(clusterThings).toMatchObject({ plural: "clusterthings", namespaced: false, verbs: ["get", "list", "watch"] });
  });

  it("records non-JSON responses of subresources such as pod logs", () => {
    const doc: GroupVersionDocument = {
      key: "api/v1",
      group: "",
      version: "v1",
      document: {
        openapi: "3.0.0",
        paths: {
          "/api/v1/namespaces/{namespace}/pods/{name}": { get: op("get", "Pod", "") },
          "/api/v1/namespaces/{namespace}/pods/{name}/log": {
            get: { ...op("get", "Pod", ""), responses: { "200": { content: { "text/plain": {}, "application/json": { schema: { type: "string" } } } } } },
          },
        },
      },
    };
    const [pods] = extractResources(doc);
    // No kind: the spec claims Pod, but a log is text.
    expect(pods?.subresources).toEqual([{ name: "log", verbs: ["get"], patchTypes: [], responseContentTypes: ["text/plain"] }]);
  });
});
