import { accessSync, constants, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { PINNED_ETCD_VERSION, PINNED_KUBERNETES_VERSION, PINNED_KWOK_VERSION, PINNED_TEST_KUBELET_VERSION } from "./versions.js";

/** Absolute paths of the control-plane programs. */
export interface ControlPlaneBinaries {
  kubeApiserver: string;
  etcd: string;
  /** Present when a kubectl was found next to the others (used for `kubectl proxy` and cross-checks). */
  kubectl?: string;
}

/** Absolute paths of everything a whole cluster runs ({@link findClusterBinaries}). */
export interface ClusterBinaries extends ControlPlaneBinaries {
  kubeControllerManager: string;
  kubeScheduler: string;
  /** KWOK: node and pod lifecycle of the simulated nodes. */
  kwok: string;
  /** The kubelet streaming server for the simulated nodes (logs, exec, attach, port-forward). */
  testKubelet: string;
}

type Env = Record<string, string | undefined>;

function cacheRoot(env: Env): string {
  return env.K8S_SDK_CACHE || join(env.HOME || homedir(), ".cache", "k8s-sdk");
}

/** Where `scripts/build-binaries.sh` caches the pinned binaries. */
export function defaultBinaryCacheDir(env: Env = process.env): string {
  return join(cacheRoot(env), "bin", `k8s-v${PINNED_KUBERNETES_VERSION}-etcd-v${PINNED_ETCD_VERSION}`);
}

interface Program {
  key: string;
  file: string;
  envVar: string;
  /** Build-cache directory for this program. */
  cacheDir: (env: Env) => string;
  optional?: boolean;
}

const CONTROL_PLANE_PROGRAMS: Program[] = [
  { key: "kubeApiserver", file: "kube-apiserver", envVar: "TEST_ASSET_KUBE_APISERVER", cacheDir: defaultBinaryCacheDir },
  { key: "etcd", file: "etcd", envVar: "TEST_ASSET_ETCD", cacheDir: defaultBinaryCacheDir },
  { key: "kubectl", file: "kubectl", envVar: "TEST_ASSET_KUBECTL", cacheDir: defaultBinaryCacheDir, optional: true },
];

const CLUSTER_PROGRAMS: Program[] = [
  ...CONTROL_PLANE_PROGRAMS,
  { key: "kubeControllerManager", file: "kube-controller-manager", envVar: "TEST_ASSET_KUBE_CONTROLLER_MANAGER", cacheDir: defaultBinaryCacheDir },
  { key: "kubeScheduler", file: "kube-scheduler", envVar: "TEST_ASSET_KUBE_SCHEDULER", cacheDir: defaultBinaryCacheDir },
  { key: "kwok", file: "kwok", envVar: "TEST_ASSET_KWOK", cacheDir: (env) => join(cacheRoot(env), "bin", `kwok-v${PINNED_KWOK_VERSION}`) },
  {
    key: "testKubelet",
    file: "test-kubelet",
    envVar: "TEST_ASSET_TEST_KUBELET",
    cacheDir: (env) => join(cacheRoot(env), "bin", `test-kubelet-v${PINNED_TEST_KUBELET_VERSION}`),
  },
];

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function find(programs: Program[], env: Env, what: string, howToBuild: string): Record<string, string> {
  const found: Record<string, string> = {};
  const problems: string[] = [];
  for (const program of programs) {
    const dirs: Array<{ label: string; dir: string }> = [];
    if (env.KUBEBUILDER_ASSETS) dirs.push({ label: "KUBEBUILDER_ASSETS", dir: env.KUBEBUILDER_ASSETS });
    dirs.push({ label: "the k8s-sdk build cache", dir: program.cacheDir(env) });
    dirs.push({ label: "the envtest default", dir: "/usr/local/kubebuilder/bin" });
    const tried: string[] = [];
    const explicit = env[program.envVar];
    let path: string | undefined;
    if (explicit) {
      if (isExecutableFile(explicit)) path = explicit;
      else problems.push(`${program.envVar}=${explicit} is not an executable file`);
      tried.push(`${program.envVar}=${explicit}`);
    } else {
      for (const { label, dir } of dirs) {
        const candidate = join(dir, program.file);
        tried.push(`${candidate} (${label})`);
        if (isExecutableFile(candidate)) {
          path = candidate;
          break;
        }
      }
    }
    if (path) found[program.key] = path;
    else if (!program.optional && !explicit) problems.push(`${program.file} not found; looked in:\n    ${tried.join("\n    ")}`);
  }
  if (problems.length > 0) {
    throw new Error(`Cannot start the test ${what}:\n  ${problems.join("\n  ")}\n${howToBuild}`);
  }
  return found;
}

/**
 * Finds kube-apiserver, etcd and kubectl the way controller-runtime's envtest does: `TEST_ASSET_KUBE_APISERVER`,
 * `TEST_ASSET_ETCD` and `TEST_ASSET_KUBECTL` first, then the `KUBEBUILDER_ASSETS` directory, then this SDK's build
 * cache (`~/.cache/k8s-sdk`, or `K8S_SDK_CACHE`), then `/usr/local/kubebuilder/bin`.
 *
 * @throws Error naming each missing program, every place that was searched, and how to get it.
 */
export function findBinaries(env: Env = process.env): ControlPlaneBinaries {
  return find(
    CONTROL_PLANE_PROGRAMS,
    env,
    "control plane",
    `Build the pinned binaries (Kubernetes v${PINNED_KUBERNETES_VERSION}, etcd v${PINNED_ETCD_VERSION}) from the Go module proxy ` +
      `with \`bash scripts/build-binaries.sh\` in the SDK repository, or point KUBEBUILDER_ASSETS at a directory ` +
      `holding kube-apiserver and etcd (for example from \`setup-envtest use -p path\`).`,
  ) as unknown as ControlPlaneBinaries;
}

/**
 * Finds everything {@link startCluster} runs: the control plane's programs as {@link findBinaries} does, plus
 * kube-controller-manager, kube-scheduler, kwok and test-kubelet (`TEST_ASSET_KUBE_CONTROLLER_MANAGER`,
 * `TEST_ASSET_KUBE_SCHEDULER`, `TEST_ASSET_KWOK`, `TEST_ASSET_TEST_KUBELET`, then `KUBEBUILDER_ASSETS`, then the
 * build cache, then `/usr/local/kubebuilder/bin`).
 *
 * @throws Error naming each missing program, every place that was searched, and how to get it.
 */
export function findClusterBinaries(env: Env = process.env): ClusterBinaries {
  return find(
    CLUSTER_PROGRAMS,
    env,
    "cluster",
    `Build them (Kubernetes v${PINNED_KUBERNETES_VERSION}, etcd v${PINNED_ETCD_VERSION}, kwok v${PINNED_KWOK_VERSION}, ` +
      `test-kubelet v${PINNED_TEST_KUBELET_VERSION}) from the Go module proxy with \`bash scripts/build-binaries.sh --cluster\` ` +
      `in the SDK repository, or point the TEST_ASSET_* variables or KUBEBUILDER_ASSETS at your own.`,
  ) as unknown as ClusterBinaries;
}
