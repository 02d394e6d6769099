package analyzer

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sitter "github.com/tree-sitter/go-tree-sitter"
	"golang.org/x/tools/txtar"
)

// TestFlattenMatchesCursor checks the C walk over tree-sitter's internal
// subtrees against the public cursor, node for node, on the analyser's test
// files, broken input and (when installed) the real crates.
func TestFlattenMatchesCursor(t *testing.T) {
	texts := map[string][]byte{
		"empty":        nil,
		"half-typed":   []byte("fn main() { let x = std::fs::read(\"a\"\n struct S { a: u8, b: }\n impl T for { fn f(&self) -> { } }"),
		"missing":      []byte("pub fn broken( { }\nfn g() { f(1, 2 }\n"),
		"extras":       []byte("/* a */ fn /* b */ f /* c */ () { // d\n x /* e */ . /* f */ y(); }\n"),
		"macro bodies": []byte("cfg_if! { if #[cfg(unix)] { mod a; } else { mod b; } }\nm!{ a b c => d; }\n"),
		"deep":         []byte("fn f() { let x = " + strings.Repeat("(", 2000) + "1" + strings.Repeat(")", 2000) + "; }\n"),
		"long chain":   []byte("fn f() { x" + strings.Repeat(" + x", 5000) + "; }\n"),
		"bom and nul":  []byte("\ufefffn f() { \x00 }\n"),
	}
	archives, _ := filepath.Glob("testdata/*.txtar")
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			texts[a+":"+f.Name] = f.Data
		}
	}
	if _, err := os.Stat(registry); err == nil {
		for _, f := range loadReal(t) {
			texts[f.path] = f.text
		}
	}
	p := newParser()
	defer p.Close()
	for name, text := range texts {
		tree := parseText(p, renameTryMacro(text), nil)
		want, wantMissing := flattenCursor(tree)
		got, gotMissing, _ := flattenC(rustLanguage(), tree, nil, false)
		sameAsCursor(t, name, got, gotMissing, want, wantMissing)
		closed := flattenClosing(tree, text, text) // the walk that frees the tree as it copies it
		sameAsCursor(t, name+" (closing)", closed.nodes, closed.missing, want, wantMissing)
	}
}

func sameAsCursor(t *testing.T, name string, got []node, gotMissing map[int32]string, want []node, wantMissing map[int32]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d nodes, cursor %d", name, len(got), len(want))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: node %d = %+v, cursor %+v", name, i, got[i], want[i])
			break
		}
	}
	if len(gotMissing) != len(wantMissing) {
		t.Errorf("%s: missing %v, cursor %v", name, gotMissing, wantMissing)
	}
	for i, k := range wantMissing {
		if gotMissing[i] != k {
			t.Errorf("%s: missing node %d named %q, cursor %q", name, i, gotMissing[i], k)
		}
	}
}

// TestReparsedMatchesFresh edits files at random — typing, deleting, opening
// comments and strings, breaking syntax — and checks after every edit that
// the syntax copied partly from the previous version equals a fresh copy.
func TestReparsedMatchesFresh(t *testing.T) {
	texts := [][]byte{
		[]byte("mod a {\n    pub fn f(x: u8) -> u8 { let y = x + 1; g(y, \"s\") }\n}\n// c\nstruct S { a: u8 }\nimpl S { fn m(&self) { self.a; } }\n"),
	}
	if _, err := os.Stat(registry); err == nil {
		for i, f := range loadReal(t) {
			if i%60 == 0 {
				texts = append(texts, f.text)
			}
		}
	}
	inserts := []string{"x", " ", "\n", "(", "}", "/*", "\"", "fn ", "::", "unsafe { ", "'"}
	rng := rand.New(rand.NewPCG(1, 2))
	for ti, text := range texts {
		tree := ParseRust(text, nil)
		syn := NewSyntax(tree, text)
		for step := range 40 {
			start := rng.IntN(len(text) + 1)
			end := min(len(text), start+rng.IntN(3))
			ins := inserts[rng.IntN(len(inserts))]
			if step%3 == 0 {
				ins = ""
			}
			next, newTree := reparse(tree, text, start, end, ins)
			got := syn.Reparsed(newTree, next)
			if !sameSyntax(got, NewSyntax(newTree, next)) {
				t.Fatalf("text %d, step %d (%q at %d..%d): reparsed copy differs from a fresh one", ti, step, ins, start, end)
			}
			tree.Close()
			tree, text, syn = newTree, next, got
		}
		tree.Close()
	}
}

// reparse replaces text[start:end] with ins and parses the result
// incrementally from tree, as an editor's buffer is; the caller closes the
// new tree.
func reparse(tree *sitter.Tree, text []byte, start, end int, ins string) ([]byte, *sitter.Tree) {
	next := append(append(append([]byte{}, text[:start]...), ins...), text[end:]...)
	edited := tree.Clone()
	defer edited.Close()
	edited.Edit(&sitter.InputEdit{
		StartByte: uint(start), OldEndByte: uint(end), NewEndByte: uint(start + len(ins)),
		StartPosition: pointAt(text, start), OldEndPosition: pointAt(text, end), NewEndPosition: pointAt(next, start+len(ins)),
	})
	return next, ParseRust(next, edited)
}

// sameSyntax reports whether two copies of a tree are equal, node for node.
func sameSyntax(a, b *Syntax) bool {
	return slices.Equal(a.syn.nodes, b.syn.nodes) && slices.Equal(a.ptrs, b.ptrs) && maps.Equal(a.syn.missing, b.syn.missing)
}

// pointAt is tree-sitter's row and byte column of offset off in text.
func pointAt(text []byte, off int) sitter.Point {
	line := bytes.Count(text[:off], []byte("\n"))
	col := off - (bytes.LastIndexByte(text[:off], '\n') + 1)
	return sitter.Point{Row: uint(line), Column: uint(col)}
}

// TestVendoredHeadersMatchModule: the internal headers flat_cgo.go compiles
// against are those of the go-tree-sitter version go.mod names.
func TestVendoredHeadersMatchModule(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tree-sitter/go-tree-sitter").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	module := strings.TrimSpace(string(out))
	vendored, _ := filepath.Glob("../third_party/tree-sitter/src/*.h")
	vendored = append(vendored, "../third_party/tree-sitter/include/tree_sitter/api.h")
	for _, v := range vendored {
		rel := "src/" + filepath.Base(v)
		if filepath.Base(v) == "api.h" {
			rel = "include/tree_sitter/api.h"
		}
		want, err := os.ReadFile(filepath.Join(module, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if got, _ := os.ReadFile(v); !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (see third_party/tree-sitter/README.md)", v, filepath.Join(module, rel))
		}
	}
}
