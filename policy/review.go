package policy

import (
	"slices"
	"sort"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// Reach says how the workspace builds a dependency in: into its code
// (normal), only to build it (build scripts, proc-macros and what they
// depend on), or only for its tests (dev-dependencies).
type Reach string

const (
	ReachNormal Reach = "normal"
	ReachBuild  Reach = "build"
	ReachDev    Reach = "dev"
)

// review fills in what a reviewer reads of c: its compiled uses with their
// sites, why its sources are missing, and how the workspace reaches it.
func (e *evaluation) review(r *CrateReport, c *graph.Crate, reach map[graph.ID]Reach) {
	r.Sites = e.compiledUses(c)
	r.Missing = c.Missing
	r.Reach = reach[c.ID]
	for _, s := range e.stale[c.ID] {
		r.StaleAudits = append(r.StaleAudits, StaleAudit{Cap: s.cap, Versions: s.versions,
			Unrecorded: append(slices.Clone(s.new), s.changed...), Covered: s.sites - len(s.new) - len(s.changed)})
	}
	r.ToRead = ReadingOf(r.ReviewSites())
}

// reaches is how each crate of g is reached from the members: through
// normal edges only, else through a build edge, else only through a dev edge.
// Members reach themselves normally.
func reaches(g *graph.Graph) map[graph.ID]Reach {
	out := map[graph.ID]Reach{}
	var visit func(id graph.ID, r Reach)
	visit = func(id graph.ID, r Reach) {
		if prev, ok := out[id]; ok && rank(prev) <= rank(r) {
			return
		}
		out[id] = r
		c := g.Crates[id]
		if c == nil {
			return
		}
		for _, ed := range c.Deps {
			switch {
			case ed.Kind == manifest.Build || g.Crates[ed.To] != nil && g.Crates[ed.To].ProcMacro:
				visit(ed.To, worse(r, ReachBuild))
			case ed.Kind == manifest.Dev:
				if c.Member { // a dependency's dev-dependencies are never built
					visit(ed.To, worse(r, ReachDev))
				}
			default:
				visit(ed.To, r)
			}
		}
	}
	for _, id := range g.Members {
		visit(id, ReachNormal)
	}
	return out
}

func rank(r Reach) int {
	switch r {
	case ReachNormal:
		return 0
	case ReachBuild:
		return 1
	}
	return 2
}

func worse(a, b Reach) Reach {
	if rank(a) > rank(b) {
		return a
	}
	return b
}

// Review is the reviewer's list (`cargo-caps report`): which dependencies a
// person must read and why, which need no review, and which run at build time.
type Review struct {
	NeedReview []CrateReport // most powerful first
	Pure       []CrateReport
	BuildTime  []CrateReport // build scripts and proc-macros: need a build sandbox
	Audited    []CrateReport // used capabilities all accepted by an audit
	Total      int           // dependencies (workspace members are not counted)
	Lines      int           // lines of code in NeedReview
	Targets    []string      // target triples the graph was built for; empty: every platform
	Reading    Reading       // what NeedReview's sites ask a reviewer to read
}

// NewReview sorts a result's dependencies into the reviewer's lists.
func NewReview(res *Result) Review {
	r := Review{Targets: res.Targets}
	for _, c := range res.Crates {
		if c.Member {
			continue
		}
		r.Total++
		switch {
		case c.NeedsReview():
			r.NeedReview = append(r.NeedReview, c)
			r.Lines += c.Lines
			r.Reading = r.Reading.Add(c.ToRead)
		case c.Pure:
			r.Pure = append(r.Pure, c)
		default:
			r.Audited = append(r.Audited, c)
		}
		if c.BuildScript || c.ProcMacro {
			r.BuildTime = append(r.BuildTime, c)
		}
	}
	sort.SliceStable(r.NeedReview, func(i, j int) bool {
		a, b := r.NeedReview[i], r.NeedReview[j]
		if pa, pb := power(a.Uses), power(b.Uses); pa != pb {
			return pa < pb
		}
		if a.Uses.Len() != b.Uses.Len() {
			return a.Uses.Len() > b.Uses.Len()
		}
		return a.Lines > b.Lines
	})
	return r
}

// power ranks a set by its most powerful member (lower is more powerful).
func power(s caps.Set) int {
	for i, c := range caps.All {
		if s.Has(c) {
			return i
		}
	}
	return len(caps.All)
}

// ReviewSites are the uses a reviewer must read in c's own code: those of
// capabilities no audit accepted, and of a stale audit's capability only
// the sites its record lacks.
func (c CrateReport) ReviewSites() []analyzer.Use {
	var out []analyzer.Use
	for _, u := range c.Sites {
		if c.Audited.Has(u.Cap) {
			continue
		}
		if s := c.StaleAudit(u.Cap); s != nil && !slices.ContainsFunc(s.Unrecorded, func(v analyzer.Use) bool {
			return v.File == u.File && v.Range == u.Range
		}) {
			continue
		}
		out = append(out, u)
	}
	return out
}

// SiteOf is a use as a finding (and the JSON) names a site.
func SiteOf(u analyzer.Use) finding.Site {
	return finding.Site{Location: finding.Location{File: u.File, Range: u.Range}, Capability: u.Cap, API: u.API,
		Function: u.Site.Function, Lines: u.Site.Lines(), Fingerprint: u.Site.Fingerprint}
}

// StaleAudit returns the stale audit of c's capability cp, nil when it has none.
func (c CrateReport) StaleAudit(cp caps.Capability) *StaleAudit {
	for i := range c.StaleAudits {
		if c.StaleAudits[i].Cap == cp {
			return &c.StaleAudits[i]
		}
	}
	return nil
}

// Reading is how much code a list of uses asks a reviewer to read.
type Reading struct {
	Sites     int // uses
	Functions int // distinct enclosing items
	Lines     int // lines of those items, each line counted once
}

// ReadingOf counts the sites, functions and lines of uses.
func ReadingOf(uses []analyzer.Use) Reading {
	type item struct {
		file  string
		start int
	}
	items := map[item]bool{}
	spans := map[string][][2]int{}
	for _, u := range uses {
		k := item{u.File, u.Site.Range.Start}
		if !items[k] {
			items[k] = true
			spans[u.File] = append(spans[u.File], [2]int{u.Site.StartLine, u.Site.EndLine})
		}
	}
	r := Reading{Sites: len(uses), Functions: len(items)}
	for _, ss := range spans {
		r.Lines += unionLength(ss)
	}
	return r
}

// Add sums two readings of disjoint code.
func (r Reading) Add(o Reading) Reading {
	return Reading{r.Sites + o.Sites, r.Functions + o.Functions, r.Lines + o.Lines}
}

// unionLength is how many lines the inclusive line spans cover together: a
// nested fn's lines are its enclosing fn's too.
func unionLength(spans [][2]int) int {
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	n, end := 0, 0
	for _, s := range spans {
		if s[0] > end {
			n += s[1] - s[0] + 1
			end = s[1]
		} else if s[1] > end {
			n += s[1] - end
			end = s[1]
		}
	}
	return n
}
