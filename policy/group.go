package policy

import (
	"fmt"
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
)

// violation is one crate's use of one capability beyond what a member allows
// (code dependency-capability) or beyond what a pure crate allows (code
// pure-violation), reached through the member's direct dependency chain[1].
type violation struct {
	code   finding.Code
	crate  *graph.Crate
	cap    caps.Capability
	chain  []graph.ID // member → … → crate
	reason string     // why cap is not allowed, for the message
}

// violations collects one member's dependency violations so that they are
// reported grouped: one finding per (direct dependency entry, code), since a
// reviewer decides per entry ("do I accept tempfile?"), not per crate in its tree.
type violations struct {
	seen map[string]bool
	list []violation
}

func (vs *violations) add(v violation) {
	key := fmt.Sprintf("%s|%s|%s", v.code, v.crate.ID, v.cap)
	if vs.seen == nil {
		vs.seen = map[string]bool{}
	}
	if !vs.seen[key] {
		vs.seen[key] = true
		vs.list = append(vs.list, v)
	}
}

// cause is one crate in a group, with why each of its capabilities is not allowed.
type cause struct {
	crate  *graph.Crate
	chain  []graph.ID
	caps   caps.Set
	reason map[caps.Capability][]string
}

// reasons are the distinct reasons over its capabilities, in output order.
func (c *cause) reasons() []string {
	var out []string
	for _, cp := range c.caps.List() {
		for _, r := range c.reason[cp] {
			out = appendNew(out, r)
		}
	}
	return out
}

// report turns a member's violations into findings on its dependency entries.
// A (crate, capability) that is a pure violation is not reported again as a
// dependency violation: the pure rule is the stricter one and needs the fix.
func (e *evaluation) report(root *graph.Crate, vs *violations) {
	type group struct {
		entry  graph.ID
		code   finding.Code
		causes []*cause
		byID   map[graph.ID]*cause
		caps   caps.Set
	}
	pure := map[string]bool{} // crate|cap reported as a pure violation
	for _, v := range vs.list {
		if v.code == finding.PureViolation {
			pure[fmt.Sprintf("%s|%s", v.crate.ID, v.cap)] = true
		}
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, v := range vs.list {
		if v.code == finding.DependencyCapability && pure[fmt.Sprintf("%s|%s", v.crate.ID, v.cap)] {
			continue
		}
		key := fmt.Sprintf("%s|%s", v.chain[1], v.code)
		g := byKey[key]
		if g == nil {
			g = &group{entry: v.chain[1], code: v.code, byID: map[graph.ID]*cause{}}
			byKey[key] = g
			groups = append(groups, g)
		}
		c := g.byID[v.crate.ID]
		if c == nil {
			c = &cause{crate: v.crate, chain: v.chain, reason: map[caps.Capability][]string{}}
			g.byID[v.crate.ID] = c
			g.causes = append(g.causes, c)
		}
		c.caps = c.caps.Add(v.cap)
		c.reason[v.cap] = appendNew(c.reason[v.cap], v.reason)
		g.caps = g.caps.Add(v.cap)
	}
	for _, g := range groups {
		f := finding.New(g.code, e.depEntry(root, g.entry), "").WithCap(g.caps.List()[0])
		e.attribute(&f, root)
		f.Capabilities = g.caps
		f.Chain, f.Links = e.names(g.causes[0].chain), e.links(g.causes[0].chain)
		causes := make([]finding.Cause, len(g.causes))
		for i, c := range g.causes {
			causes[i] = finding.Cause{Crate: c.crate.Name, Version: c.crate.Version, Dir: c.crate.Dir,
				Capabilities: c.caps, Chain: e.names(c.chain), Links: e.links(c.chain)}
		}
		var parts, partReasons, allReasons []string
		for _, cp := range g.caps.List() {
			var crates, reasons []string
			samples := 0
			for i, c := range g.causes {
				if !c.caps.Has(cp) {
					continue
				}
				crates = append(crates, c.crate.Name)
				for _, r := range c.reason[cp] {
					reasons = appendNew(reasons, r)
				}
				for _, u := range e.samples(c.crate, cp) {
					if samples == 3 {
						break
					}
					samples++
					causes[i].Sites = append(causes[i].Sites, SiteOf(u))
					f.Related = append(f.Related, finding.Related{
						Location: finding.Location{File: u.File, Range: u.Range},
						Message:  fmt.Sprintf("`%s` uses %s here (%s)", c.crate.Name, cp, u.API),
					})
				}
			}
			parts = append(parts, fmt.Sprintf("`%s` in %s", cp, nameList(crates)))
			partReasons = append(partReasons, strings.Join(reasons, "; "))
			allReasons = appendNew(allReasons, partReasons[len(partReasons)-1])
		}
		f.Causes = causes
		// The usual case has one reason for everything ("`app` does not
		// declare it"): say it once, else beside each capability.
		why := ""
		if len(allReasons) == 1 {
			why = " (" + allReasons[0] + ")"
		} else {
			for i := range parts {
				parts[i] += " (" + partReasons[i] + ")"
			}
		}
		entry := e.in.Graph.Crates[g.entry].Name
		switch c := g.causes[0]; {
		case len(g.causes) == 1 && g.code == finding.PureViolation:
			f.Message = fmt.Sprintf("%s, but `%s` uses %s (%s)",
				strings.Join(c.reasons(), "; "), c.crate.Name, quotedCaps(g.caps), strings.Join(e.names(c.chain), " → "))
		case len(g.causes) == 1:
			f.Message = fmt.Sprintf("dependency `%s` uses %s, which `%s` does not allow (%s)",
				c.crate.Name, quotedCaps(g.caps), root.Name, strings.Join(c.reasons(), "; "))
		case g.code == finding.PureViolation:
			f.Message = fmt.Sprintf("dependency `%s` brings in %s, which pure-and-safe-only code may not use%s: %s",
				entry, quotedCaps(g.caps), why, strings.Join(parts, "; "))
		default:
			f.Message = fmt.Sprintf("dependency `%s` brings in %s, which `%s` does not allow%s: %s",
				entry, quotedCaps(g.caps), root.Name, why, strings.Join(parts, "; "))
		}
		e.res.Findings = append(e.res.Findings, f)
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// nameList names up to four crates and counts the rest, to keep a message readable.
func nameList(names []string) string {
	const shown = 4
	if len(names) <= shown {
		return "`" + strings.Join(names, "`, `") + "`"
	}
	return fmt.Sprintf("`%s` and %d more", strings.Join(names[:shown], "`, `"), len(names)-shown)
}

func quotedCaps(s caps.Set) string {
	return "`" + strings.Join(s.Names(), "`, `") + "`"
}
