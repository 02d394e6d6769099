package policy

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/audits"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/vet"
)

// Input is everything policy reads.
type Input struct {
	Graph *graph.Graph
	// Manifests holds every crate's parsed manifest by absolute path; a crate
	// whose manifest is missing is treated as declaring nothing.
	Manifests map[string]*manifest.Manifest
	// Root is the workspace root manifest (workspace default, audits); may be a member's.
	Root *manifest.Manifest
	// Summaries holds each analysed crate's facts; a crate without one was not analysed.
	Summaries map[graph.ID]*analyzer.Summary
	// Vet is the workspace's cargo vet store; nil when it has none.
	Vet *vet.Store
	// Audits is caps-audits.lock, what each audit reviewed; nil when there is none.
	Audits *audits.Lock
}

// Evaluate applies SPEC §3 and returns the findings and crate reports.
func Evaluate(in Input) *Result {
	e := newEvaluation(in)
	for _, id := range in.Graph.Members {
		e.checkMember(id)
	}
	e.staleAuditFindings()
	e.res.Crates = e.crateReports()
	e.res.Targets = in.Graph.Targets
	SortFindings(e.res.Findings)
	return e.res
}

// decl is a crate's declaration with the workspace default applied.
type decl struct {
	restricted bool
	pure       bool
	base       caps.Set // close(capability)
	features   map[string]caps.Set
	grants     map[string]caps.Set // dependency key → close(list)
}

type evaluation struct {
	in      Input
	res     *Result
	decls   map[graph.ID]decl
	owns    map[graph.ID]caps.Set // Own(c), SPEC §3.1
	uses    map[graph.ID]caps.Set // normal-context uses under the crate's enabled features
	allowed map[graph.ID]caps.Set // union over roots of Ceil ∪ Audited
	audited map[graph.ID]caps.Set
	vetted  map[graph.ID][]VetAudit
	// platforms are the graph's target triples' cfg values (targets.go);
	// none: every platform counts.
	platforms []graph.Platform
	stale     map[graph.ID][]staleAudit // audit.go
	paths     map[graph.ID][][]string
}

func newEvaluation(in Input) *evaluation {
	e := &evaluation{
		in:      in,
		res:     &Result{Findings: []finding.Finding{}, Uses: []UseRecord{}},
		decls:   map[graph.ID]decl{},
		owns:    map[graph.ID]caps.Set{},
		uses:    map[graph.ID]caps.Set{},
		allowed: map[graph.ID]caps.Set{},
		audited: map[graph.ID]caps.Set{},
		vetted:  map[graph.ID][]VetAudit{},
		stale:   map[graph.ID][]staleAudit{},
		paths:   map[graph.ID][][]string{},
	}
	for _, t := range in.Graph.Targets {
		e.platforms = append(e.platforms, graph.TriplePlatform(t))
	}
	for id, c := range in.Graph.Crates {
		e.decls[id] = e.declOf(c)
		e.owns[id] = e.ownOf(c) // reads the decl just stored
		e.uses[id] = e.usesOf(c)
		e.vetted[id] = e.vetAudits(c)
		e.audited[id] = e.auditOf(c)
	}
	return e
}

func (e *evaluation) manifestOf(c *graph.Crate) *manifest.Manifest {
	return e.in.Manifests[c.ManifestPath]
}

func (e *evaluation) declOf(c *graph.Crate) decl {
	d := decl{base: caps.Everything, features: map[string]caps.Set{}, grants: map[string]caps.Set{}}
	m := e.manifestOf(c)
	if m == nil || m.Package == nil {
		return d
	}
	p := m.Package
	def := p.DefaultCapability
	if def == nil && c.Member && e.in.Root != nil && e.in.Root.Workspace != nil {
		def = e.in.Root.Workspace.DefaultCapability
	}
	d.pure = p.PureAndSafeOnly
	d.restricted = d.pure || (def != nil && !*def)
	for key, vals := range p.DepCaps {
		d.grants[key] = valueSet(vals).Close()
	}
	if !d.restricted {
		return d
	}
	d.base = valueSet(p.Capabilities).Close()
	for name, vals := range p.FeatureCaps {
		d.features[name] = valueSet(vals)
	}
	return d
}

