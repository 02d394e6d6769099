package analyzer

import (
	"bytes"
	"weak"
)

// An editor's keystroke changes one item of a file: parsing that item
// alone and putting its nodes where the old item's were costs the item,
// where even tree-sitter's incremental reparse of a 10,000-line file costs
// the file (it shifts every top-level node after the edit) and so does
// copying its tree again. Spliced is that path; it gives up, and the caller
// reparses the file, whenever the result could differ from a full parse.

// Spliced is the syntax of text, which is old's text with the bytes
// [start, oldEnd) replaced by text[start:newEnd], made by parsing only the
// smallest item or comment that holds the edit — at the top level of the
// file, or directly in an impl, trait or inline module body — when the
// edited item parses alone without error and its ends touch whitespace (or
// the file's ends), so that no token can reach across them. It is nil
// otherwise, or when old has a parse error outside that item: then the
// caller parses the file. The result keeps no tree-sitter subtrees: it
// cannot be Reparsed.
//
// spare, when not nil, is a Syntax nothing reads any more, whose memory the
// result may take over: the node array is most of what a keystroke costs
// here, and a new one per keystroke keeps the collector busy. spare must
// not be used afterwards (its nodes are gone: a use panics).
func (old *Syntax) Spliced(text []byte, start, oldEnd, newEnd int, spare *Syntax) *Syntax {
	s := old.syn
	delta := newEnd - oldEnd
	if s.failed != "" || len(s.nodes) == 0 || start < 0 || start > oldEnd || oldEnd > len(s.src) || len(text) != len(s.src)+delta {
		return nil
	}
	c := s.editedItem(uint32(start), uint32(oldEnd))
	if c <= 0 || s.nodes[c].field != fNone {
		return nil
	}
	from, to := int(s.nodes[c].start), int(s.nodes[c].end)+delta
	if to < len(text) && text[to] == '\n' {
		to++ // a doc comment's newline is its own
	}
	if !quietBoundary(text, from) || !quietBoundary(text, to) || openComment(text, to) {
		return nil
	}
	after := s.subtreeEnd(c)
	if s.hasError && s.errorOutside(c, after) {
		return nil
	}
	chunk := text[from:to]
	if bytes.HasPrefix(chunk, []byte("#!")) { // a shebang at the start of a text, not in the middle of one
		return nil
	}
	parsed := respell(chunk)
	p := takeParser()
	tree := parseClean(p, parsed)
	putParser(p)
	if tree == nil {
		return nil
	}
	alone := flattenClosing(tree, chunk, parsed)
	defer putNodes(alone.nodes)
	item := alone.nodes
	if alone.hasError || alone.missing != nil || !s.fits(c, item) {
		return nil
	}
	return &Syntax{syn: &syntax{
		src:    text,
		parsed: splicedText(text, s, from, to, parsed),
		nodes:  s.splicedNodes(c, after, item, delta, spare),
	}, edit: s.localEdit(old, c, item, start, oldEnd, delta)}
}

// localEdit says that a Syntax differs from the one it was spliced from
// only where the analysis of the rest of the crate cannot see: inside one
// function body, which declares no items before or after the edit, or in
// comments. What is found anywhere else is as before, moved (memo.go). The
// old bytes of the body or comment are [start, end); delta is how far the
// edit moved what follows.
type localEdit struct {
	from       weak.Pointer[Syntax] // weak: a chain of splices must not keep every version alive
	start, end uint32
	delta      int
}

