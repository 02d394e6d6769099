package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/audits"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
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

// codeAction offers the quick-fixes of SPEC §5 for the findings in the
// requested range, each with its diagnostic attached, and the source actions
// "Declare the capabilities this crate uses" and #![forbid(unsafe_code)].
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
	fx := &fixer{s: s, v: v, settings: s.currentSettings()}
	start, end := s.offset(path, p.Range.Start), s.offset(path, p.Range.End)
	for _, f := range v.w.Result.Findings {
		if f.File == path && f.Range.Start <= end && start <= f.Range.End {
			actions = append(actions, fx.quickFixes(f)...)
		}
	}
	actions = append(actions, fx.sourceActions(path)...)
	actions = slices.DeleteFunc(actions, func(a protocol.CodeAction) bool { return !fx.insideWorkspace(a.Edit) })
	if len(p.Context.Only) > 0 {
		actions = filterKinds(actions, p.Context.Only)
	}
	return withCreatedFiles(actions), nil
}

// insideWorkspace reports whether every file an edit changes is, with
// symlinks resolved, inside the workspace root (also resolved): a crate root
// or manifest that is a symlink out of the workspace is not ours to write.
func (fx *fixer) insideWorkspace(e *protocol.WorkspaceEdit) bool {
	if e == nil {
		return true
	}
	for u := range e.Changes {
		if path, ok := pathOf(string(u)); !ok || !fx.writable(path) {
			return false
		}
	}
	for _, d := range e.DocumentChanges {
		if path, ok := pathOf(string(d.TextDocument.URI)); !ok || !fx.writable(path) {
			return false
		}
	}
	return true
}

