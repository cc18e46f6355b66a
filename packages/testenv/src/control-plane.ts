import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { type ControlPlaneAccess, apiRequest, mintServiceAccountToken, type ServiceAccountTokenOptions } from "./admin-client.js";
import { type ControlPlaneBinaries, findBinaries } from "./binaries.js";
import { Janitor } from "./janitor.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { ManagedProcess } from "./managed-process.js";
import { type CertificateAuthority, generateCertificateAuthority, generateServiceAccountKeys, type ServiceAccountKeys } from "./pki.js";
import { freeLoopbackPort } from "./ports.js";
import { waitFor } from "./wait-for.js";
import { mergeFlags } from "./flags.js";

/** Options for {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Programs to run; found with {@link findBinaries} when omitted. */
  binaries?: ControlPlaneBinaries;
  /** Environment used to find binaries. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** How long to wait for etcd and kube-apiserver to become ready, each. Default 90 s (2-core machines are slow). */
  startTimeoutMs?: number;
  /** Extra kube-apiserver flags (`--name=value`); a flag given here replaces the default of the same name. */
  apiServerFlags?: string[];
  /** Parent of the scratch directory. Default the OS temp dir. */
  tmpDir?: string;
  /**
   * etcd's data directory. Default a fresh one in the scratch directory (removed by `stop()`). Given, it is used as
   * it is and kept: a control plane started on a copy of another one's (stopped) data starts with its objects, which
   * is how the benchmarks reuse a costly seeding.
   */
  etcdDataDir?: string;
  /** The CA that signs the serving and client certificates (and that the server trusts). Default a new one. */
  certificateAuthority?: CertificateAuthority;
  /** The service-account token signing key pair. Default a new one. */
  serviceAccountKeys?: ServiceAccountKeys;
}

/** An identity the control plane knows. */
export interface TestIdentity {
  /** Kubernetes user name. */
  user: string;
  groups: string[];
  /** Bearer token accepted through the static token file. */
  token: string;
}

/** The user names and groups of the built-in identities. */
export const IDENTITIES = {
  admin: { user: "admin", groups: ["system:masters"] },
  adminToken: { user: "token-admin", groups: ["system:masters"] },
  unprivileged: { user: "unprivileged", groups: ["k8s-testenv:unprivileged"] },
} as const;

const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/**
 * A running etcd + kube-apiserver on loopback, with a throwaway PKI. Start it with {@link startControlPlane}; always
 * {@link ControlPlane.stop} it (or use `await using`).
 */
export class ControlPlane {
  /** `https://127.0.0.1:PORT` */
  readonly server: string;
  /** PEM of the CA that signed the serving certificate and the client certificates. */
  readonly caPem: string;
  /** An admin kubeconfig (client certificate in `system:masters`); its other contexts use the tokens below. */
  readonly kubeconfig: string;
  readonly kubeconfigPath: string;
  /** Admin by client certificate (`CN=admin, O=system:masters`). */
  readonly admin: { user: string; certPem: string; keyPem: string };
  /** Admin by bearer token (`system:masters`). */
  readonly adminToken: TestIdentity;
  /** A user with no RBAC rights at all (403 on everything but discovery). */
  readonly unprivileged: TestIdentity;
  /** Service-account issuer configured on the server. */
  readonly serviceAccountIssuer = SERVICE_ACCOUNT_ISSUER;
  /** The scratch directory (PKI, etcd data, logs); removed by {@link ControlPlane.stop}. */
  readonly dir: string;
  readonly binaries: ControlPlaneBinaries;

  readonly #janitor: Janitor;
  readonly #etcd: ManagedProcess;
  #apiServer: ManagedProcess | undefined;
  readonly #apiServerArgs: string[];
  readonly #timeoutMs: number;
  #stopped = false;

