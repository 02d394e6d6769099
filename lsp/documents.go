package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/span"
)

// document is one open editor buffer at one version: the session's
// overlay (a value: a change makes a new one) and the URI the client
// named it by.
type document struct {
	URI protocol.DocumentURI
	*project.Overlay
}

// documents reads the session's open buffers (they win over disk) and
// keeps the URI the client opened each by, which diagnostics echo.
type documents struct {
	s    *server
	mu   sync.Mutex
	uris map[string]protocol.DocumentURI // by absolute path
}

// get returns the open buffer of path, or nil.
func (d *documents) get(path string) *document {
	a := d.s.currentAnalysis()
	if a == nil {
		return nil
	}
	return d.wrap(a.session.Overlay(path))
}

// wrap names an overlay by its URI; nil stays nil.
func (d *documents) wrap(o *project.Overlay) *document {
	if o == nil {
		return nil
	}
	d.mu.Lock()
	uri, ok := d.uris[o.Path]
	d.mu.Unlock()
	if !ok {
		uri = uriOf(o.Path)
	}
	return &document{URI: uri, Overlay: o}
}

// wrapAll names the overlays of a snapshot.
func (d *documents) wrapAll(overlays map[string]*project.Overlay) map[string]*document {
	out := make(map[string]*document, len(overlays))
	for path, o := range overlays {
		out[path] = d.wrap(o)
	}
	return out
}

// contentChange is protocol's TextDocumentContentChangeEvent with the range
// optional, as LSP has it: no range means the whole text.
type contentChange struct {
	Range *protocol.Range `json:"range"`
	Text  string          `json:"text"`
}

// applyChange applies one content change to text, converting its UTF-16
// range with the text's index. It returns the new text, its index (derived
// from the old one: a keystroke does not rescan the buffer) and the change
// as tree-sitter's Tree.Edit wants it: bytes and rows/byte-columns before
// (start, old end) and after (new end) the change.
func applyChange(text []byte, index *span.Index, ch contentChange) ([]byte, *span.Index, sitter.InputEdit) {
	start, end := 0, len(text)
	if ch.Range != nil {
		start = index.Offset(int(ch.Range.Start.Line), int(ch.Range.Start.Character))
		end = index.Offset(int(ch.Range.End.Line), int(ch.Range.End.Character))
		if end < start {
			start, end = end, start
		}
	}
	out := make([]byte, 0, len(text)-(end-start)+len(ch.Text))
	out = append(out, text[:start]...)
	out = append(out, ch.Text...)
	out = append(out, text[end:]...)
	startPoint := point(index, start)
	newEnd := startPoint
	if nl := strings.LastIndexByte(ch.Text, '\n'); nl >= 0 {
		newEnd = sitter.Point{Row: startPoint.Row + uint(strings.Count(ch.Text, "\n")), Column: uint(len(ch.Text) - nl - 1)}
	} else {
		newEnd.Column += uint(len(ch.Text))
	}
	return out, index.Replaced(out, start, end, []byte(ch.Text)), sitter.InputEdit{
		StartByte: uint(start), OldEndByte: uint(end), NewEndByte: uint(start + len(ch.Text)),
		StartPosition: startPoint, OldEndPosition: point(index, end), NewEndPosition: newEnd,
	}
}

// point is tree-sitter's row and byte column of a byte offset.
func point(index *span.Index, off int) sitter.Point {
	line := index.LineOf(off)
	return sitter.Point{Row: uint(line), Column: uint(off - index.LineStart(line))}
}

// applyChanges returns doc after the changes, applied in order as LSP
// asks: each range refers to the text the previous change produced. It
// does not parse: the edits are recorded for the next parse.
func applyChanges(doc *document, version int32, changes []contentChange) *document {
	text, index := doc.Text, doc.Index
	edits := make([]sitter.InputEdit, 0, len(changes))
	for _, ch := range changes {
		var e sitter.InputEdit
		text, index, e = applyChange(text, index, ch)
		edits = append(edits, e)
	}
	return &document{URI: doc.URI, Overlay: doc.Edited(version, text, index, edits)}
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
	s.docs.mu.Lock()
	s.docs.uris[path] = protocol.DocumentURI(p.TextDocument.URI)
	s.docs.mu.Unlock()
	s.modify(project.Modification{Kind: project.Opened, Path: path,
		Overlay: project.NewOverlay(path, p.TextDocument.Version, []byte(p.TextDocument.Text))})
	return nil, nil
}

// didChange applies the changes on the reader, which is cheap (the text
// and its line index); the session parses and analyses off it.
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
	s.modify(project.Modification{Kind: project.Changed, Path: path, Overlay: applyChanges(doc, p.TextDocument.Version, p.ContentChanges).Overlay})
	return nil, nil
}

func (s *server) didClose(_ context.Context, params json.RawMessage) (any, error) {
	var p documentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if path, ok := pathOf(p.TextDocument.URI); ok {
		doc := s.docs.get(path)
		s.modify(project.Modification{Kind: project.Closed, Path: path})
		s.docs.mu.Lock()
		delete(s.docs.uris, path)
		s.docs.mu.Unlock()
		if doc != nil && len(doc.Text) >= largeBuffer {
			go returnMemory() // its text, tree and Syntax: back to the system now, not in minutes
		}
	}
	return nil, nil
}

// largeBuffer is the size from which closing a buffer returns memory to
// the system at once.
const largeBuffer = 1 << 20

func (s *server) didSave(_ context.Context, params json.RawMessage) (any, error) {
	var p documentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if path, ok := pathOf(p.TextDocument.URI); ok {
		s.modify(project.Modification{Kind: project.Saved, Path: path})
	}
	return nil, nil
}

// read returns a file's text as the editor has it: the open buffer, else disk.
func (s *server) read(path string) ([]byte, error) {
	if doc := s.docs.get(path); doc != nil {
		return doc.Text, nil
	}
	return readDisk(path)
}
