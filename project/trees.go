package project

import (
	"bytes"
	"runtime"
	"sync"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"github.com/cargo-caps/cargo-caps/analyzer"
)

// trees keeps the syntax trees of workspace members' files from one
// Workspace to the ones Update derives from it, so that an edit to one file
// re-parses that file only: every other file's unchanged text maps to the
// tree parsed before. Trees are freed when the last Workspace sharing them
// is garbage.
type trees struct{ store *treeStore }

type treeStore struct {
	mu     sync.Mutex
	byPath map[string]parsedFile
	// retired trees were replaced while an analysis may still have been
	// reading them; sweep frees them once none runs.
	retired []*sitter.Tree
}

type parsedFile struct {
	text []byte
	tree *sitter.Tree
}

func newTrees() *trees {
	t := &trees{store: &treeStore{byPath: map[string]parsedFile{}}}
	runtime.AddCleanup(t, (*treeStore).close, t.store)
	return t
}

// hook returns the analyser's Parse function for member crates: the
// caller's own trees (an editor's buffers) first, then the kept ones.
func (t *trees) hook(outer func(string, []byte) *sitter.Tree) func(string, []byte) *sitter.Tree {
	return func(path string, text []byte) *sitter.Tree {
		if outer != nil {
			if tree := outer(path, text); tree != nil {
				return tree
			}
		}
		return t.store.parse(path, text)
	}
}

func (s *treeStore) parse(path string, text []byte) *sitter.Tree {
	s.mu.Lock()
	if p, ok := s.byPath[path]; ok && bytes.Equal(p.text, text) {
		s.mu.Unlock()
		return p.tree
	}
	s.mu.Unlock()
	tree := analyzer.ParseRust(text, nil) // outside the lock: other crates parse meanwhile
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.byPath[path]; ok {
		s.retired = append(s.retired, old.tree)
	}
	s.byPath[path] = parsedFile{text: text, tree: tree}
	return tree
}

// sweep frees retired trees; call it only while no analysis runs.
func (t *trees) sweep() {
	s := t.store
	s.mu.Lock()
	retired := s.retired
	s.retired = nil
	s.mu.Unlock()
	for _, tree := range retired {
		tree.Close()
	}
}

func (s *treeStore) close() {
	for _, p := range s.byPath {
		p.tree.Close()
	}
	for _, tree := range s.retired {
		tree.Close()
	}
}