// localEdit is the localEdit of the edit [start, oldEnd) inside item c,
// which item (the new text of c parsed alone) replaces, or nil when the
// edit is neither strictly inside the body of function c, with no item in
// either body, nor one of a comment that leaves only comments.
func (s *syntax) localEdit(old *Syntax, c int32, item []node, start, oldEnd, delta int) *localEdit {
	if k := s.nodes[c].kind; k == kLineComment || k == kBlockComment {
		for k := item[0].firstChild; k >= 0; k = item[k].nextSibling {
			if item[k].kind != kLineComment && item[k].kind != kBlockComment {
				return nil
			}
		}
		return &localEdit{from: weak.Make(old), start: s.nodes[c].start, end: s.nodes[c].end, delta: delta}
	}
	body := s.bodyHolding(c, start, oldEnd)
	top := item[0].firstChild
	if body < 0 || top < 0 || item[top].kind != kFunctionItem || item[top].nextSibling >= 0 {
		return nil
	}
	newBody := int32(-1)
	for k := item[top].firstChild; k >= 0; k = item[k].nextSibling {
		if item[k].field == fBody {
			newBody = k
		}
	}
	at := s.nodes[c].start // item's offsets are from there
	if newBody < 0 || item[newBody].start+at != s.nodes[body].start || int(item[newBody].end+at) != int(s.nodes[body].end)+delta ||
		declaresItem(s.nodes[body+1:s.subtreeEnd(body)]) || declaresItem(item[newBody+1:subtreeEndOf(item, newBody)]) {
		return nil
	}
	return &localEdit{from: weak.Make(old), start: s.nodes[body].start, end: s.nodes[body].end, delta: delta}
}

// BodyEdited records, when it holds, that s — the whole file parsed again
// after the edit [start, oldEnd) → [start, newEnd) of prev, an earlier
// version of the same buffer — differs from prev only inside one function
// body that declares no items before or after the edit, as Spliced does for
// what it splices: the memo then walks that body alone, also when the body
// does not parse (a statement half typed). It compares every node outside
// the body with prev's. s must not be shared yet.
func (s *Syntax) BodyEdited(prev *Syntax, start, oldEnd, newEnd int) {
	p, n := prev.syn, s.syn
	delta := newEnd - oldEnd
	if p == nil || p.failed != "" || n.failed != "" || len(p.nodes) == 0 || len(n.src) != len(p.src)+delta {
		return
	}
	b := p.bodyHolding(p.editedItem(uint32(start), uint32(oldEnd)), start, oldEnd)
	if b < 0 || int(b) >= len(n.nodes) {
		return
	}
	pAfter, nAfter := p.subtreeEnd(b), subtreeEndOf(n.nodes, b)
	moved := nAfter - pAfter
	if len(n.nodes)-int(nAfter) != len(p.nodes)-int(pAfter) || declaresItem(p.nodes[b+1:pAfter]) || declaresItem(n.nodes[b+1:nAfter]) {
		return
	}
	around := map[int32]bool{} // b and its ancestors: they end delta bytes later
	for a := b; a >= 0; a = p.nodes[a].parent {
		around[a] = true
	}
	for i := range b + 1 {
		x := p.nodes[i]
		if around[i] {
			x = x.around(moved, delta)
		}
		if i == b {
			x.firstChild = n.nodes[b].firstChild // the body's own nodes may differ
		}
		if x != n.nodes[i] {
			return
		}
	}
	for k, x := range p.nodes[pAfter:] {
		if x.after(pAfter, moved, delta) != n.nodes[nAfter+int32(k)] {
			return
		}
	}
	s.edit = &localEdit{from: weak.Make(prev), start: p.nodes[b].start, end: p.nodes[b].end, delta: delta}
}

// bodyHolding is the body of function item fn when the edit [start,
// oldEnd) lies strictly inside its braces, or -1.
func (s *syntax) bodyHolding(fn int32, start, oldEnd int) int32 {
	if fn <= 0 || s.nodes[fn].kind != kFunctionItem {
		return -1
	}
	b := s.child(fn, fBody)
	if b < 0 || s.nodes[b].kind != kBlock || int(s.nodes[b].start) >= start || oldEnd >= int(s.nodes[b].end) {
		return -1
	}
	return b
}