  /** @internal use {@link startControlPlane} */
  constructor(init: {
    dir: string;
    janitor: Janitor;
    etcd: ManagedProcess;
    apiServerArgs: string[];
    server: string;
    caPem: string;
    admin: { user: string; certPem: string; keyPem: string };
    adminToken: TestIdentity;
    unprivileged: TestIdentity;
    binaries: ControlPlaneBinaries;
    timeoutMs: number;
  }) {
    this.dir = init.dir;
    this.#janitor = init.janitor;
    this.#etcd = init.etcd;
    this.#apiServerArgs = init.apiServerArgs;
    this.server = init.server;
    this.caPem = init.caPem;
    this.admin = init.admin;
    this.adminToken = init.adminToken;
    this.unprivileged = init.unprivileged;
    this.binaries = init.binaries;
    this.#timeoutMs = init.timeoutMs;
    this.kubeconfig = renderKubeconfig({ name: "testenv", server: this.server, caPem: this.caPem }, [
      { name: "admin", certPem: this.admin.certPem, keyPem: this.admin.keyPem },
      { name: this.adminToken.user, token: this.adminToken.token },
      { name: this.unprivileged.user, token: this.unprivileged.token },
    ]);
    this.kubeconfigPath = join(this.dir, "kubeconfig");
    writeFileSync(this.kubeconfigPath, this.kubeconfig, { mode: 0o600 });
  }

  /** Access as admin by client certificate, as plain data (for {@link apiRequest} or to hand to test workers). */
  get adminAccess(): ControlPlaneAccess {
    return { server: this.server, caPem: this.caPem, certPem: this.admin.certPem, keyPem: this.admin.keyPem };
  }

  /** Access by a bearer token. */
  tokenAccess(token: string): ControlPlaneAccess {
    return { server: this.server, caPem: this.caPem, token };
  }

  /** PID of the running kube-apiserver, if any. */
  get apiServerPid(): number | undefined {
    return this.#apiServer?.running ? this.#apiServer.pid : undefined;
  }

  /** PID of etcd. */
  get etcdPid(): number | undefined {
    return this.#etcd.running ? this.#etcd.pid : undefined;
  }

  /** Mints a service-account token through TokenRequest (creating the namespace and account if needed). */
  mintServiceAccountToken(options: ServiceAccountTokenOptions): Promise<string> {
    return mintServiceAccountToken(this.adminAccess, options);
  }

  /** @internal */
  async startApiServer(): Promise<void> {
    if (this.#apiServer?.running) return;
    const apiServer = new ManagedProcess(
      "kube-apiserver",
      this.binaries.kubeApiserver,
      this.#apiServerArgs,
      join(this.dir, "kube-apiserver.log"),
    );
    this.#apiServer = apiServer;
    if (apiServer.pid) this.#janitor.watch(apiServer.pid);
    await waitFor("kube-apiserver did not become ready", apiServer, this.#timeoutMs, async () => {
      const res = await apiRequest(this.adminAccess, "GET", "/readyz", undefined, { timeoutMs: 5000 });
      return res.status === 200 ? true : `GET /readyz: HTTP ${res.status} ${res.text.slice(-300)}`;
    });
  }

  /**
   * Stops kube-apiserver. `crash: true` kills it with SIGKILL (connections drop without a goodbye); otherwise it
   * shuts down gracefully. etcd and its data stay, so {@link ControlPlane.restartApiServer} brings the same cluster back.
   */
  async stopApiServer(options: { crash?: boolean } = {}): Promise<void> {
    const apiServer = this.#apiServer;
    if (!apiServer) return;
    if (options.crash) await apiServer.kill();
    else await apiServer.stop();
    if (apiServer.pid) this.#janitor.forget(apiServer.pid);
  }

  /** Restarts kube-apiserver on the same port, with the same data, and waits until it is ready again. */
  async restartApiServer(options: { crash?: boolean } = {}): Promise<void> {
    await this.stopApiServer(options);
    await this.startApiServer();
  }

  /** The end of kube-apiserver's log, for diagnosing a failing test. */
  apiServerLog(lines = 50): string {
    return this.#apiServer?.tailLog(lines) ?? "(kube-apiserver never started)";
  }

  /** Stops kube-apiserver and etcd and removes the scratch directory. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.stopApiServer();
    await this.#etcd.stop();
    if (this.#etcd.pid) this.#janitor.forget(this.#etcd.pid);
    rmSync(this.dir, { recursive: true, force: true });
    await this.#janitor.release();
  }

  /** {@link ControlPlane.stop}, for `await using cp = await startControlPlane()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Keeps keys and tokens out of logs and test snapshots. */
  [inspect.custom](): string {
    return `ControlPlane { server: ${this.server}, dir: ${this.dir}, credentials: <redacted> }`;
  }

