package lsp

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/span"
)

// source names cargo-caps in every diagnostic.
const source = "cargo-caps"

// texts finds the text a finding's byte offsets refer to: the buffer the
// analysis read, else the file on disk as it is now.
type texts struct {
	snapshot map[string]*document

	mu     sync.Mutex
	onDisk map[string]*span.Index
}

func newTexts(snapshot map[string]*document) *texts {
	return &texts{snapshot: snapshot, onDisk: map[string]*span.Index{}}
}

func (t *texts) index(path string) *span.Index {
	if doc := t.snapshot[path]; doc != nil {
		return doc.Index
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	idx, ok := t.onDisk[path]
	if !ok {
		text, _ := readDisk(path) // an unreadable file shows its findings at its start
		idx = span.NewIndex(text)
		t.onDisk[path] = idx
	}
	return idx
}

// lspRange converts a byte range to UTF-16 line/column positions.
func lspRange(idx *span.Index, r span.Range) protocol.Range {
	return protocol.Range{Start: lspPosition(idx, r.Start), End: lspPosition(idx, r.End)}
}

func lspPosition(idx *span.Index, off int) protocol.Position {
	line, col := idx.UTF16(off)
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

func lspSeverity(s finding.Severity) protocol.DiagnosticSeverity {
	switch s {
	case finding.Error:
		return protocol.DiagnosticSeverityError
	case finding.Warning:
		return protocol.DiagnosticSeverityWarning
	case finding.Info:
		return protocol.DiagnosticSeverityInformation
	}
	return protocol.DiagnosticSeverityHint
}

// diagnostic renders one finding shown with severity sev.
func diagnostic(f finding.Finding, sev finding.Severity, v view) protocol.Diagnostic {
	tx := v.tx
	d := protocol.Diagnostic{
		Range:    lspRange(tx.index(f.File), f.Range),
		Severity: lspSeverity(sev),
		Code:     string(f.Code),
		Source:   source,
		Message:  f.Message,
	}
	if f.Unnecessary {
		d.Tags = []protocol.DiagnosticTag{protocol.DiagnosticTagUnnecessary}
	}
	d.RelatedInformation = chainLinks(tx, f)
	for _, r := range f.Related {
		d.RelatedInformation = append(d.RelatedInformation, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: uriOf(r.File), Range: lspRange(tx.index(r.File), r.Range)},
			Message:  r.Message,
		})
	}
	return d
}

// chainLinks points at each link of a dependency finding's chain after the
// member's own entry (the finding's place): the entry by which each crate
// depends on the next, as policy found it.
func chainLinks(tx *texts, f finding.Finding) []protocol.DiagnosticRelatedInformation {
	var out []protocol.DiagnosticRelatedInformation
	for i := 2; i < len(f.Links); i++ {
		if at := f.Links[i].Entry; at.File != "" {
			out = append(out, protocol.DiagnosticRelatedInformation{
				Location: protocol.Location{URI: uriOf(at.File), Range: lspRange(tx.index(at.File), at.Range)},
				Message:  fmt.Sprintf("`%s` depends on `%s` (%s)", f.Links[i-1].Name, f.Links[i].Name, strings.Join(f.Chain, " → ")),
			})
		}
	}
	return out
}

// diagnosticsByFile renders findings under the session's severity settings,
// grouped by the file that holds them.
func diagnosticsByFile(findings []finding.Finding, settings Settings, v view) map[string][]protocol.Diagnostic {
	out := map[string][]protocol.Diagnostic{}
	for _, f := range findings {
		if sev, shown := settings.severity(f); shown {
			out[f.File] = append(out[f.File], diagnostic(f, sev, v))
		}
	}
	return out
}

// publishParams is protocol's PublishDiagnosticsParams with the version
// optional, as LSP has it: a file not open has none.
type publishParams struct {
	URI         protocol.DocumentURI  `json:"uri"`
	Version     *int32                `json:"version,omitempty"`
	Diagnostics []protocol.Diagnostic `json:"diagnostics"`
}

// publish sends the diagnostics of every file in byFile and clears those of
// files in previous that have none now. It returns the files shown.
func (s *server) publish(byFile map[string][]protocol.Diagnostic, previous map[string]bool, snapshot map[string]*document) map[string]bool {
	shown := map[string]bool{}
	send := func(path string, ds []protocol.Diagnostic) {
		p := publishParams{URI: uriOf(path), Diagnostics: ds}
		if doc := snapshot[path]; doc != nil {
			p.URI, p.Version = doc.URI, &doc.Version
		}
		s.log.Debug("publishing diagnostics", "file", path, "count", len(ds))
		s.notify("textDocument/publishDiagnostics", p)
	}
	for _, path := range slices.Sorted(maps.Keys(byFile)) {
		send(path, byFile[path])
		shown[path] = true
	}
	for _, path := range slices.Sorted(maps.Keys(previous)) {
		if !shown[path] {
			send(path, []protocol.Diagnostic{})
		}
	}
	return shown
}
