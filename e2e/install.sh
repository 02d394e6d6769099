#!/usr/bin/env bash
# Installs what the editor end-to-end tests (e2e/*.sh) need: Debian's editors
# and Chromium, code-server (a real VS Code) and playwright-core. npm packages
# land in gitignored folders: e2e/node_modules, e2e/.deps, editors/vscode/node_modules.
# Safe to run again; it skips what is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${CARGO_CAPS_SHARED:-$root/../shared}

pkgs=(neovim emacs-nox elpa-eglot chromium ripgrep libkrb5-dev pkg-config build-essential python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

(cd "$here" && npm ci --no-audit --no-fund)
(cd "$root/editors/vscode" && npm ci --no-audit --no-fund)
# code-server 4.96.4 = VS Code 1.96.4; the script works around the two install
# steps that would reach hosts this machine cannot reach.
PREFIX="$here/.deps/code-server" bash "$shared/vscode/install-code-server.sh"