func valueSet(vals []manifest.Value) caps.Set {
	var s caps.Set
	for _, v := range vals {
		s = s.Add(v.Cap)
	}
	return s
}

// featureGrant is what enabling feature f requests: its own capabilities and
// those of every feature it enables, transitively (SPEC §3.7).
func (e *evaluation) featureGrant(c *graph.Crate, f string) caps.Set {
	d := e.decls[c.ID]
	m := e.manifestOf(c)
	var s caps.Set
	seen := map[string]bool{}
	var visit func(string)
	visit = func(f string) {
		if seen[f] {
			return
		}
		seen[f] = true
		s = s.Union(d.features[f])
		if m != nil {
			for _, sub := range m.Features[f].Enables {
				if !strings.Contains(sub, ":") && !strings.Contains(sub, "/") {
					visit(sub)
				}
			}
		}
	}
	visit(f)
	return s.Close()
}

// own is Own(c), computed once per evaluation.
func (e *evaluation) own(c *graph.Crate) caps.Set { return e.owns[c.ID] }

// ownOf computes Own(c): the base declaration widened by the enabled features.
func (e *evaluation) ownOf(c *graph.Crate) caps.Set {
	d := e.decls[c.ID]
	if !d.restricted {
		return caps.Everything
	}
	s := d.base
	for _, f := range c.Features {
		s = s.Union(e.featureGrant(c, f))
	}
	return s.Close()
}

// gateGrant is what the cfg gates around a use add to the base: all(..)
// unions, any(..) intersects, not(..) and other predicates grant nothing.
func (e *evaluation) gateGrant(c *graph.Crate, gates []analyzer.Cfg) caps.Set {
	var s caps.Set
	for _, g := range gates {
		s = s.Union(e.cfgGrant(c, g))
	}
	return s
}

func (e *evaluation) cfgGrant(c *graph.Crate, g analyzer.Cfg) caps.Set {
	switch g.Op {
	case analyzer.CfgFeature:
		return e.featureGrant(c, g.Name)
	case analyzer.CfgAll:
		var s caps.Set
		for _, a := range g.Args {
			s = s.Union(e.cfgGrant(c, a))
		}
		return s
	case analyzer.CfgAny:
		if len(g.Args) == 0 {
			return 0
		}
		s := caps.Everything
		for _, a := range g.Args {
			s = s.Intersect(e.cfgGrant(c, a))
		}
		return s
	}
	return 0
}

// cfgMayHold reports whether a predicate can be true with the crate's enabled
// features; predicates other than features may hold (the static view).
func cfgMayHold(g analyzer.Cfg, enabled map[string]bool) bool {
	switch g.Op {
	case analyzer.CfgFeature:
		return enabled[g.Name]
	case analyzer.CfgAll:
		for _, a := range g.Args {
			if !cfgMayHold(a, enabled) {
				return false
			}
		}
		return true
	case analyzer.CfgAny:
		for _, a := range g.Args {
			if cfgMayHold(a, enabled) {
				return true
			}
		}
		return len(g.Args) == 0
	case analyzer.CfgNot:
		if len(g.Args) == 1 && g.Args[0].Op == analyzer.CfgFeature {
			return !enabled[g.Args[0].Name]
		}
	}
	return true
}

// compiledUses are the normal-context uses of c that its enabled features compile in.
func (e *evaluation) compiledUses(c *graph.Crate) []analyzer.Use {
	s := e.in.Summaries[c.ID]
	if s == nil {
		return nil
	}
	enabled := map[string]bool{}
	for _, f := range c.Features {
		enabled[f] = true
	}
	var out []analyzer.Use
	for _, u := range s.Uses {
		if u.Context != analyzer.Normal {
			continue
		}
		ok := e.onTargets(u.Cfgs, enabled)
		for _, g := range u.Gates {
			ok = ok && cfgMayHold(g, enabled)
		}
		if ok {
			out = append(out, u)
		}
	}
	return out
}

func (e *evaluation) usesOf(c *graph.Crate) caps.Set {
	var s caps.Set
	for _, u := range e.compiledUses(c) {
		s = s.Add(u.Cap)
	}
	return s
}

