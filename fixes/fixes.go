// Package fixes computes the fixes of SPEC §5 once, for the language server
// and the CLI alike: each finding's quick-fixes, a crate's source actions and
// the onboarding baseline (`init`), as edits to files (finding.Fix). It sits
// between policy and the presenters: what a fix must say comes from policy's
// findings and crate reports, how to write it from manifest's format-keeping
// edits. It knows nothing of protocols or output formats.
package fixes

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/audits"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/policy"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/span"
)

// Attach returns res with each finding carrying its fixes (For).
func Attach(w *project.Workspace, res *policy.Result) *policy.Result {
	out := *res
	out.Findings = slices.Clone(res.Findings)
	for i := range out.Findings {
		out.Findings[i].Fixes = For(w, out.Findings[i])
	}
	return &out
}

// For returns the fixes of finding f of w's analysis, the preferred first.
// A fix that would edit a file whose real path lies outside the workspace
// root is left out: a manifest that is a symlink out of it is not ours to
// write.
func For(w *project.Workspace, f finding.Finding) []finding.Fix {
	if w == nil || w.Result == nil {
		return nil
	}
	b := &builder{w: w}
	switch f.Code {
	case finding.UndeclaredCapability:
		member := w.Member(f.File)
		if member == nil || !f.HasCap {
			break
		}
		m := w.Manifest(member.ManifestPath)
		if m == nil {
			break
		}
		if feature := b.gate(f); feature != "" {
			b.add(fmt.Sprintf("Request `%s` for feature `%s`", f.Capability, feature), m, manifest.AddFeatureCapability(m, feature, f.Capability))
		}
		b.add(fmt.Sprintf("Declare `%s` for crate `%s`", f.Capability, member.Name), m, manifest.AddCapability(m, f.Capability))
	case finding.DependencyCapability:
		b.dependency(f)
	case finding.AuditStale:
		if len(f.Causes) == 1 && f.HasCap {
			b.reRecord(f.Causes[0].Crate, f.Causes[0].Version, f.Capability)
		}
	case finding.IneffectiveGrant:
		m := w.Manifest(f.File)
		if val, ok := valueAt(m, f.Range); ok {
			b.add(fmt.Sprintf("Declare `%s` for crate `%s`", val.Cap, f.Crate), m, manifest.AddCapability(m, val.Cap))
			b.add(fmt.Sprintf("Remove the grant of `%s`", val.Cap), m, manifest.RemoveCapability(m, val))
		}
	case finding.UnknownCapability:
		m := w.Manifest(f.File)
		if e, suggestion, ok := respell(m, f.Range); ok {
			b.add(fmt.Sprintf("Change to `%s`", suggestion), m, []manifest.Edit{e})
		}
	case finding.CargoIncompatible:
		m := w.Manifest(f.File)
		b.automatic("Move the capability declarations to [package.metadata.capabilities]", m, migrate(m))
	case finding.UnusedCapability:
		m := w.Manifest(f.File)
		if val, ok := valueAt(m, f.Range); ok {
			b.automatic(fmt.Sprintf("Remove unused capability `%s`", val.Cap), m, manifest.RemoveCapability(m, val))
		}
	case finding.BuildTimeCode:
		// A build-dependency runs in the member's build script: the member's grant holds it.
		m := w.Manifest(f.File)
		if m == nil || len(f.Chain) == 0 {
			break
		}
		crate := f.Chain[len(f.Chain)-1]
		if dep := dependencyAt(m, f.Range.Start); dep != nil && dep.Kind == manifest.Build {
			crate = f.Crate
		}
		for _, c := range f.BuildUses.Minus(f.BuildGranted).Remove(caps.Process).List() { // process is always allowed
			b.grantBuild(crate, c)
		}
	case finding.NarrowableCapability:
		m := w.Manifest(f.File)
		if val, ok := valueAt(m, f.Range); ok {
			if to, ok := val.Cap.Implies(); ok {
				b.automatic(fmt.Sprintf("Narrow `%s` to `%s`", val.Cap, to), m, manifest.Narrow(m, val, to))
			}
		}
	}
	return b.done()
}

