#!/usr/bin/env bash
# Build-sandbox figures for bench/README.md: testdata/workspaces/tokio-app
# (reqwest + tokio + serde_json + clap from Debian's crate sources) built by
# `cargo-caps build` with and without the sandbox, in the same run, each
# from a fresh target dir, CARGO_BUILD_JOBS=2: wall time, and the CPU time of
# the whole process tree (/usr/bin/time counts every waited-for descendant),
# which a shared machine's load disturbs less. The order alternates per round
# so drift hits both.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d /usr/share/cargo/registry ] || ! command -v bwrap >/dev/null; then
  echo "bench/sandbox.sh: needs Debian's crate sources and bubblewrap (see .ci/run); skipped"
  exit 0
fi
rounds=${ROUNDS:-1}
go build -o bin/cargo-caps ./cmd/cargo-caps
bin=$PWD/bin/cargo-caps
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r testdata/workspaces/tokio-app "$work/ws"
build() { # label, flags...
  local label=$1; shift
  rm -rf "$work/target"
  (cd "$work/ws" && CARGO_BUILD_JOBS=2 CARGO_TARGET_DIR="$work/target" \
    /usr/bin/time -f "$label: %e s wall, %U s user + %S s system CPU" "$bin" build --offline -q "$@" 2>&1 |
    grep -v -- '--no-sandbox: build scripts')
}
for ((i = 0; i < rounds; i++)); do
  if ((i % 2 == 0)); then
    build sandboxed; build "--no-sandbox" --no-sandbox
  else
    build "--no-sandbox" --no-sandbox; build sandboxed
  fi
done