func (e *evaluation) auditOf(c *graph.Crate) caps.Set {
	// manual is closed already, each implied capability judged on its own
	// sites: an `fs` audit that holds does not cover new `fs-readonly` sites.
	manual, stale := e.manualAudits(c)
	var vetted caps.Set
	for _, v := range e.vetted[c.ID] {
		vetted = vetted.Union(v.Caps)
	}
	vetted = vetted.Close()
	// A record gone stale is not worth a warning where cargo vet certifies
	// the capability anyway: nothing is left to read.
	stale = slices.DeleteFunc(stale, func(a staleAudit) bool { return vetted.Has(a.cap) })
	if len(stale) > 0 {
		e.stale[c.ID] = stale
	}
	return manual.Union(vetted)
}

// normalDeps are the edges policy follows: normal edges to crates that are not proc-macros (SPEC §3.6).
func (e *evaluation) normalDeps(c *graph.Crate) []graph.Edge {
	var out []graph.Edge
	for _, ed := range c.Deps {
		to := e.in.Graph.Crates[ed.To]
		if ed.Kind == manifest.Normal && to != nil && !to.ProcMacro {
			out = append(out, ed)
		}
	}
	return out
}

// edgeGrant is the contribution of edge p → c given Ceil(p) (SPEC §3.2); an
// optional dependency enabled only by features is limited to the base plus
// those features' requests (SPEC §3.7).
func (e *evaluation) edgeGrant(p *graph.Crate, ceilP caps.Set, ed graph.Edge) caps.Set {
	grant := ceilP
	if g, ok := e.decls[p.ID].grants[ed.Key]; ok {
		grant = g
	}
	contribution := grant.Intersect(ceilP)
	if d := e.decls[p.ID]; d.restricted && ed.Optional && len(ed.EnabledBy) > 0 {
		widened := d.base
		for _, f := range ed.EnabledBy {
			widened = widened.Union(e.featureGrant(p, f))
		}
		contribution = contribution.Intersect(widened.Close())
	}
	return contribution
}

// rootView is one member evaluated as a root over the graph it builds.
type rootView struct {
	root  *graph.Crate
	order []*graph.Crate // reachable crates, dependents before dependencies
	ceil  map[graph.ID]caps.Set
	chain map[graph.ID][]graph.ID // shortest path from the root
}

func (e *evaluation) view(root *graph.Crate) *rootView {
	v := &rootView{root: root, ceil: map[graph.ID]caps.Set{}, chain: map[graph.ID][]graph.ID{root.ID: {root.ID}}}
	// Breadth-first for shortest chains, then a topological order for ceilings.
	queue := []*graph.Crate{root}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		for _, ed := range e.normalDeps(c) {
			if _, seen := v.chain[ed.To]; !seen {
				v.chain[ed.To] = append(append([]graph.ID{}, v.chain[c.ID]...), ed.To)
				queue = append(queue, e.in.Graph.Crates[ed.To])
			}
		}
	}
	v.order = e.reachable(root)
	v.ceil[root.ID] = e.own(root)
	incoming := map[graph.ID]caps.Set{}
	for _, c := range v.order {
		if c.ID != root.ID {
			v.ceil[c.ID] = e.own(c).Intersect(incoming[c.ID])
		}
		for _, ed := range e.normalDeps(c) {
			incoming[ed.To] = incoming[ed.To].Union(e.edgeGrant(c, v.ceil[c.ID], ed))
		}
	}
	return v
}

// reachable is root and every crate it reaches through normal edges,
// dependents before their dependencies.
func (e *evaluation) reachable(root *graph.Crate) []*graph.Crate {
	visited := map[graph.ID]bool{}
	var post []*graph.Crate
	var visit func(c *graph.Crate)
	visit = func(c *graph.Crate) {
		if visited[c.ID] {
			return
		}
		visited[c.ID] = true
		for _, ed := range e.normalDeps(c) {
			visit(e.in.Graph.Crates[ed.To])
		}
		post = append(post, c)
	}
	visit(root)
	slices.Reverse(post)
	return post
}

