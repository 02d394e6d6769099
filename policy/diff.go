package policy

import (
	"sort"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
)

// Status is what happened to a dependency between two resolutions.
type Status string

const (
	Changed Status = "changed" // its version moved
	Added   Status = "added"
	Removed Status = "removed"
	// Unknown: the sources of one side are not on disk, so nothing can be
	// said of what it gained or lost — never read as "lost everything".
	Unknown Status = "unknown"
)

// Change is how one dependency moved between two resolutions of a
// workspace: the xz-style alarm ("serde_json 1.0.86 → 1.0.87 gained
// process"), down to the sites (a new Command::new in a crate that already
// had process).
type Change struct {
	Name                   string
	OldVersion, NewVersion string // "" when the crate was added or removed
	Status                 Status
	Reason                 string // why it is Unknown
	Gained, Lost           caps.Set
	Old, New               caps.Set
	Reach                  Reach // in the new resolution, else the old
	Sites                  SiteChanges
}

// SiteChanges are the uses that differ, matched by capability and function:
// Added where the function had no use of that capability before, Changed
// where it did but its fingerprint is new, Removed where it has none now.
type SiteChanges struct {
	Added, Changed, Removed []analyzer.Use
}

// Any reports whether a site was added or changed.
func (s SiteChanges) Any() bool { return len(s.Added)+len(s.Changed) > 0 }

// Diff compares two results of the same workspace and returns every
// dependency whose version changed, was added or removed, by name. Several
// versions of one crate are folded together (versions joined, uses and
// sites united), so a second copy that gains a capability still shows.
func Diff(before, after *Result) []Change {
	old, cur := byName(before), byName(after)
	var out []Change
	for name := range union(old, cur) {
		o, inOld := old[name]
		n, inNew := cur[name]
		if o.Version == n.Version {
			continue
		}
		c := Change{Name: name, OldVersion: o.Version, NewVersion: n.Version, Old: o.Uses, New: n.Uses, Reach: n.Reach}
		switch {
		case !inOld:
			c.Status = Added
		case !inNew:
			c.Status, c.Reach = Removed, o.Reach
		default:
			c.Status = Changed
		}
		var none caps.Set
		switch {
		case inOld && o.Missing != "":
			c.Status, c.Reason, c.Old, c.New = Unknown, o.Missing, none, none
		case inNew && n.Missing != "":
			c.Status, c.Reason, c.Old, c.New = Unknown, n.Missing, none, none
		default:
			c.Gained, c.Lost = n.Uses.Minus(o.Uses), o.Uses.Minus(n.Uses)
			c.Sites = diffSites(o.Sites, n.Sites)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func diffSites(old, cur []analyzer.Use) SiteChanges {
	type key struct {
		cap      caps.Capability
		function string
	}
	prints := func(uses []analyzer.Use) map[key]map[string]bool {
		out := map[key]map[string]bool{}
		for _, u := range uses {
			k := key{u.Cap, u.Site.Function}
			if out[k] == nil {
				out[k] = map[string]bool{}
			}
			out[k][u.Site.Fingerprint] = true
		}
		return out
	}
	before, after := prints(old), prints(cur)
	var s SiteChanges
	for _, u := range cur {
		switch fps, ok := before[key{u.Cap, u.Site.Function}]; {
		case !ok:
			s.Added = append(s.Added, u)
		case !fps[u.Site.Fingerprint]:
			s.Changed = append(s.Changed, u)
		}
	}
	for _, u := range old {
		if _, ok := after[key{u.Cap, u.Site.Function}]; !ok {
			s.Removed = append(s.Removed, u)
		}
	}
	return s
}

func byName(r *Result) map[string]CrateReport {
	out := map[string]CrateReport{}
	for _, c := range r.Crates {
		if c.Member {
			continue
		}
		if prev, ok := out[c.Name]; ok {
			prev.Version += ", " + c.Version
			prev.Uses = prev.Uses.Union(c.Uses)
			prev.Sites = append(append([]analyzer.Use(nil), prev.Sites...), c.Sites...)
			if prev.Missing == "" {
				prev.Missing = c.Missing
			}
			if rank(c.Reach) < rank(prev.Reach) {
				prev.Reach = c.Reach
			}
			c = prev
		}
		out[c.Name] = c
	}
	return out
}

func union(a, b map[string]CrateReport) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
