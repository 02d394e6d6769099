package project

import (
	"bytes"
	"sync"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/apis"
)

// trees keeps the parsed syntax of workspace members' files from one
// Workspace to the ones Update derives from it, so that an edit to one file
// re-parses that file only: every other file's unchanged text maps to the
// syntax parsed before. Syntax values are immutable Go memory, shared freely.
// It keeps, per member crate, the analyser's Memo too, and the crate's API
// table while its dependencies' exports stay the same: a Memo holds only
// for the table it was made with.
type trees struct {
	mu     sync.Mutex
	byPath map[string]parsedFile
	memos  map[string]*analyzer.Memo // by crate directory
	tables map[string]crateTable     // by crate directory
}

type crateTable struct {
	base    *apis.Table
	exports string // exportsFingerprint of the dependencies'
	table   *apis.Table
}

// memo returns the Memo of the member crate in dir.
func (t *trees) memo(dir string) *analyzer.Memo {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.memos[dir]
	if m == nil {
		m = &analyzer.Memo{}
		t.memos[dir] = m
	}
	return m
}

// table returns base with deps' exports for the member crate in dir: the
// same table as last time when neither changed.
func (t *trees) table(dir string, base *apis.Table, deps map[string][]apis.Export) *apis.Table {
	fp := exportsFingerprint(deps)
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.tables[dir]; ok && c.base == base && c.exports == fp {
		return c.table
	}
	c := crateTable{base: base, exports: fp, table: base.WithExports(deps)}
	t.tables[dir] = c
	return c.table
}

type parsedFile struct {
	text   []byte
	syntax *analyzer.Syntax
}

func newTrees() *trees {
	return &trees{byPath: map[string]parsedFile{}, memos: map[string]*analyzer.Memo{}, tables: map[string]crateTable{}}
}

// hook returns the analyser's Parse function for member crates: the
// caller's own syntax (an editor's buffers) first, then the kept one.
func (t *trees) hook(outer func(string, []byte) *analyzer.Syntax) func(string, []byte) *analyzer.Syntax {
	return func(path string, text []byte) *analyzer.Syntax {
		if outer != nil {
			if s := outer(path, text); s != nil {
				return s
			}
		}
		return t.parse(path, text)
	}
}

func (t *trees) parse(path string, text []byte) *analyzer.Syntax {
	t.mu.Lock()
	if p, ok := t.byPath[path]; ok && bytes.Equal(p.text, text) {
		t.mu.Unlock()
		return p.syntax
	}
	t.mu.Unlock()
	s := analyzer.ParseSyntax(text) // outside the lock: other crates parse meanwhile
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byPath[path] = parsedFile{text: text, syntax: s}
	return s
}