func (e *evaluation) checkMember(id graph.ID) {
	g := e.in.Graph
	root := g.Crates[id]
	if root == nil {
		return
	}
	v := e.view(root)
	var vs violations
	for _, c := range v.order {
		allowed := v.ceil[c.ID].Union(e.audited[c.ID])
		e.allowed[c.ID] = e.allowed[c.ID].Union(allowed)
		e.paths[c.ID] = append(e.paths[c.ID], e.names(v.chain[c.ID]))
		if c.ID == root.ID {
			continue
		}
		if s := e.in.Summaries[c.ID]; s != nil && len(s.Files) == 0 && len(s.Unanalysed) > 0 {
			e.unseenDependency(v, c, s.Unanalysed[0].Reason)
		}
		for _, cp := range e.uses[c.ID].Minus(allowed).List() {
			vs.add(violation{code: finding.DependencyCapability, crate: c, cap: cp, chain: v.chain[c.ID], reason: e.reason(v, c, cp)})
		}
	}
	e.checkOwnCode(root)
	e.checkPure(v, &vs)
	e.report(root, &vs)
	e.checkDeclarations(v)
	e.buildTimeEntries(root)
}

// reason explains why cp is outside a dependency's allowed set.
func (e *evaluation) reason(v *rootView, c *graph.Crate, cp caps.Capability) string {
	if !e.own(c).Has(cp) {
		return fmt.Sprintf("`%s` does not declare it", c.Name)
	}
	chain := v.chain[c.ID]
	for i := 0; i+1 < len(chain); i++ {
		p := e.in.Graph.Crates[chain[i]]
		if !v.ceil[p.ID].Has(cp) {
			if i == 0 {
				return fmt.Sprintf("`%s` does not declare it", p.Name)
			}
			return fmt.Sprintf("`%s` may not use it", p.Name)
		}
		for _, ed := range p.Deps {
			if ed.To == chain[i+1] {
				if g, ok := e.decls[p.ID].grants[ed.Key]; ok && g.IsEmpty() {
					return fmt.Sprintf("`%s` grants `%s` no capability", p.Name, ed.Key)
				} else if ok && !g.Has(cp) {
					return fmt.Sprintf("`%s` grants `%s` only %s", p.Name, ed.Key, g.Close())
				}
			}
		}
	}
	return "not granted along the chain"
}

func (e *evaluation) names(ids []graph.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = e.in.Graph.Crates[id].Name
	}
	return out
}

// unseenDependency warns on the root's entry that a dependency's code could
// not be read at all: what it does is unknown, not clean.
func (e *evaluation) unseenDependency(v *rootView, c *graph.Crate, reason string) {
	chain := v.chain[c.ID]
	f := finding.New(finding.Unanalysed, e.depEntry(v.root, chain[1]),
		fmt.Sprintf("dependency `%s` could not be analysed (%s): what it does is unknown", c.Name, reason))
	e.attribute(&f, v.root)
	f.Chain, f.Links = e.names(chain), e.links(chain)
	e.res.Findings = append(e.res.Findings, f)
}

// depEntry is the location of root's [dependencies] entry that leads to crate
// to; without one, root's package name.
func (e *evaluation) depEntry(root *graph.Crate, to graph.ID) finding.Location {
	loc, ok := e.entry(root, to)
	if m := e.manifestOf(root); !ok && m != nil && m.Package != nil {
		loc.Range = m.Package.NameRange
	}
	return loc
}

// entry is the place of c's normal dependency entry on crate to, and whether
// c's manifest has one.
func (e *evaluation) entry(c *graph.Crate, to graph.ID) (finding.Location, bool) {
	loc := finding.Location{File: c.ManifestPath}
	m := e.manifestOf(c)
	if m == nil {
		return loc, false
	}
	var key string
	for _, ed := range c.Deps {
		if ed.To == to && ed.Kind == manifest.Normal {
			key = ed.Key
		}
	}
	for _, d := range m.Dependencies {
		if d.Key == key && d.Kind == manifest.Normal {
			loc.Range = d.KeyRange
			return loc, true
		}
	}
	return loc, false
}

// links are a chain's crates by id, each after the first with the entry by
// which the one before depends on it, so presenters need not look edges up by name.
func (e *evaluation) links(chain []graph.ID) []finding.Link {
	out := make([]finding.Link, len(chain))
	for i, id := range chain {
		c := e.in.Graph.Crates[id]
		out[i] = finding.Link{Crate: string(id), Name: c.Name, Version: c.Version}
		if i > 0 {
			if loc, ok := e.entry(e.in.Graph.Crates[chain[i-1]], id); ok {
				out[i].Entry = loc
			}
		}
	}
	return out
}

