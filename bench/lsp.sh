#!/usr/bin/env bash
# LSP latency on a 10,000-line Rust file (bench/README.md, section "LSP"):
#   DidChangeToDiagnostics  200 single-character edits, each waited for:
#                           didChange → publishDiagnostics through the server
#   TypeInBody              the same for code typed into function bodies a
#                           character at a time, through versions that do
#                           not parse
#   AnalyseAfterEdit        the analysis behind it, with the buffer's
#                           incrementally reparsed tree or parsing afresh
#   Reparse                 the parse alone: Tree.Edit + old tree vs afresh
#   Burst                   2,000 random edits as fast as the pipe takes them,
#                           with hovers, code actions and inlay hints (some
#                           cancelled): edits/s absorbed, hover p50/p99 during
#                           the burst, the process's peak RSS (client and
#                           servers included), last edit → its diagnostics
# COUNT=3 runs each three times.
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./lsp -run '^$' -bench 'DidChangeToDiagnostics|TypeInBody|AnalyseAfterEdit|Reparse|Burst' -benchtime "${BENCHTIME:-1x}" -count "${COUNT:-1}" -timeout 30m
