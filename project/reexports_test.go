package project

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

// TestReexportChain: in a real cargo workspace (testdata/workspaces/
// reexports: app → mid → low, both edges renamed), app's calls of what mid
// re-exports from low, which re-exports std::fs::write, are fs uses in app,
// whether the graph comes from cargo or from Cargo.lock.
func TestReexportChain(t *testing.T) {
	for _, noCargo := range []bool{false, true} {
		w, err := Load(context.Background(), "../testdata/workspaces/reexports/Cargo.toml", Options{NoCargo: noCargo, NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range w.Result.Findings {
			got = append(got, string(f.Code)+" "+f.Capability.String()+" "+f.API)
		}
		want := []string{
			"undeclared-capability fs middle::store → std::fs::write",
			"undeclared-capability fs middle::low::save → std::fs::write",
		}
		if !slices.Equal(got, want) {
			t.Errorf("noCargo=%v: findings\n%q\nwant\n%q", noCargo, got, want)
		}
	}
}

// TestUpdateReexports: when an edit changes what a member re-exports, the
// members that depend on it are analysed again; when it does not, they are not.
func TestUpdateReexports(t *testing.T) {
	dir := t.TempDir()
	pkg := func(name, deps string) string {
		return "[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n" + deps +
			"\n[package.metadata.capabilities]\ndefault-capability = false\n"
	}
	files := map[string]string{
		"Cargo.toml":   "[workspace]\nmembers = [\"a\", \"b\"]\n",
		"Cargo.lock":   "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"b\"]\n\n[[package]]\nname = \"b\"\nversion = \"0.1.0\"\n",
		"a/Cargo.toml": pkg("a", "\n[dependencies]\nb = { path = \"../b\" }\n"),
		"a/src/lib.rs": "pub fn f() { b::save(\"x\", b\"\"); }\n",
		"b/Cargo.toml": pkg("b", ""),
		"b/src/lib.rs": "pub fn save(_: &str, _: &[u8]) {}\n",
	}
	for name, text := range files {
		testfs.Write(t, filepath.Join(dir, name), text)
	}
	ctx := context.Background()
	w, err := Load(ctx, filepath.Join(dir, "Cargo.toml"), Options{NoCargo: true, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	apisOf := func(w *Workspace) []string {
		var out []string
		for _, f := range w.Result.Findings {
			out = append(out, f.Crate+" "+f.API)
		}
		return out
	}
	if got := apisOf(w); len(got) != 0 {
		t.Fatalf("findings before the edit: %v", got)
	}
	lib := filepath.Join(dir, "b/src/lib.rs")
	testfs.Write(t, lib, "pub use std::fs::write as save;\n")
	next, err := w.Update(ctx, []string{lib})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := apisOf(next), []string{"a b::save → std::fs::write"}; !slices.Equal(got, want) {
		t.Errorf("after b re-exports std::fs::write: %v, want %v", got, want)
	}
	a := next.Graph.Named("a")[0].ID
	testfs.Write(t, lib, "pub use std::fs::write as save; // same exports\n")
	last, err := next.Update(ctx, []string{lib})
	if err != nil {
		t.Fatal(err)
	}
	if last.Summaries[a] != next.Summaries[a] {
		t.Error("a was analysed again though b's exports did not change")
	}
}

// TestExportsFingerprint: a cached summary is keyed by its dependencies'
// exports, so one analysed against other exports is not read back.
func TestExportsFingerprint(t *testing.T) {
	one := map[string][]apis.Export{"dep": {{Path: "save", API: "std::fs::write"}}, "other": {{Path: "run", API: "std::process::Command"}}}
	same := map[string][]apis.Export{"other": {{Path: "run", API: "std::process::Command"}}, "dep": {{Path: "save", API: "std::fs::write"}}}
	renamed := map[string][]apis.Export{"dep2": {{Path: "save", API: "std::fs::write"}}, "other": {{Path: "run", API: "std::process::Command"}}}
	if exportsFingerprint(nil) != "" || exportsFingerprint(one) != exportsFingerprint(same) || exportsFingerprint(one) == exportsFingerprint(renamed) {
		t.Error("the fingerprint does not name the exports exactly")
	}
}

// TestReexportThroughLibName: code names a dependency by its library's
// name, not its package's, when the two differ (`[lib] name`, or `-` in
// the package name): its re-exports count under that name, with cargo and
// from Cargo.lock alike; a renamed dependency keeps its key.
func TestReexportThroughLibName(t *testing.T) {
	dir := t.TempDir()
	pkg := func(name, rest string) string {
		return "[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n" + rest +
			"\n[package.metadata.capabilities]\ndefault-capability = false\n"
	}
	files := map[string]string{
		"Cargo.toml": "[workspace]\nmembers = [\"app\", \"disk-io\", \"store-pkg\"]\nresolver = \"2\"\n",
		"Cargo.lock": "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"disk-io\", \"store-pkg\"]\n\n" +
			"[[package]]\nname = \"disk-io\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"store-pkg\"\nversion = \"0.1.0\"\n",
		"app/Cargo.toml":       pkg("app", "\n[dependencies]\nstore-pkg = { path = \"../store-pkg\" }\nkept = { path = \"../disk-io\", package = \"disk-io\" }\n"),
		"app/src/lib.rs":       "pub fn f() { store::put(\"x\", b\"\"); kept::save(\"y\", b\"\"); }\n",
		"disk-io/Cargo.toml":   pkg("disk-io", ""),
		"disk-io/src/lib.rs":   "pub use std::fs::write as save;\n",
		"store-pkg/Cargo.toml": pkg("store-pkg", "\n[lib]\nname = \"store\"\n"),
		"store-pkg/src/lib.rs": "pub use std::fs::write as put;\n",
	}
	for name, text := range files {
		testfs.Write(t, filepath.Join(dir, name), text)
	}
	for _, noCargo := range []bool{false, true} {
		w, err := Load(context.Background(), filepath.Join(dir, "Cargo.toml"), Options{NoCargo: noCargo, NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range w.Result.Findings {
			if f.Crate == "app" && f.API != "" {
				got = append(got, f.API)
			}
		}
		slices.Sort(got)
		want := []string{"kept::save → std::fs::write", "store::put → std::fs::write"}
		if !slices.Equal(got, want) {
			t.Errorf("noCargo=%v: app's findings %q, want %q", noCargo, got, want)
		}
	}
}
