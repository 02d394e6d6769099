#!/usr/bin/env bash
# Packages the VS Code extension as a linux-x64 .vsix with the cargo-caps
# binary bundled in server/ (the extension prefers it to PATH).
# Usage: editors/vscode/build-vsix.sh [OUT.vsix]
# CARGO_CAPS_BINARY=path bundles an already built binary instead of building one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(realpath -m "${1:-$here/cargo-caps-linux-x64.vsix}")
mkdir -p "$here/server"
if [ -n "${CARGO_CAPS_BINARY:-}" ]; then
  install -m 0755 "$CARGO_CAPS_BINARY" "$here/server/cargo-caps"
else
  (cd "$root" && GOOS=linux GOARCH=amd64 CGO_ENABLED=1 go build -trimpath -o "$here/server/cargo-caps" ./cmd/cargo-caps)
fi
cd "$here"
# vsce 4 needs node 22; 3.9.2 is pinned in package.json for node 20.
[ -x node_modules/.bin/vsce ] || npm ci --no-audit --no-fund
# vsce runs the vscode:prepublish script, which compiles the TypeScript.
node_modules/.bin/vsce package --target linux-x64 --out "$out" >&2
echo "$out"