func migrate(m *manifest.Manifest) []manifest.Edit {
	if m == nil {
		return nil
	}
	return manifest.MigrateFormB(m)
}

// dependency fixes a dependency finding where the limit is: at the member's
// entry for the dependency, or the member's own set. A grant of what the
// member lacks has no effect (ineffective-grant), so then one fix does both:
// declare it for the member and grant it to the dependency.
func (b *builder) dependency(f finding.Finding) {
	w := b.w
	m, member := w.Manifest(f.File), w.Member(f.File)
	if m == nil || m.Package == nil || member == nil || !f.HasCap {
		return
	}
	need := f.Capabilities
	if need.IsEmpty() {
		need = caps.Of(f.Capability)
	}
	need = fewest(need)
	allowed := b.allowed(member.ID).Close()
	var lacking caps.Set
	for _, c := range need.List() {
		if !allowed.Has(c) {
			lacking = lacking.Add(c)
		}
	}
	dep := dependencyAt(m, f.Range.Start)
	var grant []manifest.Edit // empty when the entry is not limited or grants need already
	if dep != nil {
		if _, limited := m.Package.DepCaps[dep.Key]; limited {
			grant = manifest.GrantDependency(m, dep.Key, need.List()...)
		}
	}
	declare := manifest.AddCapability(m, lacking.List()...)
	switch {
	case len(grant) > 0 && lacking.IsEmpty():
		b.add(fmt.Sprintf("Grant %s to dependency `%s`", listed(need), dep.Key), m, grant)
	case len(grant) > 0:
		if len(declare) > 0 && !overlaps(declare, grant) {
			b.add(fmt.Sprintf("Declare %s for crate `%s` and grant %s to dependency `%s`", listed(lacking), member.Name, listed(need), dep.Key),
				m, append(declare, grant...))
		}
	case !lacking.IsEmpty():
		b.add(fmt.Sprintf("Declare %s for crate `%s`", listed(lacking), member.Name), m, declare)
	}
	for _, r := range responsible(f) {
		b.audit(r.crate, r.caps)
	}
}

// responsibility is what one crate of a dependency finding uses beyond the
// member's limits, over every version of it the finding names.
type responsibility struct {
	crate string
	caps  caps.Set
}

// responsible lists a dependency finding's crates with what each is
// responsible for, in the finding's order: an audit is recorded per crate
// (for every version, as the `audited` entry says), so two versions of one
// crate are one.
func responsible(f finding.Finding) []responsibility {
	var out []responsibility
	for _, c := range f.Causes {
		i := slices.IndexFunc(out, func(r responsibility) bool { return r.crate == c.Crate })
		if i < 0 {
			out = append(out, responsibility{crate: c.Crate})
			i = len(out) - 1
		}
		out[i].caps = out[i].caps.Union(c.Capabilities)
	}
	if len(out) == 0 && len(f.Chain) > 0 { // a finding not grouped: the chain's last crate uses it
		out = append(out, responsibility{crate: f.Chain[len(f.Chain)-1], caps: caps.Of(f.Capability)})
	}
	return out
}

// fewest drops from s what another member of s implies: granting `fs`
// grants `fs-readonly`.
func fewest(s caps.Set) caps.Set {
	out := s
	for _, c := range s.List() {
		if to, ok := c.Implies(); ok {
			out = out.Remove(to)
		}
	}
	return out
}

// listed writes a set as "`fs`" or "`fs` and `net`".
func listed(s caps.Set) string {
	names := s.Names()
	for i, n := range names {
		names[i] = "`" + n + "`"
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// overlaps reports whether two edit lists against one text touch the same
// bytes (or insert at the same place, where their order would be a guess).
func overlaps(a, b []manifest.Edit) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Range.Start < y.Range.End && y.Range.Start < x.Range.End || x.Range.Start == y.Range.Start {
				return true
			}
		}
	}
	return false
}

