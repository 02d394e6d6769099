#!/usr/bin/env bash
# LSP latency on a 10,000-line Rust file, 200 single-character edits per run
# (bench/README.md, section "LSP"):
#   DidChangeToDiagnostics  didChange → publishDiagnostics through the server
#   AnalyseAfterEdit        the analysis behind it, with the buffer's
#                           incrementally reparsed tree or parsing afresh
#   Reparse                 the parse alone: Tree.Edit + old tree vs afresh
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./lsp -run '^$' -bench 'DidChangeToDiagnostics|AnalyseAfterEdit|Reparse' -benchtime "${BENCHTIME:-1x}" -timeout 30m