// declaresItem reports whether any of nodes is an item: what a body
// declares that code outside it may see (a `#[macro_export]` macro, an
// impl), or that moves its other items. (A macro call the walk expands as
// items is walked again each time: see crateAnalysis.effects.)
func declaresItem(nodes []node) bool {
	for i := range nodes {
		switch nodes[i].kind {
		case kFunctionItem, kFunctionSignatureItem, kConstItem, kStaticItem, kStructItem, kEnumItem, kUnionItem,
			kTraitItem, kImplItem, kModItem, kTypeItem, kUseDeclaration, kExternCrate, kMacroDefinition, kForeignModItem:
			return true
		}
	}
	return false
}

// editedItem is the node the edit [start, end) of s's text lies in (its
// ends included) that Spliced reparses, or -1. Items in a body are taken
// only when they read the same at the top level (itemAlone).
func (s *syntax) editedItem(start, end uint32) int32 {
	item, at := int32(-1), int32(0)
	for {
		c := s.firstChild(at, func(n *node) bool { return n.start <= start && end <= n.end })
		if c < 0 || at != 0 && !itemAlone(s.nodes[c].kind) {
			return item
		}
		item = c
		switch s.nodes[c].kind {
		case kImplItem, kTraitItem, kModItem:
		default:
			return item
		}
		body := s.child(c, fBody)
		if body < 0 || s.nodes[body].kind != kDeclarationList || s.nodes[body].start >= start || end >= s.nodes[body].end {
			return item
		}
		at = body
	}
}

// itemAlone reports whether a node of kind k inside an impl, trait or
// module body parses as the same node at the top level of a file. (A
// macro invocation does not: at the top level its `;` makes it a
// statement.)
func itemAlone(k kind) bool {
	switch k {
	case kFunctionItem, kFunctionSignatureItem, kConstItem, kStaticItem, kStructItem, kEnumItem,
		kUnionItem, kTraitItem, kImplItem, kModItem, kTypeItem, kUseDeclaration, kMacroDefinition,
		kAttributeItem, kLineComment, kBlockComment:
		return true
	}
	return false
}

// firstChild returns the first child of i for which ok holds, or -1.
func (s *syntax) firstChild(i int32, ok func(*node) bool) int32 {
	for c := s.nodes[i].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if ok(&s.nodes[c]) {
			return c
		}
	}
	return -1
}

