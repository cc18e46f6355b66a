// Hand-written descriptors for runtime tests, shaped as k8s-gen emits them, so these tests need no generated code.
import { defineResource } from "../types.js";
import type { KubernetesObject, ObjectMeta } from "../types.js";

export interface ConfigMap extends KubernetesObject {
  apiVersion?: "v1";
  kind?: "ConfigMap";
  metadata?: ObjectMeta & { managedFields?: Array<{ manager?: string; operation?: string }> };
  data?: Record<string, string>;
}
export interface ConfigMapList {
  metadata?: { resourceVersion?: string; continue?: string };
  items: ConfigMap[];
}
export const configMaps = defineResource<ConfigMap, ConfigMapList>()({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
  patchTypes: ["apply", "json", "merge", "strategic"],
  subresources: {},
});

export interface ClusterRole extends KubernetesObject {
  apiVersion?: "rbac.authorization.k8s.io/v1";
  kind?: "ClusterRole";
  metadata?: ObjectMeta;
  rules?: Array<{ apiGroups?: string[]; resources?: string[]; verbs: string[] }>;
}
export const clusterRoles = defineResource<ClusterRole, { items: ClusterRole[] }>()({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "ClusterRole",
  plural: "clusterroles",
  namespaced: false,
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
  patchTypes: ["apply", "json", "merge", "strategic"],
  subresources: {},
});

export interface Deployment extends KubernetesObject {
  apiVersion?: "apps/v1";
  kind?: "Deployment";
  metadata?: ObjectMeta;
  spec?: { replicas?: number; selector: { matchLabels?: Record<string, string> }; template: { metadata?: ObjectMeta; spec?: { containers: Array<{ name: string; image?: string }> } } };
  status?: { replicas?: number; observedGeneration?: number; conditions?: Array<{ type: string; status: string; reason?: string }> };
}
export const deployments = defineResource<Deployment, { items: Deployment[] }>()({
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  namespaced: true,
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
  patchTypes: ["apply", "json", "merge", "strategic"],
  subresources: {
    scale: { kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "update", "patch"], patchTypes: ["apply", "json", "merge", "strategic"] },
    status: { kind: { group: "apps", version: "v1", kind: "Deployment" }, verbs: ["get", "update", "patch"], patchTypes: ["apply", "json", "merge", "strategic"] },
  },
});

export interface Pod extends KubernetesObject {
  apiVersion?: "v1";
  kind?: "Pod";
  metadata?: ObjectMeta;
  spec?: { containers: Array<{ name: string; image?: string }>; ephemeralContainers?: Array<{ name: string; image?: string; targetContainerName?: string }>; nodeName?: string };
  status?: { phase?: string; podIP?: string };
}
export const pods = defineResource<Pod, { items: Pod[] }>()({
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  namespaced: true,
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
  patchTypes: ["apply", "json", "merge", "strategic"],
  subresources: {
    binding: { kind: { group: "", version: "v1", kind: "Binding" }, verbs: ["create"], patchTypes: [] },
    ephemeralcontainers: { kind: { group: "", version: "v1", kind: "Pod" }, verbs: ["get", "update", "patch"], patchTypes: ["apply", "json", "merge", "strategic"] },
    eviction: { kind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"], patchTypes: [] },
    log: { verbs: ["get"], patchTypes: [], responseContentTypes: ["text/plain"] },
    status: { kind: { group: "", version: "v1", kind: "Pod" }, verbs: ["get", "update", "patch"], patchTypes: ["apply", "json", "merge", "strategic"] },
  },
});

export interface Namespace extends KubernetesObject {
  apiVersion?: "v1";
  kind?: "Namespace";
  metadata?: ObjectMeta;
}
export const namespaces = defineResource<Namespace, { items: Namespace[] }>()({
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  patchTypes: ["apply", "json", "merge", "strategic"],
  subresources: {},
});
