package analyzer

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// FuzzAnalyze: any source text analyses without panic, and every range lies
// inside the text. Seeded from the testdata crates' Rust files.
func FuzzAnalyze(f *testing.F) {
	for _, src := range testdataRust(f) {
		f.Add(src)
	}
	f.Add([]byte("use self as x; use {self as y, ::*}; fn f() { x::a(); y(); }"))
	f.Add([]byte("mod a { pub use super::*; } use a::*; pub use self::a::*; fn f() { b(); a::c::d(); }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		const root = "/fuzz/src/lib.rs"
		sum := AnalyzeCrate(Crate{
			Name: "fuzz", Dir: "/fuzz",
			Targets: []Target{{Kind: Lib, Path: root}},
			Read: func(p string) ([]byte, error) {
				if p == root {
					return src, nil
				}
				return nil, errors.New("absent")
			},
		})
		for _, u := range sum.Uses {
			if u.Range.Start < 0 || u.Range.Start > u.Range.End || u.Range.End > len(src) {
				t.Fatalf("use %s %s: range %v outside %d bytes", u.Cap, u.API, u.Range, len(src))
			}
		}
		for _, u := range sum.Unanalysed {
			if u.File == root && (u.Range.Start < 0 || u.Range.Start > u.Range.End || u.Range.End > len(src)) {
				t.Fatalf("unanalysed %q: range %v outside %d bytes", u.Reason, u.Range, len(src))
			}
		}
	})
}

// FuzzFlatten: for any text, the C walk over tree-sitter's subtrees copies
// the tree exactly as the public cursor sees it, and a copy reparsed after an
// edit (reusing the unchanged subtrees) equals a fresh one. The walk that
// frees the tree as it copies it copies the same, and frees only what the
// tree alone holds: the reparsed tree shares subtrees with the first.
func FuzzFlatten(f *testing.F) {
	for _, src := range testdataRust(f) {
		f.Add(src, uint16(len(src)/2), "x")
	}
	f.Add([]byte("fn f( { let x = \"a\n}"), uint16(5), "/*")
	f.Fuzz(func(t *testing.T, src []byte, at uint16, insert string) {
		tree := ParseRust(src, nil)
		defer tree.Close()
		got, gotMissing, _ := flattenC(rustLanguage(), tree, nil, false)
		want, wantMissing := flattenCursor(tree)
		if !slices.Equal(got, want) || !maps.Equal(gotMissing, wantMissing) {
			t.Fatalf("C walk differs from the cursor")
		}
		old := NewSyntax(tree, src)
		start := min(int(at), len(src))
		next, newTree := reparse(tree, src, start, start, insert)
		defer newTree.Close()
		if !sameSyntax(old.Reparsed(newTree, next), NewSyntax(newTree, next)) {
			t.Fatalf("reparsed copy differs from a fresh one")
		}
		wantNext, wantNextMissing := flattenCursor(newTree)
		closed := flattenClosing(newTree, next, next)
		if !slices.Equal(closed.nodes, wantNext) || !maps.Equal(closed.missing, wantNextMissing) {
			t.Fatalf("closing C walk differs from the cursor")
		}
		if again, againMissing := flattenCursor(tree); !slices.Equal(again, want) || !maps.Equal(againMissing, wantMissing) {
			t.Fatalf("closing the reparsed tree changed the tree it shares subtrees with")
		}
	})
}

// testdataRust is the Rust files of the testdata crates, the fuzzers' seeds.
func testdataRust(tb testing.TB) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasSuffix(af.Name, ".rs") {
				out = append(out, af.Data)
			}
		}
	}
	return out
}
