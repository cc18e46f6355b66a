#!/usr/bin/env bash
# Builds the client-go peers of the benchmark (one program per scenario under cmd/, k8s.io/client-go v0.37.1 from the
# Go module proxy) into a cache outside the repo, keyed by a hash of go.mod, go.sum and the *.go files; a second run
# finds them there and costs nothing. Prints the directory that holds the binaries.
#
#   scripts/bench/clientgo/build.sh
#
# Env: K8S_SDK_CACHE (default ~/.cache/k8s-sdk).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${K8S_SDK_CACHE:-$HOME/.cache/k8s-sdk}
hash=$(cd "$here" && cat go.mod go.sum $(find . -name '*.go' | LC_ALL=C sort) | sha256sum | cut -c1-16)
out="$cache/bin/bench-clientgo-$hash"
log() { printf '[bench-clientgo] %s\n' "$*" >&2; }

if [ ! -f "$out/.complete" ]; then
  if ! command -v go >/dev/null; then
    log "go is not on PATH: install Go >= 1.26 (https://go.dev/dl) to build the client-go peers"; exit 1
  fi
  export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local
  start=$SECONDS
  log "building $out"
  mkdir -p "$cache/bin"
  tmp=$(mktemp -d "$cache/bin/.bench-clientgo.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$here" && go build -trimpath -ldflags "-s -w" -o "$tmp/" ./cmd/...)
  touch "$tmp/.complete"
  rm -rf "$out"
  mv "$tmp" "$out"  # atomic: concurrent builders never see a half-built directory
  trap - EXIT
  log "built in $((SECONDS - start)) s"
fi
echo "$out"
