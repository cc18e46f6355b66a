import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { type ControlPlaneAccess, apiRequest } from "./admin-client.js";
import { type ClusterBinaries, findClusterBinaries } from "./binaries.js";
import { createNamespace, waitForDeploymentAvailable, waitForNodesReady, type WaitOptions } from "./cluster-helpers.js";
import { type ControlPlane, type ControlPlaneOptions, startControlPlane } from "./control-plane.js";
import { mergeFlags } from "./flags.js";
import { Janitor } from "./janitor.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { KWOK_STAGES_YAML } from "./kwok-stages.js";
import { ManagedProcess } from "./managed-process.js";
import { type CertificateAuthority, generateCertificateAuthority, generateServiceAccountKeys } from "./pki.js";
import { type PodBehaviour, PodScripts } from "./pod-scripts.js";
import { freeLoopbackPort } from "./ports.js";
import { waitFor } from "./wait-for.js";

/** Options for {@link startCluster}. */
export interface ClusterOptions extends Omit<ControlPlaneOptions, "binaries" | "certificateAuthority" | "serviceAccountKeys"> {
  /** Programs to run; found with {@link findClusterBinaries} when omitted. */
  binaries?: ClusterBinaries;
  /** How many simulated nodes (`node-0`, `node-1`, ...). Default 1. */
  nodes?: number;
  /**
   * How kube-controller-manager authenticates its controllers. `"service-accounts"` (default, as kubeadm): each
   * controller with its own ServiceAccount token and RBAC role, so controllers are held to their real permissions.
   * `"shared"`: all of them as one `system:masters` identity, which starts the first pod a few seconds sooner.
   */
  controllerCredentials?: "service-accounts" | "shared";
  /** Extra kube-controller-manager flags (`--name=value`, replacing a default of the same name). */
  controllerManagerFlags?: string[];
  /** Extra kube-scheduler flags. */
  schedulerFlags?: string[];
  /** Extra kwok flags. */
  kwokFlags?: string[];
  /** The initial cluster-wide pod behaviour. Default `{ portForward: { "*": "echo" } }`. */
  podBehaviour?: PodBehaviour;
}

/** The components of a whole cluster beside etcd and kube-apiserver, in start order (stopped in reverse). */
export const CLUSTER_COMPONENTS = ["kube-controller-manager", "kube-scheduler", "test-kubelet", "kwok"] as const;
/** One of {@link CLUSTER_COMPONENTS}, or the control plane's `etcd` and `kube-apiserver`. */
export type ClusterComponent = (typeof CLUSTER_COMPONENTS)[number] | "etcd" | "kube-apiserver";

const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
const POD_CIDR = "10.244.0.0/16"; // apart from the service range 10.0.0.0/24; fake pod IPs that nothing dials

/**
 * A whole cluster on loopback: {@link ControlPlane}'s etcd and kube-apiserver, plus kube-controller-manager,
 * kube-scheduler, KWOK simulating the nodes and their pods' lifecycle, and the test kubelet serving pod logs, exec,
 * attach and port-forward. Start it with {@link startCluster}; always {@link Cluster.stop} it (or `await using`).
 */
export class Cluster {
  /** The control plane underneath (kubeconfig, identities, restart of kube-apiserver, ...). */
  readonly controlPlane: ControlPlane;
  /** Names of the simulated nodes, all Ready. */
  readonly nodeNames: readonly string[];
  /** Scripts pod behaviour: logs, exec programs, port-forward targets. */
  readonly pods: PodScripts;
  /** The test kubelet's directory; `new PodScripts(kubeletDir)` scripts pods from another process. */
  readonly kubeletDir: string;
  /** The scratch directory (PKI, configs, logs, the control plane's own directory); removed by {@link Cluster.stop}. */
  readonly dir: string;
  readonly binaries: ClusterBinaries;

  readonly #components: Map<ClusterComponent, ManagedProcess>;
  readonly #janitor: Janitor;
  #stopped = false;

  /** @internal use {@link startCluster} */
  constructor(init: {
    controlPlane: ControlPlane;
    nodeNames: string[];
    dir: string;
    kubeletDir: string;
    binaries: ClusterBinaries;
    components: Map<ClusterComponent, ManagedProcess>;
    janitor: Janitor;
  }) {
    this.controlPlane = init.controlPlane;
    this.nodeNames = init.nodeNames;
    this.dir = init.dir;
    this.kubeletDir = init.kubeletDir;
    this.pods = new PodScripts(init.kubeletDir);
    this.binaries = init.binaries;
    this.#components = init.components;
    this.#janitor = init.janitor;
  }

