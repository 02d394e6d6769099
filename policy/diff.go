package policy

import (
	"sort"

	"github.com/cargo-caps/cargo-caps/caps"
)

// Change is how one dependency's capabilities moved between two resolutions
// of a workspace: the xz-style alarm ("serde_json 1.0.86 → 1.0.87 gained process").
type Change struct {
	Name                   string
	OldVersion, NewVersion string // "" when the crate was added or removed
	Gained, Lost           caps.Set
	Old, New               caps.Set
}

// Diff compares two results of the same workspace and returns every
// dependency whose version changed, by name. Several versions of one crate
// are folded together (versions joined, uses united), so a second copy that
// gains a capability still shows.
func Diff(before, after *Result) []Change {
	old, cur := byName(before), byName(after)
	var out []Change
	for name := range union(old, cur) {
		o, n := old[name], cur[name]
		if o.Version == n.Version {
			continue
		}
		out = append(out, Change{Name: name, OldVersion: o.Version, NewVersion: n.Version,
			Old: o.Uses, New: n.Uses, Gained: n.Uses.Minus(o.Uses), Lost: o.Uses.Minus(n.Uses)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
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
