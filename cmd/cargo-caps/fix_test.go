package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
	"github.com/cargo-caps/cargo-caps/lsp"
	"github.com/cargo-caps/cargo-caps/span"
)

// TestFixesBothWays runs every fix of each testdata/fix case through the
// CLI and through the language server and compares the bytes they produce:
// each fix as `check --format sarif` carries it (its replacements applied)
// against the code action the server offers for the same finding (its text
// edits applied); what `init` writes against the source action declaring
// each member's baseline; and `check --fix` (want/check-fix: its report; want/after/:
// the files it changed) against an editor applying, one by one with
// re-analysis in between, the code actions of the fixes `check --fix`
// applied, until none is offered.
func TestFixesBothWays(t *testing.T) {
	files, _ := filepath.Glob("testdata/fix/*.txtar")
	if len(files) == 0 {
		t.Fatal("no cases in testdata/fix")
	}
	for _, file := range files {
		file, _ := filepath.Abs(file) // the CLI runs in the case's directory
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cli := sarifFixes(t, writeArchive(t, ar))
			editor := startEditor(t, writeArchive(t, ar))
			lspFixes := editor.allFixes()
			if len(cli) == 0 {
				t.Error("the case offers no fix")
			}
			for _, k := range sortedKeys(cli, lspFixes) {
				switch c, l := cli[k], lspFixes[k]; {
				case c == nil:
					t.Errorf("%s: offered by the language server only", k)
				case l == nil:
					t.Errorf("%s: offered by the CLI only", k)
				case !maps2Equal(c, l):
					t.Errorf("%s: the CLI's fix gives\n%s\nthe language server's\n%s", k, show(c), show(l))
				}
			}

			// init against the source action that declares a member's baseline.
			initDir := writeArchive(t, ar)
			initBefore := snapshot(t, initDir)
			if code, out, errOut := runCLI(t, "init", "--no-cargo", "--manifest-path", filepath.Join(initDir, "Cargo.toml")); code == 2 {
				t.Fatalf("init: %s%s", out, errOut)
			}
			initAfter := snapshot(t, initDir)
			baselines := editor.baselines()
			for rel, text := range initAfter {
				if text == initBefore[rel] {
					continue
				}
				if got, ok := baselines[rel]; !ok {
					t.Errorf("init wrote %s; the language server offers no baseline for it", rel)
				} else if got != text {
					t.Errorf("%s: init wrote\n%s\nthe source action\n%s", rel, text, got)
				}
			}
			for rel := range baselines {
				if initAfter[rel] == initBefore[rel] {
					t.Errorf("the language server offers a baseline for %s; init left it alone", rel)
				}
			}

			// check --fix, then the editor applying the same fixes.
			dir := writeArchive(t, ar)
			before := snapshot(t, dir)
			t.Chdir(dir)
			_, out, errOut := runCLI(t, "check", "--no-cargo", "--fix")
			report, _, _ := strings.Cut(out, "cargo-caps: applied")
			golden(t, file, ar, "check-fix", strings.ReplaceAll(out+errOut, dir+string(filepath.Separator), ""))
			after := snapshot(t, dir)
			var changed []string
			for rel, text := range after {
				if before[rel] != text {
					changed = append(changed, rel)
				}
			}
			slices.Sort(changed)
			for _, rel := range changed {
				golden(t, file, ar, "after/"+rel, after[rel])
			}
			for _, f := range ar.Files {
				if rel, ok := strings.CutPrefix(f.Name, "after/"); ok && !slices.Contains(changed, rel) {
					t.Errorf("check --fix left %s unchanged", rel)
				}
			}
			titles := map[string]bool{}
			for _, line := range strings.Split(report, "\n") {
				if _, rest, ok := strings.Cut(line, "]: "); ok && strings.HasPrefix(line, "fixed[") {
					titles[rest] = true
				}
			}
			editor.applyAll(titles)
			if got := snapshot(t, editor.dir); !maps2Equal(got, after) {
				for rel := range after {
					if got[rel] != after[rel] {
						t.Errorf("%s: check --fix wrote\n%s\nthe editor's code actions\n%s", rel, after[rel], got[rel])
					}
				}
			}
		})
	}
}

func maps2Equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func show(m map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(m, nil) {
		fmt.Fprintf(&b, "--- %s\n%s", k, m[k])
	}
	return b.String()
}

func sortedKeys[V any](a, b map[string]V) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// writeArchive writes a case's files (all but want/ and after/) to a new directory.
func writeArchive(t *testing.T, ar *txtar.Archive) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "want/") || strings.HasPrefix(f.Name, "after/") {
			continue
		}
		testfs.Write(t, filepath.Join(dir, filepath.FromSlash(f.Name)), string(f.Data))
	}
	return dir
}

