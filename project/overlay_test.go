package project

import (
	"fmt"
	"path/filepath"
	"reflect"
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

// After every edit, the overlay's syntax — reparsed, or spliced when the
// edit stays inside one item — reads as a fresh parse does: the analysis
// over it equals one that parses the text itself, and a reparsed tree
// equals a fresh tree.
func TestOverlayReparsesEachEdit(t *testing.T) {
	o := NewOverlay("/x/lib.rs", 1, []byte(overlayText))
	clean := []struct { // each leaves the file without a parse error
		start, end int
		insert     string
	}{{0, 0, "fn g() { std::fs::remove_file(\"a\"); }\n"}, {4, 4, "2"}, {10, 10, "let _ = std::env::var(\"A\"); "}, {0, 0, "// note\n"}}
	edits := append(clean, overlayEdits...)
	var spliced, reparsed int
	for i, e := range edits {
		o = byteEdit(o, min(e.start, len(o.Text)), min(e.end, len(o.Text)), e.insert)
		if o.Syntax() == nil {
			t.Fatalf("edit %d: no syntax", i)
		}
		if got, want := analysedWith(o, o.Syntax()), analysedWith(o, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("after edit %d (%q): analysis over the overlay's syntax\n%+v\nover a fresh parse\n%+v", i, o.Text, got, want)
		}
		if o.parses.edit.first != o.edits {
			spliced++
			continue
		}
		reparsed++
		fresh := analyzer.ParseRust(o.Text, nil)
		if got, want := treeShape(o.parses.parse.tree.tree), treeShape(fresh); got != want {
			t.Errorf("after edit %d (%q): incremental tree\n%s\nfresh tree\n%s", i, o.Text, got, want)
		}
		fresh.Close()
	}
	if spliced == 0 || reparsed == 0 {
		t.Errorf("%d edits spliced, %d reparsed: both paths should be taken", spliced, reparsed)
	}
}

// analysedWith is the analysis of o's text as a crate's root, over syn
// (nil: parsed afresh).
func analysedWith(o *Overlay, syn *analyzer.Syntax) analyzer.Summary {
	c := analyzer.Crate{Name: "x", Dir: filepath.Dir(o.Path), Targets: []analyzer.Target{{Kind: analyzer.Lib, Path: o.Path}},
		Read: func(string) ([]byte, error) { return o.Text, nil }}
	if syn != nil {
		c.Parse = func(string, []byte) *analyzer.Syntax { return syn }
	}
	return analyzer.AnalyzeCrate(c)
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

// A version's syntax lends its memory to a later keystroke's only once
// every borrower has given it back, and never when it was handed out to
// keep: each syntax still held reads as a fresh parse of its own text.
func TestOverlayLendsOnlyWhatIsGivenBack(t *testing.T) {
	o := NewOverlay("/x/lib.rs", 1, []byte(overlayText))
	type held struct {
		o    *Overlay
		s    *analyzer.Syntax
		done func()
	}
	var holding []held
	check := func(when string) {
		for _, h := range holding {
			if got, want := analysedWith(h.o, h.s), analysedWith(h.o, nil); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: a syntax still held (version %d) no longer reads as its text", when, h.o.Version)
			}
		}
	}
	kept := o.Syntax()
	holding = append(holding, held{o, kept, func() {}})
	lent := 0
	for i := range 12 {
		at := strings.Index(string(o.Text), "let s") + len("let s")
		o = byteEdit(o, at, at, "x") // a longer variable name: each edit spliced
		spare := o.parses.parse.spare
		s, done := o.Borrow()
		if s == nil {
			t.Fatal("no syntax")
		}
		if spare != nil && o.parses.parse.spare != spare {
			lent++ // the spare was taken by this splice
		}
		holding = append(holding, held{o, s, done})
		check(fmt.Sprintf("after edit %d", i))
		if i%3 == 2 { // give back all but the newest and the kept one
			for _, h := range holding[1 : len(holding)-1] {
				h.done()
			}
			holding = append(holding[:1], holding[len(holding)-1])
		}
	}
	check("at the end")
	if lent == 0 {
		t.Error("no version's memory was lent to a later one")
	}
}
