#!/usr/bin/env bash
# The oracle (bench/README.md, "Oracle"): scores a cargo-caps binary's recall
# against clippy's type-aware disallowed_methods (the API table of apis/*.toml)
# and rustc's unsafe_code, on real crates from Debian's registry.
# Usage: bash bench/oracle/run.sh /path/to/cargo-caps [OUTDIR]
# Writes OUTDIR/report.md and OUTDIR/misses.tsv (OUTDIR defaults to
# /tmp/cargo-caps-oracle; its target/ keeps clippy's work between runs).
set -euo pipefail
bin=$(realpath "${1:?usage: run.sh CARGO_CAPS_BINARY [OUTDIR]}")
out=$(mkdir -p "${2:-/tmp/cargo-caps-oracle}" && realpath "${2:-/tmp/cargo-caps-oracle}")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
registry=${CARGO_CAPS_REGISTRY:-/usr/share/cargo/registry}

(cd "$repo" && go build -o "$out/score" ./bench/oracle/score)

# Rebuild the workspace only when its recipe changed, so clippy's results
# for unchanged members stay cached in target/.
stamp=$(cat "$here/crates.txt" "$here/workspace.sh" | sha256sum | cut -c1-16)
if [[ ! -f $out/ws/.stamp || $(cat "$out/ws/.stamp") != "$stamp" ]]; then
  bash "$here/workspace.sh" "$out/ws"
  echo "$stamp" > "$out/ws/.stamp"
fi
"$out/score" clippy-toml -registry "$registry" > "$out/clippy.toml.new"
if ! cmp -s "$out/clippy.toml.new" "$out/ws/clippy.toml"; then
  mv "$out/clippy.toml.new" "$out/ws/clippy.toml"
else
  rm "$out/clippy.toml.new"
fi

# Two passes: each member's default features (must build), then every
# declared feature that a stable toolchain can build (`score features`;
# --keep-going: a member whose build still fails contributes only the first
# pass, and the report names it).
lints=(--cap-lints warn -A warnings -A clippy::all --force-warn clippy::disallowed_methods --force-warn unsafe_code)
n=$(grep -c '^[a-z]' "$here/crates.txt")
echo "clippy on $n crates, default features ..." >&2
(cd "$out/ws" && CLIPPY_CONF_DIR="$out/ws" cargo clippy --offline --workspace --message-format=json \
  --target-dir "$out/target" -- "${lints[@]}") > "$out/clippy.jsonl" 2> "$out/clippy.stderr" || {
  tail -20 "$out/clippy.stderr" >&2; exit 2; }
echo "clippy on $n crates, all declared features ..." >&2
features=$("$out/score" features -ws "$out/ws")
(cd "$out/ws" && CLIPPY_CONF_DIR="$out/ws" cargo clippy --offline --workspace --features "$features" --keep-going \
  --message-format=json --target-dir "$out/target-all-features" -- "${lints[@]}") \
  > "$out/clippy-all-features.jsonl" 2> "$out/clippy-all-features.stderr" || true
grep '^error: could not compile' "$out/clippy-all-features.stderr" >&2 || true

# Exit status 1 means error findings, which a workspace of crates that
# declare no capabilities has; only 2 is a failure.
rc=0
"$bin" check --format json --no-cache --manifest-path "$out/ws/Cargo.toml" > "$out/caps.json" 2> "$out/caps.stderr" || rc=$?
if (( rc > 1 )); then cat "$out/caps.stderr" >&2; exit 2; fi

"$out/score" -ws "$out/ws" -clippy "$out/clippy.jsonl,$out/clippy-all-features.jsonl" -caps "$out/caps.json" \
  -out "$out/report.md" -misses "$out/misses.tsv"
echo "report: $out/report.md" >&2