// snapshot maps each file under dir (relative, slashed) to its text.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// golden compares got with the case's section name (want/NAME, or after/PATH
// as given), rewriting it with -update.
func golden(t *testing.T, file string, ar *txtar.Archive, name, got string) {
	t.Helper()
	if !strings.HasPrefix(name, "after/") {
		name = "want/" + name
	}
	i := slices.IndexFunc(ar.Files, func(f txtar.File) bool { return f.Name == name })
	switch {
	case *update && i >= 0:
		ar.Files[i].Data = []byte(got)
	case *update:
		ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(got)})
	case i < 0:
		t.Errorf("no %s section (run with -update):\n%s", name, got)
		return
	case string(ar.Files[i].Data) != got:
		t.Errorf("%s differs (run with -update):\n--- got\n%s\n--- want\n%s", name, got, ar.Files[i].Data)
		return
	default:
		return
	}
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixKey names one fix of one finding the same way on both paths.
func fixKey(code, file string, line int, message, title string) string {
	return fmt.Sprintf("%s %s:%d %q: %s", code, file, line, message, title)
}

// sarifFixes runs `check --format sarif` on dir and applies each fix of
// each result to the files it changes, by their byte offsets.
func sarifFixes(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
	_, out, errOut := runCLI(t, "check", "--no-cargo", "--format", "sarif", "--manifest-path", filepath.Join(dir, "Cargo.toml"))
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
				Fixes []struct {
					Description     struct{ Text string }
					ArtifactChanges []struct {
						ArtifactLocation struct{ URI string }
						Replacements     []struct {
							DeletedRegion   struct{ ByteOffset, ByteLength int }
							InsertedContent struct{ Text string }
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("%v: %s%s", err, out, errOut)
	}
	got := map[string]map[string]string{}
	for _, r := range log.Runs[0].Results {
		loc := r.Locations[0].PhysicalLocation
		for _, fix := range r.Fixes {
			files := map[string]string{}
			for _, c := range fix.ArtifactChanges {
				text, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c.ArtifactLocation.URI)))
				if err != nil && !errors.Is(err, fs.ErrNotExist) { // a file the fix creates starts empty
					t.Fatal(err)
				}
				var edits []protocolEdit
				for _, rep := range c.Replacements {
					edits = append(edits, protocolEdit{rep.DeletedRegion.ByteOffset, rep.DeletedRegion.ByteOffset + rep.DeletedRegion.ByteLength, rep.InsertedContent.Text})
				}
				files[c.ArtifactLocation.URI] = string(applyBytes(text, edits))
			}
			got[fixKey(r.RuleID, loc.ArtifactLocation.URI, loc.Region.StartLine, r.Message.Text, fix.Description.Text)] = files
		}
	}
	return got
}

type protocolEdit struct {
	start, end int
	text       string
}

// applyBytes applies edits by byte offsets, in order of start, as editors
// apply a code action's edits (equal starts in the order given).
func applyBytes(text []byte, edits []protocolEdit) []byte {
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out []byte
	last := 0
	for _, e := range edits {
		if e.start < last || e.end < e.start || e.end > len(text) {
			return []byte(fmt.Sprintf("<edit %d-%d out of place>", e.start, e.end))
		}
		out = append(out, text[last:e.start]...)
		out = append(out, e.text...)
		last = e.end
	}
	return append(out, text[last:]...)
}

// editor is a language client on a workspace directory: a real jsonrpc2
// connection over net.Pipe to lsp.Serve.
type editor struct {
	t    *testing.T
	dir  string
	conn jsonrpc2.Conn

	mu       sync.Mutex
	notes    []jsonrpc2.Request
	analyses int // inlay hint refreshes: the server asks for one after each analysis
	arrived  chan struct{}
}

func startEditor(t *testing.T, dir string) *editor {
	t.Helper()
	serverEnd, clientEnd := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- lsp.Serve(context.Background(), serverEnd, nil) }()
	e := &editor{t: t, dir: dir, arrived: make(chan struct{})}
	e.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(clientEnd))
	e.conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		e.mu.Lock()
		e.notes = append(e.notes, req)
		if req.Method() == "workspace/inlayHint/refresh" {
			e.analyses++
		}
		close(e.arrived)
		e.arrived = make(chan struct{})
		e.mu.Unlock()
		return reply(ctx, nil, nil)
	})
	t.Cleanup(func() {
		e.conn.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	var result json.RawMessage
	e.call("initialize", map[string]any{
		"workspaceFolders": []map[string]string{{"uri": string(uri.File(dir)), "name": "case"}},
		"capabilities": map[string]any{"workspace": map[string]any{
			"inlayHint":             map[string]any{"refreshSupport": true},
			"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true},
		}},
	}, &result)
	e.notify("initialized", map[string]any{})
	e.waitAnalyses(1)
	return e
}

func (e *editor) call(method string, params, result any) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.conn.Call(ctx, method, params, result); err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
}

func (e *editor) notify(method string, params any) {
	e.t.Helper()
	if err := e.conn.Notify(context.Background(), method, params); err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
}

// waitAnalyses waits until n analyses have finished.
func (e *editor) waitAnalyses(n int) {
	e.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		e.mu.Lock()
		done, arrived := e.analyses >= n, e.arrived
		e.mu.Unlock()
		if done {
			return
		}
		select {
		case <-arrived:
		case <-deadline:
			e.t.Fatalf("analysis %d did not finish", n)
		}
	}
}

