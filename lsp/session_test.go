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

	"go.lsp.dev/protocol"
)

// openDebianWorkspace starts a session on a copy of a real workspace of
// testdata/workspaces resolved against Debian's crate sources.
func openDebianWorkspace(t *testing.T, name string, settings map[string]any, watchers bool) *session {
	t.Helper()
	dir := copyDebianWorkspace(t, name)
	if _, err := exec.LookPath("cargo"); err != nil {
		unavailable(t, "cargo is not installed")
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

// copyDebianWorkspace copies a workspace of testdata/workspaces that
// resolves against Debian's crate sources to a new directory.
func copyDebianWorkspace(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("analyses real crates")
	}
	if matches, _ := filepath.Glob("/usr/share/cargo/registry/tokio-*"); len(matches) == 0 {
		unavailable(t, "Debian's crate sources are not installed in /usr/share/cargo/registry (apt-get install librust-tokio-dev …; .ci/run installs them)")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("../testdata/workspaces", name))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// unavailable skips a test that needs what this machine lacks, except in
// CI, which installs everything the tests use.
func unavailable(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// reportCrates lists the crates of cargoCaps/report's JSON, as name@version.
func (s *session) reportCrates() []string {
	s.t.Helper()
	var js reportResult
	if err := s.call("cargoCaps/report", map[string]string{"format": "json"}, &js); err != nil {
		s.t.Fatal(err)
	}
	type crate struct{ Name, Version string }
	var report struct {
		NeedReview []crate `json:"need_review"`
		Audited    []crate `json:"audited"`
		Pure       []crate `json:"pure"`
	}
	if err := json.Unmarshal([]byte(js.Text), &report); err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, c := range slices.Concat(report.NeedReview, report.Audited, report.Pure) {
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
	dir := copyDebianWorkspace(t, "tokio-app")
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

// A workspace whose load fails (its lockfile is a merge conflict, which
// cargo and the lockfile reader both refuse) says so once — a diagnostic
// on its manifest and one message — and keystrokes do not run cargo
// again, nor show the message again.
func TestFailedLoadSaysSoOnce(t *testing.T) {
	if _, err := exec.LookPath("cargo"); err != nil {
		unavailable(t, "cargo is not installed")
	}
	dir, _ := writeCase(t, "testdata/diagnostics/own-code.txtar")
	if err := os.WriteFile(filepath.Join(dir, "Cargo.lock"), []byte("<<<<<<< HEAD\nversion = 3\n=======\nversion = 4\n>>>>>>> theirs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &session{client: startServer(t, nil), dir: dir}
	s.initialize(map[string]any{
		"workspaceFolders":      []map[string]string{{"uri": fileURI(dir), "name": "failing"}},
		"initializationOptions": map[string]any{"trusted": true},
		"capabilities":          map[string]any{"workspace": map[string]any{"inlayHint": map[string]any{"refreshSupport": true}}},
	})
	s.analysed()
	failedOn := func(ds []protocol.Diagnostic) bool {
		return slices.ContainsFunc(ds, func(d protocol.Diagnostic) bool { return strings.Contains(d.Message, "could not be resolved") })
	}
	if !failedOn(s.diagnostics()["Cargo.toml"]) {
		t.Fatalf("no diagnostic on the manifest says the load failed: %+v", s.diagnostics())
	}
	s.open("src/lib.rs", 1)
	text := string(s.text("src/lib.rs"))
	for v := 2; v < 22; v++ {
		text += "x"
		s.change("src/lib.rs", v, text)
	}
	time.Sleep(500 * time.Millisecond) // the updates the edits cause
	if n := len(s.received("window/showMessage")); n != 1 {
		t.Errorf("%d messages, want 1: %s", n, s.received("window/showMessage"))
	}
	if n := strings.Count(s.logs.String(), "load failed"); n != 1 {
		t.Errorf("%d loads failed, want 1", n)
	}
}
