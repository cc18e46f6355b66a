#!/usr/bin/env bash
# Builds the control-plane binaries our tests run against (kube-apiserver, kubectl, etcd) from the Go module
# proxy into a cache outside the repo, keyed by version. A second run finds them there and costs nothing.
#
#   scripts/build-binaries.sh            # build what is missing, print the bin directory
#   K8S_VERSION=1.37.2 ETCD_VERSION=3.6.16 scripts/build-binaries.sh
#
# Env: K8S_SDK_CACHE (default ~/.cache/k8s-sdk). Versions default to the pins in scripts/versions.env.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
K8S_VERSION=${K8S_VERSION:-$PINNED_K8S_VERSION}
ETCD_VERSION=${ETCD_VERSION:-$PINNED_ETCD_VERSION}
cache=${K8S_SDK_CACHE:-$HOME/.cache/k8s-sdk}
bin="$cache/bin/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION"
log() { printf '[build-binaries] %s\n' "$*" >&2; }

if ! command -v go >/dev/null; then
  log "go is not on PATH: install Go >= 1.26 (https://go.dev/dl) to build kube-apiserver and etcd"; exit 1
fi
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

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
  go get "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@v$K8S_VERSION" >&2
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*} -X k8s.io/component-base/version.gitTreeState=clean"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=${minor%%.*}"
  go build -trimpath -ldflags "$ld" -o "$work/out/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
  mv "$work/out/kube-apiserver" "$work/out/kubectl" "$bin/"
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

start=$SECONDS
if [ ! -x "$bin/etcd" ]; then log "building etcd v$ETCD_VERSION"; build_etcd; fi
if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/kubectl" ]; then
  log "building kube-apiserver and kubectl v$K8S_VERSION (cold: 10-20 min on 2 cores)"; build_kube
fi
log "binaries ready in $bin ($((SECONDS - start)) s)"
echo "$bin"
