package analyzer

import (
	"cmp"
	"slices"
	"sync"
	"weak"

	"github.com/cargo-caps/cargo-caps/apis"
)

// An editor analyses a crate again after every keystroke, and a keystroke
// most often changes one function body: everything the walk finds outside
// that body is what it found the time before. A Memo keeps, from one
// analysis of a crate to the next, what the walk found inside each function
// body, and the next analysis takes it over instead of walking the body —
// only when nothing it could depend on changed: the crate's inputs, its
// module trees' files, and each file's syntax (the same value, or spliced
// from the one the memo saw by an edit strictly inside one function body
// that declares no items, or of comments only: see Syntax.Spliced). The
// result is the same as a walk; TestMemoMatchesWalk checks it.

// Memo is what one analysis of a crate leaves for the next; the zero value
// is empty. It is safe for concurrent use: an analysis takes it at the start
// and leaves its own at the end, so two at once only miss each other's.
type Memo struct {
	mu   sync.Mutex
	last *memoCrate
}

func (m *Memo) take() *memoCrate {
	m.mu.Lock()
	defer m.mu.Unlock()
	last := m.last
	m.last = nil
	return last
}

func (m *Memo) leave(c *memoCrate) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = c
}

// memoCrate is one analysis's bodies, with what they depended on.
type memoCrate struct {
	name, dir string
	targets   []Target
	table     *apis.Table
	trees     map[string][]memoFile // by target root, the files walked, in order
	replayed  int                   // bodies taken over from the last analysis (for tests)
}

// memoFile is one walked file: the syntax it was walked from (as Crate.Parse
// gave it) and its outermost function bodies (an edited body declares no
// function, so an inner one is taken over with the body around it), in
// order.
type memoFile struct {
	path   string
	given  *Syntax
	bodies []memoBody
}

type memoBody struct {
	start, end uint32
	uses       []Use
	unanalysed []Unanalysed
}

// add records b, keeping the bodies in order.
func (f *memoFile) add(b memoBody) {
	i, _ := slices.BinarySearchFunc(f.bodies, b.start, func(x memoBody, start uint32) int { return cmp.Compare(x.start, start) })
	f.bodies = slices.Insert(f.bodies, i, b)
}

// body returns the recorded body that starts at start.
func (f *memoFile) body(start uint32) (memoBody, bool) {
	i, ok := slices.BinarySearchFunc(f.bodies, start, func(x memoBody, start uint32) int { return cmp.Compare(x.start, start) })
	if !ok {
		return memoBody{}, false
	}
	return f.bodies[i], true
}

func newMemoCrate(c Crate, table *apis.Table) *memoCrate {
	return &memoCrate{name: c.Name, dir: c.Dir, targets: c.Targets, table: table, trees: map[string][]memoFile{}}
}

// sameInputs reports whether m was made for the crate c is, read with table.
func (m *memoCrate) sameInputs(c Crate, table *apis.Table) bool {
	return m != nil && m.name == c.Name && m.dir == c.Dir && m.table == table && slices.Equal(m.targets, c.Targets)
}

// bodyReuse is, for one file being walked, where its function bodies'
// findings come from: the memo's file, and how the file's offsets map to
// it.
type bodyReuse struct {
	old  *memoFile
	edit *localEdit // nil: the same syntax
	next *memoFile  // what this walk leaves for the next
}

// reuseFor returns, for the files of the module tree rooted at root about
// to be walked, each one's bodyReuse, or nil for all when any file's syntax
// could change what another's bodies find: a file added, removed, or
// changed other than inside one function body.
func (a *crateAnalysis) reuseFor(root string, files []*sourceFile) []*bodyReuse {
	if a.nextMemo == nil {
		return nil
	}
	var prev []memoFile
	if a.lastMemo != nil {
		prev = a.lastMemo.trees[root]
	}
	next := make([]memoFile, len(files))
	out := make([]*bodyReuse, len(files))
	for i, f := range files {
		if f.given == nil { // parsed here: nothing to know it again by
			return nil
		}
		next[i] = memoFile{path: f.path, given: f.given}
		if len(prev) == len(files) {
			next[i].bodies = make([]memoBody, 0, len(prev[i].bodies))
		}
		out[i] = &bodyReuse{next: &next[i]}
	}
	a.nextMemo.trees[root] = next
	if len(prev) != len(files) {
		return out
	}
	for i, f := range files {
		p := &prev[i]
		if p.path != f.path || p.given != f.given && (f.given.edit == nil || f.given.edit.from != weak.Make(p.given)) {
			return out
		}
	}
	for i, f := range files {
		out[i].old = &prev[i]
		if prev[i].given != f.given {
			out[i].edit = f.given.edit
		}
	}
	return out
}

// replay appends the memo's findings for the body at node b of the file
// being walked, and reports whether it took the body over (else the caller
// walks it).
func (w *walker) replay(b int32) bool {
	r := w.reuse
	if r == nil || r.old == nil || w.s != w.f.syn || w.depth > 0 || w.inBody {
		return false
	}
	n := &w.s.nodes[b]
	start, end, shift := n.start, n.end, 0
	if e := r.edit; e != nil {
		switch {
		case end <= e.start:
		case start >= e.end+uint32(e.delta):
			start, end, shift = start-uint32(e.delta), end-uint32(e.delta), e.delta
		default:
			return false // the edited body, or one around it
		}
	}
	body, ok := r.old.body(start)
	if !ok || body.end != end {
		return false
	}
	if shift != 0 {
		body = body.shifted(shift)
	}
	w.a.sum.Uses = append(w.a.sum.Uses, body.uses...)
	w.a.sum.Unanalysed = append(w.a.sum.Unanalysed, body.unanalysed...)
	r.next.add(body)
	w.a.nextMemo.replayed++
	return true
}

// record keeps for the next analysis what walking the body at node b
// found (the summary's uses and unanalysed entries from the given counts
// on), unless the walk did more than find: it read a file or expanded a
// macro as items (effects, then, moved on from the given count).
func (w *walker) record(b int32, uses, unanalysed, effects int) {
	r := w.reuse
	if r == nil || w.s != w.f.syn || w.depth > 0 || w.inBody || w.a.effects != effects {
		return
	}
	n := &w.s.nodes[b]
	r.next.add(memoBody{
		start:      n.start,
		end:        n.end,
		uses:       slices.Clone(w.a.sum.Uses[uses:]),
		unanalysed: slices.Clone(w.a.sum.Unanalysed[unanalysed:]),
	})
}

// shifted is b with every offset moved by delta bytes.
func (b memoBody) shifted(delta int) memoBody {
	out := memoBody{start: uint32(int(b.start) + delta), end: uint32(int(b.end) + delta), uses: slices.Clone(b.uses), unanalysed: slices.Clone(b.unanalysed)}
	for i := range out.uses {
		out.uses[i].Range.Start += delta
		out.uses[i].Range.End += delta
	}
	for i := range out.unanalysed {
		out.unanalysed[i].Range.Start += delta
		out.unanalysed[i].Range.End += delta
	}
	return out
}
