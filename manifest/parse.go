package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/span"
	"github.com/cargo-caps/cargo-caps/suggest"
)

// The tables a declaration lives in (SPEC §2).
var (
	packageCaps   = []string{"package", "metadata", "capabilities"}
	workspaceCaps = []string{"workspace", "metadata", "capabilities"}
)

// The keys each capabilities table may hold.
var (
	formAKeys     = []string{"default-capability", "capability", "pure-and-safe-only", "features", "dependencies"}
	formBKeys     = []string{"default-capability", "capability", "pure-and-safe-only"}
	workspaceKeys = []string{"default-capability", "apis", "audited", "build", "run-sandboxed", "vet", "targets"}
)

// item is one key (or table header) with its absolute key path. Inline tables
// are flattened: `a = { b = 1 }` yields items for a and for a.b.
type item struct {
	path   []string
	segs   []segment // where each path element is written
	ent    *entry    // nil for a table header
	tbl    *table
	parent *value // the inline table holding ent; nil at table level
}

// rng is where findings about the item point: its value, else its header.
func (it item) rng() span.Range {
	if it.ent != nil {
		return it.ent.val.rng
	}
	return it.tbl.header
}

// keyRange is the range of the item's key (or header key).
func (it item) keyRange() span.Range { return it.segs[len(it.segs)-1].rng }

func flatten(doc *document) []item {
	var out []item
	var walk func(t *table, base []string, baseSegs []segment, parent *value, es []*entry)
	walk = func(t *table, base []string, baseSegs []segment, parent *value, es []*entry) {
		for _, e := range es {
			path := append(slices.Clip(base), names(e.key)...)
			segs := append(slices.Clip(baseSegs), e.key...)
			out = append(out, item{path: path, segs: segs, ent: e, tbl: t, parent: parent})
			if e.val.kind == vTable {
				walk(t, path, segs, e.val, e.val.entries)
			}
		}
	}
	for i, t := range doc.tables {
		if t.array {
			continue // [[bin]] and friends hold nothing capability-related
		}
		if i > 0 {
			out = append(out, item{path: t.names(), segs: t.key, tbl: t})
		}
		walk(t, t.names(), t.key, nil, t.entries)
	}
	return out
}

// Parse reads a Cargo.toml. It never fails: problems are in Findings. Both
// forms of SPEC §2 are read; where both set default-capability, Form A wins.
// Both forms in one manifest is a manifest-syntax finding of severity Warning
// (their union counts).
func Parse(path string, text []byte) *Manifest {
	m := &Manifest{Path: path, Text: text, Index: span.NewIndex(text), Features: map[string]Feature{}}
	m.checkSyntax()
	m.doc = parseTOML(text)
	m.items = flatten(m.doc)
	r := &reader{m: m, reported: map[string]bool{}}
	for _, it := range m.items {
		r.read(it)
	}
	r.finish()
	return m
}

// checkSyntax reports the first TOML error, as BurntSushi/toml finds it.
func (m *Manifest) checkSyntax() {
	if at, deep := TooDeep(m.Text); deep {
		m.report(finding.New(finding.ManifestSyntax, m.loc(span.Range{Start: at, End: at + 1}),
			fmt.Sprintf("invalid TOML: arrays and inline tables nested more than %d deep", maxDepth)))
		return
	}
	var v map[string]any
	_, err := toml.Decode(string(m.Text), &v)
	if err == nil {
		return
	}
	var pe toml.ParseError
	rng := span.Range{}
	msg := err.Error()
	if errors.As(err, &pe) {
		start := pe.Position.Start
		if strings.HasPrefix(string(m.Text), "\xef\xbb\xbf") {
			start += 3 // the decoder strips the byte order mark
		}
		start = min(max(start, 0), len(m.Text))
		rng = span.Range{Start: start, End: min(start+max(pe.Position.Len, 0), len(m.Text))}
		msg = pe.Message
	}
	m.report(finding.New(finding.ManifestSyntax, m.loc(rng), "invalid TOML: "+msg))
}

func (m *Manifest) loc(r span.Range) finding.Location {
	return finding.Location{File: m.Path, Range: r}
}

func (m *Manifest) report(f finding.Finding) { m.Findings = append(m.Findings, f) }

type reader struct {
	m            *Manifest
	reported     map[string]bool // key paths already reported as unknown or mistyped
	formADefault bool            // Form A set default-capability
	firstB       span.Range      // the first Form B declaration, for the both-forms warning
	named        []item          // Form A features.X and dependencies.X entries, checked in finish
}

