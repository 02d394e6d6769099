package analyzer

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sitter "github.com/tree-sitter/go-tree-sitter"
	"golang.org/x/tools/txtar"
)

// FuzzAnalyze: any source text analyses without panic, and every range lies
// inside the text. Seeded from the testdata crates' Rust files.
func FuzzAnalyze(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasSuffix(af.Name, ".rs") {
				f.Add(af.Data)
			}
		}
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
// edit (reusing the unchanged subtrees) equals a fresh one.
func FuzzFlatten(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasSuffix(af.Name, ".rs") {
				f.Add(af.Data, uint16(len(af.Data)/2), "x")
			}
		}
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
		next := append(append(append([]byte{}, src[:start]...), insert...), src[start:]...)
		edited := tree.Clone()
		edited.Edit(&sitter.InputEdit{
			StartByte: uint(start), OldEndByte: uint(start), NewEndByte: uint(start + len(insert)),
			StartPosition: pointAt(src, start), OldEndPosition: pointAt(src, start), NewEndPosition: pointAt(next, start+len(insert)),
		})
		newTree := ParseRust(next, edited)
		edited.Close()
		defer newTree.Close()
		reparsed, fresh := old.Reparsed(newTree, next), NewSyntax(newTree, next)
		if !slices.Equal(reparsed.syn.nodes, fresh.syn.nodes) || !maps.Equal(reparsed.syn.missing, fresh.syn.missing) {
			t.Fatalf("reparsed copy differs from a fresh one")
		}
	})
}
