package project

import (
	"bytes"
	"sync"

	"github.com/cargo-caps/cargo-caps/analyzer"
)

// trees keeps the parsed syntax of workspace members' files from one
// Workspace to the ones Update derives from it, so that an edit to one file
// re-parses that file only: every other file's unchanged text maps to the
// syntax parsed before. Syntax values are immutable Go memory, shared freely.
type trees struct {
	mu     sync.Mutex
	byPath map[string]parsedFile
}

type parsedFile struct {
	text   []byte
	syntax *analyzer.Syntax
}

func newTrees() *trees { return &trees{byPath: map[string]parsedFile{}} }

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