func (r *reader) pkg() *Package {
	if r.m.Package == nil {
		r.m.Package = &Package{FeatureCaps: map[string][]Value{}, DepCaps: map[string][]Value{}}
	}
	return r.m.Package
}

func (r *reader) read(it item) {
	p := it.path
	if kind, target, n, ok := depTable(p); ok {
		r.dependency(it, kind, target, n)
		return
	}
	switch {
	case p[0] == "package":
		r.pkg()
		if hasPrefix(p, packageCaps) {
			r.formA(it, p[3:])
			return
		}
		if len(p) == 2 {
			r.packageKey(it)
		}
	case p[0] == "features" && len(p) == 2:
		r.feature(it)
	case p[0] == "workspace":
		if r.m.Workspace == nil {
			r.m.Workspace = &Workspace{}
		}
		if hasPrefix(p, workspaceCaps) {
			r.workspaceCaps(it, p[3:])
		} else if len(p) == 2 && p[1] == "members" {
			r.m.Workspace.Members = r.strings(it)
		}
	}
}

func (r *reader) packageKey(it item) {
	p := r.pkg()
	switch k := it.path[1]; k {
	case "name":
		if s, ok := r.str(it); ok {
			p.Name, p.NameRange = s, it.ent.val.rng
		}
	case "version":
		if it.ent != nil && it.ent.val.kind == vString {
			p.Version = it.ent.val.str // `version.workspace = true` leaves it empty
		}
	case "default-capability":
		r.formB(it.keyRange())
		if b, ok := r.bool(it); ok && !r.formADefault {
			p.DefaultCapability, p.DefaultCapabilityRange = &b, it.ent.val.rng
		}
	case "capability":
		r.formB(it.keyRange())
		vals, _ := r.capList(it, FormB)
		p.Capabilities = append(p.Capabilities, vals...)
	case "pure-and-safe-only":
		r.formB(it.keyRange())
		r.pure(it)
	default:
		// Cargo warns about unknown [package] keys; a near miss of ours is ours to name.
		if s := suggestKey(k, formBKeys); s != "" {
			r.unknownKey(it, len(it.path)-1, "[package]", s)
		}
	}
}

func (r *reader) formB(at span.Range) {
	p := r.pkg()
	if !p.HasFormB {
		p.HasFormB, r.firstB = true, at
	}
}

func (r *reader) pure(it item) {
	if b, ok := r.bool(it); ok && b {
		p := r.pkg()
		p.PureAndSafeOnly, p.PureRange = true, it.ent.val.rng
	}
}

// formA reads the item at [package.metadata.capabilities] + rest.
func (r *reader) formA(it item, rest []string) {
	p := r.pkg()
	p.HasFormA = true
	if len(rest) == 0 {
		if it.ent == nil {
			p.MetadataTable = it.tbl.header
		} else if p.MetadataTable == (span.Range{}) {
			p.MetadataTable = it.keyRange()
		}
		r.table(it)
		return
	}
	switch k := rest[0]; {
	case k == "default-capability" && len(rest) == 1:
		if b, ok := r.bool(it); ok {
			p.DefaultCapability, p.DefaultCapabilityRange = &b, it.ent.val.rng
			r.formADefault = true
		}
	case k == "capability" && len(rest) == 1:
		vals, _ := r.capList(it, FormA)
		p.Capabilities = append(p.Capabilities, vals...)
		if it.ent != nil {
			p.CapabilityArray = it.ent.val.rng
		}
	case k == "pure-and-safe-only" && len(rest) == 1:
		r.pure(it)
	case k == "features" || k == "dependencies":
		label := "package.metadata.capabilities." + k
		into := p.FeatureCaps
		if k == "dependencies" {
			into = p.DepCaps
		}
		switch len(rest) {
		case 1:
			r.table(it)
		case 2:
			r.named = append(r.named, it)
			if vals, ok := r.capList(it, FormA); ok {
				// An empty list is a declaration too: it grants nothing.
				into[rest[1]] = append(slices.Clip(into[rest[1]]), vals...)
				if into[rest[1]] == nil {
					into[rest[1]] = []Value{}
				}
			}
		default:
			r.mistyped(it, 5, fmt.Sprintf("%s.%s must be an array of capability names", label, rest[1]))
		}
	case slices.Contains(formAKeys, k):
		r.mistyped(it, 4, fmt.Sprintf("package.metadata.capabilities.%s is not a table", k))
	default:
		r.unknownKey(it, 3, "[package.metadata.capabilities]", suggestKey(k, formAKeys))
	}
}

