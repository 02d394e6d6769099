#!/usr/bin/env bash
# End-to-end test with Emacs 28 + eglot: runs the eglot snippet of
# editors/README.md, as written there, in `emacs --batch` and waits for the
# diagnostic in flymake. Usage: e2e/emacs.sh path/to/cargo-caps
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(realpath "${1:?usage: e2e/emacs.sh path/to/cargo-caps}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/fixture" "$work/capsdemo"
# project.el (eglot's root) finds projects by version control, as a user's crate would be.
git -C "$work/capsdemo" init -q
# The snippet names "cargo-caps" on PATH.
mkdir "$work/bin"
ln -s "$bin" "$work/bin/cargo-caps"
awk '/^```elisp$/ {on=1; next} /^```$/ {on=0} on' "$root/editors/README.md" >"$work/snippet.el"
grep -q eglot-server-programs "$work/snippet.el" || { echo "FAIL: no eglot snippet in editors/README.md" >&2; exit 1; }
cd "$work/capsdemo"
PATH=$work/bin:$PATH HOME=$work FIXTURE=$work/capsdemo timeout 180 \
  emacs --batch -l "$work/snippet.el" -l "$here/emacs_test.el"
