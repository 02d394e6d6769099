package project

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
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
		writeFile(t, filepath.Join(dir, name), []byte(text))
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
	writeFile(t, disk, []byte("pub fn g() { let _ = std::fs::write(\"x\", b\"\"); }\n"))
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
