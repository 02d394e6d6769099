package lsp

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// openDebianWorkspace starts a session on a copy of a real workspace of
// testdata/workspaces resolved against Debian's crate sources.
func openDebianWorkspace(t *testing.T, name string, settings map[string]any, watchers bool) *session {
	t.Helper()
	if testing.Short() {
		t.Skip("analyses real crates")
	}
	if matches, _ := filepath.Glob("/usr/share/cargo/registry/tokio-*"); len(matches) == 0 {
		t.Skip("Debian's crate sources are not installed in /usr/share/cargo/registry (apt-get install librust-tokio-dev …)")
	}
	if _, err := exec.LookPath("cargo"); err != nil {
		t.Skip("cargo is not installed")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("../testdata/workspaces", name))); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CARGO_NET_OFFLINE", "true")
	s := &session{client: startServer(t, nil), dir: dir}
	s.initialize(map[string]any{
		"workspaceFolders":      []map[string]string{{"uri": fileURI(dir), "name": name}},
		"initializationOptions": settings,
		"capabilities": map[string]any{
			"workspace": map[string]any{
				"inlayHint":             map[string]any{"refreshSupport": true},
				"didChangeWatchedFiles": map[string]any{"dynamicRegistration": watchers},
			},
		},
	})
	p := patience
	t.Cleanup(func() { patience = p })
	patience = 8 * time.Minute // a cold cache analyses every crate
	s.analysed()
	return s
}

// reportCrates lists the crates of cargoCaps/report's JSON, as name@version.
func (s *session) reportCrates() []string {
	s.t.Helper()
	var js reportResult
	if err := s.call("cargoCaps/report", map[string]string{"format": "json"}, &js); err != nil {
		s.t.Fatal(err)
	}
	var report struct {
		Crates []struct{ Name, Version string }
	}
	if err := json.Unmarshal([]byte(js.Text), &report); err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, c := range report.Crates {
		out = append(out, c.Name+"@"+c.Version)
	}
	slices.Sort(out)
	return out
}

// change sends one didChange replacing the whole text of rel.
func (s *session) change(rel string, version int, text string) {
	s.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": fileURI(s.path(rel)), "version": version},
		"contentChanges": []map[string]any{{"text": text}},
	})
}

// After one didChange, of a member's Rust file or of its Cargo.toml, the
// report on a real workspace still lists each crate once (issue 12: 26 → 52).
func TestReportOnceAfterEditOnDebianWorkspace(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		for _, watchers := range []bool{true, false} {
			t.Run(map[bool]string{true: "trusted", false: "untrusted"}[trusted]+map[bool]string{true: "-watchers", false: "-polled"}[watchers], func(t *testing.T) {
				s := openDebianWorkspace(t, "tokio-app", map[string]any{"trusted": trusted}, watchers)
				before := s.reportCrates()
				if len(before) == 0 {
					t.Fatal("no crates in the report")
				}
				for _, rel := range []string{"app/src/main.rs", "app/Cargo.toml"} {
					s.open(rel, 1)
					s.change(rel, 2, string(s.text(rel))+"\n// edited\n")
					s.analysedVersion(rel, 2)
					for range 2 {
						if after := s.reportCrates(); !slices.Equal(after, before) {
							t.Fatalf("after an edit of %s, %d crates: %s\nbefore, %d", rel, len(after), strings.Join(after, " "), len(before))
						}
						time.Sleep(1500 * time.Millisecond) // the watcher's polls
					}
				}
			})
		}
	}
}

// Files of two members opened at once in single-file mode (no workspace
// folder: each file's nearest Cargo.toml is a member's) are one workspace.
func TestTwoMembersOpenedAtOnceAreOneWorkspace(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses real crates")
	}
	if matches, _ := filepath.Glob("/usr/share/cargo/registry/tokio-*"); len(matches) == 0 {
		t.Skip("Debian's crate sources are not installed in /usr/share/cargo/registry (apt-get install librust-tokio-dev …)")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../testdata/workspaces/tokio-app")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CARGO_NET_OFFLINE", "true")
	s := &session{client: startServer(t, nil), dir: dir}
	s.initialize(map[string]any{
		"initializationOptions": map[string]any{"trusted": true},
		"capabilities":          map[string]any{"workspace": map[string]any{"inlayHint": map[string]any{"refreshSupport": true}}},
	})
	p := patience
	t.Cleanup(func() { patience = p })
	patience = 8 * time.Minute
	s.open("app/src/main.rs", 1)
	s.open("netlib/src/lib.rs", 1)
	s.analysed()
	time.Sleep(2 * time.Second)
	before := s.reportCrates()
	s.change("app/src/main.rs", 2, string(s.text("app/src/main.rs"))+"\n// edited\n")
	s.analysedVersion("app/src/main.rs", 2)
	after := s.reportCrates()
	if !slices.Equal(after, before) || len(after) != len(slices.Compact(slices.Clone(after))) {
		t.Fatalf("%d crates before an edit, %d after: %s", len(before), len(after), strings.Join(after, " "))
	}
}
