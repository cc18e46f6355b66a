import { accessSync, constants, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { PINNED_ETCD_VERSION, PINNED_KUBERNETES_VERSION } from "./versions.js";

/** Absolute paths of the control-plane programs. */
export interface ControlPlaneBinaries {
  kubeApiserver: string;
  etcd: string;
  /** Present when a kubectl was found next to the others (used for `kubectl proxy` and cross-checks). */
  kubectl?: string;
}

type Env = Record<string, string | undefined>;

/** Where `scripts/build-binaries.sh` caches the pinned binaries. */
export function defaultBinaryCacheDir(env: Env = process.env): string {
  const cache = env.K8S_SDK_CACHE || join(env.HOME || homedir(), ".cache", "k8s-sdk");
  return join(cache, "bin", `k8s-v${PINNED_KUBERNETES_VERSION}-etcd-v${PINNED_ETCD_VERSION}`);
}

const PROGRAMS = [
  { key: "kubeApiserver", file: "kube-apiserver", envVar: "TEST_ASSET_KUBE_APISERVER" },
  { key: "etcd", file: "etcd", envVar: "TEST_ASSET_ETCD" },
  { key: "kubectl", file: "kubectl", envVar: "TEST_ASSET_KUBECTL" },
] as const;

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds kube-apiserver, etcd and kubectl the way controller-runtime's envtest does: `TEST_ASSET_KUBE_APISERVER`,
 * `TEST_ASSET_ETCD` and `TEST_ASSET_KUBECTL` first, then the `KUBEBUILDER_ASSETS` directory, then this SDK's build
 * cache (`~/.cache/k8s-sdk`, or `K8S_SDK_CACHE`), then `/usr/local/kubebuilder/bin`.
 *
 * @throws Error naming each missing program, every place that was searched, and how to get it.
 */
export function findBinaries(env: Env = process.env): ControlPlaneBinaries {
  const dirs: Array<{ label: string; dir: string }> = [];
  if (env.KUBEBUILDER_ASSETS) dirs.push({ label: "KUBEBUILDER_ASSETS", dir: env.KUBEBUILDER_ASSETS });
  dirs.push({ label: "the k8s-sdk build cache", dir: defaultBinaryCacheDir(env) });
  dirs.push({ label: "the envtest default", dir: "/usr/local/kubebuilder/bin" });

  const found: Partial<ControlPlaneBinaries> = {};
  const problems: string[] = [];
  for (const program of PROGRAMS) {
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
    else if (program.key !== "kubectl" && !explicit) problems.push(`${program.file} not found; looked in:\n    ${tried.join("\n    ")}`);
  }
  if (problems.length > 0 || !found.kubeApiserver || !found.etcd) {
    throw new Error(
      `Cannot start the test control plane:\n  ${problems.join("\n  ")}\n` +
        `Build the pinned binaries (Kubernetes v${PINNED_KUBERNETES_VERSION}, etcd v${PINNED_ETCD_VERSION}) from the Go module proxy ` +
        `with \`bash scripts/build-binaries.sh\` in the SDK repository, or point KUBEBUILDER_ASSETS at a directory ` +
        `holding kube-apiserver and etcd (for example from \`setup-envtest use -p path\`).`,
    );
  }
  return found as ControlPlaneBinaries;
}
