package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/cargo-caps/cargo-caps/span"
)

// document is one open editor buffer at one version. It is a value: a change
// makes a new document, so a snapshot taken for an analysis stays valid.
type document struct {
	URI     protocol.DocumentURI
	Path    string // absolute
	Version int32
	Text    []byte
	Index   *span.Index
}

// documents holds the open buffers by absolute path; they win over disk.
type documents struct {
	mu     sync.Mutex
	byPath map[string]*document
}

func newDocuments() *documents { return &documents{byPath: map[string]*document{}} }

func (d *documents) get(path string) *document {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.byPath[path]
}

func (d *documents) put(doc *document) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byPath[doc.Path] = doc
}

func (d *documents) remove(path string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.byPath, path)
}

// snapshot returns the open buffers as they are now.
func (d *documents) snapshot() map[string]*document {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]*document, len(d.byPath))
	for p, doc := range d.byPath {
		out[p] = doc
	}
	return out
}

// contentChange is protocol's TextDocumentContentChangeEvent with the range
// optional, as LSP has it: no range means the whole text.
type contentChange struct {
	Range *protocol.Range `json:"range"`
	Text  string          `json:"text"`
}

// textEdit is one applied change in bytes of the text before it (Start,
// OldEnd) and after it (NewEnd), as tree-sitter's Tree.Edit wants it.
type textEdit struct {
	Start, OldEnd, NewEnd int
}

// applyChange applies one content change to text, converting its UTF-16
// range with the text's index.
func applyChange(text []byte, index *span.Index, ch contentChange) ([]byte, textEdit) {
	if ch.Range == nil {
		return []byte(ch.Text), textEdit{Start: 0, OldEnd: len(text), NewEnd: len(ch.Text)}
	}
	start := index.Offset(int(ch.Range.Start.Line), int(ch.Range.Start.Character))
	end := index.Offset(int(ch.Range.End.Line), int(ch.Range.End.Character))
	if end < start {
		start, end = end, start
	}
	out := make([]byte, 0, len(text)-(end-start)+len(ch.Text))
	out = append(out, text[:start]...)
	out = append(out, ch.Text...)
	out = append(out, text[end:]...)
	return out, textEdit{Start: start, OldEnd: end, NewEnd: start + len(ch.Text)}
}

// changed returns doc after the changes, applied in order as LSP asks: each
// range refers to the text the previous change produced.
func (doc *document) changed(version int32, changes []contentChange) (*document, []textEdit) {
	text, index := doc.Text, doc.Index
	edits := make([]textEdit, 0, len(changes))
	for _, ch := range changes {
		var e textEdit
		text, e = applyChange(text, index, ch)
		index = span.NewIndex(text)
		edits = append(edits, e)
	}
	return &document{URI: doc.URI, Path: doc.Path, Version: version, Text: text, Index: index}, edits
}

// pathOf returns the absolute path of a file URI.
func pathOf(u string) (string, bool) {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != uri.FileScheme || parsed.Path == "" {
		return "", false
	}
	return filepath.Clean(filepath.FromSlash(parsed.Path)), true
}

func uriOf(path string) protocol.DocumentURI { return protocol.DocumentURI(uri.File(path)) }

type didOpenParams struct {
	TextDocument struct {
		URI        string `json:"uri"`
		LanguageID string `json:"languageId"`
		Version    int32  `json:"version"`
		Text       string `json:"text"`
	} `json:"textDocument"`
}

type versionedDocument struct {
	URI     string `json:"uri"`
	Version int32  `json:"version"`
}

type didChangeParams struct {
	TextDocument   versionedDocument `json:"textDocument"`
	ContentChanges []contentChange   `json:"contentChanges"`
}

type documentParams struct {
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
}

func (s *server) didOpen(_ context.Context, params json.RawMessage) (any, error) {
	var p didOpenParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	path, ok := pathOf(p.TextDocument.URI)
	if !ok {
		return nil, nil // not a file: nothing cargo builds
	}
	text := []byte(p.TextDocument.Text)
	doc := &document{URI: protocol.DocumentURI(p.TextDocument.URI), Path: path, Version: p.TextDocument.Version, Text: text, Index: span.NewIndex(text)}
	if old := s.docs.get(path); old != nil && bytes.Equal(old.Text, text) {
		s.docs.put(doc)
		return nil, nil // reopened as saved: nothing to re-analyse
	}
	s.docs.put(doc)
	s.changed(path)
	return nil, nil
}

func (s *server) didChange(_ context.Context, params json.RawMessage) (any, error) {
	var p didChangeParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	path, ok := pathOf(p.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	doc := s.docs.get(path)
	if doc == nil {
		return nil, fmt.Errorf("didChange of %s, which is not open", p.TextDocument.URI)
	}
	next, edits := doc.changed(p.TextDocument.Version, p.ContentChanges)
	s.docs.put(next)
	s.edited(doc, next, edits)
	return nil, nil
}

func (s *server) didClose(_ context.Context, params json.RawMessage) (any, error) {
	var p documentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if path, ok := pathOf(p.TextDocument.URI); ok {
		s.docs.remove(path)
		s.changed(path) // the file on disk counts again
	}
	return nil, nil
}

func (s *server) didSave(context.Context, json.RawMessage) (any, error) {
	return nil, nil // the buffer already won over disk; saving changes nothing
}
