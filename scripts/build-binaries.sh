#!/usr/bin/env bash
# Builds the control-plane binaries our tests run against (kube-apiserver, kubectl, etcd) from the Go module
# proxy into a cache outside the repo, keyed by version. A second run finds them there and costs nothing.
# `--cluster` also builds what a whole cluster needs (startCluster): kube-controller-manager and kube-scheduler
# (same release), kwok (node and pod lifecycle) and our test kubelet (packages/testenv/test-kubelet: pod logs, exec,
# attach, port-forward). A plain control plane never waits for those.
#
#   scripts/build-binaries.sh            # build what is missing, print the control-plane bin directory
#   scripts/build-binaries.sh --cluster  # the same, plus the whole-cluster binaries
#   K8S_VERSION=1.37.2 ETCD_VERSION=3.6.16 scripts/build-binaries.sh
#
# Env: K8S_SDK_CACHE (default ~/.cache/k8s-sdk). Versions default to the pins in scripts/versions.env.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
K8S_VERSION=${K8S_VERSION:-$PINNED_K8S_VERSION}
ETCD_VERSION=${ETCD_VERSION:-$PINNED_ETCD_VERSION}
KWOK_VERSION=${KWOK_VERSION:-$PINNED_KWOK_VERSION}
cluster=false
for arg in "$@"; do
  case "$arg" in
    --cluster) cluster=true ;;
    *) printf '[build-binaries] unknown argument %s (usage: build-binaries.sh [--cluster])\n' "$arg" >&2; exit 2 ;;
  esac
done
cache=${K8S_SDK_CACHE:-$HOME/.cache/k8s-sdk}
bin="$cache/bin/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION"
kwok_bin="$cache/bin/kwok-v$KWOK_VERSION"
kubelet_bin="$cache/bin/test-kubelet-v$PINNED_TEST_KUBELET_VERSION"
kubelet_src="$here/../packages/testenv/test-kubelet"
log() { printf '[build-binaries] %s\n' "$*" >&2; }

if ! command -v go >/dev/null; then
  log "go is not on PATH: install Go >= 1.26 (https://go.dev/dl) to build kube-apiserver and etcd"; exit 1
fi
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

# build_kube CMD...: builds k8s.io/kubernetes/cmd/CMD for each CMD in one `go build`, so shared packages compile once.
build_kube() {
  local work; work=$(mktemp -d "$cache/kbuild.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  cd "$work"
  go mod init local/kbuild >/dev/null 2>&1
  local info gomod
  info=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION")
  if grep -q '"Error"' <<<"$info"; then
    log "cannot download k8s.io/kubernetes@v$K8S_VERSION from the Go module proxy:"; grep '"Error"' <<<"$info" >&2; exit 1
  fi
  gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' <<<"$info")
  # k8s.io/kubernetes points its staging modules at ./staging; pin each to its published v0.X.Y instead.
  local minor=${K8S_VERSION#1.}
  for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => \./staging/src/.*|\1|p' "$gomod"); do
    go mod edit -replace="$m=$m@v0.$minor"
  done
  local pkgs=() c
  for c in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  go get "${pkgs[@]/%/@v$K8S_VERSION}" >&2
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*} -X k8s.io/component-base/version.gitTreeState=clean"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=${minor%%.*}"
  go build -trimpath -ldflags "$ld" -o "$work/out/" "${pkgs[@]}"
  for c in "$@"; do mv "$work/out/$c" "$bin/"; done
}

build_etcd() {
  local work; work=$(mktemp -d "$cache/ebuild.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  cd "$work"
  go mod init local/ebuild >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go build -trimpath -ldflags "-s -w" -o "$work/etcd" go.etcd.io/etcd/server/v3
  mv "$work/etcd" "$bin/etcd"
}

# kwok has no replace directives, so `go install pkg@version` works; its dependency graph (k8s.io/* v0.36) is its own.
build_kwok() {
  local work; work=$(mktemp -d "$cache/kwbuild.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  mkdir -p "$kwok_bin"
  GOBIN="$work" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  mv "$work/kwok" "$kwok_bin/kwok"
}

# Our own Go source: rebuilt whenever it changes (the hash of go.mod, go.sum and *.go is stored beside the binary).
kubelet_hash() { cat "$kubelet_src/go.mod" "$kubelet_src/go.sum" "$kubelet_src"/*.go | sha256sum | cut -c1-16; }
build_test_kubelet() {
  mkdir -p "$kubelet_bin"
  local tmp; tmp=$(mktemp "$kubelet_bin/.test-kubelet.XXXXXX")
  (cd "$kubelet_src" && go build -trimpath -ldflags "-s -w" -o "$tmp" .)
  mv -f "$tmp" "$kubelet_bin/test-kubelet"  # atomic: a concurrent reader never sees half a binary
  kubelet_hash >"$kubelet_bin/source-sha256"
}

start=$SECONDS
if [ ! -x "$bin/etcd" ]; then log "building etcd v$ETCD_VERSION"; build_etcd; fi
if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/kubectl" ]; then
  log "building kube-apiserver and kubectl v$K8S_VERSION (cold: 10-20 min on 2 cores)"; build_kube kube-apiserver kubectl
fi
if $cluster; then
  if [ ! -x "$bin/kube-controller-manager" ] || [ ! -x "$bin/kube-scheduler" ]; then
    log "building kube-controller-manager and kube-scheduler v$K8S_VERSION (about 3 min after kube-apiserver)"
    build_kube kube-controller-manager kube-scheduler
  fi
  if [ ! -x "$kwok_bin/kwok" ]; then log "building kwok v$KWOK_VERSION (cold: about 3 min)"; build_kwok; fi
  if [ ! -x "$kubelet_bin/test-kubelet" ] || [ "$(cat "$kubelet_bin/source-sha256" 2>/dev/null)" != "$(kubelet_hash)" ]; then
    log "building the test kubelet from $kubelet_src"; build_test_kubelet
  fi
fi
log "binaries ready in $bin ($((SECONDS - start)) s)"
echo "$bin"
