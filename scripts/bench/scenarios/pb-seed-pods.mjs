// Seeds `count` Pods of realistic size into `namespace` for the informer scenario: labels and annotations as
// controllers and charts set them, two containers with env, resources, probes and mounts,
// volumes, tolerations; managedFields as the apiserver writes them. About 5 KiB of JSON each (managedFields 2 KiB). The control plane has no
// scheduler, so they stay Pending (their status is the apiserver's). Raw client, 16 requests in flight.
import { args, done, ensureNamespace, now, rawClient } from "./_common.mjs";

const raw = await rawClient();
const { namespace, count } = args;
const t0 = now();
await ensureNamespace(raw, namespace);

const pod = (i) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: `web-7d4b9c8f6d-${String(i).padStart(6, "0")}`,
    labels: { app: "web", "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "shop", "app.kubernetes.io/version": "1.27.3", "pod-template-hash": "7d4b9c8f6d", tier: "frontend" },
    annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9090", "kubectl.kubernetes.io/restartedAt": "2024-05-01T10:00:00Z" },
  },
  spec: {
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 30,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } },
    tolerations: [
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ],
    containers: [
      {
        name: "web",
        image: "registry.example.com/shop/web:1.27.3",
        ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }, { name: "metrics", containerPort: 9090, protocol: "TCP" }],
        env: [
          { name: "LOG_LEVEL", value: "info" },
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "web-db", key: "url" } } },
        ],
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: "/healthz", port: "http" }, initialDelaySeconds: 10, periodSeconds: 10 },
        volumeMounts: [{ name: "config", mountPath: "/etc/web", readOnly: true }, { name: "cache", mountPath: "/var/cache/web" }],
      },
      {
        name: "proxy",
        image: "envoyproxy/envoy:v1.31.0",
        ports: [{ name: "proxy", containerPort: 10000 }],
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      },
    ],
    volumes: [
      { name: "config", configMap: { name: "web-config" } },
      { name: "cache", emptyDir: { sizeLimit: "1Gi" } },
    ],
  },
});

let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    const res = await raw.fetch(`/api/v1/namespaces/${namespace}/pods?fieldManager=kube-controller-manager`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(pod(i)) });
    const text = await res.text();
    if (res.status !== 201 && res.status !== 409) throw new Error(`create pod ${i}: ${res.status} ${text}`);
  }
}
await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
const list = await raw.json(`/api/v1/namespaces/${namespace}/pods?limit=1`);
const sample = await raw.fetch(`/api/v1/namespaces/${namespace}/pods/${pod(0).metadata.name}`);
const bytes = (await sample.text()).length;
await raw.close();
done({ seeded: count, remaining: list.metadata?.remainingItemCount, bytesPerPod: bytes, ms: now() - t0 });
