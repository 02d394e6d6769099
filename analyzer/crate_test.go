package analyzer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/caps"
)

func writeLib(t *testing.T, src string) Crate {
	dir := t.TempDir()
	lib := filepath.Join(dir, "src", "lib.rs")
	if err := os.MkdirAll(filepath.Dir(lib), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lib, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return Crate{Name: "demo", Dir: dir, Targets: []Target{{Kind: Lib, Path: lib}}}
}

func TestForbidsUnsafe(t *testing.T) {
	for src, want := range map[string]bool{
		"#![forbid(unsafe_code)]\npub fn f() {}":             true,
		"#![forbid(missing_docs, unsafe_code)]\n":            true,
		"#![deny(unsafe_code)]\npub fn f() {}":               false,
		"pub fn f() {}\n#[forbid(unsafe_code)]\nfn g() {}\n": false,
	} {
		if got := AnalyzeCrate(writeLib(t, src)).ForbidsUnsafe; got != want {
			t.Errorf("%q: ForbidsUnsafe = %v", src, got)
		}
	}
}

// User additions to the table (workspace manifest `apis`) classify like builtins.
func TestUserAPIs(t *testing.T) {
	table, err := apis.Builtin().Extend(map[caps.Capability][]string{caps.FS: {"my-io::write_all"}})
	if err != nil {
		t.Fatal(err)
	}
	c := writeLib(t, "use my_io::write_all as put;\npub fn f() { put(); my_io::write_all(); }\n")
	c.Table = table
	sum := AnalyzeCrate(c)
	if len(sum.Uses) != 2 || sum.Uses[0].API != "my_io::write_all" || sum.Uses[0].Cap != caps.FS {
		t.Errorf("uses = %+v", sum.Uses)
	}
	if n := len(AnalyzeCrate(writeLib(t, "pub fn f() { my_io::write_all(); }\n")).Uses); n != 0 {
		t.Errorf("builtin table classified a user API: %d uses", n)
	}
}

// Unsaved editor buffers win over the disk, and a caller's trees are used.
func TestReadAndParseHooks(t *testing.T) {
	c := writeLib(t, "pub fn f() {}\n")
	buffer := []byte("pub fn f() { std::fs::write(\"x\", b\"\").ok(); }\n")
	c.Read = func(p string) ([]byte, error) {
		if p == c.Targets[0].Path {
			return buffer, nil
		}
		return os.ReadFile(p)
	}
	syn := ParseSyntax(buffer)
	parsed := 0
	c.Parse = func(p string, text []byte) *Syntax {
		parsed++
		return syn
	}
	sum := AnalyzeCrate(c)
	if len(sum.Uses) != 1 || sum.Uses[0].API != "std::fs::write" || parsed != 1 {
		t.Errorf("uses = %+v, parsed %d times", sum.Uses, parsed)
	}
	if sum.Lines != 1 || len(sum.Files) != 1 {
		t.Errorf("lines %d files %v", sum.Lines, sum.Files)
	}
}
