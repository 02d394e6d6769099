package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/span"
)

// document is one open editor buffer at one version. It is a value: a change
// makes a new document, so a snapshot taken for an analysis stays valid.
// Making one is cheap (the text and its line index): the JSON-RPC reader
// applies each change at once, and the parse waits until an analysis asks
// for the version it reads (Syntax), so a burst of edits is parsed once.
type document struct {
	URI     protocol.DocumentURI
	Path    string // absolute
	Version int32
	Text    []byte
	Index   *span.Index
	// parses is the buffer's syntax, kept current by incremental reparses,
	// shared by every version of a Rust buffer; nil for other files.
	parses *parses
	edits  int // how many edits of the buffer lead to this version
}

// newDocument makes the document of a buffer just opened.
func newDocument(uri protocol.DocumentURI, path string, version int32, text []byte) *document {
	doc := &document{URI: uri, Path: path, Version: version, Text: text, Index: span.NewIndex(text)}
	if filepath.Ext(path) == ".rs" {
		doc.parses = newParses()
	}
	return doc
}

// Syntax is the analyser's syntax of doc's text: the buffer's latest parse
// brought up to this version by one incremental reparse over every edit
// since, or nil for a file that is not Rust or a version older than the
// latest parse (the analyser then parses afresh). It may take a parse's
// time, so it is never called on the JSON-RPC reader.
func (doc *document) Syntax() *analyzer.Syntax {
	if doc.parses == nil {
		return nil
	}
	return doc.parses.at(doc)
}

// parses is one Rust buffer's incremental parse: the tree and Syntax of
// the latest version an analysis asked for, and the edits made since, as
// the reader appends them. Two locks, so that the reader never waits for a
// parse: edit guards the edits, parse the tree.
type parses struct {
	edit struct {
		sync.Mutex
		first int                // the number of the first edit in list
		list  []sitter.InputEdit // edit first+i leads from version first+i to first+i+1
	}
	parse struct {
		sync.Mutex
		tree   *treeBox // closed when the buffer is no longer reachable
		syntax *analyzer.Syntax
		edits  int // the version parsed, as a count of edits
	}
}

// treeBox holds the latest tree, so that a cleanup can close whichever
// tree it is when the buffer goes.
type treeBox struct{ tree *sitter.Tree }

func newParses() *parses {
	p := &parses{}
	p.parse.tree = &treeBox{}
	p.parse.edits = -1 // nothing parsed yet
	runtime.AddCleanup(p, func(b *treeBox) {
		if b.tree != nil {
			b.tree.Close()
		}
	}, p.parse.tree)
	return p
}

// add records the edits that lead from a version of edits edits to the
// next one; it returns the new count.
func (p *parses) add(edits int, es []sitter.InputEdit) int {
	p.edit.Lock()
	defer p.edit.Unlock()
	if p.edit.first+len(p.edit.list) != edits {
		panic(fmt.Sprintf("edit %d recorded after %d", edits, p.edit.first+len(p.edit.list)))
	}
	p.edit.list = append(p.edit.list, es...)
	return edits + len(es)
}

// since returns the edits from version from to version to and forgets
// those before from: no older version is parsed again.
func (p *parses) since(from, to int) []sitter.InputEdit {
	p.edit.Lock()
	defer p.edit.Unlock()
	drop := min(max(from-p.edit.first, 0), len(p.edit.list))
	p.edit.list = slices.Delete(p.edit.list, 0, drop) // keeps the capacity: the reader appends on
	p.edit.first += drop
	return slices.Clone(p.edit.list[:to-p.edit.first])
}

