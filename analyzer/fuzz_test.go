package analyzer

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

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