// diagnostics returns the latest diagnostics published per file.
func (e *editor) diagnostics() map[string][]protocol.Diagnostic {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string][]protocol.Diagnostic{}
	for _, n := range e.notes {
		if n.Method() != "textDocument/publishDiagnostics" {
			continue
		}
		var p protocol.PublishDiagnosticsParams
		if err := json.Unmarshal(n.Params(), &p); err != nil {
			e.t.Fatal(err)
		}
		out[e.rel(string(p.URI))] = p.Diagnostics
	}
	return out
}

func (e *editor) rel(u string) string {
	rel, _ := filepath.Rel(e.dir, uri.URI(u).Filename())
	return filepath.ToSlash(rel)
}

// quickFixes returns the quick-fix actions for diagnostic d of file rel.
func (e *editor) quickFixes(rel string, d protocol.Diagnostic) []protocol.CodeAction {
	var actions []protocol.CodeAction
	e.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": string(uri.File(filepath.Join(e.dir, rel)))},
		"range":        d.Range,
		"context":      map[string]any{"diagnostics": []any{d}, "only": []string{"quickfix"}},
	}, &actions)
	return slices.DeleteFunc(actions, func(a protocol.CodeAction) bool {
		return len(a.Diagnostics) != 1 || a.Diagnostics[0].Message != d.Message || a.Diagnostics[0].Range != d.Range
	})
}

// allFixes applies (in memory) each quick-fix of each diagnostic.
func (e *editor) allFixes() map[string]map[string]string {
	got := map[string]map[string]string{}
	for rel, ds := range e.diagnostics() {
		for _, d := range ds {
			for _, a := range e.quickFixes(rel, d) {
				got[fixKey(fmt.Sprint(d.Code), rel, int(d.Range.Start.Line)+1, d.Message, a.Title)] = e.applied(a)
			}
		}
	}
	return got
}

// baselines applies (in memory) the source action that declares a
// member's baseline, for each member manifest: the result by file.
func (e *editor) baselines() map[string]string {
	out := map[string]string{}
	for rel := range snapshot(e.t, e.dir) {
		if filepath.Base(rel) != "Cargo.toml" {
			continue
		}
		var actions []protocol.CodeAction
		e.call("textDocument/codeAction", map[string]any{
			"textDocument": map[string]any{"uri": string(uri.File(filepath.Join(e.dir, rel)))},
			"range":        protocol.Range{End: protocol.Position{Line: 1 << 20}},
			"context":      map[string]any{"diagnostics": []any{}, "only": []string{"source"}},
		}, &actions)
		for _, a := range actions {
			if strings.HasPrefix(a.Title, "Declare what") {
				for file, text := range e.applied(a) {
					out[file] = text
				}
			}
		}
	}
	return out
}

// applied is the text of each file a's edit changes, after it.
func (e *editor) applied(a protocol.CodeAction) map[string]string {
	files := map[string]string{}
	changes := maps.Clone(a.Edit.Changes)
	for _, d := range a.Edit.DocumentChanges { // a file created, then edits (its create entry has no document)
		if d.TextDocument.URI != "" {
			if changes == nil {
				changes = map[protocol.DocumentURI][]protocol.TextEdit{}
			}
			changes[d.TextDocument.URI] = append(changes[d.TextDocument.URI], d.Edits...)
		}
	}
	for u, edits := range changes {
		text, err := os.ReadFile(uri.URI(u).Filename())
		if err != nil && !errors.Is(err, fs.ErrNotExist) { // a file the fix creates starts empty
			e.t.Fatal(err)
		}
		idx := span.NewIndex(text)
		var es []protocolEdit
		for _, te := range edits {
			es = append(es, protocolEdit{idx.Offset(int(te.Range.Start.Line), int(te.Range.Start.Character)),
				idx.Offset(int(te.Range.End.Line), int(te.Range.End.Character)), te.NewText})
		}
		files[e.rel(string(u))] = string(applyBytes(text, es))
	}
	return files
}

// applyAll applies, one at a time, a code action titled as one of titles,
// saving the files it changes and telling the server, until none is offered.
func (e *editor) applyAll(titles map[string]bool) {
	for round := 0; round < 20; round++ {
		var action *protocol.CodeAction
		for _, rel := range sortedKeys(e.diagnostics(), nil) {
			for _, d := range e.diagnostics()[rel] {
				for _, a := range e.quickFixes(rel, d) {
					if titles[a.Title] && action == nil {
						action = &a
					}
				}
			}
		}
		if action == nil {
			return
		}
		var changes []map[string]any
		for rel, text := range e.applied(*action) {
			path := filepath.Join(e.dir, filepath.FromSlash(rel))
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				e.t.Fatal(err)
			}
			changes = append(changes, map[string]any{"uri": string(uri.File(path)), "type": 2})
		}
		e.mu.Lock()
		n := e.analyses
		e.mu.Unlock()
		e.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": changes})
		e.waitAnalyses(n + 1)
	}
	e.t.Error("code actions still offered after 20 rounds")
}
