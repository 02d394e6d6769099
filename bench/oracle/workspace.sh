#!/usr/bin/env bash
# Builds the oracle workspace in DIR from bench/oracle/crates.txt: each crate's
# source copied from Debian's registry as a member (and patched in, so the
# members that depend on each other use these copies), resolved offline.
# Usage: bash bench/oracle/workspace.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: workspace.sh DIR}
registry=${CARGO_CAPS_REGISTRY:-/usr/share/cargo/registry}

# Only ever replace a directory this script made (or an empty one).
if [[ -d $dir && -n $(ls -A "$dir") && ! -f $dir/.oracle-workspace ]]; then
  echo "$dir exists and is not an oracle workspace; not replacing it" >&2; exit 2
fi
rm -rf "$dir"
mkdir -p "$dir/crates" "$dir/.cargo"
touch "$dir/.oracle-workspace"
members=() patches=()
while read -r name version; do
  [[ -z $name || $name == \#* ]] && continue
  src=$registry/$name-$version
  [[ -d $src ]] || { echo "missing $src (apt-get install librust-$name-dev)" >&2; exit 2; }
  dst=$dir/crates/$name-$version
  cp -rL "$src" "$dst"
  # Debian's packaging, the registry's checksums and the crates' own lint
  # settings are not the crate's code; clippy must read only ours.
  rm -rf "$dst/debian" "$dst/.cargo-checksum.json" "$dst/.cargo_vcs_info.json" \
    "$dst/clippy.toml" "$dst/.clippy.toml"
  # Dev-dependencies need not be in Debian's registry, and example, test and
  # bench targets are not what clippy lints here (lib and bins only).
  awk '
    /^\[/ { skip = ($0 ~ /dev-dependencies/ || $0 ~ /^\[\[(example|test|bench)\]\]/) }
    !skip
  ' "$src/Cargo.toml" > "$dst/Cargo.toml"
  members+=("\"crates/$name-$version\"")
  patches+=("$name = { path = \"crates/$name-$version\" }")
done < "$here/crates.txt"

{
  echo '[workspace]'
  echo 'resolver = "2"'
  echo "members = [$(IFS=,; echo "${members[*]}")]"
  echo
  echo '[patch.crates-io]'
  printf '%s\n' "${patches[@]}"
} > "$dir/Cargo.toml"

cat > "$dir/.cargo/config.toml" <<TOML
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$registry"

[net]
offline = true
TOML

(cd "$dir" && cargo generate-lockfile --offline -q)
