package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// TestCodeActions asks, for each diagnostic of each testdata/codeaction
// case, for the code actions at its range, and for the source actions of
// every file; want/actions holds each action with the files its edit
// produces, byte for byte.
func TestCodeActions(t *testing.T) {
	for _, file := range caseFiles(t, "codeaction") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			s := openCase(t, file)
			var b strings.Builder
			published := s.diagnostics()
			for _, rel := range sortedKeys(published) {
				for _, d := range published[rel] {
					fmt.Fprintf(&b, "## %s %s %v\n", rel, fmtRange(d.Range), d.Code)
					// The fixes of every finding at that range come back, each
					// with its own diagnostic: show those of d.
					for _, a := range s.codeActions(rel, d.Range, []protocol.CodeActionKind{protocol.QuickFix}) {
						if len(a.Diagnostics) != 1 {
							t.Errorf("%q: diagnostics %v, want the one it fixes", a.Title, a.Diagnostics)
							continue
						}
						if a.Diagnostics[0].Code == d.Code && a.Diagnostics[0].Range == d.Range && a.Diagnostics[0].Message == d.Message {
							s.renderAction(&b, a)
						}
					}
				}
			}
			for _, f := range s.ar.Files {
				if strings.HasPrefix(f.Name, "want/") || strings.HasPrefix(f.Name, "outside/") {
					continue
				}
				actions := s.codeActions(f.Name, protocol.Range{End: protocol.Position{Line: 1 << 20}}, []protocol.CodeActionKind{protocol.Source})
				if len(actions) > 0 {
					fmt.Fprintf(&b, "## %s source\n", f.Name)
				}
				for _, a := range actions {
					s.renderAction(&b, a)
				}
			}
			s.golden("actions", b.String())
		})
	}
}

func (s *session) codeActions(rel string, r protocol.Range, only []protocol.CodeActionKind) []protocol.CodeAction {
	s.t.Helper()
	params := map[string]any{
		"textDocument": map[string]any{"uri": fileURI(s.path(rel))},
		"range":        r,
		"context":      map[string]any{"diagnostics": []any{}, "only": only},
	}
	var actions []protocol.CodeAction
	if err := s.call("textDocument/codeAction", params, &actions); err != nil {
		s.t.Fatalf("codeAction: %v", err)
	}
	return actions
}

// renderAction writes an action's title and kind and the whole text of each
// file its edit changes.
func (s *session) renderAction(b *strings.Builder, a protocol.CodeAction) {
	preferred := ""
	if a.IsPreferred {
		preferred = " (preferred)"
	}
	fmt.Fprintf(b, "[%s] %s%s\n", a.Kind, a.Title, preferred)
	if a.Edit == nil {
		return
	}
	for _, uri := range sortedKeys(uriKeys(a.Edit.Changes)) {
		rel := s.rel(uri)
		fmt.Fprintf(b, "--- %s\n%s", rel, applyEdits(s.text(rel), a.Edit.Changes[protocol.DocumentURI(uri)]))
	}
	// documentChanges: a file created (an entry with no document), then edits.
	for _, d := range a.Edit.DocumentChanges {
		if d.TextDocument.URI == "" {
			continue
		}
		rel := s.rel(string(d.TextDocument.URI))
		var old []byte
		if _, err := os.Stat(s.path(rel)); err == nil {
			old = s.text(rel)
		} else {
			rel += " (created)"
		}
		fmt.Fprintf(b, "--- %s\n%s", rel, applyEdits(old, d.Edits))
	}
}

func uriKeys(m map[protocol.DocumentURI][]protocol.TextEdit) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[string(k)] = true
	}
	return out
}

// TestFixRoundTrip is the editor's loop: a diagnostic, its quick-fix applied
// to the open manifest as the editor would (didChange), the diagnostic gone.
func TestFixRoundTrip(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	s.open("src/lib.rs", 1)
	s.open("Cargo.toml", 1)
	var undeclared *protocol.Diagnostic
	for _, d := range s.diagnostics()["src/lib.rs"] {
		if d.Code == "undeclared-capability" {
			undeclared = &d
		}
	}
	if undeclared == nil {
		t.Fatal("no undeclared-capability diagnostic in src/lib.rs")
	}
	actions := s.codeActions("src/lib.rs", undeclared.Range, nil)
	if len(actions) == 0 || actions[0].Edit == nil {
		t.Fatalf("no quick-fix for %v", undeclared)
	}
	edits := actions[0].Edit.Changes[protocol.DocumentURI(fileURI(s.path("Cargo.toml")))]
	if len(edits) == 0 {
		t.Fatalf("%q does not edit Cargo.toml", actions[0].Title)
	}
	// As incremental changes, last first, so earlier ranges stay valid.
	var changes []map[string]any
	for i := len(edits) - 1; i >= 0; i-- {
		changes = append(changes, map[string]any{"range": edits[i].Range, "text": edits[i].NewText})
	}
	s.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": fileURI(s.path("Cargo.toml")), "version": 2},
		"contentChanges": changes,
	})
	s.analysedVersion("Cargo.toml", 2)
	for _, d := range s.diagnostics()["src/lib.rs"] {
		if d.Code == "undeclared-capability" {
			t.Errorf("after %q: still %s", actions[0].Title, d.Message)
		}
	}
	// Closed without saving: the manifest on disk counts again.
	s.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": fileURI(s.path("Cargo.toml"))}})
	s.analysed()
	if ds := s.diagnostics()["src/lib.rs"]; len(ds) != 1 || ds[0].Code != "undeclared-capability" {
		t.Errorf("after closing the unsaved manifest: %v", ds)
	}
}

// TestReRecordEditsOnlyTheFingerprint: recording a stale audit again changes
// the bytes of the one changed site's fingerprint in caps-audits.lock, and
// nothing else.
func TestReRecordEditsOnlyTheFingerprint(t *testing.T) {
	s := openCase(t, "testdata/codeaction/audit-stale.txtar")
	var stale *protocol.Diagnostic
	for _, d := range s.diagnostics()["Cargo.toml"] {
		if d.Code == "audit-stale" {
			stale = &d
		}
	}
	if stale == nil {
		t.Fatal("no audit-stale diagnostic on Cargo.toml")
	}
	actions := s.codeActions("Cargo.toml", stale.Range, []protocol.CodeActionKind{protocol.QuickFix})
	if len(actions) != 1 || actions[0].Edit == nil || len(actions[0].Edit.Changes) != 1 {
		t.Fatalf("want one re-record action editing one file: %+v", actions)
	}
	edits := actions[0].Edit.Changes[protocol.DocumentURI(fileURI(s.path("caps-audits.lock")))]
	if len(edits) != 1 {
		t.Fatalf("edits of caps-audits.lock: %+v", edits)
	}
	e := edits[0]
	line := strings.Split(string(s.text("caps-audits.lock")), "\n")[e.Range.Start.Line]
	if e.Range.Start.Line != e.Range.End.Line || !strings.Contains(line, `function = "raw::b"`) ||
		int(e.Range.End.Character-e.Range.Start.Character) > len("3dcf73b59510435d") || len(e.NewText) > len("3dcf73b59510435d") {
		t.Errorf("the edit %+v on %q is more than raw::b's fingerprint", e, line)
	}
}