// feature reads one [features] entry: `cap:` values are Form B requests.
func (r *reader) feature(it item) {
	name := it.path[1]
	f := Feature{Name: name, Range: it.keyRange()}
	if it.ent != nil && it.ent.val.kind == vArray {
		for _, el := range it.ent.val.elems {
			if el.kind != vString {
				continue // cargo's to report
			}
			capName, isCap := strings.CutPrefix(el.str, "cap:")
			if !isCap {
				f.Enables = append(f.Enables, el.str)
				continue
			}
			r.formB(el.rng)
			f := finding.New(finding.CargoIncompatible, r.m.loc(el.rng), fmt.Sprintf(
				"cargo 1.95 rejects feature value %q (neither a dependency nor a feature), so this manifest no longer builds; move it to [package.metadata.capabilities.features]", el.str))
			if c, ok := r.capName(capName, el.rng); ok {
				r.pkg().FeatureCaps[name] = append(r.pkg().FeatureCaps[name], Value{Cap: c, Form: FormB, Range: el.rng})
				f = f.WithCap(c)
			}
			r.m.report(f)
		}
	}
	r.m.Features[name] = f
}

// dependency reads an item under a dependency table; n is the index of the
// dependency's key in the item's path.
func (r *reader) dependency(it item, kind DepKind, target string, n int) {
	if len(it.path) <= n {
		return
	}
	key := it.path[n]
	i := slices.IndexFunc(r.m.Dependencies, func(d Dependency) bool {
		return d.Key == key && d.Kind == kind && d.Target == target
	})
	if i < 0 {
		r.m.Dependencies = append(r.m.Dependencies, Dependency{Key: key, Package: key, Kind: kind, Target: target, KeyRange: it.segs[n].rng})
		i = len(r.m.Dependencies) - 1
	}
	d := &r.m.Dependencies[i]
	if len(it.path) == n+1 {
		switch {
		case it.ent != nil:
			d.Range = it.ent.rng
		default:
			d.Range = span.Range{Start: it.tbl.header.Start, End: it.tbl.header.End}
			if k := len(it.tbl.entries); k > 0 {
				d.Range.End = it.tbl.entries[k-1].rng.End
			}
		}
		return
	}
	if it.ent != nil && it.parent == nil && d.Range == (span.Range{}) {
		d.Range = it.ent.rng // `x.version = "1"`: the entry starts at its first dotted key
	} else if it.ent != nil && it.parent == nil {
		d.Range.End = max(d.Range.End, it.ent.rng.End)
	}
	if len(it.path) != n+2 || it.ent == nil {
		return
	}
	switch field := it.path[n+1]; field {
	case "package":
		if s, ok := r.str(it); ok {
			d.Package = s
		}
	case "optional":
		if b, ok := r.bool(it); ok {
			d.Optional = b
		}
	case "path":
		if s, ok := r.str(it); ok {
			d.Path = s
		}
	case "capability":
		vals, ok := r.capList(it, FormB)
		r.formB(it.keyRange())
		if kind != Normal {
			r.m.report(withSeverity(finding.New(finding.ManifestSyntax, r.m.loc(it.keyRange()),
				"a capability limit on a dev- or build-dependency has no effect: only normal dependencies carry limits"), finding.Warning))
			return
		}
		if p := r.pkg(); ok {
			p.DepCaps[key] = append(slices.Clip(p.DepCaps[key]), vals...)
			if p.DepCaps[key] == nil {
				p.DepCaps[key] = []Value{}
			}
		}
	default:
		if s := suggestKey(field, []string{"capability"}); s != "" {
			r.unknownKey(it, n+1, "a dependency", s)
		}
	}
}

// depTable recognises a path under a dependency table; n is the index of the
// dependency key in path.
func depTable(path []string) (kind DepKind, target string, n int, ok bool) {
	kindOf := func(s string) (DepKind, bool) {
		switch s {
		case "dependencies":
			return Normal, true
		case "dev-dependencies", "dev_dependencies":
			return Dev, true
		case "build-dependencies", "build_dependencies":
			return Build, true
		}
		return 0, false
	}
	if kind, ok := kindOf(path[0]); ok {
		return kind, "", 1, true
	}
	if path[0] == "target" && len(path) >= 3 {
		if kind, ok := kindOf(path[2]); ok {
			return kind, path[1], 3, true
		}
	}
	return 0, "", 0, false
}

