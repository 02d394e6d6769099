package lsp

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/fixes"
	"github.com/cargo-caps/cargo-caps/span"
)

type codeActionParams struct {
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
	Range   protocol.Range `json:"range"`
	Context struct {
		Only []protocol.CodeActionKind `json:"only"`
	} `json:"context"`
}

// codeAction offers the fixes (package fixes) of the findings in the
// requested range, each with its diagnostic attached, and the crate's source
// actions (its baseline, as `init` writes it,
// #![forbid(unsafe_code)]). It only filters and converts: the fixes are the
// ones `cargo-caps check` prints and `check --fix` applies.
func (s *server) codeAction(_ context.Context, params json.RawMessage) (any, error) {
	var p codeActionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	actions := []protocol.CodeAction{}
	path, ok := pathOf(p.TextDocument.URI)
	if !ok {
		return actions, nil
	}
	v := s.viewOf(path)
	if v.w == nil || v.w.Result == nil {
		return actions, nil
	}
	settings := s.currentSettings()
	start, end := s.offset(path, p.Range.Start), s.offset(path, p.Range.End)
	for _, f := range v.w.Result.Findings {
		if f.File != path || f.Range.Start > end || start > f.Range.End {
			continue
		}
		sev, shown := settings.severity(f)
		if !shown {
			continue
		}
		d := diagnostic(f, sev, v)
		for _, fix := range fixes.For(v.w, f) {
			if a, ok := s.action(fix); ok {
				a.Diagnostics = []protocol.Diagnostic{d}
				actions = append(actions, a)
			}
		}
	}
	// The baseline reparses the manifest: not on every cursor move of a
	// client asking for quick-fixes only.
	if len(p.Context.Only) == 0 || len(filterKinds([]protocol.CodeAction{{Kind: protocol.Source}}, p.Context.Only)) > 0 {
		for _, fix := range fixes.Source(v.w, path, s.read) {
			if a, ok := s.action(fix); ok {
				actions = append(actions, a)
			}
		}
	}
	if len(p.Context.Only) > 0 {
		actions = filterKinds(actions, p.Context.Only)
	}
	return withCreatedFiles(actions), nil
}

// absent is nil when nothing is at path, as a file a fix creates must be.
func absent(path string) error {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s exists", path)
	}
	return nil
}

// withCreatedFiles sends an action whose edit writes a file not on disk yet
// (the first caps-audits.lock) with documentChanges: create the file, then
// edit each document. Clients refuse a plain text edit of a missing file,
// and protocol's WorkspaceEdit has no field for the create operation.
func withCreatedFiles(actions []protocol.CodeAction) []any {
	type document struct {
		URI     protocol.DocumentURI `json:"uri"`
		Version *int32               `json:"version"`
	}
	type documentEdit struct {
		TextDocument document            `json:"textDocument"`
		Edits        []protocol.TextEdit `json:"edits"`
	}
	type createFile struct {
		Kind string               `json:"kind"`
		URI  protocol.DocumentURI `json:"uri"`
	}
	type withCreates struct {
		protocol.CodeAction
		Edit struct {
			DocumentChanges []any `json:"documentChanges"`
		} `json:"edit"`
	}
	out := make([]any, len(actions))
	for i, a := range actions {
		out[i] = a
		if a.Edit == nil {
			continue
		}
		var creates, edits []any
		for _, uri := range slices.Sorted(maps.Keys(a.Edit.Changes)) {
			if path, ok := pathOf(string(uri)); ok && absent(path) == nil {
				creates = append(creates, createFile{Kind: "create", URI: uri})
			}
			edits = append(edits, documentEdit{TextDocument: document{URI: uri}, Edits: a.Edit.Changes[uri]})
		}
		if len(creates) > 0 {
			w := withCreates{CodeAction: a}
			w.Edit.DocumentChanges = append(creates, edits...)
			out[i] = w
		}
	}
	return out
}

// action converts a fix to a code action, if every file it edits still
// holds the text the fix was computed from: edits computed from an older
// text would land in the wrong place, and a new analysis is on its way.
func (s *server) action(fix finding.Fix) (protocol.CodeAction, bool) {
	kind := protocol.QuickFix
	if fix.Kind == finding.Source {
		kind = protocol.Source
	}
	changes := map[protocol.DocumentURI][]protocol.TextEdit{}
	for _, c := range fix.Changes {
		text, err := s.read(c.File)
		if c.Create {
			text, err = nil, absent(c.File)
		}
		if err != nil || sha256.Sum256(text) != c.Base {
			return protocol.CodeAction{}, false
		}
		idx := span.NewIndex(text)
		for _, e := range c.Edits {
			changes[uriOf(c.File)] = append(changes[uriOf(c.File)], protocol.TextEdit{Range: lspRange(idx, e.Range), NewText: e.NewText})
		}
	}
	return protocol.CodeAction{Title: fix.Title, Kind: kind, IsPreferred: fix.Preferred, Edit: &protocol.WorkspaceEdit{Changes: changes}}, true
}

func filterKinds(actions []protocol.CodeAction, only []protocol.CodeActionKind) []protocol.CodeAction {
	var out []protocol.CodeAction
	for _, a := range actions {
		for _, k := range only {
			if a.Kind == k || strings.HasPrefix(string(a.Kind), string(k)+".") {
				out = append(out, a)
				break
			}
		}
	}
	return out
}