// builder collects the fixes of one finding.
type builder struct {
	w     *project.Workspace
	fixes []finding.Fix
}

func (b *builder) add(title string, m *manifest.Manifest, edits []manifest.Edit) {
	b.addFix(title, m, edits, false)
}

// automatic adds a fix `check --fix` applies without review.
func (b *builder) automatic(title string, m *manifest.Manifest, edits []manifest.Edit) {
	b.addFix(title, m, edits, true)
}

func (b *builder) addFix(title string, m *manifest.Manifest, edits []manifest.Edit, automatic bool) {
	if m == nil || len(edits) == 0 {
		return
	}
	b.fixes = append(b.fixes, finding.Fix{Title: title, Kind: finding.QuickFix, Automatic: automatic,
		Changes: []finding.FileChange{changeIn(m.Path, m.Text, edits)}})
}

// done returns the fixes that edit only files inside the workspace, the
// first preferred.
func (b *builder) done() []finding.Fix {
	out := slices.DeleteFunc(b.fixes, func(f finding.Fix) bool { return !Writable(b.w.Root, f) })
	if len(out) > 0 {
		out[0].Preferred = true
	}
	return out
}

// Writable reports whether every file fix edits has its real path inside the
// workspace root's real path.
func Writable(root string, fix finding.Fix) bool {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	for _, c := range fix.Changes {
		real, err := filepath.EvalSymlinks(c.File)
		if c.Create {
			// Where its directory is, as the file is not there yet.
			var dir string
			dir, err = filepath.EvalSymlinks(filepath.Dir(c.File))
			real = filepath.Join(dir, filepath.Base(c.File))
		}
		if err != nil || !within(realRoot, real) {
			return false
		}
	}
	return true
}

func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// gate returns a feature that gates the use a finding is about, if any.
func (b *builder) gate(f finding.Finding) string {
	for _, u := range b.w.Result.Uses {
		if u.File == f.File && u.Range == f.Range && u.Cap == f.Capability {
			return gateFeature(u.Gates)
		}
	}
	return ""
}

// gateFeature is a feature whose request would allow code under gates (all
// of which hold there): one named alone or inside all(..), whose grants
// add up; none under any(..) or not(..), where one feature's request is not
// enough.
func gateFeature(gates []analyzer.Cfg) string {
	for _, g := range gates {
		switch g.Op {
		case analyzer.CfgFeature:
			return g.Name
		case analyzer.CfgAll:
			if name := gateFeature(g.Args); name != "" {
				return name
			}
		}
	}
	return ""
}

func (b *builder) allowed(id graph.ID) caps.Set {
	for _, r := range b.w.Result.Crates {
		if r.ID == id {
			return r.Allowed
		}
	}
	return caps.Everything
}

// audit records in the workspace root that a person accepts what crate
// does with cs: the `audited` entry, and the sites reviewed in caps-audits.lock.
func (b *builder) audit(crate string, cs caps.Set) {
	m := b.w.RootManifest()
	if m == nil {
		return
	}
	edits := manifest.RecordAudits(m, crate, "", cs)
	if len(edits) == 0 {
		return
	}
	fix := finding.Fix{Title: fmt.Sprintf("Record an audit: `%s` may use %s (I reviewed it)", crate, listed(fewest(cs))), Kind: finding.QuickFix,
		Changes: []finding.FileChange{changeIn(m.Path, m.Text, edits)}}
	if lock, ok := b.lockChange(crate, "", cs); ok {
		fix.Changes = append(fix.Changes, lock)
	}
	b.fixes = append(b.fixes, fix)
}

// reRecord records a stale audit again for the crate's locked version: the
// reviewer has read the new and changed sites; the entry stands as it is.
func (b *builder) reRecord(crate, version string, c caps.Capability) {
	if lock, ok := b.lockChange(crate, version, caps.Of(c)); ok {
		b.fixes = append(b.fixes, finding.Fix{Kind: finding.QuickFix, Changes: []finding.FileChange{lock},
			Title: fmt.Sprintf("Record the audit of `%s` %s for `%s` again (I read the new and changed sites)", crate, version, c)})
	}
}

