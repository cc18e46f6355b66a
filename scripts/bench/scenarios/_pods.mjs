// Realistic Pods for the informer scenario: what a Deployment's ReplicaSet creates (labels, owner reference, an app
// container and a sidecar with env, probes, resources and mounts, the projected service-account volume, default
// tolerations), then the status a kubelet writes (conditions, IPs, container statuses). Seeded with a server-side
// apply (manager "bench-operator"), a strategic-merge status patch as "kubelet" and a merge patch of the labels as
// "bench-controller", so each Pod carries three managedFields entries as on a real cluster: ~4.3 KiB of JSON without
// managedFields, ~7.5 KiB with them (what a Deployment's Pod with a sidecar weighs on a real cluster).
import { randomUUID } from "node:crypto";

const hex = (n, seed) => {
  let s = "";
  let x = seed >>> 0 || 1;
  while (s.length < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += (x >>> 8).toString(16).padStart(6, "0");
  }
  return s.slice(0, n);
};
const alnum = (n, seed) => hex(n * 2, seed).replace(/[0-9]/g, (d) => "bcdfghjklm"[Number(d)]).slice(0, n);

/** Pods of one ReplicaSet share a template hash and owner UID. */
const replicaSets = new Map();
function replicaSet(group) {
  let rs = replicaSets.get(group);
  if (!rs) replicaSets.set(group, (rs = { hash: alnum(10, group + 7), uid: randomUUID() }));
  return rs;
}

/** The object a ReplicaSet controller would create (as a server-side apply body). */
export function podManifest(namespace, name, index) {
  const group = Math.floor(index / 50);
  const app = `web-${group}`;
  const rs = replicaSet(group);
  const apiAccess = `kube-api-access-${alnum(5, index)}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      labels: { app, "app.kubernetes.io/name": app, "pod-template-hash": rs.hash, tier: "frontend" },
      annotations: { "kubectl.kubernetes.io/default-container": "app", "prometheus.io/scrape": "true" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-${rs.hash}`, uid: rs.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      serviceAccountName: "default",
      containers: [
        {
          name: "app",
          image: "registry.example.com/team/web:1.4.2",
          ports: [
            { name: "http", containerPort: 8080, protocol: "TCP" },
            { name: "metrics", containerPort: 9090, protocol: "TCP" },
          ],
          env: [
            { name: "LOG_LEVEL", value: "info" },
            { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
            { name: "POD_NAMESPACE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } } },
          ],
          resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
          readinessProbe: { httpGet: { path: "/ready", port: "http", scheme: "HTTP" }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
          volumeMounts: [
            { name: "config", mountPath: "/etc/web", readOnly: true },
            { name: apiAccess, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
          ],
        },
        {
          name: "proxy",
          image: "registry.example.com/infra/proxy:2.8.0",
          args: ["--port=15001"],
          ports: [{ name: "proxy", containerPort: 15001, protocol: "TCP" }],
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
          volumeMounts: [{ name: apiAccess, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }],
        },
      ],
      volumes: [
        { name: "config", configMap: { name: `${app}-config`, defaultMode: 420 } },
        {
          name: apiAccess,
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
            ],
          },
        },
      ],
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
    },
  };
}

/** The status a kubelet would write for a running Pod (a strategic merge patch of the status subresource). */
export function podStatus(index) {
  const t = new Date(Date.UTC(2026, 0, 1, 0, 0, index % 3600)).toISOString().replace(/\.\d+Z$/, "Z");
  const hostIP = `10.0.${(index >> 8) & 255}.${index & 255}`;
  const podIP = `10.244.${(index >> 8) & 255}.${index & 255}`;
  const condition = (type) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: t });
  const container = (name, image, n) => ({
    name,
    image,
    imageID: `${image.split(":")[0]}@sha256:${hex(64, n + 1)}`,
    containerID: `containerd://${hex(64, index * 7 + n)}`,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: t } },
  });
  return {
    status: {
      phase: "Running",
      conditions: ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map(condition),
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: t,
      qosClass: "Burstable",
      containerStatuses: [container("app", "registry.example.com/team/web:1.4.2", 1), container("proxy", "registry.example.com/infra/proxy:2.8.0", 2)],
    },
  };
}

/** What a controller adds later (a merge patch of the labels, manager "bench-controller"). */
export const podLabelPatch = (index) => ({ metadata: { labels: { "bench.k8s-sdk/shard": String(index % 16) } } });
