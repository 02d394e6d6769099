#!/usr/bin/env bash
# End-to-end test with a real VS Code (code-server 4.96.4 in Debian's Chromium,
# driven by playwright-core; see ../shared/vscode/README.md) and the packaged
# extension. Screenshots of each step land in e2e/artifacts/vscode/.
# Usage: e2e/vscode.sh path/to/cargo-caps-linux-x64.vsix
#    or: e2e/vscode.sh path/to/cargo-caps   (packages a .vsix around it first)
# Needs e2e/install.sh to have run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
arg=$(realpath "${1:?usage: e2e/vscode.sh path/to/extension.vsix | path/to/cargo-caps}")
code_server=$here/.deps/code-server/node_modules/.bin/code-server
[ -x "$code_server" ] || { echo "code-server is not installed: run e2e/install.sh" >&2; exit 2; }
[ -d "$here/node_modules/playwright-core" ] || { echo "playwright-core is not installed: run e2e/install.sh" >&2; exit 2; }

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

artifacts=$here/artifacts/vscode
rm -rf "$artifacts"; mkdir -p "$artifacts"

vsix=$arg
if [[ $arg != *.vsix ]]; then
  vsix=$work/cargo-caps.vsix
  CARGO_CAPS_BINARY=$arg "$root/editors/vscode/build-vsix.sh" "$vsix" >"$artifacts/vsix.log" 2>&1 ||
    { cat "$artifacts/vsix.log" >&2; exit 1; }
fi
export XDG_CONFIG_HOME=$work/xdg/config XDG_DATA_HOME=$work/xdg/data XDG_CACHE_HOME=$work/xdg/cache
ext=$work/extensions
"$code_server" --extensions-dir "$ext" --user-data-dir "$work/ud0" --install-extension "$vsix" >"$artifacts/install.log" 2>&1

# run NAME TRUST: one code-server with a fresh profile and a fresh copy of the
# fixture; TRUST=trusted disables workspace trust, untrusted leaves it on and
# never prompts, so the folder opens in Restricted Mode.
run() {
  local name=$1 trust=$2
  local ud=$work/ud-$name ws=$work/ws-$name/capsdemo
  mkdir -p "$ud/User" "$(dirname "$ws")"
  cp -r "$here/fixture" "$ws"
  # A workspace's .cargo/config.toml can name any program as rustc: this one
  # leaves a mark when cargo runs it. Trusted, the server runs cargo (mark);
  # untrusted, it must not (no mark).
  mkdir "$ws/.cargo"
  printf '[build]\nrustc = "./rustc-probe.sh"\n' >"$ws/.cargo/config.toml"
  printf '#!/bin/sh\ntouch "$(dirname "$0")/.rustc-ran"\nexec rustc "$@"\n' >"$ws/rustc-probe.sh"
  chmod +x "$ws/rustc-probe.sh"
  cat >"$ud/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "telemetry.telemetryLevel": "off",
  "files.refactoring.autoSave": true,
  "editor.inlayHints.enabled": "on",
  "security.workspace.trust.startupPrompt": "never",
  "security.workspace.trust.banner": "never"
}
JSON
  local port
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  local flags=()
  [ "$trust" = trusted ] && flags+=(--disable-workspace-trust)
  "$code_server" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
    "${flags[@]}" --user-data-dir "$ud" --extensions-dir "$ext" "$ws" >"$artifacts/code-server-$name.log" 2>&1 &
  server_pid=$!
  local rc=1
  for _ in $(seq 100); do
    if node -e 'require("http").get(process.argv[1], (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' \
      "http://127.0.0.1:$port/healthz"; then
      rc=0
      break
    fi
    sleep 0.2
  done
  if [ $rc -eq 0 ]; then
    NODE_PATH=$here/node_modules timeout 300 node "$here/vscode_test.js" \
      --port "$port" --workspace "$ws" --artifacts "$artifacts" --name "$name" --trust "$trust" \
      --settings "$ud/User/settings.json" || rc=$?
  else
    echo "FAIL $name: code-server did not answer /healthz; see $artifacts/code-server-$name.log" >&2
  fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  # The extension host's logs, including the cargo-caps output channel.
  cp -r "$ud/logs" "$artifacts/logs-$name" 2>/dev/null || true
  return $rc
}

failed=0
run trusted trusted || failed=$((failed + 1))
run untrusted untrusted || failed=$((failed + 1))
echo "e2e-vscode: $((2 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
