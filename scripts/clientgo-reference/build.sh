#!/usr/bin/env bash
# Builds the client-go reference resolver (main.go, k8s.io/client-go v0.37.1) into a cache outside the repo,
# keyed by a hash of go.mod, go.sum and the *.go files. A second run finds it there and costs nothing.
#
#   scripts/clientgo-reference/build.sh     # build if missing, print the binary's path
#
# Env: K8S_SDK_CACHE (default ~/.cache/k8s-sdk).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${K8S_SDK_CACHE:-$HOME/.cache/k8s-sdk}
hash=$(cat "$here/go.mod" "$here/go.sum" "$here"/*.go | sha256sum | cut -c1-16)
bin="$cache/bin/clientgo-reference-$hash"
log() { printf '[clientgo-reference] %s\n' "$*" >&2; }

if [ ! -x "$bin" ]; then
  if ! command -v go >/dev/null; then
    log "go is not on PATH: install Go >= 1.26 (https://go.dev/dl) to build the client-go reference"; exit 1
  fi
  export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
  mkdir -p "$cache/bin"
  start=$SECONDS
  log "building $bin"
  tmp=$(mktemp "$cache/bin/.clientgo-reference.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  (cd "$here" && go build -trimpath -ldflags "-s -w" -o "$tmp" .)
  mv -f "$tmp" "$bin"  # atomic: concurrent builders never see a half-written binary
  trap - EXIT
  log "built in $((SECONDS - start)) s"
fi
echo "$bin"
