import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultBinaryCacheDir, findBinaries, findClusterBinaries } from "./binaries.js";
import { PINNED_ETCD_VERSION, PINNED_KUBERNETES_VERSION, PINNED_KWOK_VERSION, PINNED_TEST_KUBELET_VERSION } from "./versions.js";

const dirs: string[] = [];
function binDir(...programs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "testenv-bin-"));
  dirs.push(dir);
  for (const program of programs) {
    writeFileSync(join(dir, program), "#!/bin/sh\n");
    chmodSync(join(dir, program), 0o755);
  }
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// An empty HOME and cache so that the developer's own cache does not leak into these tests.
const isolated = () => ({ HOME: binDir(), K8S_SDK_CACHE: binDir() });

describe("findBinaries", () => {
  it("prefers TEST_ASSET_* over KUBEBUILDER_ASSETS", () => {
    const explicit = binDir("kube-apiserver", "etcd", "kubectl");
    const assets = binDir("kube-apiserver", "etcd", "kubectl");
    const found = findBinaries({
      ...isolated(),
      KUBEBUILDER_ASSETS: assets,
      TEST_ASSET_KUBE_APISERVER: join(explicit, "kube-apiserver"),
      TEST_ASSET_ETCD: join(explicit, "etcd"),
    });
    expect(found.kubeApiserver).toBe(join(explicit, "kube-apiserver"));
    expect(found.etcd).toBe(join(explicit, "etcd"));
    expect(found.kubectl).toBe(join(assets, "kubectl"));
  });

  it("uses KUBEBUILDER_ASSETS before the build cache", () => {
    const assets = binDir("kube-apiserver", "etcd");
    const env = isolated();
    const cached = defaultBinaryCacheDir(env);
    mkdirSync(cached, { recursive: true });
    for (const p of ["kube-apiserver", "etcd"]) {
      writeFileSync(join(cached, p), "");
      chmodSync(join(cached, p), 0o755);
    }
    expect(findBinaries({ ...env, KUBEBUILDER_ASSETS: assets }).kubeApiserver).toBe(join(assets, "kube-apiserver"));
    expect(findBinaries(env).kubeApiserver).toBe(join(cached, "kube-apiserver"));
  });

  it("keys the build cache by the pinned versions", () => {
    expect(defaultBinaryCacheDir({ K8S_SDK_CACHE: "/c" })).toBe(
      `/c/bin/k8s-v${PINNED_KUBERNETES_VERSION}-etcd-v${PINNED_ETCD_VERSION}`,
    );
  });

  it("names the missing program, where it looked and how to get it", () => {
    const assets = binDir("etcd");
    expect(() => findBinaries({ ...isolated(), KUBEBUILDER_ASSETS: assets })).toThrowError(
      /kube-apiserver not found; looked in:[\s\S]*KUBEBUILDER_ASSETS[\s\S]*scripts\/build-binaries\.sh/,
    );
  });

  it("rejects a TEST_ASSET_* that is not executable", () => {
    const assets = binDir("kube-apiserver", "etcd");
    writeFileSync(join(assets, "plain"), "");
    expect(() => findBinaries({ ...isolated(), KUBEBUILDER_ASSETS: assets, TEST_ASSET_ETCD: join(assets, "plain") })).toThrowError(
      /TEST_ASSET_ETCD=.*plain is not an executable file/,
    );
  });
});

describe("findClusterBinaries", () => {
  const clusterPrograms = ["kube-apiserver", "etcd", "kubectl", "kube-controller-manager", "kube-scheduler", "kwok", "test-kubelet"];

  it("finds the whole-cluster programs in their version-keyed cache directories", () => {
    const env = isolated();
    const dirs = {
      k8s: defaultBinaryCacheDir(env),
      kwok: join(env.K8S_SDK_CACHE, "bin", `kwok-v${PINNED_KWOK_VERSION}`),
      kubelet: join(env.K8S_SDK_CACHE, "bin", `test-kubelet-v${PINNED_TEST_KUBELET_VERSION}`),
    };
    const place = (dir: string, program: string) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, program), "");
      chmodSync(join(dir, program), 0o755);
    };
    for (const p of ["kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler"]) place(dirs.k8s, p);
    place(dirs.kwok, "kwok");
    place(dirs.kubelet, "test-kubelet");
    expect(findClusterBinaries(env)).toEqual({
      kubeApiserver: join(dirs.k8s, "kube-apiserver"),
      etcd: join(dirs.k8s, "etcd"),
      kubeControllerManager: join(dirs.k8s, "kube-controller-manager"),
      kubeScheduler: join(dirs.k8s, "kube-scheduler"),
      kwok: join(dirs.kwok, "kwok"),
      testKubelet: join(dirs.kubelet, "test-kubelet"),
    });
  });

  it("takes envtest-style overrides and KUBEBUILDER_ASSETS", () => {
    const assets = binDir(...clusterPrograms);
    const own = binDir("kwok");
    const found = findClusterBinaries({ ...isolated(), KUBEBUILDER_ASSETS: assets, TEST_ASSET_KWOK: join(own, "kwok") });
    expect(found.kwok).toBe(join(own, "kwok"));
    expect(found.testKubelet).toBe(join(assets, "test-kubelet"));
    expect(found.kubeControllerManager).toBe(join(assets, "kube-controller-manager"));
  });

  it("names what is missing and the build command for the whole cluster", () => {
    const assets = binDir("kube-apiserver", "etcd", "kube-scheduler");
    expect(() => findClusterBinaries({ ...isolated(), KUBEBUILDER_ASSETS: assets })).toThrowError(
      /kube-controller-manager not found[\s\S]*kwok not found[\s\S]*test-kubelet not found[\s\S]*build-binaries\.sh --cluster/,
    );
    // ...while a plain control plane needs none of them.
    expect(findBinaries({ ...isolated(), KUBEBUILDER_ASSETS: assets }).kubeApiserver).toBe(join(assets, "kube-apiserver"));
  });
});

describe("pinned versions", () => {
  it("match scripts/versions.env, which the build script uses", () => {
    const env = readFileSync(new URL("../../../scripts/versions.env", import.meta.url), "utf8");
    expect(env).toContain(`PINNED_K8S_VERSION=${PINNED_KUBERNETES_VERSION}\n`);
    expect(env).toContain(`PINNED_ETCD_VERSION=${PINNED_ETCD_VERSION}\n`);
    expect(env).toContain(`PINNED_KWOK_VERSION=${PINNED_KWOK_VERSION}\n`);
    expect(env).toContain(`PINNED_TEST_KUBELET_VERSION=${PINNED_TEST_KUBELET_VERSION}\n`);
  });
});
