package lsp

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// TestCursorContext: what a cursor (|) in Cargo.toml is writing.
func TestCursorContext(t *testing.T) {
	for _, tc := range []struct {
		text string
		want completionContext
	}{
		{"[package.metadata.capabilities]\ncapability = [\"n|", completeCapability},
		{"[package.metadata.capabilities]\ncapability = [\"fs\", |", completeCapability},
		{"[workspace.metadata.capabilities]\ncapability = [|", completeCapability},
		{"[package.metadata.capabilities.dependencies]\nhe|", completeDependencyKey},
		{"[package.metadata.capabilities.dependencies]\nhelper = [\"|", completeCapability},
		{"[package.metadata.capabilities.features]\n|", completeFeatureKey},
		{"[package.metadata.capabilities.features]\ndisk = [\"f|", completeCapability},
		{"[workspace.metadata.capabilities.audited]\n\"|", completeAuditedCrate},
		{"[workspace.metadata.capabilities.audited]\n\"memchr@2\" = [\"|", completeCapability},
		{"[dependencies]\nhe|", completeNothing},
		{"[package]\nname = \"|", completeNothing},
		{"[package.metadata.capabilities]\ncapability = [\"fs\"] # ne|", completeNothing},
		{"[package.metadata.capabilities]\ncapability = [\"fs\"]|", completeNothing},
		{"[package.metadata.capabilities]\ndefault-capability = |", completeNothing},
		{"[package.metadata.capabilities.dependencies]\nx = [\"fs\"]\n[dependencies]\n|", completeNothing},
	} {
		off := strings.Index(tc.text, "|")
		text := strings.Replace(tc.text, "|", "", 1)
		if got := cursorContext([]byte(text), off); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.text, got, tc.want)
		}
	}
}

// TestCompletion asks the server, over JSON-RPC, at places of an open
// manifest.
func TestCompletion(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	text := string(s.text("Cargo.toml")) + "\n[package.metadata.capabilities.dependencies]\n\n[workspace.metadata.capabilities.audited]\n\n[features]\ndisk = []\nnetwork = []\n[package.metadata.capabilities.features]\n\n"
	s.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": fileURI(s.path("Cargo.toml")), "languageId": "toml", "version": 1, "text": text,
	}})
	lines := strings.Split(text, "\n")
	lineOf := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("no line %q", prefix)
		return 0
	}
	labels := func(line, col int) string {
		var items []protocol.CompletionItem
		if err := s.call("textDocument/completion", map[string]any{
			"textDocument": map[string]any{"uri": fileURI(s.path("Cargo.toml"))},
			"position":     map[string]any{"line": line, "character": col},
		}, &items); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.Label)
		}
		return strings.Join(out, " ")
	}
	capLine := lineOf("capability = [")
	if got := labels(capLine, len(`capability = [`)); got != "unsafe process fs net env fs-readonly env-readonly" {
		t.Errorf("in capability: %q", got)
	}
	if got := labels(lineOf("[package.metadata.capabilities.dependencies]")+1, 0); got != "helper" {
		t.Errorf("dependency keys: %q", got)
	}
	if got := labels(lineOf("[workspace.metadata.capabilities.audited]")+1, 0); got != `"helper@0.2.0"` {
		t.Errorf("audited crates: %q", got)
	}
	if got := labels(lineOf("[package.metadata.capabilities.features]")+1, 0); got != "disk network" {
		t.Errorf("feature names: %q", got)
	}
	if got := labels(lineOf("name = "), len(`name = "`)); got != "" {
		t.Errorf("in [package] name: %q", got)
	}
}
