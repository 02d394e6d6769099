package lsp

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"maps"
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
	var offers []offer
	path, ok := pathOf(p.TextDocument.URI)
	if !ok {
		return sent(offers), nil
	}
	v := s.viewOf(path)
	if v.w == nil || v.w.Result == nil {
		return sent(offers), nil
	}
	add := func(fix finding.Fix, diagnostics []protocol.Diagnostic) {
		if o, ok := s.offer(fix); ok && wanted(o.Kind, p.Context.Only) {
			o.Diagnostics = diagnostics
			offers = append(offers, o)
		}
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
		d := []protocol.Diagnostic{diagnostic(f, sev, v)}
		for _, fix := range fixes.For(v.w, f) {
			add(fix, d)
		}
	}
	// The baseline reparses the manifest: not on every cursor move of a
	// client asking for quick-fixes only.
	if wanted(protocol.Source, p.Context.Only) {
		for _, fix := range fixes.Source(v.w, path, s.read) {
			add(fix, nil)
		}
	}
	return sent(offers), nil
}

// offer is a code action and the files its edit creates (the first
// caps-audits.lock), which protocol's WorkspaceEdit cannot say.
type offer struct {
	protocol.CodeAction
	creates []protocol.DocumentURI
}

// offer converts a fix to a code action, if every file it edits still
// holds the text the fix was computed from (a file it creates: is still
// absent): edits computed from an older text would land in the wrong
// place, and a new analysis is on its way.
func (s *server) offer(fix finding.Fix) (offer, bool) {
	kind := protocol.QuickFix
	if fix.Kind == finding.Source {
		kind = protocol.Source
	}
	var o offer
	changes := map[protocol.DocumentURI][]protocol.TextEdit{}
	for _, c := range fix.Changes {
		text, err := s.read(c.File)
		if c.Create {
			text, err = nil, fixes.Absent(c.File)
			o.creates = append(o.creates, uriOf(c.File))
		}
		if err != nil || sha256.Sum256(text) != c.Base {
			return offer{}, false
		}
		idx := span.NewIndex(text)
		for _, e := range c.Edits {
			changes[uriOf(c.File)] = append(changes[uriOf(c.File)], protocol.TextEdit{Range: lspRange(idx, e.Range), NewText: e.NewText})
		}
	}
	o.CodeAction = protocol.CodeAction{Title: fix.Title, Kind: kind, IsPreferred: fix.Preferred, Edit: &protocol.WorkspaceEdit{Changes: changes}}
	return o, true
}

// sent is the offers as the client receives them. An action that creates
// a file goes with documentChanges: create the file, then edit each
// document; clients refuse a plain text edit of a missing file.
func sent(offers []offer) []any {
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
	out := make([]any, len(offers))
	for i, o := range offers {
		out[i] = o.CodeAction
		if len(o.creates) == 0 {
			continue
		}
		var changes []any
		for _, uri := range o.creates {
			changes = append(changes, createFile{Kind: "create", URI: uri})
		}
		for _, uri := range slices.Sorted(maps.Keys(o.Edit.Changes)) {
			changes = append(changes, documentEdit{TextDocument: document{URI: uri}, Edits: o.Edit.Changes[uri]})
		}
		w := withCreates{CodeAction: o.CodeAction}
		w.Edit.DocumentChanges = changes
		out[i] = w
	}
	return out
}

// wanted reports whether a client that asked only for the kinds only (none:
// every kind) wants an action of kind.
func wanted(kind protocol.CodeActionKind, only []protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return true
	}
	for _, k := range only {
		if kind == k || strings.HasPrefix(string(kind), string(k)+".") {
			return true
		}
	}
	return false
}