  /** What `JSON.stringify` and test reporters show: the address and scratch directory, no credentials. */
  toJSON(): { server: string; dir: string } {
    return { server: this.server, dir: this.dir };
  }
}

/**
 * Starts a real control plane: generates a throwaway PKI and static tokens, starts etcd and kube-apiserver on free
 * loopback ports with RBAC, client-certificate and token authentication and a service-account issuer, and waits
 * for `/readyz` (which includes RBAC bootstrap).
 *
 * @example
 * ```ts
 * const cp = await startControlPlane();
 * try {
 *   // use cp.kubeconfigPath, cp.server, cp.adminToken.token ...
 * } finally {
 *   await cp.stop();
 * }
 * ```
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = options.binaries ?? findBinaries(options.env);
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), "k8s-testenv-"));
  const janitor = new Janitor(dir);
  let etcd: ManagedProcess | undefined;
  let plane: ControlPlane | undefined;
  try {
    const file = (name: string, content: string) => {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    };
    const ca = options.certificateAuthority ?? (await generateCertificateAuthority());
    const serving = await ca.issue({
      commonName: "kube-apiserver",
      usage: "server",
      dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
      ipAddresses: ["127.0.0.1", "::1", "10.0.0.1"],
    });
    const admin = await ca.issue({ commonName: IDENTITIES.admin.user, organizations: [...IDENTITIES.admin.groups], usage: "client" });
    const serviceAccountKeys = options.serviceAccountKeys ?? (await generateServiceAccountKeys());
    const token = () => randomBytes(24).toString("hex");
    const adminToken: TestIdentity = { ...IDENTITIES.adminToken, groups: [...IDENTITIES.adminToken.groups], token: token() };
    const unprivileged: TestIdentity = { ...IDENTITIES.unprivileged, groups: [...IDENTITIES.unprivileged.groups], token: token() };
    const tokenLine = (id: TestIdentity) => `${id.token},${id.user},${id.user}-uid,"${id.groups.join(",")}"`;

    const [etcdClientPort, etcdPeerPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    etcd = new ManagedProcess(
      "etcd",
      binaries.etcd,
      [
        `--data-dir=${options.etcdDataDir ?? join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
      join(dir, "etcd.log"),
    );
    if (etcd.pid) janitor.watch(etcd.pid);
    const etcdProcess = etcd;
    await waitFor("etcd did not become healthy", etcdProcess, timeoutMs, async () => {
      const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      return res.ok && body.includes('"true"') ? true : `GET /health: HTTP ${res.status} ${body}`;
    });

    const port = await freeLoopbackPort();
    const defaults = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, "certs")}`,
      `--tls-cert-file=${file("apiserver.crt", serving.certPem)}`,
      `--tls-private-key-file=${file("apiserver.key", serving.keyPem)}`,
      `--client-ca-file=${file("ca.crt", ca.certPem)}`,
      `--token-auth-file=${file("tokens.csv", `${tokenLine(adminToken)}\n${tokenLine(unprivileged)}\n`)}`,
      "--authorization-mode=RBAC",
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${file("sa.pub", serviceAccountKeys.publicKeyPem)}`,
      `--service-account-signing-key-file=${file("sa.key", serviceAccountKeys.privateKeyPem)}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--disable-admission-plugins=ServiceAccount",
      "--allow-privileged=true",
      "--profiling=false",
      // 1.37 refuses a loopback advertise address for the kubernetes Service endpoints; nothing here needs them.
      "--endpoint-reconciler-type=none",
    ];
    plane = new ControlPlane({
      dir,
      janitor,
      etcd,
      apiServerArgs: mergeFlags(defaults, options.apiServerFlags ?? []),
      server: `https://127.0.0.1:${port}`,
      caPem: ca.certPem,
      admin: { user: IDENTITIES.admin.user, certPem: admin.certPem, keyPem: admin.keyPem },
      adminToken,
      unprivileged,
      binaries,
      timeoutMs,
    });
    await plane.startApiServer();
    return plane;
  } catch (error) {
    if (plane) await plane.stop().catch(() => {});
    else {
      await etcd?.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      await janitor.release().catch(() => {});
    }
    throw error;
  }
}
