#!/usr/bin/env node
// Fetches the CustomResourceDefinitions of well-known projects for the generation benchmark at real-cluster scale.
// Each project's module zip is downloaded from the Go module proxy (`go mod download -json module@version`, pinned
// below) into a cache of its own, and the plain CRD YAML it carries is copied out, one file per CRD. Nothing of it is
// committed. Helm templates (directives such as `{{- if .Values... }}`) are skipped: every project below also ships the plain files that its chart
// is generated from, and those are what the source directories name.
//   Usage: node scripts/fetch-crds.mjs [--out DIR]   (prints the directory of CRD files and a summary)
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const cacheRoot = process.env.K8S_SDK_CACHE ?? join(homedir(), ".cache/k8s-sdk");

/**
 * Pinned sources: module, version, and the directories (inside the module) whose YAML is applied. Versions are the
 * newest the proxy serves whose go.mod this machine's Go 1.26.8 accepts (`go mod download` refuses a module that
 * needs a newer Go). Order matters where two directories define one CRD: the first wins (Gateway API's experimental
 * channel is a superset of its standard one).
 */
export const CRD_SOURCES = [
  { module: "github.com/prometheus-operator/prometheus-operator", version: "v0.85.0", dirs: ["example/prometheus-operator-crd-full"] },
  { module: "github.com/cert-manager/cert-manager", version: "v1.21.2", dirs: ["deploy/crds"] },
  { module: "sigs.k8s.io/gateway-api", version: "v1.6.3", dirs: ["config/crd/experimental"] },
  {
    module: "sigs.k8s.io/cluster-api",
    version: "v1.14.2",
    dirs: ["core/config/crd/bases", "bootstrap/kubeadm/config/crd/bases", "controlplane/kubeadm/config/crd/bases", "cmd/clusterctl/config/crd/bases"],
  },
  { module: "istio.io/api", version: "v1.32.0", dirs: ["kubernetes"] },
  { module: "github.com/argoproj/argo-cd/v3", version: "v3.5.7", dirs: ["manifests/crds"] },
  { module: "github.com/argoproj/argo-rollouts", version: "v1.10.0", dirs: ["manifests/crds"] },
  { module: "knative.dev/serving", version: "v0.51.0", dirs: ["config/core/300-resources"] },
  { module: "github.com/fluxcd/source-controller", version: "v1.9.6", dirs: ["config/crd/bases"] },
  { module: "github.com/fluxcd/kustomize-controller", version: "v1.9.6", dirs: ["config/crd/bases"] },
  { module: "github.com/kedacore/keda/v2", version: "v2.21.0", dirs: ["config/crd/bases"] },
  {
    module: "github.com/kyverno/kyverno",
    version: "v1.19.1",
    dirs: ["config/crds/kyverno", "config/crds/policies.kyverno.io", "config/crds/policyreport", "config/crds/reports"],
  },
  { module: "github.com/external-secrets/external-secrets", version: "v0.16.2", dirs: ["config/crds/bases"] },
  { module: "github.com/cilium/cilium", version: "v1.20.2", dirs: ["pkg/k8s/apis/cilium.io/client/crds/v2", "pkg/k8s/apis/cilium.io/client/crds/v2alpha1"] },
  { module: "sigs.k8s.io/kueue", version: "v0.17.0", dirs: ["config/components/crd/bases"] },
  { module: "github.com/vmware-tanzu/velero", version: "v1.18.3", dirs: ["config/crd/v1/bases", "config/crd/v2alpha1/bases"] },
  { module: "github.com/ray-project/kuberay/ray-operator", version: "v1.5.0", dirs: ["config/crd/bases"] },
  { module: "github.com/kubeflow/katib", version: "v0.19.0", dirs: ["manifests/v1beta1/components/crd"] },
];

/**
 * A Helm template, not YAML: a directive on a line of its own (`{{- if .Values.crds.enabled }}`) or one of Helm's
 * objects and functions. Go templates inside descriptions (Cluster API's `{{ .cluster.name }}`) are plain text.
 */