// quietBoundary reports whether no token can span offset i of text: it is
// an end of the text or touches whitespace.
func quietBoundary(text []byte, i int) bool {
	space := func(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v' }
	return i <= 0 || i >= len(text) || space(text[i-1]) || space(text[i])
}

// openComment reports whether a `//` may run on past offset to of text: a
// line comment ends only at a newline (a `\r` before it is the comment's),
// so what follows a chunk that ends inside one is the comment's.
func openComment(text []byte, to int) bool {
	if to >= len(text) {
		return false
	}
	line := text[bytes.LastIndexByte(text[:to], '\n')+1 : to]
	return bytes.Contains(line, []byte("//"))
}

// subtreeEnd is the index after the last node of i's subtree (the nodes
// are in preorder).
func (s *syntax) subtreeEnd(i int32) int32 { return subtreeEndOf(s.nodes, i) }

func subtreeEndOf(nodes []node, i int32) int32 {
	for x := i; x >= 0; x = nodes[x].parent {
		if next := nodes[x].nextSibling; next >= 0 {
			return next
		}
	}
	return int32(len(nodes))
}

// errorOutside reports whether s has an error or missing node outside
// the subtree [c, after).
func (s *syntax) errorOutside(c, after int32) bool {
	for i := range s.nodes {
		if (int32(i) < c || int32(i) >= after) && (s.nodes[i].kind == kError || s.nodes[i].missing) {
			return true
		}
	}
	return false
}

// fits reports whether item, the flat syntax of c's new text parsed alone,
// can take c's place: at least one node under its root, and, in a body,
// exactly one of c's kind.
func (s *syntax) fits(c int32, item []node) bool {
	top := item[0].firstChild
	if top < 0 {
		return false
	}
	if s.nodes[c].parent == 0 {
		return true
	}
	return item[top].nextSibling < 0 && item[top].kind == s.nodes[c].kind
}

// splicedNodes is s's nodes with the subtree [c, after) replaced by the
// nodes under item's root, placed at c's start: the nodes before c keep
// their indices (c's ancestors end delta bytes later), item's take c's
// place under c's parent, and the nodes after move by the difference in
// count and by delta bytes.
func (s *syntax) splicedNodes(c, after int32, item []node, delta int, spare *Syntax) []node {
	moved := int32(len(item)-1) - (after - c) // how far the nodes after move
	size := len(s.nodes) + int(moved)
	var out []node
	if spare != nil && spare.syn != nil && cap(spare.syn.nodes) >= size && &spare.syn.nodes[:1][0] != &s.nodes[0] {
		out = spare.syn.nodes[:size]
		spare.syn = nil
		copy(out, s.nodes[:c])
		copy(out[after+moved:], s.nodes[after:])
	} else {
		// One copy by append, which unlike make does not clear the memory
		// first, and the nodes after moved within it: the copy is bound by
		// memory bandwidth.
		out = append([]node(nil), s.nodes...)
		if moved > 0 {
			out = append(out, make([]node, moved)...)
		}
		if moved != 0 {
			copy(out[after+moved:], out[after:len(s.nodes)])
		}
		out = out[:size]
	}
	for i := range out[after+moved:] {
		n := &out[after+moved+int32(i)]
		*n = n.after(after, moved, delta)
	}
	for a := s.nodes[c].parent; a >= 0; a = out[a].parent {
		out[a] = out[a].around(moved, delta)
	}
	parent, next := s.nodes[c].parent, s.nodes[c].nextSibling
	if next >= 0 {
		next += moved
	}
	base, at := c-1, s.nodes[c].start // item's node k goes to index base+k
	for k := 1; k < len(item); k++ {
		n := item[k]
		n.start += at
		n.end += at
		top := n.parent == 0
		if top {
			n.parent = parent
		} else {
			n.parent += base
		}
		if n.firstChild >= 0 {
			n.firstChild += base
		}
		switch {
		case n.nextSibling >= 0:
			n.nextSibling += base
		case top:
			n.nextSibling = next
		}
		out[base+int32(k)] = n
	}
	return out
}

// after is n, a node at or after index from, once the nodes from there on
// move by moved places and delta bytes (its parent may come before from).
func (n node) after(from, moved int32, delta int) node {
	n.start, n.end = uint32(int64(n.start)+int64(delta)), uint32(int64(n.end)+int64(delta))
	if n.parent >= from {
		n.parent += moved
	}
	if n.firstChild >= 0 {
		n.firstChild += moved
	}
	if n.nextSibling >= 0 {
		n.nextSibling += moved
	}
	return n
}

// around is n, a node that holds an edit, once what follows the edit moves
// by moved places and delta bytes: it ends delta bytes later, and its next
// sibling moved.
func (n node) around(moved int32, delta int) node {
	n.end = uint32(int64(n.end) + int64(delta))
	if n.nextSibling >= 0 {
		n.nextSibling += moved
	}
	return n
}

// splicedText is text as the parser is given it (see respell): s's parsed
// text outside the item [from, to) of text, and parsed, the item's own,
// inside it. It is text itself when nothing in it is respelt.
func splicedText(text []byte, s *syntax, from, to int, parsed []byte) []byte {
	chunk := text[from:to]
	if sameBytes(s.parsed, s.src) && sameBytes(parsed, chunk) {
		return text
	}
	out := bytes.Clone(text)
	oldTo := len(s.src) - (len(text) - to)
	copy(out[:from], s.parsed[:from])
	copy(out[from:to], parsed)
	copy(out[to:], s.parsed[oldTo:])
	return out
}

// sameBytes reports whether a and b are one slice.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
