package project

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/span"
)

// Overlay is one open editor buffer at one version; its text wins over the
// disk. It is a value: an edit makes a new one, so a snapshot keeps the
// texts it was computed from. Making one is cheap (the text and its line
// index), so that a language server can apply each edit as it reads it;
// the parse waits until an analysis asks for the version it reads
// (Syntax), so a burst of edits is parsed once.
type Overlay struct {
	Path    string // absolute
	Version int32
	Text    []byte
	Index   *span.Index
	// parses is the buffer's syntax, kept current by incremental reparses,
	// shared by every version of a Rust buffer; nil for other files.
	parses *parses
	edits  int // how many edits of the buffer lead to this version
}

// NewOverlay is the overlay of a buffer just opened.
func NewOverlay(path string, version int32, text []byte) *Overlay {
	o := &Overlay{Path: path, Version: version, Text: text, Index: span.NewIndex(text)}
	if filepath.Ext(path) == ".rs" {
		o.parses = newParses()
	}
	return o
}

// Edited is o after edits that made text (with its index) of it; each edit
// is as tree-sitter's Tree.Edit takes it, in order. The edits are recorded
// for the next parse; nothing is parsed now. Edited must be called on the
// newest version of a buffer only.
func (o *Overlay) Edited(version int32, text []byte, index *span.Index, edits []sitter.InputEdit) *Overlay {
	next := &Overlay{Path: o.Path, Version: version, Text: text, Index: index, parses: o.parses, edits: o.edits}
	if o.parses != nil {
		next.edits = o.parses.add(o.edits, edits)
	}
	return next
}

// Syntax is the analyser's syntax of o's text: the buffer's latest parse
// brought up to this version by one incremental reparse over every edit
// since, or nil for a file that is not Rust or a version older than the
// latest parse (the analyser then parses afresh). It may take a parse's
// time: a language server never calls it on its reader. The caller may
// keep the result: its memory is never reused (see Borrow).
func (o *Overlay) Syntax() *analyzer.Syntax {
	if o.parses == nil {
		return nil
	}
	return o.parses.at(o, true)
}

// Borrow is Syntax for a caller that gives the syntax back (done) when it
// has finished reading it, as an analysis does: a version no one holds any
// more lends its memory to the next keystroke's (analyzer.Syntax.Spliced).
func (o *Overlay) Borrow() (s *analyzer.Syntax, done func()) {
	if o.parses == nil {
		return nil, func() {}
	}
	s = o.parses.at(o, false)
	var once sync.Once
	return s, func() { once.Do(func() { o.parses.giveBack(s) }) }
}

// parses is one Rust buffer's incremental parse: the tree of the latest
// version parsed whole and its Syntax, the Syntax of the latest version an
// analysis asked for (the same, or spliced from an earlier one: see
// analyzer.Syntax.Spliced), and the edits made since the tree, as the
// reader appends them. Two locks, so that the reader never waits for a
// parse: edit guards the edits, parse the rest.
type parses struct {
	edit struct {
		sync.Mutex
		first int                // the number of the first edit in list: the tree's version
		list  []sitter.InputEdit // edit first+i leads from version first+i to first+i+1
	}
	parse struct {
		sync.Mutex
		tree       *treeBox
		treeSyntax *analyzer.Syntax // the tree's, which Reparsed copies from
		syntax     *analyzer.Syntax
		edits      int // the version of syntax, as a count of edits; -1 before the first parse
		// held counts the borrowers of the latest syntax, the tree's and
		// older ones still borrowed; keptForever (Syntax) never lends its
		// memory. spare is an older syntax no one holds, for the next splice.
		held  map[*analyzer.Syntax]int
		spare *analyzer.Syntax
	}
}

// keptForever is held's count of a syntax handed out to keep.
const keptForever = -1

// hand records that s is handed out (to keep, or borrowed).
func (p *parses) hand(s *analyzer.Syntax, keep bool) *analyzer.Syntax {
	switch n := p.parse.held[s]; {
	case s == nil || n == keptForever:
	case keep:
		p.parse.held[s] = keptForever
	default:
		p.parse.held[s] = n + 1
	}
	return s
}

// giveBack ends a borrow of s.
func (p *parses) giveBack(s *analyzer.Syntax) {
	p.parse.Lock()
	defer p.parse.Unlock()
	if n, ok := p.parse.held[s]; ok && n > 0 {
		p.parse.held[s] = n - 1
		p.retire(s)
	}
}

// retire forgets s if it is neither the latest syntax nor the tree's nor
// held, and keeps it as the spare unless it was handed out to keep.
func (p *parses) retire(s *analyzer.Syntax) {
	if s == nil || s == p.parse.syntax || s == p.parse.treeSyntax {
		return
	}
	switch n := p.parse.held[s]; {
	case n == keptForever:
		delete(p.parse.held, s)
	case n == 0:
		delete(p.parse.held, s)
		p.parse.spare = s
	}
}