const HELM = /^\s*\{\{|\{\{-?\s*(?:\.Values|\.Release|\.Chart|include|template|toYaml|tpl)\b/m;

/** Splits a YAML stream into documents at `---` lines; comments and blank documents are dropped. */
function documents(text) {
  return text
    .split(/^---[^\n]*$/m)
    .map((doc) => doc.replace(/^\s*#.*$/gm, "").trim())
    .filter(Boolean);
}

/** The CRD's `metadata.name`, read from controller-gen-shaped YAML (top-level `metadata:`, then `  name:`). */
function crdName(doc) {
  if (!/^kind:\s*CustomResourceDefinition\s*$/m.test(doc)) return undefined;
  const metadata = /^metadata:\s*\n((?:[ \t]+.*\n?|\s*\n)*)/m.exec(doc)?.[1] ?? "";
  return /^ {2}name:\s*["']?([a-z0-9.-]+)["']?\s*$/m.exec(metadata)?.[1];
}

async function download(module, version, modCache) {
  const env = { ...process.env, GOMODCACHE: modCache, GOFLAGS: "-modcacherw", GOTOOLCHAIN: "local" };
  try {
    const { stdout } = await exec("go", ["mod", "download", "-json", `${module}@${version}`], { env, cwd: modCache, timeout: 600_000, maxBuffer: 1 << 20 });
    return JSON.parse(stdout).Dir;
  } catch (error) {
    const said = error.stdout ? JSON.parse(error.stdout).Error : error.message;
    throw new Error(`go mod download ${module}@${version}: ${said}`);
  }
}

/**
 * Downloads every source (cached) and writes one YAML file per CRD into `crds/` of a directory named by this
 * script's hash, with `index.json` (name, module and file of each) beside it. Returns the `crds/` directory.
 */
export async function fetchCrds({ out } = {}) {
  // Named by this script's own text: a changed pin or extraction rule never reuses a stale set.
  const hash = createHash("sha256").update(readFileSync(fileURLToPath(import.meta.url))).digest("hex").slice(0, 12);
  const root = out ?? join(cacheRoot, "crds", hash);
  const dir = join(root, "crds");
  const index = join(root, "index.json");
  if (existsSync(index)) return { dir, crds: JSON.parse(readFileSync(index, "utf8")) };

  const modCache = join(cacheRoot, "crd-modules");
  mkdirSync(modCache, { recursive: true });
  const crds = [];
  const seen = new Map();
  let skippedTemplates = 0;
  for (const source of CRD_SOURCES) {
    const moduleDir = await download(source.module, source.version, modCache);
    for (const sub of source.dirs) {
      const from = join(moduleDir, sub);
      if (!existsSync(from)) throw new Error(`${source.module}@${source.version} has no directory ${sub}`);
      for (const file of readdirSync(from).filter((f) => /\.ya?ml$/.test(f)).sort()) {
        for (const doc of documents(readFileSync(join(from, file), "utf8"))) {
          const name = crdName(doc);
          if (!name) continue;
          if (HELM.test(doc)) {
            skippedTemplates++;
            continue;
          }
          if (seen.has(name)) continue; // the first directory that defines it wins (see CRD_SOURCES)
          seen.set(name, true);
          crds.push({ name, module: `${source.module}@${source.version}`, file: `${sub}/${file}`, yaml: `${doc}\n` });
        }
      }
    }
  }
  // Written aside and renamed into place: an interrupted run leaves no partial set behind.
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, "crds"), { recursive: true });
  for (const crd of crds) writeFileSync(join(tmp, "crds", `${crd.name}.yaml`), crd.yaml);
  const listing = crds.map(({ yaml: _yaml, ...rest }) => rest);
  writeFileSync(join(tmp, "index.json"), `${JSON.stringify(listing, null, 2)}\n`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, ".."), { recursive: true });
  renameSync(tmp, root);
  if (skippedTemplates > 0) process.stderr.write(`[fetch-crds] skipped ${skippedTemplates} Helm-templated CRD documents\n`);
  return { dir, crds: listing };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outFlag = process.argv.indexOf("--out");
  const { dir, crds } = await fetchCrds(outFlag > 0 ? { out: process.argv[outFlag + 1] } : {});
  const byModule = new Map();
  for (const crd of crds) byModule.set(crd.module, (byModule.get(crd.module) ?? 0) + 1);
  for (const [module, count] of byModule) process.stderr.write(`${String(count).padStart(4)}  ${module}\n`);
  process.stderr.write(`${String(crds.length).padStart(4)}  CRDs in ${dir}\n`);
  process.stdout.write(`${dir}\n`);
}
