package lsp

import (
	"os"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// hasCode reports whether ds holds a diagnostic of code.
func hasCode(ds []protocol.Diagnostic, code string) bool {
	for _, d := range ds {
		if d.Code == code {
			return true
		}
	}
	return false
}

// waitDiagnostics waits until the latest diagnostics of rel satisfy ok.
func (s *session) waitDiagnostics(what, rel string, ok func([]protocol.Diagnostic) bool) {
	s.t.Helper()
	deadline := time.Now().Add(patience)
	for !ok(s.diagnostics()[rel]) {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: diagnostics of %s: %+v", what, rel, s.diagnostics()[rel])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// declareEnv writes the own-code case's manifest declaring env-readonly,
// which src/lib.rs uses undeclared.
func declareEnv(t *testing.T, s *session) []byte {
	t.Helper()
	text := strings.Replace(string(s.text("Cargo.toml")), `capability = ["net", "fs"]`, `capability = ["net", "fs", "env-readonly"]`, 1)
	if err := os.WriteFile(s.path("Cargo.toml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return []byte(text)
}

// A manifest saved to disk while no buffer showed it, then opened: its text
// equals the disk but not what the analysis read, so the graph is resolved
// again and the diagnostic clears (Neovim 0.7 applying a quick-fix to an
// unopened Cargo.toml, then :w).
func TestOpenAfterDiskChangeResolvesAgain(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	if !hasCode(s.diagnostics()["src/lib.rs"], "undeclared-capability") {
		t.Fatalf("no undeclared-capability to begin with: %+v", s.diagnostics())
	}
	declareEnv(t, s) // the client's watchers say nothing of it
	s.open("Cargo.toml", 1)
	s.waitDiagnostics("after opening the saved manifest", "src/lib.rs", func(ds []protocol.Diagnostic) bool {
		return !hasCode(ds, "undeclared-capability")
	})
}

// A file opened as the analysis read it starts no analysis.
func TestOpenAsReadChangesNothing(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	before := len(s.received("workspace/inlayHint/refresh"))
	s.open("src/lib.rs", 1)
	s.open("Cargo.toml", 1)
	// A request answered after both notifications: they were handled.
	if err := s.call("cargoCaps/report", map[string]string{}, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if after := len(s.received("workspace/inlayHint/refresh")); after != before {
		t.Errorf("opening files as analysed ran %d analyses", after-before)
	}
}

// A client that cannot register file watchers (Neovim 0.7): the server
// polls the disk itself, and a manifest or source saved outside the editor
// counts.
func TestServerWatchesDiskWithoutClientWatchers(t *testing.T) {
	defer func(d time.Duration) { pollInterval = d }(pollInterval)
	pollInterval = 20 * time.Millisecond
	s := openCaseAs(t, "testdata/diagnostics/own-code.txtar", nil, false)
	if !hasCode(s.diagnostics()["src/lib.rs"], "undeclared-capability") {
		t.Fatalf("no undeclared-capability to begin with: %+v", s.diagnostics())
	}
	time.Sleep(100 * time.Millisecond) // the poll's baseline
	declareEnv(t, s)
	s.waitDiagnostics("after saving the manifest outside the editor", "src/lib.rs", func(ds []protocol.Diagnostic) bool {
		return !hasCode(ds, "undeclared-capability")
	})
	src := strings.Replace(string(s.text("src/lib.rs")), `let _ = std::fs::read("x");`, `let _ = std::fs::write("x", "");`, 1)
	if err := os.WriteFile(s.path("src/lib.rs"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitDiagnostics("after saving a source outside the editor", "Cargo.toml", func(ds []protocol.Diagnostic) bool {
		return !hasCode(ds, "narrowable-capability")
	})
}

// A client with watchers: the server does not poll.
func TestNoPollWithClientWatchers(t *testing.T) {
	defer func(d time.Duration) { pollInterval = d }(pollInterval)
	pollInterval = 20 * time.Millisecond
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	declareEnv(t, s)
	time.Sleep(300 * time.Millisecond)
	if !hasCode(s.diagnostics()["src/lib.rs"], "undeclared-capability") {
		t.Error("the server reacted to a disk change its client watches for it")
	}
	if s.logs.contains("polls the") {
		t.Error("the server polls though the client watches files")
	}
}
