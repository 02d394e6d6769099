package analyzer

import (
	"os"
	"path/filepath"
	"testing"

	sitter "github.com/tree-sitter/go-tree-sitter"
	"golang.org/x/tools/txtar"
)

// flattenCursor is the reference for flattenC: the same copy made through
// go-tree-sitter's public tree cursor.
func flattenCursor(tree *sitter.Tree) ([]node, map[int32]string) {
	l := rustLanguage()
	var nodes []node
	var missing map[int32]string
	c := tree.Walk()
	defer c.Close()
	var stack, last []int32 // ancestors of the current node; last child seen at each depth
	for {
		n := c.Node()
		idx := int32(len(nodes))
		nd := node{kind: l.kindOf(n.KindId()), start: uint32(n.StartByte()), end: uint32(n.EndByte()), parent: -1, firstChild: -1, nextSibling: -1}
		if f := c.FieldId(); f != 0 && int(f) < len(l.fields) {
			nd.field = l.fields[f]
		}
		if n.IsMissing() {
			nd.missing = true
			if missing == nil {
				missing = map[int32]string{}
			}
			missing[idx] = n.Kind()
		}
		if len(stack) > 0 {
			p := stack[len(stack)-1]
			nd.parent = p
			if prev := last[len(last)-1]; prev >= 0 {
				nodes[prev].nextSibling = idx
			} else {
				nodes[p].firstChild = idx
			}
			last[len(last)-1] = idx
		}
		nodes = append(nodes, nd)
		if !leafKind(nd.kind) && c.GotoFirstChild() {
			stack = append(stack, idx)
			last = append(last, -1)
			continue
		}
		for !c.GotoNextSibling() {
			if !c.GotoParent() || len(stack) == 0 {
				return nodes, missing
			}
			stack = stack[:len(stack)-1]
			last = last[:len(last)-1]
		}
	}
}

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
		got, gotMissing := flattenC(rustLanguage(), tree)
		want, wantMissing := flattenCursor(tree)
		tree.Close()
		if len(got) != len(want) {
			t.Errorf("%s: %d nodes, cursor %d", name, len(got), len(want))
			continue
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
}
