package analyzer

import (
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/apis"
)

// exports lists the lib target's public re-exports of classified APIs: the
// `pub use` (and `pub extern crate`) items of the modules a dependent can
// name, resolved through the crate's own modules and, through the table, its
// dependencies' exports — so a chain a → b → std ends at std. Test-only
// code exports nothing; every other cfg counts (the analyser sees all at once).
func (a *crateAnalysis) exports(root *module, files []*sourceFile) []apis.Export {
	x := &exporter{
		table:    a.table,
		known:    (&walker{table: a.table}).known,
		declared: map[*module]bool{},
		items:    map[*module][]pubItem{},
		binds:    map[*module][]apis.Export{},
	}
	for _, f := range files {
		x.container(f, f.syn, 0, f.module)
	}
	var out []apis.Export
	for _, m := range root.all {
		if !x.public(m) {
			continue
		}
		prefix := strings.TrimPrefix(strings.TrimPrefix(m.path, "crate"), "::")
		if prefix != "" {
			prefix += "::"
		}
		for _, b := range x.bindings(m) {
			out = append(out, apis.Export{Path: prefix + b.Path, API: b.API})
		}
	}
	slices.SortFunc(out, func(p, q apis.Export) int {
		if c := strings.Compare(p.Path, q.Path); c != 0 {
			return c
		}
		return strings.Compare(p.API, q.API)
	})
	return slices.Compact(out)
}

type exporter struct {
	table    *apis.Table
	known    func(string) bool
	declared map[*module]bool // declared `pub mod`
	items    map[*module][]pubItem
	binds    map[*module][]apis.Export // by module, relative to it; nil entry: in progress
}

// pubItem is a `pub use` or `pub extern crate` item of a module.
type pubItem struct {
	s *syntax
	i int32
}

// container records the public modules and items among the items of
// container c (as collectModule walked them, macro bodies included).
func (x *exporter) container(f *sourceFile, s *syntax, c int32, m *module) {
	var attrs []int32
	for i := s.nodes[c].firstChild; i >= 0; i = s.nodes[i].nextSibling {
		switch s.nodes[i].kind {
		case kAttributeItem:
			attrs = append(attrs, i)
			continue
		case kLineComment, kBlockComment:
			continue
		case kModItem:
			if nm := s.child(i, fName); nm >= 0 {
				for _, child := range m.declared(s.text(nm)) { // twins under other cfgs too
					x.declared[child] = x.declared[child] || isPub(s, i)
				}
			}
			if inline := f.inlines[nodeRef{s, i}]; inline != nil {
				x.container(f, s, s.child(i, fBody), inline)
			}
		case kMacroInvocation:
			for _, e := range f.expansions[nodeRef{s, i}] {
				if !cfgTest(e.cfg) && e.syn != nil { // a data-only body re-exports nothing
					x.container(f, e.syn, 0, m)
				}
			}
		case kUseDeclaration, kExternCrate:
			if isPub(s, i) && applyAttrs(s, attrs, m.state).ctx != Test {
				x.items[m] = append(x.items[m], pubItem{s, i})
			}
		}
		attrs = attrs[:0]
	}
}

// isPub reports whether item i is declared plainly `pub`: `pub(crate)`,
// `pub(super)` and `pub(in …)` items are not visible to other crates.
func isPub(s *syntax, i int32) bool {
	fc := s.nodes[i].firstChild
	return fc >= 0 && s.text(fc) == "pub"
}

// public reports whether other crates can name module m.
func (x *exporter) public(m *module) bool {
	for ; m.parent != nil; m = m.parent {
		if !x.declared[m] || m.state.ctx == Test {
			return false
		}
	}
	return true
}

// bindings returns the classified APIs module m's public items re-export,
// by their paths relative to m. A glob re-exports what its target has,
// less the names m binds itself (an explicit item or import shadows a glob).
func (x *exporter) bindings(m *module) []apis.Export {
	if b, ok := x.binds[m]; ok {
		return b // done, or in progress: a cycle of globs adds nothing more
	}
	x.binds[m] = nil
	r := &resolver{mod: m, known: x.known}
	var out []apis.Export
	add := func(name, full string, local bool) {
		if local {
			for _, gm := range r.modulesAt(full) { // `pub use self::imp as sys;`
				if gm == m {
					continue
				}
				for _, b := range x.bindings(gm) {
					out = append(out, apis.Export{Path: name + "::" + b.Path, API: b.API})
				}
			}
			return
		}
		for _, e := range x.table.Reexports(full) {
			out = append(out, apis.Export{Path: name + e.Path, API: e.API})
		}
	}
	for _, it := range x.items[m] {
		var sc scope
		collectItem(it.s, it.i, &sc, bindCfg{})
		for name, bs := range sc.externs {
			for _, b := range bs {
				add(name, join(b.path), false)
			}
		}
		for name, bs := range sc.uses {
			for _, b := range bs {
				for _, res := range r.resolveUse(b.path) {
					add(name, res.path, res.local)
				}
			}
		}
		for _, g := range sc.globs {
			for _, base := range r.resolveUse(g.path) {
				if base.local {
					for _, gm := range r.modulesAt(base.path) {
						if gm == m {
							continue
						}
						for _, b := range x.bindings(gm) {
							if first, _, _ := strings.Cut(b.Path, "::"); !m.defines(first) {
								out = append(out, b)
							}
						}
					}
					continue
				}
				for _, name := range x.table.Children(base.path) {
					if !m.defines(name) {
						add(name, base.path+"::"+name, false)
					}
				}
			}
		}
	}
	x.binds[m] = out
	return out
}
