package project

import (
	"fmt"
	"strings"
	"testing"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/span"
)

// treeShape is a tree's structure with each node's byte range, so that a
// wrongly placed Tree.Edit shows even where the node kinds agree.
func treeShape(t *sitter.Tree) string {
	var b strings.Builder
	var walk func(n *sitter.Node, depth int)
	walk = func(n *sitter.Node, depth int) {
		fmt.Fprintf(&b, "%*s%s %d-%d\n", depth, "", n.Kind(), n.StartByte(), n.EndByte())
		for i := uint(0); i < n.ChildCount(); i++ {
			walk(n.Child(i), depth+1)
		}
	}
	walk(t.RootNode(), 0)
	return b.String()
}

// byteEdit replaces bytes [start, end) of o's text by insert.
func byteEdit(o *Overlay, start, end int, insert string) *Overlay {
	text := append(append(append([]byte{}, o.Text[:start]...), insert...), o.Text[end:]...)
	point := func(idx *span.Index, off int) sitter.Point {
		line := idx.LineOf(off)
		return sitter.Point{Row: uint(line), Column: uint(off - idx.LineStart(line))}
	}
	after := span.NewIndex(text)
	e := sitter.InputEdit{StartByte: uint(start), OldEndByte: uint(end), NewEndByte: uint(start + len(insert)),
		StartPosition: point(o.Index, start), OldEndPosition: point(o.Index, end), NewEndPosition: point(after, start+len(insert))}
	return o.Edited(o.Version+1, text, after, []sitter.InputEdit{e})
}

// edits of every kind: inserts, deletes, a half-typed item, a whole-line
// change, text outside ASCII.
var overlayEdits = []struct {
	start, end int
	insert     string
}{
	{30, 30, "y"}, {12, 20, ""}, {0, 0, "fn half( {\n"}, {9, 9, ")"}, {40, 44, "中文🦀"}, {0, 5, ""},
}

const overlayText = "// é𝕏 comment\nfn main() {\n    let s = \"𝕏\";\n    println!(\"{}\", s);\n}\n\nstruct A { x: u32 }\n"

// After every edit, the overlay's incremental tree equals a fresh parse.
func TestOverlayReparsesEachEdit(t *testing.T) {
	o := NewOverlay("/x/lib.rs", 1, []byte(overlayText))
	for i, e := range overlayEdits {
		o = byteEdit(o, min(e.start, len(o.Text)), min(e.end, len(o.Text)), e.insert)
		if o.Syntax() == nil {
			t.Fatalf("edit %d: no syntax", i)
		}
		fresh := analyzer.ParseRust(o.Text, nil)
		if got, want := treeShape(o.parses.parse.tree.tree), treeShape(fresh); got != want {
			t.Errorf("after edit %d (%q): incremental tree\n%s\nfresh tree\n%s", i, o.Text, got, want)
		}
		fresh.Close()
	}
}

// Edits between two parses are coalesced: the version analysed is parsed
// once, over all of them, and equals a fresh parse; an older version than
// the latest parse is left to the analyser (nil).
func TestOverlayCoalescesEdits(t *testing.T) {
	first := NewOverlay("/x/lib.rs", 1, []byte(overlayText))
	first.Syntax()
	o := first
	var middle *Overlay
	for i, e := range overlayEdits {
		o = byteEdit(o, min(e.start, len(o.Text)), min(e.end, len(o.Text)), e.insert)
		if i == 2 {
			middle = o
		}
	}
	if o.Syntax() == nil {
		t.Fatal("no syntax")
	}
	fresh := analyzer.ParseRust(o.Text, nil)
	defer fresh.Close()
	if treeShape(o.parses.parse.tree.tree) != treeShape(fresh) {
		t.Errorf("after coalesced edits the tree differs from a fresh parse of %q", o.Text)
	}
	if o.parses.edit.first != o.edits || len(o.parses.edit.list) != 0 {
		t.Errorf("edits kept after the parse: from %d, %d", o.parses.edit.first, len(o.parses.edit.list))
	}
	if middle.Syntax() != nil || first.Syntax() != nil {
		t.Error("a version older than the latest parse got a syntax")
	}
	if NewOverlay("/x/Cargo.toml", 1, []byte("[package]\n")).Syntax() != nil {
		t.Error("a manifest got a Rust syntax")
	}
}
