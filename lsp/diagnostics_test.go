package lsp

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// TestDiagnostics opens each testdata/diagnostics case and checks what the
// server publishes: every `//@ code` / `#@ code` marker has a diagnostic of
// that code on its line and every diagnostic has a marker; want/diagnostics
// holds them exactly (LSP ranges: 0-based line, UTF-16 column).
func TestDiagnostics(t *testing.T) {
	for _, file := range caseFiles(t, "diagnostics") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			s := openCase(t, file)
			published := s.diagnostics()
			want, got := map[string][]string{}, map[string][]string{}
			for _, f := range s.ar.Files {
				for n, line := range strings.Split(string(f.Data), "\n") {
					for _, code := range markerCodes(line) {
						key := fmt.Sprintf("%s:%d", f.Name, n)
						want[key] = append(want[key], code)
					}
				}
			}
			for file, ds := range published {
				for _, d := range ds {
					key := fmt.Sprintf("%s:%d", file, d.Range.Start.Line)
					got[key] = append(got[key], fmt.Sprint(d.Code))
				}
			}
			for _, key := range sortedKeys(mergeKeys(want, got)) {
				w, g := slices.Sorted(slices.Values(want[key])), slices.Sorted(slices.Values(got[key]))
				if !slices.Equal(w, g) {
					t.Errorf("%s: markers say %q, server published %q", key, w, g)
				}
			}
			s.golden("diagnostics", renderDiagnostics(s, published))
		})
	}
}

var markerRE = regexp.MustCompile(`(?://|#)@\s*(.*)$`)

// markerCodes returns the codes a line expects: `//@ a fs, b` → [a b].
func markerCodes(line string) []string {
	m := markerRE.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	var out []string
	for _, part := range strings.Split(m[1], ",") {
		if fields := strings.Fields(part); len(fields) > 0 {
			out = append(out, fields[0])
		}
	}
	return out
}

func mergeKeys(a, b map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func renderDiagnostics(s *session, published map[string][]protocol.Diagnostic) string {
	var b strings.Builder
	for _, file := range sortedKeys(published) {
		for _, d := range published[file] {
			fmt.Fprintf(&b, "%s %s %s %v [%s]: %s\n", file, fmtRange(d.Range), strings.ToLower(d.Severity.String()), d.Code, d.Source, d.Message)
			for _, tag := range d.Tags {
				fmt.Fprintf(&b, "\ttag %s\n", tag)
			}
			for _, r := range d.RelatedInformation {
				fmt.Fprintf(&b, "\trelated %s %s: %s\n", s.rel(string(r.Location.URI)), fmtRange(r.Location.Range), r.Message)
			}
		}
	}
	return b.String()
}

// TestBrokenInputMidEdit: malformed TOML and half-typed Rust, as buffers
// are mid-edit, become diagnostics; the session goes on.
func TestBrokenInputMidEdit(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	s.open("Cargo.toml", 1)
	s.open("src/lib.rs", 1)
	change := func(rel string, version int32, text string) []protocol.Diagnostic {
		s.notify("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": fileURI(s.path(rel)), "version": version},
			"contentChanges": []map[string]any{{"text": text}},
		})
		s.analysedVersion(rel, version)
		return s.diagnostics()[rel]
	}
	manifest := string(s.text("Cargo.toml"))
	codes := func(ds []protocol.Diagnostic) string {
		var out []string
		for _, d := range ds {
			out = append(out, fmt.Sprint(d.Code))
		}
		return strings.Join(out, " ")
	}
	if got := codes(change("Cargo.toml", 2, strings.Replace(manifest, `capability = ["net", "fs"]`, `capability = ["net", "fs"`, 1))); !strings.Contains(got, "manifest-syntax") {
		t.Errorf("unclosed array: %s", got)
	}
	if got := codes(change("Cargo.toml", 3, strings.Replace(manifest, `"fs"]`, `"fss"]`, 1))); !strings.Contains(got, "unknown-capability") {
		t.Errorf("misspelt capability: %s", got)
	}
	change("Cargo.toml", 4, manifest)
	for i, text := range []string{
		"pub fn f( {\n    let _ = std::fs::",
		"pub fn f() -> usize {\n    let s = \"é𝕏",
		"",
		"\xff\xfe not utf-8 \x00",
	} {
		change("src/lib.rs", int32(2+i), text)
	}
	if err := s.call("shutdown", nil, nil); err != nil {
		t.Fatalf("the session did not survive: %v", err)
	}
}

// TestDependencySaveResolvesAgain: removing a dependency entry from the open
// manifest and saving it resolves the graph again (cargo reads the disk);
// the dependency's findings go.
func TestDependencySaveResolvesAgain(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	s.open("Cargo.toml", 1)
	text := strings.Replace(string(s.text("Cargo.toml")), "helper = { path = \"helper\" } #@ dependency-capability process\n", "", 1)
	s.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": fileURI(s.path("Cargo.toml")), "version": 2},
		"contentChanges": []map[string]any{{"text": text}},
	})
	s.analysedVersion("Cargo.toml", 2)
	if err := os.WriteFile(s.path("Cargo.toml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": fileURI(s.path("Cargo.toml"))}})
	s.analysed()
	for _, d := range s.diagnostics()["Cargo.toml"] {
		if d.Code == "dependency-capability" {
			t.Errorf("after removing helper: %s", d.Message)
		}
	}
	if n := len(s.received("window/workDoneProgress/create")); n != 2 {
		t.Errorf("%d loads, want 2: saving the manifest did not resolve the graph again", n)
	}
}

