#!/usr/bin/env bash
# Whole-tree figures for bench/README.md: the Debian crate tree (about 220
# crates) checked by the real binary, cold (no cache) and warm, with peak RSS
# from /usr/bin/time. The cold/parse-only ratio comes from `go test -bench
# BenchmarkTree ./project`, which times both in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
ws=testdata/workspaces/debian-all/Cargo.toml
if [ ! -d /usr/share/cargo/registry ]; then
  echo "bench/tree.sh: Debian's crate sources are not installed (see .ci/run); skipped"
  exit 0
fi
go build -o bin/cargo-caps ./cmd/cargo-caps
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
run() { # label, flags...
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" \
    env XDG_CACHE_HOME="$cache" ./bin/cargo-caps report --manifest-path "$ws" "$@" >/dev/null
}
run "cold (--no-cache)" --no-cache
run "fill cache"
run "warm"
run "warm, lockfile mode" --no-cargo