func (e *evaluation) attribute(f *finding.Finding, c *graph.Crate) {
	f.Crate, f.CrateVersion, f.CrateDir = c.Name, c.Version, c.Dir
}

// samples are up to three use sites of cp in c's own compiled code.
func (e *evaluation) samples(c *graph.Crate, cp caps.Capability) []analyzer.Use {
	var out []analyzer.Use
	for _, u := range e.compiledUses(c) {
		if u.Cap == cp && len(out) < 3 {
			out = append(out, u)
		}
	}
	return out
}

// checkOwnCode judges a member's own uses against its declaration (SPEC §3.1,
// §3.3, §3.7) and records every use for the JSON `uses` list.
func (e *evaluation) checkOwnCode(c *graph.Crate) {
	s := e.in.Summaries[c.ID]
	if s == nil {
		return
	}
	d := e.decls[c.ID]
	for _, u := range s.Uses {
		rec := UseRecord{Crate: c.Name, Version: c.Version, CrateDir: c.Dir, Use: u}
		if u.Context == analyzer.Normal {
			rec.Gate, rec.Feature = gateOf(u.Gates), grantFeature(u.Gates)
		}
		e.res.Uses = append(e.res.Uses, rec)
		if u.Context != analyzer.Normal || !e.onTargets(u.Cfgs, nil) {
			continue
		}
		if d.pure && !caps.PureAllowed.Has(u.Cap) {
			f := finding.New(finding.PureViolation, finding.Location{File: u.File, Range: u.Range},
				fmt.Sprintf("`%s` needs `%s`, but `%s` is pure-and-safe-only", u.API, u.Cap, c.Name)).WithCap(u.Cap)
			e.attribute(&f, c)
			f.API, f.Chain, f.Links = u.API, []string{c.Name}, e.links([]graph.ID{c.ID})
			e.res.Findings = append(e.res.Findings, f)
			continue
		}
		allowed := d.base.Union(e.gateGrant(c, u.Gates)).Close().Union(e.audited[c.ID])
		if !d.restricted || allowed.Has(u.Cap) {
			continue
		}
		msg := fmt.Sprintf("`%s` needs `%s`, which crate `%s` does not declare", u.API, u.Cap, c.Name)
		if len(u.Gates) > 0 {
			msg = fmt.Sprintf("`%s` needs `%s`, which crate `%s` does not declare, nor any feature gating this code (%s)", u.API, u.Cap, c.Name, gateOf(u.Gates))
		}
		f := finding.New(finding.UndeclaredCapability, finding.Location{File: u.File, Range: u.Range}, msg).WithCap(u.Cap)
		e.attribute(&f, c)
		f.API, f.Chain, f.Links = u.API, []string{c.Name}, e.links([]graph.ID{c.ID})
		e.res.Findings = append(e.res.Findings, f)
	}
	for _, un := range s.Unanalysed {
		if !e.onTargets(un.Cfgs, nil) {
			continue // code no listed target compiles
		}
		f := finding.New(finding.Unanalysed, finding.Location{File: un.File, Range: un.Range},
			"cargo-caps could not analyse this code: "+un.Reason)
		e.attribute(&f, c)
		e.res.Findings = append(e.res.Findings, f)
	}
}