// writable reports whether path's real path lies inside the workspace root's.
func (fx *fixer) writable(path string) bool {
	root, err := filepath.EvalSymlinks(fx.v.w.Root)
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(path)
	if _, statErr := os.Lstat(path); errors.Is(statErr, fs.ErrNotExist) {
		// A file an edit creates (caps-audits.lock): where its directory is.
		dir, dirErr := filepath.EvalSymlinks(filepath.Dir(path))
		real, err = filepath.Join(dir, filepath.Base(path)), dirErr
	}
	return err == nil && within(root, real)
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

// fixer builds code actions from one analysis.
type fixer struct {
	s        *server
	v        view
	settings Settings
}

// fresh returns the manifest at path as analysed, or nil when the editor's
// text has moved on since: edits computed from it would land in the wrong
// place, and a new analysis is on its way.
func (fx *fixer) fresh(path string) *manifest.Manifest {
	m := fx.v.w.Manifest(path)
	if m == nil {
		return nil
	}
	if current, err := fx.s.read(path); err != nil || !bytes.Equal(current, m.Text) {
		return nil
	}
	return m
}

// action is a code action whose edit is edits in m's text; nil when there
// is nothing to change.
func action(title string, kind protocol.CodeActionKind, m *manifest.Manifest, edits []manifest.Edit) *protocol.CodeAction {
	if m == nil || len(edits) == 0 {
		return nil
	}
	return &protocol.CodeAction{Title: title, Kind: kind, Edit: &protocol.WorkspaceEdit{
		Changes: map[protocol.DocumentURI][]protocol.TextEdit{uriOf(m.Path): textEdits(m.Index, edits)},
	}}
}

func textEdits(idx *span.Index, edits []manifest.Edit) []protocol.TextEdit {
	out := make([]protocol.TextEdit, len(edits))
	for i, e := range edits {
		out[i] = protocol.TextEdit{Range: lspRange(idx, e.Range), NewText: e.NewText}
	}
	return out
}

// quickFixes are the fixes for one finding, the first the preferred one.
func (fx *fixer) quickFixes(f finding.Finding) []protocol.CodeAction {
	sev, shown := fx.settings.severity(f)
	if !shown {
		return nil
	}
	var candidates []*protocol.CodeAction
	add := func(a *protocol.CodeAction) { candidates = append(candidates, a) }
	w := fx.v.w
	switch f.Code {
	case finding.UndeclaredCapability:
		member := w.Member(f.File)
		if member == nil || !f.HasCap {
			break
		}
		m := fx.fresh(member.ManifestPath)
		if feature := fx.gate(f); feature != "" {
			add(action(fmt.Sprintf("Request `%s` for feature `%s`", f.Capability, feature), protocol.QuickFix, m,
				manifest.AddFeatureCapability(m, feature, f.Capability)))
		}
		add(action(fmt.Sprintf("Declare `%s` for crate `%s`", f.Capability, member.Name), protocol.QuickFix, m,
			manifest.AddCapability(m, f.Capability)))
	case finding.DependencyCapability:
		m := fx.fresh(f.File)
		if m == nil || !f.HasCap {
			break
		}
		if dep := dependencyAt(m, f.Range.Start); dep != nil && m.Package != nil {
			if _, limited := m.Package.DepCaps[dep.Key]; limited {
				add(action(fmt.Sprintf("Grant `%s` to dependency `%s`", f.Capability, dep.Key), protocol.QuickFix, m,
					manifest.GrantDependency(m, dep.Key, f.Capability)))
			}
		}
		if member := w.Member(f.File); member != nil && !fx.allowed(member.ID).Has(f.Capability) {
			add(action(fmt.Sprintf("Declare `%s` for crate `%s`", f.Capability, member.Name), protocol.QuickFix, m,
				manifest.AddCapability(m, f.Capability)))
		}
		if len(f.Chain) > 0 {
			add(fx.audit(f.Chain[len(f.Chain)-1], f.Capability))
		}
	case finding.AuditStale:
		if len(f.Causes) == 1 && f.HasCap {
			add(fx.reRecord(f.Causes[0].Crate, f.Causes[0].Version, f.Capability))
		}
	case finding.IneffectiveGrant:
		m := fx.fresh(f.File)
		if val, ok := valueAt(m, f.Range); ok {
			add(action(fmt.Sprintf("Declare `%s` for crate `%s`", val.Cap, f.Crate), protocol.QuickFix, m, manifest.AddCapability(m, val.Cap)))
			add(action(fmt.Sprintf("Remove the grant of `%s`", val.Cap), protocol.QuickFix, m, manifest.RemoveCapability(m, val)))
		}
	case finding.UnknownCapability:
		m := fx.fresh(f.File)
		if e, suggestion, ok := respell(m, f.Range); ok {
			add(action(fmt.Sprintf("Change to `%s`", suggestion), protocol.QuickFix, m, []manifest.Edit{e}))
		}
	case finding.CargoIncompatible:
		m := fx.fresh(f.File)
		add(action("Move the capability declarations to [package.metadata.capabilities]", protocol.QuickFix, m, manifest.MigrateFormB(m)))
	case finding.UnusedCapability:
		m := fx.fresh(f.File)
		if val, ok := valueAt(m, f.Range); ok {
			add(action(fmt.Sprintf("Remove unused capability `%s`", val.Cap), protocol.QuickFix, m, manifest.RemoveCapability(m, val)))
		}
	case finding.BuildTimeCode:
		// A build-dependency runs in the member's build script: the member's grant holds it.
		m := fx.fresh(f.File)
		if m == nil || len(f.Chain) == 0 {
			break
		}
		crate := f.Chain[len(f.Chain)-1]
		if dep := dependencyAt(m, f.Range.Start); dep != nil && dep.Kind == manifest.Build {
			crate = f.Crate
		}
		for _, c := range f.BuildUses.Minus(f.BuildGranted).Remove(caps.Process).List() { // process is always allowed
			add(fx.grantBuild(crate, c))
		}
	case finding.NarrowableCapability:
		m := fx.fresh(f.File)
		if val, ok := valueAt(m, f.Range); ok {
			if to, ok := val.Cap.Implies(); ok {
				add(action(fmt.Sprintf("Narrow `%s` to `%s`", val.Cap, to), protocol.QuickFix, m, manifest.Narrow(m, val, to)))
			}
		}
	}
	var out []protocol.CodeAction
	d := diagnostic(f, sev, fx.v)
	for _, a := range candidates {
		if a != nil {
			a.Diagnostics = []protocol.Diagnostic{d}
			a.IsPreferred = len(out) == 0
			out = append(out, *a)
		}
	}
	return out
}

// gate returns the feature that gates the use a finding is about, if any.
func (fx *fixer) gate(f finding.Finding) string {
	for _, u := range fx.v.w.Result.Uses {
		if u.File == f.File && u.Range == f.Range && u.Cap == f.Capability {
			if u.Feature != "" {
				return u.Feature
			}
		}
	}
	return ""
}

func (fx *fixer) allowed(id graph.ID) caps.Set {
	for _, r := range fx.v.w.Result.Crates {
		if r.ID == id {
			return r.Allowed
		}
	}
	return caps.Everything
}

// audit records in the workspace root that a person accepts what crate
// does: the `audited` entry, and the sites reviewed in caps-audits.lock.
func (fx *fixer) audit(crate string, c caps.Capability) *protocol.CodeAction {
	root := fx.v.w.RootManifest()
	if root == nil {
		return nil
	}
	m := fx.fresh(root.Path)
	a := action(fmt.Sprintf("Record an audit: `%s` may use `%s` (I reviewed it)", crate, c), protocol.QuickFix, m,
		manifest.RecordAudit(m, crate, "", c))
	if a != nil {
		fx.recordSites(a, crate, "", c)
	}
	return a
}

// reRecord records a stale audit again for the crate's locked version: the
// reviewer has read the new and changed sites; the entry stands as it is.
func (fx *fixer) reRecord(crate, version string, c caps.Capability) *protocol.CodeAction {
	a := &protocol.CodeAction{Title: fmt.Sprintf("Record the audit of `%s` %s for `%s` again (I read the new and changed sites)", crate, version, c),
		Kind: protocol.QuickFix, Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{}}}
	if !fx.recordSites(a, crate, version, c) {
		return nil
	}
	return a
}