func (r *reader) workspaceCaps(it item, rest []string) {
	w := r.m.Workspace
	if len(rest) == 0 {
		r.table(it)
		return
	}
	switch k := rest[0]; {
	case k == "default-capability" && len(rest) == 1:
		if b, ok := r.bool(it); ok {
			w.DefaultCapability = &b
		}
	case k == "apis" && len(rest) == 1:
		r.table(it)
	case k == "apis" && len(rest) == 2:
		c, ok := r.capName(rest[1], it.keyRange())
		paths := r.strings(it)
		if ok && len(paths) > 0 {
			if w.APIs == nil {
				w.APIs = map[caps.Capability][]string{}
			}
			w.APIs[c] = append(w.APIs[c], paths...)
		}
	case k == "audited" && len(rest) == 1:
		if it.ent == nil {
			w.AuditedTable = it.tbl.header
		}
		r.table(it)
	case k == "audited" && len(rest) == 2:
		a := Audit{Caps: r.capSet(it)}
		a.Crate, a.Version, a.Range = crateEntry(it, rest[1])
		w.Audited = append(w.Audited, a)
	case k == "build":
		r.buildGrant(it, rest)
	case k == "run-sandboxed" && len(rest) == 1:
		r.runSandboxed(it)
	case k == "targets" && len(rest) == 1:
		w.Targets = r.strings(it)
	case k == "vet" && len(rest) == 1:
		r.table(it)
	case k == "vet" && len(rest) == 2:
		w.Vet = append(w.Vet, VetCriterion{Criterion: rest[1], Caps: r.capSet(it), Range: it.keyRange()})
	case k == "apis" || k == "audited" || k == "vet":
		r.mistyped(it, 5, fmt.Sprintf("workspace.metadata.capabilities.%s.%s must be an array", k, rest[1]))
	case slices.Contains(workspaceKeys, k):
		r.mistyped(it, 4, fmt.Sprintf("workspace.metadata.capabilities.%s is not a table", k))
	default:
		r.unknownKey(it, 3, "[workspace.metadata.capabilities]", suggestKey(k, workspaceKeys))
	}
}

// capSet is the set of capabilities a Form A list names (unknown names are
// reported by capList and left out).
func (r *reader) capSet(it item) caps.Set {
	vals, _ := r.capList(it, FormA)
	var set caps.Set
	for _, v := range vals {
		set = set.Add(v.Cap)
	}
	return set
}

// crateEntry reads the key of a per-crate entry (`name` or `name@version`,
// as in `audited` and `build`) and the range the entry spans.
func crateEntry(it item, key string) (crate, version string, rng span.Range) {
	crate, version, _ = strings.Cut(key, "@")
	rng = it.keyRange()
	if it.ent != nil {
		rng = it.ent.rng
	}
	return crate, version, rng
}

func (r *reader) finish() {
	p := r.m.Package
	if p == nil {
		return
	}
	p.Declared = p.HasFormA || p.HasFormB
	r.checkNames()
	if p.HasFormA && p.HasFormB {
		r.m.report(withSeverity(finding.New(finding.ManifestSyntax, r.m.loc(r.firstB),
			"capabilities are declared in both forms ([package.metadata.capabilities] and Form B); their union counts: migrate Form B to Form A"), finding.Warning))
	}
}

