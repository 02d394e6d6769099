package policy

import (
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
)

// staleAudit is a capability an `audited` entry accepts for a crate whose
// record in caps-audits.lock does not hold every site the crate's locked
// version has: the audit does not carry over to it.
type staleAudit struct {
	crate    *graph.Crate
	cap      caps.Capability
	entry    manifest.Audit
	sites    int            // the crate's sites of cap
	new      []analyzer.Use // in a function the record does not name
	changed  []analyzer.Use // in a function the record names with another fingerprint
	versions []string       // the versions the record was made for
}

// manualAudits is what the root's `audited` entries accept of c (SPEC §3.4),
// with what caps-audits.lock recorded of them: a capability whose record
// holds every site of c's version is audited whatever the version (the
// audit carries over); one whose record lacks some is not, and is stale. A
// capability with no record is audited as its entry's version says.
func (e *evaluation) manualAudits(c *graph.Crate) (caps.Set, []staleAudit) {
	if e.in.Root == nil || e.in.Root.Workspace == nil {
		return 0, nil
	}
	var direct, elsewhere caps.Set
	entryFor := map[caps.Capability]manifest.Audit{}
	for _, a := range e.in.Root.Workspace.Audited {
		if a.Crate != c.Name {
			continue
		}
		covers := a.Version == "" || a.Version == c.Version
		if covers {
			direct = direct.Union(a.Caps.Close())
		} else {
			elsewhere = elsewhere.Union(a.Caps.Close())
		}
		for _, cp := range a.Caps.Close().List() {
			if prev, ok := entryFor[cp]; !ok || covers && prev.Version != "" && prev.Version != c.Version {
				entryFor[cp] = a
			}
		}
	}
	var audited caps.Set
	var stale []staleAudit
	for _, cp := range direct.Union(elsewhere).List() {
		reviewed, versions := e.in.Audits.Reviewed(c.Name, caps.Of(cp))
		if reviewed == nil {
			if direct.Has(cp) {
				audited = audited.Add(cp)
			}
			continue
		}
		recordedFns := map[string]bool{}
		for k := range reviewed {
			if k.Cap == cp {
				recordedFns[k.Function] = true
			}
		}
		s := staleAudit{crate: c, cap: cp, entry: entryFor[cp], versions: versions}
		for _, u := range e.compiledUses(c) {
			if u.Cap != cp {
				continue
			}
			s.sites++
			switch {
			case reviewed[siteKey(u)]:
			case recordedFns[u.Site.Function]:
				s.changed = append(s.changed, u)
			default:
				s.new = append(s.new, u)
			}
		}
		if len(s.new)+len(s.changed) == 0 {
			audited = audited.Add(cp)
		} else {
			stale = append(stale, s)
		}
	}
	return audited, stale
}

func siteKey(u analyzer.Use) audits.Key {
	return audits.Key{Cap: u.Cap, Function: u.Site.Function, Fingerprint: u.Site.Fingerprint}
}

// staleAuditFindings report each stale audit on its `audited` entry, naming
// only the sites the record lacks: what the reviewer has left to read.
func (e *evaluation) staleAuditFindings() {
	for _, id := range sortedIDs(e.stale) {
		for _, s := range e.stale[id] {
			what := "new"
			switch {
			case len(s.new) == 0:
				what = "changed"
			case len(s.changed) > 0:
				what = "new or changed"
			}
			n := len(s.new) + len(s.changed)
			verb := "are"
			if n == 1 {
				verb = "is"
			}
			msg := fmt.Sprintf("%d of %d `%s` %s of %s %s %s %s since your audit of %s: read %s and record the audit again",
				n, s.sites, s.cap, plural(s.sites, "site", "sites"), s.crate.Name, s.crate.Version, verb, what,
				strings.Join(s.versions, ", "), plural(n, "it", "them"))
			f := finding.New(finding.AuditStale, finding.Location{File: e.in.Root.Path, Range: s.entry.Range}, msg).WithCap(s.cap)
			f.CrateDir = filepath.Dir(e.in.Root.Path)
			cause := finding.Cause{Crate: s.crate.Name, Version: s.crate.Version, Dir: s.crate.Dir, Capabilities: caps.Of(s.cap), Chain: []string{s.crate.Name}}
			for _, group := range []struct {
				label string
				uses  []analyzer.Use
			}{{"new since the audit", s.new}, {"changed since the audit", s.changed}} {
				for _, u := range group.uses {
					cause.Sites = append(cause.Sites, SiteOf(u))
					f.Related = append(f.Related, finding.Related{Location: finding.Location{File: u.File, Range: u.Range},
						Message: fmt.Sprintf("%s: `%s` in %s", group.label, u.API, u.Site.Function)})
				}
			}
			f.Causes = []finding.Cause{cause}
			f.Chain = []string{s.crate.Name}
			e.res.Findings = append(e.res.Findings, f)
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ReviewedSites are the sites of c's compiled uses of the capabilities cs,
// as caps-audits.lock records them for an audit of c: what recording an
// audit (`cargo-caps audit`, the quick-fix) writes.
func ReviewedSites(c CrateReport, cs caps.Set) audits.Record {
	rec := audits.Record{Crate: c.Name, Version: c.Version, Caps: cs.Close()}
	for _, u := range c.Sites {
		if !rec.Caps.Has(u.Cap) {
			continue
		}
		file := u.File
		if rel, err := filepath.Rel(c.Dir, u.File); err == nil && filepath.IsLocal(rel) {
			file = filepath.ToSlash(rel)
		}
		rec.Sites = append(rec.Sites, audits.Site{Cap: u.Cap, Function: u.Site.Function, Fingerprint: u.Site.Fingerprint, File: file})
	}
	return rec
}

func sortedIDs[V any](m map[graph.ID]V) []graph.ID {
	ids := make([]graph.ID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