// recordSites adds to a's edit the change to caps-audits.lock that records
// crate's sites of c: the bytes between what the old and new lockfile share.
func (fx *fixer) recordSites(a *protocol.CodeAction, crate, version string, c caps.Capability) bool {
	r, err := fx.v.w.RecordAudit(crate, version, caps.Of(c), false)
	if err != nil {
		return false // an unreadable lockfile is a finding of its own
	}
	start, end, text := audits.MinimalEdit(r.OldLock, r.NewLock)
	if start == end && text == "" {
		return false
	}
	uri := uriOf(filepath.Join(fx.v.w.Root, audits.FileName))
	a.Edit.Changes[uri] = []protocol.TextEdit{{Range: lspRange(span.NewIndex(r.OldLock), span.Range{Start: start, End: end}), NewText: text}}
	return true
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
			if path, ok := pathOf(string(uri)); ok {
				if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
					creates = append(creates, createFile{Kind: "create", URI: uri})
				}
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

// grantBuild grants crate's build-time code c in the workspace root's build sandbox.
func (fx *fixer) grantBuild(crate string, c caps.Capability) *protocol.CodeAction {
	root := fx.v.w.RootManifest()
	if root == nil {
		return nil
	}
	m := fx.fresh(root.Path)
	return action(fmt.Sprintf("Grant `%s` to the build-time code of `%s` ([workspace.metadata.capabilities.build])", c, crate), protocol.QuickFix, m,
		manifest.GrantBuild(m, crate, c))
}

// dependencyAt returns the dependency entry of m holding byte offset off.
func dependencyAt(m *manifest.Manifest, off int) *manifest.Dependency {
	for i, d := range m.Dependencies {
		if d.Range.Contains(off) || d.KeyRange.Contains(off) {
			return &m.Dependencies[i]
		}
	}
	return nil
}

// valueAt returns the declared capability value a finding points at.
func valueAt(m *manifest.Manifest, r span.Range) (manifest.Value, bool) {
	if m == nil {
		return manifest.Value{}, false
	}
	for _, val := range capabilityValues(m) {
		if val.Range == r || val.Range.Contains(r.Start) {
			return val, true
		}
	}
	return manifest.Value{}, false
}

// sourceActions are offered anywhere in a member's manifest or Rust files.
func (fx *fixer) sourceActions(path string) []protocol.CodeAction {
	w := fx.v.w
	member := w.Member(path)
	if member == nil {
		return nil
	}
	m := fx.fresh(member.ManifestPath)
	if m == nil || m.Package == nil {
		return nil
	}
	var out []protocol.CodeAction
	for _, r := range w.Result.Crates {
		if r.ID != member.ID || m.Package.Declared {
			continue
		}
		// What the crate and the dependencies under it use: less would turn
		// their uses into findings.
		uses := r.TreeUses.Union(r.Uses)
		title := fmt.Sprintf("Declare the capabilities this crate uses: %s", setOrNothing(uses))
		if a := action(title, protocol.Source, m, manifest.DeclareCapabilities(m, uses)); a != nil {
			out = append(out, *a)
		}
	}
	if a := fx.forbidUnsafe(member, m); a != nil {
		out = append(out, *a)
	}
	return out
}

func setOrNothing(s caps.Set) string {
	if s.IsEmpty() {
		return "none"
	}
	return s.String()
}

// forbidUnsafe adds #![forbid(unsafe_code)] to the library root of a crate
// that declares capabilities without `unsafe`, so the compiler holds it too.
func (fx *fixer) forbidUnsafe(member *graph.Crate, m *manifest.Manifest) *protocol.CodeAction {
	if !m.Package.Declared || fx.allowed(member.ID).Has(caps.Unsafe) {
		return nil
	}
	if sum := fx.v.w.Summaries[member.ID]; sum == nil || sum.ForbidsUnsafe {
		return nil
	}
	var root string
	for _, t := range member.Targets {
		if t.Kind == analyzer.Lib {
			root = t.Path
		}
	}
	if root == "" || !fx.writable(root) { // before reading it: it may be a link to a device
		return nil
	}
	text, err := fx.s.read(root)
	if err != nil {
		return nil
	}
	// After a shebang line, if any; inner attributes may precede everything else.
	at := 0
	if bytes.HasPrefix(text, []byte("#!")) && !bytes.HasPrefix(text, []byte("#![")) {
		if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
			at = nl + 1
		}
	}
	eol := "\n"
	if bytes.Contains(text, []byte("\r\n")) {
		eol = "\r\n"
	}
	idx := span.NewIndex(text)
	rel, _ := filepath.Rel(member.Dir, root)
	return &protocol.CodeAction{
		Title: fmt.Sprintf("Add #![forbid(unsafe_code)] to %s", filepath.ToSlash(rel)),
		Kind:  protocol.Source,
		Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{
			uriOf(root): {{Range: lspRange(idx, span.Range{Start: at, End: at}), NewText: "#![forbid(unsafe_code)]" + eol}},
		}},
	}
}

// respell replaces a misspelt capability name in the string literal at r
// (quotes and a Form B `cap:` prefix stay) with the name it is closest to.
func respell(m *manifest.Manifest, r span.Range) (manifest.Edit, string, bool) {
	if m == nil || r.Start < 0 || r.End > len(m.Text) || r.End-r.Start < 2 {
		return manifest.Edit{}, "", false
	}
	lit := string(m.Text[r.Start:r.End])
	start, end := r.Start, r.End
	if q := lit[0]; (q == '"' || q == '\'') && lit[len(lit)-1] == q {
		start, end = start+1, end-1
	}
	if strings.HasPrefix(string(m.Text[start:end]), "cap:") {
		start += len("cap:")
	}
	suggestion := caps.DidYouMean(string(m.Text[start:end]))
	if suggestion == "" {
		return manifest.Edit{}, "", false
	}
	return manifest.Edit{Range: span.Range{Start: start, End: end}, NewText: suggestion}, suggestion, true
}