func (p *parses) at(doc *document) *analyzer.Syntax {
	p.parse.Lock()
	defer p.parse.Unlock()
	switch {
	case doc.edits == p.parse.edits:
		return p.parse.syntax
	case doc.edits < p.parse.edits:
		return nil
	}
	old, oldSyntax := p.parse.tree.tree, p.parse.syntax
	var prev *sitter.Tree
	if old != nil {
		// Edit a copy: old must stay as it was for Reparsed.
		prev = old.Clone()
		defer prev.Close()
		edits := p.since(p.parse.edits, doc.edits)
		for i := range edits {
			prev.Edit(&edits[i])
		}
	} else {
		p.since(doc.edits, doc.edits)
	}
	tree := analyzer.ParseRust(doc.Text, prev)
	if tree == nil {
		return nil
	}
	if prev != nil && oldSyntax != nil {
		p.parse.syntax = oldSyntax.Reparsed(tree, doc.Text)
	} else {
		p.parse.syntax = analyzer.NewSyntax(tree, doc.Text)
	}
	if old != nil {
		old.Close()
	}
	p.parse.tree.tree, p.parse.edits = tree, doc.edits
	return p.parse.syntax
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

// changed returns doc after the changes, applied in order as LSP asks: each
// range refers to the text the previous change produced. It does not parse:
// the edits are recorded for the next parse (Syntax).
func (doc *document) changed(version int32, changes []contentChange) *document {
	text, index := doc.Text, doc.Index
	edits := make([]sitter.InputEdit, 0, len(changes))
	for _, ch := range changes {
		var e sitter.InputEdit
		text, index, e = applyChange(text, index, ch)
		edits = append(edits, e)
	}
	next := &document{URI: doc.URI, Path: doc.Path, Version: version, Text: text, Index: index, parses: doc.parses, edits: doc.edits}
	if doc.parses != nil {
		next.edits = doc.parses.add(doc.edits, edits)
	}
	return next
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
	doc := newDocument(protocol.DocumentURI(p.TextDocument.URI), path, p.TextDocument.Version, text)
	s.docs.put(doc)
	s.adopt(path)
	s.opened(path, text)
	return nil, nil
}

// opened queues what a buffer just opened changes for the analysis: nothing
// when the text is what the analysis read (or, for a file it never read,
// what is on disk). A text equal to the disk is not enough: the disk may
// have changed since the analysis read it (a quick-fix applied and saved
// while the manifest was not open), and a manifest changed on disk changes
// the graph.
func (s *server) opened(path string, text []byte) {
	disk, err := readDisk(path)
	onDisk := err == nil && bytes.Equal(disk, text)
	if a := s.currentAnalysis(); a != nil {
		if ws := a.owner(path); ws != nil {
			switch read, same := ws.readAs(path, text); {
			case same:
				return
			case read && onDisk && isGraphFile(path):
				ws.requestReload()
				return
			case read:
				s.changed(path)
				return
			}
		}
	}
	if !onDisk {
		s.changed(path)
	}
}

// isGraphFile reports whether path is a manifest or lockfile, from which
// (on disk) the dependency graph is resolved.
func isGraphFile(path string) bool {
	return filepath.Base(path) == "Cargo.toml" || filepath.Base(path) == "Cargo.lock"
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
	s.docs.put(doc.changed(p.TextDocument.Version, p.ContentChanges))
	s.changed(path)
	return nil, nil
}

func (s *server) didClose(_ context.Context, params json.RawMessage) (any, error) {
	var p documentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if path, ok := pathOf(p.TextDocument.URI); ok {
		doc := s.docs.get(path)
		s.docs.remove(path)
		if doc == nil {
			return nil, nil
		}
		if disk, err := readDisk(path); err != nil || !bytes.Equal(disk, doc.Text) {
			s.changed(path) // unsaved changes are gone: the file on disk counts again
		} else {
			s.forgetBuffer(path) // the same text is on disk: nothing to analyse
		}
		if len(doc.Text) >= largeBuffer {
			go returnMemory() // its text, tree and Syntax: back to the system now, not in minutes
		}
	}
	return nil, nil
}

// largeBuffer is the size from which closing a buffer returns memory to
// the system at once.
const largeBuffer = 1 << 20

// didSave of a manifest or lockfile resolves the graph again: cargo (and the
// lockfile reader) see only what is on disk, so dependency edits count from
// here. Other saves change nothing: the buffer already won over disk.
func (s *server) didSave(_ context.Context, params json.RawMessage) (any, error) {
	var p documentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if path, ok := pathOf(p.TextDocument.URI); ok && isGraphFile(path) {
		s.resolveAgain(path)
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
