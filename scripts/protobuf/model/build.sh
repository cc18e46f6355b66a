#!/usr/bin/env bash
# Builds the model program (main.go: the Go types of k8s.io/api v0.37.1 by reflection) into a cache outside the
# repo, keyed by a hash of go.mod, go.sum and main.go; a second run finds it there. Prints the binary's path.
# Env: K8S_SDK_CACHE (default ~/.cache/k8s-sdk).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${K8S_SDK_CACHE:-$HOME/.cache/k8s-sdk}
hash=$(cat "$here/go.mod" "$here/go.sum" "$here"/*.go | sha256sum | cut -c1-16)
bin="$cache/bin/protobuf-model-$hash"
if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "[protobuf-model] go is not on PATH: install Go >= 1.26 to regenerate the protobuf decoders" >&2; exit 1; }
  export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
  mkdir -p "$cache/bin"
  tmp=$(mktemp "$cache/bin/.protobuf-model.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  start=$SECONDS
  echo "[protobuf-model] building $bin" >&2
  (cd "$here" && go build -trimpath -ldflags "-s -w" -o "$tmp" .)
  mv -f "$tmp" "$bin"
  trap - EXIT
  echo "[protobuf-model] built in $((SECONDS - start)) s" >&2
fi
echo "$bin"
