# cargo-caps: `make demo` builds and checks the bundled example workspace;
# `make test` runs every test (Go unit + golden tests, fuzz seed corpora, the
# real-workspace tests, and the editor end-to-end tests when their clients are
# installed — .ci/run installs them).
GO      ?= go
BIN     := bin/cargo-caps
E2E     ?= $(if $(CI),1,)

.PHONY: build install generate test unit race e2e bench demo vsix fuzz lint clean

build:
	$(GO) build -o $(BIN) ./cmd/cargo-caps

# Installs the binary where `go install` puts it: $(go env GOBIN), else
# $(go env GOPATH)/bin (~/go/bin by default), which must be on PATH for the
# editors to find `cargo-caps`.
install:
	$(GO) install ./cmd/cargo-caps
	@gobin=$$($(GO) env GOBIN); echo "installed $${gobin:-$$($(GO) env GOPATH)/bin}/cargo-caps"

# Rewrites what is generated from the capability and code tables (README's
# capability table, the VS Code severity setting); a test fails when stale.
generate:
	$(GO) generate ./caps

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }
	$(GO) vet ./...

unit:
	$(GO) test ./...

# Editor end-to-end tests with real clients (Neovim, Emacs eglot, VS Code in
# headless Chromium). Each script skips with a message when its editor is absent,
# unless E2E=1 (CI), where a missing editor is a failure.
e2e: build
	E2E=$(E2E) bash e2e/run-all.sh $(abspath $(BIN))

# The language server and the session core are concurrent: their tests run
# under the race detector too.
race:
	$(GO) test -race ./lsp ./project

test: lint unit race e2e

# A few minutes of real fuzzing per target (the seed corpora run in `make test`).
FUZZTIME ?= 2m
fuzz:
	$(GO) test ./manifest -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./analyzer -run '^$$' -fuzz FuzzAnalyze -fuzztime $(FUZZTIME)
	$(GO) test ./analyzer -run '^$$' -fuzz FuzzFlatten -fuzztime $(FUZZTIME)
	$(GO) test ./cmd/cargo-caps -run '^$$' -fuzz FuzzHostilePackage -fuzztime $(FUZZTIME)

bench:
	$(GO) test ./analyzer ./project ./graph ./lsp -run '^$$' -bench . -benchmem -benchtime 3x
	bash bench/tree.sh

demo: build
	@echo '== cargo-caps check examples/demo'
	@./$(BIN) check --manifest-path examples/demo/Cargo.toml --no-cache; test $$? -le 1
	@echo '== cargo-caps report examples/demo'
	@./$(BIN) report --manifest-path examples/demo/Cargo.toml --no-cache

vsix:
	bash editors/vscode/build-vsix.sh

clean:
	rm -rf bin
