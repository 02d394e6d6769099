package project

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

// TestUpdate: after an edit, Update gives what a fresh Load gives, and with
// KeepTrees the files that did not change are not parsed again.
func TestUpdate(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"Cargo.toml":  "[package]\nname = \"u\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.capabilities]\ndefault-capability = false\ncapability = [\"fs-readonly\"]\n",
		"Cargo.lock":  "version = 3\n\n[[package]]\nname = \"u\"\nversion = \"0.1.0\"\n",
		"src/lib.rs":  "mod disk;\npub fn f() { disk::g() }\n",
		"src/disk.rs": "pub fn g() { let _ = std::fs::read(\"x\"); }\n",
	}
	for name, text := range files {
		testfs.Write(t, filepath.Join(dir, name), text)
	}
	ctx := context.Background()
	opts := Options{NoCargo: true, NoCache: true, KeepTrees: true}
	w, err := Load(ctx, filepath.Join(dir, "Cargo.toml"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Result.Findings) != 0 {
		t.Fatalf("findings before the edit: %v", w.Result.Findings)
	}
	lib := filepath.Join(dir, "src/lib.rs")
	before := w.trees.byPath[lib].syntax

	disk := filepath.Join(dir, "src/disk.rs")
	testfs.Write(t, disk, "pub fn g() { let _ = std::fs::write(\"x\", b\"\"); }\n")
	next, err := w.Update(ctx, []string{disk})
	if err != nil {
		t.Fatal(err)
	}
	if after := next.trees.byPath[lib].syntax; after != before {
		t.Error("the unchanged lib.rs was parsed again")
	}
	fresh, err := Load(ctx, filepath.Join(dir, "Cargo.toml"), Options{NoCargo: true, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	describe := func(w *Workspace) []string {
		var out []string
		for _, f := range w.Result.Findings {
			out = append(out, string(f.Code)+" "+f.Capability.String()+" "+f.API)
		}
		return out
	}
	if got, want := describe(next), describe(fresh); !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("after Update: %v; fresh Load: %v", got, want)
	}
}

// TestUnsavedDependency: a dependency added to a manifest buffer is not in
// the graph (resolved from disk) until the manifest is saved: Update says so
// on its key, and only there — not for a dependency the graph holds, nor
// for an optional one that no feature enables.
func TestUnsavedDependency(t *testing.T) {
	manifest := "[package]\nname = \"u\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nlocal = { path = \"local\" }\n"
	w, path, setBuffer := bufferedWorkspace(t, manifest, "pub fn g() {}\n")
	ctx := context.Background()
	unresolved := func(w *Workspace) []string {
		var out []string
		for _, f := range w.Result.Findings {
			if f.Code == finding.Unanalysed {
				out = append(out, fmt.Sprintf("%s %d:%d %s", filepath.Base(f.File), f.Range.Start, f.Range.End, f.Message))
			}
		}
		return out
	}
	if got := unresolved(w); len(got) != 0 {
		t.Fatalf("before the edit: %v", got)
	}
	setBuffer(manifest + "serde = \"1\"\nextra = { version = \"1\", optional = true }\n")
	next, err := w.Update(ctx, []string{path})
	if err != nil {
		t.Fatal(err)
	}
	start := len(manifest)
	want := []string{fmt.Sprintf("Cargo.toml %d:%d dependency `serde` is not resolved yet, so its code is not analysed: save Cargo.toml to resolve the dependency graph again", start, start+len("serde"))}
	if got := unresolved(next); !slices.Equal(got, want) {
		t.Errorf("after adding serde to the buffer:\n got %q\nwant %q", got, want)
	}
	saved, err := Load(ctx, path, next.opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range unresolved(saved) {
		if strings.Contains(msg, "not resolved yet") {
			t.Errorf("after resolving again: %s", msg)
		}
	}
}

// TestUnsavedDependencyRemoved: a dependency deleted from a manifest buffer
// stops counting before the save; a buffer with a syntax error is taken as
// the last graph had it, so findings do not come and go while it is typed.
func TestUnsavedDependencyRemoved(t *testing.T) {
	dep := "local = { path = \"local\" }\n"
	manifest := "[package]\nname = \"u\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.capabilities]\ndefault-capability = false\n\n[dependencies]\n" + dep
	w, path, setBuffer := bufferedWorkspace(t, manifest, "pub fn g() { let _ = std::fs::write(\"x\", b\"\"); }\n")
	ctx := context.Background()
	onLocal := func(w *Workspace) int {
		n := 0
		for _, f := range w.Result.Findings {
			if f.Code == finding.DependencyCapability && f.File == path {
				n++
			}
		}
		return n
	}
	if onLocal(w) == 0 {
		t.Fatal("no dependency-capability finding for local before the edit")
	}
	setBuffer(strings.Replace(manifest, dep, "local = { path = \"local\"\n", 1)) // half-typed
	halfTyped, err := w.Update(ctx, []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if onLocal(halfTyped) == 0 {
		t.Error("a half-typed manifest dropped the dependency's findings")
	}
	setBuffer(strings.Replace(manifest, dep, "", 1))
	removed, err := halfTyped.Update(ctx, []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if n := onLocal(removed); n != 0 {
		t.Errorf("%d dependency-capability findings for a dependency deleted from the buffer", n)
	}
}

// bufferedWorkspace writes a workspace whose member u depends on the path
// crate local (whose lib is localLib) and loads it in lockfile mode, with
// u's manifest read from a buffer that setBuffer replaces, as an editor's.
func bufferedWorkspace(t *testing.T, manifest, localLib string) (w *Workspace, path string, setBuffer func(string)) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Cargo.toml":       manifest,
		"Cargo.lock":       "version = 3\n\n[[package]]\nname = \"local\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"u\"\nversion = \"0.1.0\"\ndependencies = [\"local\"]\n",
		"src/lib.rs":       "pub fn f() {}\n",
		"local/Cargo.toml": "[package]\nname = \"local\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
		"local/src/lib.rs": localLib,
	}
	for name, text := range files {
		testfs.Write(t, filepath.Join(dir, name), text)
	}
	path = filepath.Join(dir, "Cargo.toml")
	buffer := manifest
	read := func(p string) ([]byte, error) {
		if p == path {
			return []byte(buffer), nil
		}
		return os.ReadFile(p)
	}
	w, err := Load(context.Background(), path, Options{NoCargo: true, NoCache: true, Read: read})
	if err != nil {
		t.Fatal(err)
	}
	return w, path, func(text string) { buffer = text }
}