// lockChange is the change to caps-audits.lock that records crate's sites of
// cs: the bytes between what the old and new lockfile share.
func (b *builder) lockChange(crate, version string, cs caps.Set) (finding.FileChange, bool) {
	r, err := b.w.RecordAudit(crate, version, cs, false)
	if err != nil {
		return finding.FileChange{}, false // an unreadable lockfile is a finding of its own
	}
	return Rewrite(filepath.Join(b.w.Root, audits.FileName), r.OldLock, r.NewLock)
}

// grantBuild grants crate's build-time code c in the workspace root's build sandbox.
func (b *builder) grantBuild(crate string, c caps.Capability) {
	m := b.w.RootManifest()
	if m == nil {
		return
	}
	b.add(fmt.Sprintf("Grant `%s` to the build-time code of `%s` ([workspace.metadata.capabilities.build])", c, crate), m,
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
	if m == nil || m.Package == nil {
		return manifest.Value{}, false
	}
	for _, val := range m.Package.Values() {
		if val.Range == r || val.Range.Contains(r.Start) {
			return val, true
		}
	}
	return manifest.Value{}, false
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

// Source returns the crate-wide actions for the member owning path: for a
// crate that declares nothing, its baseline (what `init` writes for it), and
// #![forbid(unsafe_code)] for one that declares no `unsafe`.
// read gives a file's current text (an editor's buffer wins).
func Source(w *project.Workspace, path string, read func(string) ([]byte, error)) []finding.Fix {
	if w == nil || w.Result == nil {
		return nil
	}
	member := w.Member(path)
	if member == nil {
		return nil
	}
	m := w.Manifest(member.ManifestPath)
	if m == nil || m.Package == nil {
		return nil
	}
	var out []finding.Fix
	if !m.Package.Declared && parses(m) == nil {
		if fix, err := baseline(w, member, m); err == nil {
			out = append(out, *fix)
		}
	}
	if fix, ok := forbidUnsafe(w, member, m, read); ok {
		out = append(out, fix)
	}
	return slices.DeleteFunc(out, func(f finding.Fix) bool { return !Writable(w.Root, f) })
}

func report(w *project.Workspace, id graph.ID) *policy.CrateReport {
	for i, r := range w.Result.Crates {
		if r.ID == id {
			return &w.Result.Crates[i]
		}
	}
	return nil
}

func setOrNothing(s caps.Set) string {
	if s.IsEmpty() {
		return "none"
	}
	return s.String()
}

// forbidUnsafe adds #![forbid(unsafe_code)] to the library root of a crate
// that declares capabilities without `unsafe`, so the compiler holds it too.
func forbidUnsafe(w *project.Workspace, member *graph.Crate, m *manifest.Manifest, read func(string) ([]byte, error)) (finding.Fix, bool) {
	if !m.Package.Declared || (&builder{w: w}).allowed(member.ID).Has(caps.Unsafe) {
		return finding.Fix{}, false
	}
	if sum := w.Summaries[member.ID]; sum == nil || sum.ForbidsUnsafe {
		return finding.Fix{}, false
	}
	var root string
	for _, t := range member.Targets {
		if t.Kind == analyzer.Lib {
			root = t.Path
		}
	}
	// Checked before reading it: it may be a link to a device.
	if root == "" || !Writable(w.Root, finding.Fix{Changes: []finding.FileChange{{File: root}}}) {
		return finding.Fix{}, false
	}
	text, err := read(root)
	if err != nil {
		return finding.Fix{}, false
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
	rel, _ := filepath.Rel(member.Dir, root)
	return finding.Fix{
		Title: fmt.Sprintf("Add #![forbid(unsafe_code)] to %s", filepath.ToSlash(rel)),
		Kind:  finding.Source,
		Changes: []finding.FileChange{changeIn(root, text,
			[]finding.Edit{{Range: span.Range{Start: at, End: at}, NewText: "#![forbid(unsafe_code)]" + eol}})},
	}, true
}