// treeBox holds the latest tree, so that a cleanup can close whichever
// tree it is when the buffer is no longer reachable.
type treeBox struct{ tree *sitter.Tree }

func newParses() *parses {
	p := &parses{}
	p.parse.tree = &treeBox{}
	p.parse.edits = -1
	p.parse.held = map[*analyzer.Syntax]int{}
	runtime.AddCleanup(p, func(b *treeBox) {
		if b.tree != nil {
			b.tree.Close()
		}
	}, p.parse.tree)
	return p
}

// add records the edits that lead from the version of count edits to the
// next one, and returns the new count.
func (p *parses) add(count int, es []sitter.InputEdit) int {
	p.edit.Lock()
	defer p.edit.Unlock()
	if p.edit.first+len(p.edit.list) != count {
		panic(fmt.Sprintf("overlay edit %d recorded after %d: Edited of an older version", count, p.edit.first+len(p.edit.list)))
	}
	p.edit.list = append(p.edit.list, es...)
	return count + len(es)
}

// take returns the edits from the tree's version to version to and
// forgets them: the next tree is of version to, and no older version is
// parsed again.
func (p *parses) take(to int) []sitter.InputEdit {
	p.edit.Lock()
	defer p.edit.Unlock()
	out := slices.Clone(p.edit.list[:to-p.edit.first])
	p.edit.list = slices.Delete(p.edit.list, 0, to-p.edit.first) // keeps the capacity: the reader appends on
	p.edit.first = to
	return out
}

// changed is the one edit the edits from version from to version to
// amount to, for a text of length size at version to: the bytes [start,
// oldEnd) of version from became [start, newEnd). Every edit changes bytes
// from its start on only, and leaves the bytes after its old end as they
// were (moved), so the edits' least start and least untouched tail bound
// what changed.
func (p *parses) changed(from, to, size int) (start, oldEnd, newEnd int) {
	p.edit.Lock()
	defer p.edit.Unlock()
	es := p.edit.list[from-p.edit.first : to-p.edit.first]
	grown := 0
	for _, e := range es {
		grown += int(e.NewEndByte) - int(e.OldEndByte)
	}
	start, tail, length := size, size, size-grown // length: the text's before each edit
	for _, e := range es {
		start = min(start, int(e.StartByte))
		tail = min(tail, length-int(e.OldEndByte))
		length += int(e.NewEndByte) - int(e.OldEndByte)
	}
	tail = max(0, min(tail, size-grown-start, size-start))
	return start, size - grown - tail, size - tail
}

// at is the syntax of o's version (see Overlay.Syntax), handed out to keep
// or borrowed.
func (p *parses) at(o *Overlay, keep bool) *analyzer.Syntax {
	p.parse.Lock()
	defer p.parse.Unlock()
	switch {
	case o.edits == p.parse.edits:
		return p.hand(p.parse.syntax, keep)
	case o.edits < p.parse.edits:
		return nil
	}
	oldTreeSyntax, oldLatest := p.parse.treeSyntax, p.parse.syntax
	defer func() {
		p.retire(oldLatest)
		p.retire(oldTreeSyntax)
	}()
	var start, oldEnd, newEnd int // the edit since oldLatest
	if oldLatest != nil {
		start, oldEnd, newEnd = p.changed(p.parse.edits, o.edits, len(o.Text))
		spare := p.parse.spare
		p.parse.spare = nil // Spliced takes it, or it is garbage
		if s := oldLatest.Spliced(o.Text, start, oldEnd, newEnd, spare); s != nil {
			p.parse.syntax, p.parse.edits = s, o.edits
			return p.hand(s, keep)
		}
	}
	old := p.parse.tree.tree
	var prev *sitter.Tree
	if old != nil {
		// Edit a copy: old must stay as it was for Reparsed.
		prev = old.Clone()
		defer prev.Close()
		edits := p.take(o.edits)
		for i := range edits {
			prev.Edit(&edits[i])
		}
	} else {
		p.take(o.edits)
	}
	tree := analyzer.ParseRust(o.Text, prev)
	if old != nil {
		defer old.Close() // after Reparsed
	}
	p.parse.tree.tree, p.parse.edits, p.parse.syntax, p.parse.treeSyntax = tree, o.edits, nil, nil
	if tree == nil {
		return nil // over the parse budget: the analyser reports it; the next version parses afresh
	}
	if prev != nil && oldTreeSyntax != nil {
		p.parse.syntax = oldTreeSyntax.Reparsed(tree, o.Text)
	} else {
		p.parse.syntax = analyzer.NewSyntax(tree, o.Text)
	}
	if oldLatest != nil { // a body half typed: the analysis may still walk that body alone
		p.parse.syntax.BodyEdited(oldLatest, start, oldEnd, newEnd)
	}
	p.parse.treeSyntax = p.parse.syntax
	return p.hand(p.parse.syntax, keep)
}
