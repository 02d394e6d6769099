package analyzer

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// TestMemoMatchesWalk edits real multi-file crates as an editor would —
// statements typed into function bodies, half-typed ones, and now and then
// an edit elsewhere (a new item, a comment) — and checks after each edit
// that the analysis carrying a Memo from the one before equals the analysis
// that walks everything, and that the memo was used. (It found that cfg
// gates were added in a map's order: mio's uds module is declared under
// cfg_os_poll!{cfg_net!{…}} and cfg_not_os_poll!{cfg_net!{…}}.)
func TestMemoMatchesWalk(t *testing.T) {
	dirs := registryCrates(t, "tempfile-", "which-", "mio-", "walkdir-", "socket2-", "memmap2-", "same-file-", "filetime-")
	rng := rand.New(rand.NewPCG(3, 5))
	inserts := []string{"std::fs::remove_file(\"a\");", "let _x = 1;", "unsafe { f() };", "x", "\n", "std::env::var(\"A\");", "// c", "/* d */", "fn g() {}", "let v = self.", "(", "{", "}"}
	var replayed, analyses, reparsedBodies int
	for _, dir := range dirs {
		files := map[string]*Syntax{}
		crate := Crate{Name: filepath.Base(dir), Dir: dir, Targets: []Target{{Kind: Lib, Path: filepath.Join(dir, "src", "lib.rs")}}}
		crate.Read = func(path string) ([]byte, error) {
			if s, ok := files[path]; ok {
				return s.syn.src, nil
			}
			return os.ReadFile(path)
		}
		crate.Parse = func(path string, text []byte) *Syntax {
			if s, ok := files[path]; ok && bytes.Equal(s.syn.src, text) {
				return s
			}
			s := ParseSyntax(text)
			files[path] = s
			return s
		}
		memo := &Memo{}
		withMemo := crate
		withMemo.Memo = memo
		AnalyzeCrate(withMemo)
		paths := slices.Sorted(func(yield func(string) bool) {
			for p := range files {
				if !yield(p) {
					return
				}
			}
		})
		for range 40 {
			path := paths[rng.IntN(len(paths))]
			old := files[path]
			text := old.syn.src
			at := rng.IntN(len(text))
			if rng.IntN(5) > 0 { // inside a function body: after a `{` and a newline
				if i := bytes.Index(text[at:], []byte("{\n")); i >= 0 {
					at += i + 2
				}
			}
			ins := inserts[rng.IntN(len(inserts))]
			next := slices.Concat(text[:at], []byte(ins), text[at:])
			s := old.Spliced(next, at, at, at+len(ins), nil)
			if s == nil { // as an editor's buffer parsed whole again
				s = ParseSyntax(next)
				s.BodyEdited(old, at, at, at+len(ins))
				if s.edit != nil {
					reparsedBodies++
				}
			}
			files[path] = s
			got := AnalyzeCrate(withMemo)
			want := AnalyzeCrate(crate)
			analyses++
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: after inserting %q at %d of %s, the analysis with a memo differs from a full walk", crate.Name, ins, at, path)
			}
			replayed += memo.last.replayed
		}
	}
	t.Logf("%d analyses, %d function bodies taken over from the analysis before; %d edits of a body parsed whole", analyses, replayed, reparsedBodies)
	if replayed == 0 || reparsedBodies == 0 {
		t.Error("the memo is never used, or never after a whole parse")
	}
}

// registryCrates returns the installed crate directories with these name
// prefixes (the first match of each).
func registryCrates(t *testing.T, prefixes ...string) []string {
	var out []string
	for _, p := range prefixes {
		dirs, _ := filepath.Glob(filepath.Join(registry, p+"*"))
		if len(dirs) == 0 {
			t.Skipf("no %s* crate installed in %s", p, registry)
		}
		out = append(out, dirs[0])
	}
	return out
}
