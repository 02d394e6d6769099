package lsp

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"go.lsp.dev/protocol"
)

// TestInlayHints asks for the hints of every Cargo.toml of each
// testdata/inlayhint case; want/hints holds their positions and labels.
func TestInlayHints(t *testing.T) {
	for _, file := range caseFiles(t, "inlayhint") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			s := openCase(t, file)
			var b strings.Builder
			for _, f := range s.ar.Files {
				if filepath.Base(f.Name) != "Cargo.toml" {
					continue
				}
				lines := strings.Split(string(f.Data), "\n")
				for _, h := range s.inlayHints(f.Name) {
					if line := lines[h.Position.Line]; int(h.Position.Character) != len(utf16.Encode([]rune(strings.TrimRight(line, "\r")))) {
						t.Errorf("%s: hint %q not at the end of line %q", f.Name, h.Label, line)
					}
					if h.Tooltip == nil && !strings.HasPrefix(h.Label, "unused") && !strings.HasPrefix(h.Label, "narrowable") {
						t.Errorf("%s: hint %q has no tooltip", f.Name, h.Label)
					}
					fmt.Fprintf(&b, "%s %d:%d %s\n", f.Name, h.Position.Line, h.Position.Character, h.Label)
				}
			}
			s.golden("hints", b.String())
		})
	}
}

func (s *session) inlayHints(rel string) []inlayHint {
	s.t.Helper()
	var hints []inlayHint
	err := s.call("textDocument/inlayHint", map[string]any{
		"textDocument": map[string]any{"uri": fileURI(s.path(rel))},
		"range":        protocol.Range{End: protocol.Position{Line: 1 << 20}},
	}, &hints)
	if err != nil {
		s.t.Fatalf("inlayHint: %v", err)
	}
	return hints
}

// TestInlayHintsOnDebianWorkspace shows hints on a real workspace resolved
// by cargo against Debian's crate sources.
func TestInlayHintsOnDebianWorkspace(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses 78 real crates")
	}
	if _, err := os.Stat("/usr/share/cargo/registry/tokio-1.24.2"); err != nil {
		matches, _ := filepath.Glob("/usr/share/cargo/registry/tokio-*")
		if len(matches) == 0 {
			t.Skip("Debian's crate sources are not installed in /usr/share/cargo/registry (apt-get install librust-tokio-dev …)")
		}
	}
	if _, err := exec.LookPath("cargo"); err != nil {
		t.Skip("cargo is not installed")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../testdata/workspaces/tokio-app")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CARGO_NET_OFFLINE", "true")
	s := &session{client: startServer(t, nil), dir: dir}
	s.initialize(map[string]any{
		"workspaceFolders": []map[string]string{{"uri": fileURI(dir), "name": "tokio-app"}},
		"capabilities": map[string]any{
			"workspace": map[string]any{"inlayHint": map[string]any{"refreshSupport": true}},
		},
	})
	defer func(p time.Duration) { patience = p }(patience)
	patience = 8 * time.Minute // a cold cache analyses every crate
	s.analysed()
	labels := map[string]string{}
	text := string(s.text("app/Cargo.toml"))
	lines := strings.Split(text, "\n")
	for _, h := range s.inlayHints("app/Cargo.toml") {
		key := strings.Fields(lines[h.Position.Line])[0]
		labels[key] += h.Label
	}
	t.Logf("hints: %q", labels)
	if l := labels["tokio"]; !strings.Contains(l, "net") || !strings.Contains(l, "crates") {
		t.Errorf("tokio's hint %q does not show its subtree's net and size", l)
	}
	if l := labels["featlib"]; !strings.Contains(l, "fs") {
		t.Errorf("featlib's hint %q does not show the fs its disk feature brings", l)
	}
	if _, ok := labels["libc"]; !ok {
		t.Error("no hint on the target-specific libc entry")
	}
}
