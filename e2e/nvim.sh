#!/usr/bin/env bash
# End-to-end test with Neovim (0.7+) and the real plugin in editors/nvim.
# Usage: e2e/nvim.sh path/to/cargo-caps
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(realpath "${1:?usage: e2e/nvim.sh path/to/cargo-caps}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/fixture" "$work/capsdemo"
cd "$work/capsdemo"
# A workspace's .cargo/config.toml can name any program as rustc: this one
# leaves a mark when cargo runs it. The plugin's default (untrusted on
# Neovim 0.7) must not run it; after :CargoCapsTrust the server must.
mkdir .cargo
printf '[build]\nrustc = "./rustc-probe.sh"\n' >.cargo/config.toml
printf '#!/bin/sh\ntouch "$(dirname "$0")/.rustc-ran"\nexec rustc "$@"\n' >rustc-probe.sh
chmod +x rustc-probe.sh
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CACHE_HOME=$work/cache
nvim --headless -u NONE -i NONE --cmd "set rtp^=$root/editors/nvim" -c "luafile $root/editors/nvim/test/root_test.lua"
nvim --headless -u NONE -i NONE --cmd "set rtp^=$root/editors/nvim" -c "luafile $root/editors/nvim/test/trust_test.lua"
nvim --headless -u NONE -i NONE --cmd "set rtp^=$root/editors/nvim" -c "luafile $root/editors/nvim/test/help_test.lua"
# timeout: a hung client must fail the test, not the CI run.
CARGO_CAPS_BIN=$bin FIXTURE=$work/capsdemo timeout 180 \
  nvim --headless -u NONE -i NONE --cmd "set rtp^=$root/editors/nvim" -c "luafile $here/nvim_test.lua"