  /** `https://127.0.0.1:PORT` */
  get server(): string {
    return this.controlPlane.server;
  }
  /** The cluster CA's certificate (PEM), which signs kube-apiserver's serving certificate. */
  get caPem(): string {
    return this.controlPlane.caPem;
  }
  /** Admin kubeconfig, as {@link ControlPlane.kubeconfig}. */
  get kubeconfig(): string {
    return this.controlPlane.kubeconfig;
  }
  /** Path of the admin kubeconfig file, as {@link ControlPlane.kubeconfigPath}. */
  get kubeconfigPath(): string {
    return this.controlPlane.kubeconfigPath;
  }
  /** The admin's address and client certificate, for {@link apiRequest}. */
  get adminAccess(): ControlPlaneAccess {
    return this.controlPlane.adminAccess;
  }

  /** PIDs of the running components, by name. */
  get pids(): Partial<Record<ClusterComponent, number>> {
    const pids: Partial<Record<ClusterComponent, number>> = {};
    if (this.controlPlane.etcdPid) pids.etcd = this.controlPlane.etcdPid;
    if (this.controlPlane.apiServerPid) pids["kube-apiserver"] = this.controlPlane.apiServerPid;
    for (const [name, component] of this.#components) if (component.running && component.pid) pids[name] = component.pid;
    return pids;
  }

  /** The end of a component's log, for diagnosing a failing test. */
  componentLog(name: ClusterComponent, lines = 50): string {
    if (name === "kube-apiserver") return this.controlPlane.apiServerLog(lines);
    return this.#components.get(name)?.tailLog(lines) ?? `(${name} has no log here)`;
  }

  /** {@link createNamespace} on this cluster: creates it and waits for its `default` ServiceAccount. */
  createNamespace(name: string, options?: WaitOptions): Promise<void> {
    return createNamespace(this.adminAccess, name, options);
  }

  /** {@link waitForDeploymentAvailable} on this cluster. */
  waitForDeploymentAvailable(namespace: string, name: string, options?: WaitOptions): Promise<Record<string, unknown>> {
    return waitForDeploymentAvailable(this.adminAccess, namespace, name, options);
  }

  /**
   * Stops every component one at a time in reverse start order (kwok, test-kubelet and its exec'd commands,
   * kube-scheduler, kube-controller-manager, kube-apiserver, etcd) and removes the scratch directory. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await stopComponents(this.#components, this.#janitor);
    await this.controlPlane.stop();
    rmSync(this.dir, { recursive: true, force: true });
    await this.#janitor.release();
  }

  /** {@link Cluster.stop}, for `await using cluster = await startCluster()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Keeps keys and tokens out of logs and test snapshots. */
  [inspect.custom](): string {
    return `Cluster { server: ${this.server}, nodes: ${this.nodeNames.join(", ")}, dir: ${this.dir}, credentials: <redacted> }`;
  }

  /** What `JSON.stringify` and test reporters show: the address, scratch directory and nodes, no credentials. */
  toJSON(): { server: string; dir: string; nodeNames: readonly string[] } {
    return { server: this.server, dir: this.dir, nodeNames: this.nodeNames };
  }
}

async function stopComponents(components: Map<ClusterComponent, ManagedProcess>, janitor: Janitor): Promise<void> {
  for (const name of [...CLUSTER_COMPONENTS].reverse()) {
    const component = components.get(name);
    if (!component) continue;
    await component.stop();
    if (component.pid) janitor.forget(component.pid);
  }
}

interface Pki {
  ca: CertificateAuthority;
  file: (name: string, content: string) => string;
  kubeconfig: (name: string, commonName: string, organizations?: string[]) => Promise<string>;
  serving: (name: string, commonName: string) => Promise<{ cert: string; key: string }>;
}

function makePki(dir: string, ca: CertificateAuthority, server: () => string): Pki {
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };
  return {
    ca,
    file,
    async kubeconfig(name, commonName, organizations) {
      const id = await ca.issue({ commonName, organizations, usage: "client" });
      return file(`${name}.kubeconfig`, renderKubeconfig({ name: "testenv", server: server(), caPem: ca.certPem }, [{ name, ...id }]));
    },
    async serving(name, commonName) {
      const pair = await ca.issue({ commonName, usage: "server", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
      return { cert: file(`${name}.crt`, pair.certPem), key: file(`${name}.key`, pair.keyPem) };
    },
  };
}

/**
 * Starts a whole cluster on loopback with a throwaway PKI: etcd and kube-apiserver (as {@link startControlPlane},
 * plus the ServiceAccount admission plugin and verified TLS to the kubelet), kube-controller-manager,
 * kube-scheduler, KWOK and the test kubelet; creates `nodes` simulated nodes and waits until they are Ready and the
 * `default` namespace has its ServiceAccount. A failing component's error names it and quotes its log.
 *
 * @example
 * ```ts
 * const cluster = await startCluster({ nodes: 3 });
 * try {
 *   // create a Deployment with cluster.kubeconfigPath, then:
 *   await cluster.waitForDeploymentAvailable("default", "web");
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const binaries = options.binaries ?? findClusterBinaries(options.env);
  const nodeCount = options.nodes ?? 1;
  if (!Number.isInteger(nodeCount) || nodeCount < 0) throw new Error(`startCluster: nodes must be a whole number >= 0, got ${nodeCount}`);
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const sharedCredentials = options.controllerCredentials === "shared";
  const dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), "k8s-testenv-cluster-"));
  const janitor = new Janitor(dir);
  const components = new Map<ClusterComponent, ManagedProcess>();
  let controlPlane: ControlPlane | undefined;
  try {
    const ca = await generateCertificateAuthority();
    const serviceAccountKeys = await generateServiceAccountKeys();
    const pki = makePki(dir, ca, () => controlPlane!.server);
    const caFile = pki.file("ca.crt", ca.certPem);
    const caKeyFile = pki.file("ca.key", ca.keyPem);
    const saKeyFile = pki.file("sa.key", serviceAccountKeys.privateKeyPem);
    const kubeletClient = await ca.issue({ commonName: "kube-apiserver-kubelet-client", organizations: ["system:masters"], usage: "client" });
    const kubeletServing = await pki.serving("test-kubelet", "test-kubelet");
    const [kcmPort, schedulerPort, kubeletPort, kwokPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];

    controlPlane = await startControlPlane({
      binaries,
      env: options.env,
      startTimeoutMs: timeoutMs,
      tmpDir: dir,
      certificateAuthority: ca,
      serviceAccountKeys,
      apiServerFlags: [
        "--disable-admission-plugins=", // kube-controller-manager creates the ServiceAccounts the plugin needs
        `--kubelet-certificate-authority=${caFile}`, // verify the test kubelet's serving certificate
        `--kubelet-client-certificate=${pki.file("apiserver-kubelet-client.crt", kubeletClient.certPem)}`,
        `--kubelet-client-key=${pki.file("apiserver-kubelet-client.key", kubeletClient.keyPem)}`,
        "--kubelet-preferred-address-types=InternalIP,Hostname", // kwok gives every node InternalIP 127.0.0.1
        ...(options.apiServerFlags ?? []),
      ],
    });
    const server = controlPlane.server;

    const start = (name: ClusterComponent, binary: string, args: string[]) => {
      const component = new ManagedProcess(name, binary, args, join(dir, `${name}.log`));
      components.set(name, component);
      if (component.pid) janitor.watch(component.pid);
      return component;
    };
    const kcmServing = await pki.serving("kube-controller-manager-serving", "kube-controller-manager");
    const kcm = start(
      "kube-controller-manager",
      binaries.kubeControllerManager,
      mergeFlags(
        [
          `--kubeconfig=${await pki.kubeconfig("kube-controller-manager", "system:kube-controller-manager", sharedCredentials ? ["system:masters"] : [])}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${kcmPort}`,
          `--tls-cert-file=${kcmServing.cert}`,
          `--tls-private-key-file=${kcmServing.key}`,
          "--leader-elect=false", // a restart on the same etcd would wait out the old lease
          "--profiling=false",
          "--kube-api-qps=200", // the default 20/30 halves bulk pod creation speed
          "--kube-api-burst=400",
          `--use-service-account-credentials=${!sharedCredentials}`,
          `--service-account-private-key-file=${saKeyFile}`,
          `--root-ca-file=${caFile}`,
          `--cluster-signing-cert-file=${caFile}`,
          `--cluster-signing-key-file=${caKeyFile}`,
        ],
        options.controllerManagerFlags ?? [],
      ),
    );
    const schedulerServing = await pki.serving("kube-scheduler-serving", "kube-scheduler");
    const scheduler = start(
      "kube-scheduler",
      binaries.kubeScheduler,
      mergeFlags(
        [
          `--kubeconfig=${await pki.kubeconfig("kube-scheduler", "system:kube-scheduler")}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${schedulerPort}`,
          `--tls-cert-file=${schedulerServing.cert}`,
          `--tls-private-key-file=${schedulerServing.key}`,
          "--leader-elect=false",
          "--profiling=false",
        ],
        options.schedulerFlags ?? [],
      ),
    );
    const kubeletDir = join(dir, "kubelet");
    mkdirSync(kubeletDir, { recursive: true });
    const pods = new PodScripts(kubeletDir);
    pods.setClusterBehaviour(options.podBehaviour ?? { portForward: { "*": "echo" } });
    const kubelet = start("test-kubelet", binaries.testKubelet, [
      "serve",
      `--listen=127.0.0.1:${kubeletPort}`,
      `--dir=${kubeletDir}`,
      `--tls-cert-file=${kubeletServing.cert}`,
      `--tls-private-key-file=${kubeletServing.key}`,
      `--client-ca-file=${caFile}`,
    ]);
    const kwok = start(
      "kwok",
      binaries.kwok,
      mergeFlags(
        [
          // kwok has no authority to protect here: it is the simulator, as kwokctl runs it.
          `--kubeconfig=${await pki.kubeconfig("kwok", "kwok-controller", ["system:masters"])}`,
          `--config=${pki.file("kwok.yaml", KWOK_STAGES_YAML)}`,
          "--manage-all-nodes=false",
          `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
          "--node-ip=127.0.0.1",
          "--node-name=localhost",
          `--node-port=${kubeletPort}`, // nodes' kubeletEndpoint: the test kubelet, not kwok's own server
          `--server-address=127.0.0.1:${kwokPort}`,
          "--node-lease-duration-seconds=40",
          `--cidr=${POD_CIDR}`,
        ],
        options.kwokFlags ?? [],
      ),
    );

    const kubeletAccess: ControlPlaneAccess = { server: `https://127.0.0.1:${kubeletPort}`, caPem: ca.certPem, ...kubeletClient };
    const healthz = (access: ControlPlaneAccess) => async () => {
      const res = await apiRequest(access, "GET", "/healthz", undefined, { timeoutMs: 5000 });
      return res.status === 200 ? (true as const) : `GET /healthz: HTTP ${res.status} ${res.text.slice(-300)}`;
    };
    await Promise.all([
      waitFor("kube-controller-manager did not become healthy", kcm, timeoutMs, healthz({ server: `https://127.0.0.1:${kcmPort}`, caPem: ca.certPem })),
      waitFor("kube-scheduler did not become healthy", scheduler, timeoutMs, healthz({ server: `https://127.0.0.1:${schedulerPort}`, caPem: ca.certPem })),
      waitFor("test-kubelet did not become healthy", kubelet, timeoutMs, healthz(kubeletAccess)),
      waitFor("kwok did not become healthy", kwok, timeoutMs, async () => {
        const res = await fetch(`http://127.0.0.1:${kwokPort}/healthz`, { signal: AbortSignal.timeout(2000) });
        return res.ok ? true : `GET /healthz: HTTP ${res.status}`;
      }),
    ]);

    const nodeNames = Array.from({ length: nodeCount }, (_, i) => `node-${i}`);
    for (const name of nodeNames) {
      const res = await apiRequest(controlPlane.adminAccess, "POST", "/api/v1/nodes", {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name,
          annotations: { [KWOK_NODE_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
          labels: { "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", type: "kwok" },
        },
        status: { allocatable: { cpu: "32", memory: "256Gi", pods: "110" }, capacity: { cpu: "32", memory: "256Gi", pods: "110" } },
      });
      if (res.status !== 201) throw new Error(`creating node ${name}: HTTP ${res.status} ${res.text}`);
    }
    const ready = async <T>(what: string, wait: Promise<T>) => {
      try {
        return await wait;
      } catch (error) {
        const died = [...components.values()].find((c) => !c.running);
        throw new Error(`${what}: ${(error as Error).message}${died ? `\n${died.describeExit()}` : `\n${kwok.tailLog(15)}\n${kcm.tailLog(15)}`}`);
      }
    };
    await ready("the simulated nodes did not become Ready", waitForNodesReady(controlPlane.adminAccess, nodeNames, { timeoutMs }));
    await ready("kube-controller-manager did not create the default ServiceAccount", createNamespace(controlPlane.adminAccess, "default", { timeoutMs }));
    return new Cluster({ controlPlane, nodeNames, dir, kubeletDir, binaries, components, janitor });
  } catch (error) {
    await stopComponents(components, janitor).catch(() => {});
    await controlPlane?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    await janitor.release().catch(() => {});
    throw error;
  }
}