// TestWorkspaceFolders: an added folder's cargo workspace is analysed; a
// removed folder's diagnostics are cleared.
func TestWorkspaceFolders(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	other, _ := writeCase(t, "testdata/diagnostics/chain.txtar")
	s.notify("workspace/didChangeWorkspaceFolders", map[string]any{"event": map[string]any{
		"added":   []map[string]string{{"uri": fileURI(other), "name": "other"}},
		"removed": []map[string]string{{"uri": fileURI(s.dir), "name": "case"}},
	}})
	s.analysed()
	published := map[string]int{}
	for _, raw := range s.received("textDocument/publishDiagnostics") {
		var p publishParams
		json.Unmarshal(raw, &p)
		path, _ := pathOf(string(p.URI))
		published[path] = len(p.Diagnostics)
	}
	if n, ok := published[filepath.Join(other, "Cargo.toml")]; !ok || n == 0 {
		t.Errorf("the added folder's Cargo.toml: %d diagnostics", n)
	}
	for _, rel := range []string{"Cargo.toml", "src/lib.rs"} {
		if n := published[s.path(rel)]; n != 0 {
			t.Errorf("the removed folder's %s still shows %d diagnostics", rel, n)
		}
	}
}

// TestBrokenManifestThenFixed: a workspace whose manifest cargo cannot read
// loads from the manifest alone, showing what is wrong; once the manifest is
// fixed and saved, it is resolved again.
func TestBrokenManifestThenFixed(t *testing.T) {
	dir, _ := writeCase(t, "testdata/recovery/broken.txtar")
	s := &session{client: startServer(t, nil), dir: dir}
	s.initialize(map[string]any{
		"rootUri":      fileURI(dir),
		"capabilities": map[string]any{"workspace": map[string]any{"inlayHint": map[string]any{"refreshSupport": true}}},
	})
	s.analysed()
	if ds := s.diagnostics()["Cargo.toml"]; len(ds) == 0 || ds[0].Code != "manifest-syntax" {
		t.Errorf("broken manifest: %v", ds)
	}
	fixed := "[package]\nname = \"broken\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.capabilities]\ndefault-capability = false\n"
	if err := os.WriteFile(s.path("Cargo.toml"), []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	s.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": fileURI(s.path("Cargo.toml"))}})
	s.analysed()
	if ds := s.diagnostics()["src/lib.rs"]; len(ds) != 1 || ds[0].Code != "undeclared-capability" {
		t.Errorf("after the fix: %v", ds)
	}
	if ds := s.diagnostics()["Cargo.toml"]; len(ds) != 0 {
		t.Errorf("after the fix, Cargo.toml still shows %v", ds)
	}
}

// TestSingleFileMode: a client with no workspace folder opens a Rust file;
// the cargo workspace around it is found and analysed.
func TestSingleFileMode(t *testing.T) {
	dir, _ := writeCase(t, "testdata/diagnostics/own-code.txtar")
	s := &session{client: startServer(t, nil), dir: dir}
	s.initialize(map[string]any{
		"capabilities": map[string]any{"workspace": map[string]any{"inlayHint": map[string]any{"refreshSupport": true}}},
	})
	s.open("src/lib.rs", 1)
	s.analysed()
	if ds := s.diagnostics()["src/lib.rs"]; len(ds) != 1 {
		t.Errorf("src/lib.rs: %v", ds)
	}
}

// TestUnsavedDependency: a dependency typed into Cargo.toml and not saved is
// flagged on its key until a save resolves the graph again.
func TestUnsavedDependency(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	s.open("Cargo.toml", 1)
	manifest := string(s.text("Cargo.toml"))
	helper := `helper = { path = "helper" }`
	edited := strings.Replace(manifest, helper, helper+"\nunsaved-dep = \"1\"", 1)
	s.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": fileURI(s.path("Cargo.toml")), "version": 2},
		"contentChanges": []map[string]any{{"text": edited}},
	})
	s.analysedVersion("Cargo.toml", 2)
	var found []string
	for _, d := range s.diagnostics()["Cargo.toml"] {
		if strings.Contains(d.Message, "not resolved yet") {
			found = append(found, fmt.Sprintf("%s %v", fmtRange(d.Range), d.Code))
		}
	}
	line := strings.Count(manifest[:strings.Index(manifest, helper)], "\n") + 1
	if want := fmt.Sprintf("%d:0-%d:11 unanalysed", line, line); len(found) != 1 || found[0] != want {
		t.Errorf("unsaved dependency: %v, want [%s]", found, want)
	}
}