// gateOf writes the feature gates around a use as one condition: `tls`,
// `all(tls, not(std))`; "" for none.
func gateOf(gates []analyzer.Cfg) string {
	parts := make([]string, len(gates))
	for i, g := range gates {
		parts[i] = cfgString(g)
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return "all(" + strings.Join(parts, ", ") + ")"
}

// grantFeature is a feature whose request covers code under gates, as
// gateGrant reads them: one that a gate, or an all(..) in it, requires.
// any(..) of two or more needs every alternative; not(..) grants nothing.
func grantFeature(gates []analyzer.Cfg) string {
	for _, g := range gates {
		switch g.Op {
		case analyzer.CfgFeature:
			return g.Name
		case analyzer.CfgAll, analyzer.CfgAny:
			if g.Op == analyzer.CfgAll || len(g.Args) == 1 {
				if f := grantFeature(g.Args); f != "" {
					return f
				}
			}
		}
	}
	return ""
}

func cfgString(g analyzer.Cfg) string {
	var op string
	switch g.Op {
	case analyzer.CfgFeature:
		return g.Name
	case analyzer.CfgAll:
		op = "all"
	case analyzer.CfgAny:
		op = "any"
	case analyzer.CfgNot:
		op = "not"
	default:
		return g.Name
	}
	args := make([]string, len(g.Args))
	for i, a := range g.Args {
		args[i] = cfgString(a)
	}
	return op + "(" + strings.Join(args, ", ") + ")"
}

// checkPure enforces pure-and-safe-only over everything a pure crate reaches (SPEC §3.5).
func (e *evaluation) checkPure(v *rootView, vs *violations) {
	for _, p := range v.order {
		if !e.decls[p.ID].pure {
			continue
		}
		sub := e.view(p)
		for _, c := range sub.order {
			if c.ID == p.ID {
				continue
			}
			for _, cp := range e.uses[c.ID].Minus(caps.PureAllowed).List() {
				chain := append(append([]graph.ID{}, v.chain[p.ID]...), sub.chain[c.ID][1:]...)
				vs.add(violation{code: finding.PureViolation, crate: c, cap: cp, chain: chain,
					reason: fmt.Sprintf("`%s` is pure-and-safe-only", p.Name)})
			}
		}
	}
}

// checkDeclarations reports ineffective grants, and unused and narrowable
// capability values, in a member's manifest.
func (e *evaluation) checkDeclarations(v *rootView) {
	c := v.root
	m := e.manifestOf(c)
	d := e.decls[c.ID]
	if m == nil || m.Package == nil || !d.restricted {
		return
	}
	for key, vals := range m.Package.DepCaps {
		for _, val := range vals {
			if !v.ceil[c.ID].Has(val.Cap) {
				f := finding.New(finding.IneffectiveGrant, finding.Location{File: m.Path, Range: val.Range},
					fmt.Sprintf("granting `%s` to `%s` has no effect: `%s` does not have it itself", val.Cap, key, c.Name)).WithCap(val.Cap)
				e.attribute(&f, c)
				e.res.Findings = append(e.res.Findings, f)
			}
		}
	}
	var needed caps.Set
	for _, dep := range v.order {
		if e.in.Summaries[dep.ID] == nil {
			return // never call a declaration unused for code we did not see
		}
		needed = needed.Union(e.uses[dep.ID])
	}
	for _, u := range e.in.Summaries[c.ID].Uses {
		if u.Context == analyzer.Normal {
			needed = needed.Add(u.Cap)
		}
	}
	for _, val := range m.Package.Capabilities {
		e.judgeValue(c, val, needed)
	}
}

func (e *evaluation) judgeValue(c *graph.Crate, val manifest.Value, needed caps.Set) {
	loc := finding.Location{File: e.manifestOf(c).Path, Range: val.Range}
	implied, hasImplied := val.Cap.Implies()
	switch {
	case needed.Has(val.Cap):
		return
	case hasImplied && needed.Has(implied):
		f := finding.New(finding.NarrowableCapability, loc,
			fmt.Sprintf("`%s` is declared but only `%s` is used: narrow it", val.Cap, implied)).WithCap(val.Cap)
		e.attribute(&f, c)
		e.res.Findings = append(e.res.Findings, f)
	default:
		f := finding.New(finding.UnusedCapability, loc,
			fmt.Sprintf("`%s` is declared but neither `%s` nor its dependencies use it", val.Cap, c.Name)).WithCap(val.Cap)
		f.Unnecessary = true
		e.attribute(&f, c)
		e.res.Findings = append(e.res.Findings, f)
	}
}

// buildTimeEntries marks a member's dependency entries whose crates run at
// build time: build-dependencies, proc-macros, crates with build scripts (SPEC §3.6).
func (e *evaluation) buildTimeEntries(root *graph.Crate) {
	m := e.manifestOf(root)
	if m == nil {
		return
	}
	for _, ed := range root.Deps {
		to := e.in.Graph.Crates[ed.To]
		if to == nil {
			continue
		}
		var why string
		// A build-dependency runs inside the member's build script: the member's grants hold it.
		granted := e.buildGrants(to)
		switch {
		case to.ProcMacro:
			why = "is a proc-macro crate: its code runs inside the compiler"
		case ed.Kind == manifest.Build:
			why = "is a build-dependency: its code runs at build time"
			granted = e.buildGrants(root)
		case to.BuildScript != "":
			why = "has a build script that runs at build time"
		default:
			continue
		}
		uses := e.buildUses(to, ed.Kind)
		for _, d := range m.Dependencies {
			if d.Key == ed.Key && d.Kind == ed.Kind {
				f := finding.New(finding.BuildTimeCode, finding.Location{File: m.Path, Range: d.KeyRange},
					fmt.Sprintf("`%s` %s, outside the capability model; its build-time code uses %s, the build sandbox grants it %s",
						to.Name, why, setOrNothing(uses), setOrNothing(granted)))
				f.BuildUses, f.BuildGranted = uses, granted
				e.attribute(&f, root)
				f.Chain, f.Links = []string{root.Name, to.Name}, e.links([]graph.ID{root.ID, to.ID})
				f.Links[1].Entry = f.Location // the entry may be a build- or dev-dependency
				e.res.Findings = append(e.res.Findings, f)
			}
		}
	}
}

// buildUses is what c's code that runs at build time uses: its build
// script's, and its own when it is a proc-macro or a build-dependency.
func (e *evaluation) buildUses(c *graph.Crate, kind manifest.DepKind) caps.Set {
	var s caps.Set
	if c.ProcMacro || kind == manifest.Build {
		s = e.uses[c.ID]
	}
	if sum := e.in.Summaries[c.ID]; sum != nil {
		for _, u := range sum.Uses {
			if u.Context == analyzer.Build {
				s = s.Add(u.Cap)
			}
		}
	}
	return s
}

// buildGrants is what [workspace.metadata.capabilities.build] grants c.
func (e *evaluation) buildGrants(c *graph.Crate) caps.Set {
	if e.in.Root == nil {
		return 0
	}
	return e.in.Root.Workspace.BuildGrants(c.Name, c.Version)
}

func setOrNothing(s caps.Set) string {
	if s.IsEmpty() {
		return "nothing"
	}
	return s.String()
}

func (e *evaluation) crateReports() []CrateReport {
	var out []CrateReport
	reach := reaches(e.in.Graph)
	pure := map[graph.ID]bool{}
	for id, c := range e.in.Graph.Crates {
		s := e.in.Summaries[id]
		pure[id] = s != nil && e.unseen(s, c) == 0 && e.uses[id].SubsetOf(caps.PureAllowed) && !c.ProcMacro
	}
	for id, c := range e.in.Graph.Crates {
		r := CrateReport{
			ID: id, Name: c.Name, Version: c.Version, Dir: c.Dir, Member: c.Member,
			Uses: e.uses[id], Allowed: e.allowed[id], Audited: e.audited[id],
			Pure: pure[id], BuildScript: c.BuildScript != "", ProcMacro: c.ProcMacro,
			Paths: e.paths[id], Vetted: e.vetted[id],
		}
		if c.Member {
			r.Allowed = e.own(c)
		}
		r.Beyond = r.Uses.Minus(r.Allowed.Close())
		if s := e.in.Summaries[id]; s != nil {
			r.Unanalysed, r.Lines = e.unseen(s, c), s.Lines
		}
		tree := e.reachable(c)
		r.TreeSize = len(tree)
		r.PureTree = true
		for _, d := range tree {
			r.TreeUses = r.TreeUses.Union(e.uses[d.ID])
			r.PureTree = r.PureTree && pure[d.ID]
		}
		e.review(&r, c, reach)
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// unseen counts the ranges of code that runs (normal context) the analyser
// could not see: unseen tests or build scripts do not make a crate impure.
func (e *evaluation) unseen(s *analyzer.Summary, c *graph.Crate) int {
	enabled := map[string]bool{}
	for _, f := range c.Features {
		enabled[f] = true
	}
	n := 0
	for _, u := range s.Unanalysed {
		compiled := u.Context == analyzer.Normal && e.onTargets(u.Cfgs, enabled)
		for _, g := range u.Gates {
			compiled = compiled && cfgMayHold(g, enabled) // as compiledUses: code under a feature that is off is not built
		}
		if compiled {
			n++
		}
	}
	return n
}

// SortFindings orders findings by file, place, code and message.
func SortFindings(fs []finding.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return filepath.ToSlash(a.File) < filepath.ToSlash(b.File)
		}
		if a.Range.Start != b.Range.Start {
			return a.Range.Start < b.Range.Start
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
}