// checkNames warns about Form A entries naming no feature or no normal
// dependency of this manifest: they would silently have no effect.
func (r *reader) checkNames() {
	var deps, feats []string
	for _, d := range r.m.Dependencies {
		if d.Kind == Normal {
			deps = append(deps, d.Key)
			if d.Optional {
				feats = append(feats, d.Key) // an optional dependency is a feature too
			}
		}
	}
	for name := range r.m.Features {
		feats = append(feats, name)
	}
	for _, it := range r.named {
		name, known, what := it.path[4], deps, "normal dependency"
		if it.path[3] == "features" {
			known, what = feats, "feature"
		}
		if slices.Contains(known, name) {
			continue
		}
		msg := fmt.Sprintf("this manifest has no %s %q, so this entry has no effect", what, name)
		if s := suggestKey(name, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		r.m.report(withSeverity(finding.New(finding.ManifestSyntax, r.m.loc(it.segs[4].rng), msg), finding.Warning))
	}
}

// Typed readers: each reports a wrong type at the value and says ok=false.

func (r *reader) wrongType(it item, want string) {
	got := "a table"
	if it.ent != nil {
		switch v := it.ent.val; v.kind {
		case vString:
			got = fmt.Sprintf("the string %q", v.str)
		case vArray:
			got = "an array"
		case vTable:
		default:
			got = string(r.m.Text[v.rng.Start:v.rng.End])
		}
	}
	r.m.report(finding.New(finding.ManifestSyntax, r.m.loc(it.rng()), fmt.Sprintf("%s must be %s, not %s", strings.Join(it.path, "."), want, got)))
}

func (r *reader) bool(it item) (bool, bool) {
	if it.ent == nil || it.ent.val.kind != vBool {
		r.wrongType(it, "true or false")
		return false, false
	}
	return it.ent.val.b, true
}

func (r *reader) str(it item) (string, bool) {
	if it.ent == nil || it.ent.val.kind != vString {
		r.wrongType(it, "a string")
		return "", false
	}
	return it.ent.val.str, true
}

// table checks that an item that must be a table is one.
func (r *reader) table(it item) {
	if it.ent != nil && it.ent.val.kind != vTable {
		r.wrongType(it, "a table")
	}
}

func (r *reader) strings(it item) []string {
	if it.ent == nil || it.ent.val.kind != vArray {
		r.wrongType(it, "an array of strings")
		return nil
	}
	var out []string
	for _, el := range it.ent.val.elems {
		if el.kind != vString {
			r.m.report(finding.New(finding.ManifestSyntax, r.m.loc(el.rng), "expected a string here"))
			continue
		}
		out = append(out, el.str)
	}
	return out
}

// capList reads an array of capability names; ok is false when the value
// is not an array.
func (r *reader) capList(it item, form Form) (vals []Value, ok bool) {
	if it.ent == nil || it.ent.val.kind != vArray {
		want := `an array of capability names, like ["fs"]`
		if it.ent != nil && it.ent.val.kind == vString {
			want = fmt.Sprintf("an array of capability names: [%q]", it.ent.val.str)
		}
		r.wrongType(it, want)
		return nil, false
	}
	for _, el := range it.ent.val.elems {
		if el.kind != vString {
			r.m.report(finding.New(finding.ManifestSyntax, r.m.loc(el.rng), "expected a capability name (a string) here"))
			continue
		}
		if c, ok := r.capName(el.str, el.rng); ok {
			vals = append(vals, Value{Cap: c, Form: form, Range: el.rng})
		}
	}
	return vals, true
}

func (r *reader) capName(name string, at span.Range) (caps.Capability, bool) {
	if c, ok := caps.Parse(name); ok {
		return c, true
	}
	msg := fmt.Sprintf("unknown capability %q", name)
	if s := caps.DidYouMean(name); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "; the capabilities are " + strings.Join(caps.Everything.Names(), ", ")
	}
	r.m.report(finding.New(finding.UnknownCapability, r.m.loc(at), msg))
	return 0, false
}

// mistyped reports, once per key path prefix of length n, a value that
// should have been something else.
func (r *reader) mistyped(it item, n int, msg string) {
	n = min(n, len(it.path))
	if r.once(it.path[:n]) {
		r.m.report(finding.New(finding.ManifestSyntax, r.m.loc(it.segs[n-1].rng), msg))
	}
}

// unknownKey reports, once, the key at path index i that is not ours.
func (r *reader) unknownKey(it item, i int, where, suggestion string) {
	if !r.once(it.path[:i+1]) {
		return
	}
	msg := fmt.Sprintf("unknown key %q in %s", it.path[i], where)
	if suggestion != "" {
		msg += fmt.Sprintf("; did you mean %q?", suggestion)
	}
	r.m.report(finding.New(finding.ManifestSyntax, r.m.loc(it.segs[i].rng), msg))
}

func (r *reader) once(path []string) bool {
	k := strings.Join(path, "\x00")
	if r.reported[k] {
		return false
	}
	r.reported[k] = true
	return true
}

// suggestKey returns the known key a misspelt one most likely means, or "".
func suggestKey(k string, known []string) string {
	best, bestDist := suggest.Closest(k, known)
	if bestDist <= 0 {
		return ""
	}
	if bestDist <= 1+len(k)/5 || len(k) >= 5 && strings.HasPrefix(best, k[:5]) {
		return best
	}
	return ""
}

func hasPrefix(path, prefix []string) bool {
	return len(path) >= len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

func withSeverity(f finding.Finding, s finding.Severity) finding.Finding {
	f.Severity = s
	return f
}
