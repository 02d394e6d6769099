#!/usr/bin/env bash
# Runs the editor tests against one cargo-caps binary: the VS Code extension's
# unit tests, then Neovim, Emacs eglot and VS Code end to end. A test whose
# editor or tooling is missing is skipped with a message, unless E2E=1 (CI),
# where that is a failure: e2e/install.sh installs everything.
# Usage: e2e/run-all.sh path/to/cargo-caps
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(realpath "${1:?usage: e2e/run-all.sh path/to/cargo-caps}")
passed=0 failed=0 skipped=0

# run NAME MISSING CMD...: MISSING is empty when the test can run, else what is absent.
run() {
  local name=$1 missing=$2
  shift 2
  if [ -n "$missing" ]; then
    if [ "${E2E:-}" = 1 ]; then
      echo "FAIL $name: $missing is not installed (run e2e/install.sh)" >&2
      failed=$((failed + 1))
    else
      echo "SKIP $name: $missing is not installed (run e2e/install.sh)" >&2
      skipped=$((skipped + 1))
    fi
    return
  fi
  echo "== $name" >&2
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "FAIL $name" >&2
    failed=$((failed + 1))
  fi
}

absent() { # absent CMD|PATH...: names the first one that is missing
  for x in "$@"; do
    if [[ $x == /* ]]; then [ -e "$x" ] || { echo "$x"; return; }
    else command -v "$x" >/dev/null || { echo "$x"; return; }; fi
  done
}

vscode_dir=$root/editors/vscode
run vscode-unit "$(absent node "$vscode_dir/node_modules/.bin/tsc")" \
  bash -c "cd '$vscode_dir' && npm test --silent"
run nvim "$(absent nvim)" bash "$here/nvim.sh" "$bin"
emacs_missing=$(absent emacs)
[ -z "$emacs_missing" ] && ! emacs --batch --eval '(require (quote eglot))' >/dev/null 2>&1 && emacs_missing="eglot (elpa-eglot)"
run emacs "$emacs_missing" bash "$here/emacs.sh" "$bin"
run vscode "$(absent chromium "$here/.deps/code-server/node_modules/.bin/code-server" "$here/node_modules/playwright-core" "$vscode_dir/node_modules/.bin/vsce")" \
  bash "$here/vscode.sh" "$bin"

echo "e2e: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
