package analyzer

import (
	"path/filepath"
	"strings"
)

// state is what holds for the code being walked: when it runs and under
// which feature gates. Gates slices are never appended to in place, so Uses
// can share them.
type state struct {
	ctx   Context
	gates []Cfg
}

// module is one Rust module's names: the crate-level name table is the tree
// of modules of a target. It is filled before any body is walked, because
// items are visible in the whole module whatever their order.
type module struct {
	path     string // "crate::a::b"
	parent   *module
	state    state // context and gates of the module's code
	pathAttr bool  // its file came from #[path]
	names    scope
	mods     map[string]*module
	aliases  map[string]bool // root only: names some `use … as name` in the crate binds
	all      []*module       // root only: every module of the crate
	// globLocal and globExtern are what m's glob imports resolve to: crate
	// modules and external paths, computed once (globState 0 → 1 → 2).
	// globOwners and globPaths memoise lookups through them: crates such as
	// web-sys glob-import thousands of modules, and a name must not cost a
	// visit to each of them more than once.
	globLocal  []*module
	globExtern []string
	globState  uint8
	globOwners map[string]*module // name → the glob-imported module that has it (nil: none, or in progress)
	globPaths  map[string]string  // path → the external path it names through globs ("": none, or in progress)
}

type globBase struct {
	path  string
	local bool
}

// globBases computes m's glob targets once.
func (r *resolver) globBases(m *module) {
	if m.globState != 0 {
		return
	}
	m.globState = 1
	steps := r.steps
	seen := map[string]bool{}
	for _, g := range m.names.globs {
		r.steps = resolveBudget
		base, local := r.resolveIn(m, g, false, 1)
		if seen[base] {
			continue
		}
		seen[base] = true
		if !local {
			m.globExtern = append(m.globExtern, base)
		} else if gm := r.moduleAt(base); gm != nil && gm != m {
			m.globLocal = append(m.globLocal, gm)
		}
	}
	r.steps = steps
	m.globState = 2
}

// globOwner returns the module among m's glob-imported crate modules (or
// theirs, transitively) that defines name.
func (r *resolver) globOwner(m *module, name string) *module {
	if gm, ok := m.globOwners[name]; ok {
		return gm
	}
	if m.globOwners == nil {
		m.globOwners = map[string]*module{}
	}
	m.globOwners[name] = nil // in progress: breaks cycles
	r.globBases(m)
	var owner *module
	for _, gm := range m.globLocal {
		if gm.defines(name) || r.globOwner(gm, name) != nil {
			owner = gm
			break
		}
	}
	m.globOwners[name] = owner
	return owner
}

func (m *module) defines(name string) bool {
	_, mod := m.mods[name]
	_, use := m.names.uses[name]
	_, ext := m.names.externs[name]
	return mod || use || ext || m.names.items[name]
}

// globPath returns the external path full names through m's external glob
// imports (or those of the crate modules it glob-imports), if the API table
// knows it. rest is "::"-joined segs.
func (r *resolver) globPath(m *module, rest string) string {
	if p, ok := m.globPaths[rest]; ok {
		return p
	}
	if m.globPaths == nil {
		m.globPaths = map[string]string{}
	}
	m.globPaths[rest] = "" // in progress
	r.globBases(m)
	found := ""
	for _, base := range m.globExtern {
		if full := base + "::" + rest; r.known(full) {
			found = full
			break
		}
	}
	for i := 0; found == "" && i < len(m.globLocal); i++ {
		found = r.globPath(m.globLocal[i], rest)
	}
	m.globPaths[rest] = found
	return found
}

// fromModuleGlobs resolves segs through module m's glob imports.
func (r *resolver) fromModuleGlobs(m *module, segs []string, depth int) (path string, local, ok bool) {
	if gm := r.globOwner(m, segs[0]); gm != nil && depth <= maxResolveDepth {
		if p, l, ok := r.lookup(gm, segs, depth+1); ok {
			return p, l, true
		}
	}
	if p := r.globPath(m, join(segs)); p != "" {
		return p, false, true
	}
	return "", false, false
}

// index fills the root's crate-wide tables once its modules are known:
// every module, and the aliases — a path ending in one of them may name an
// API under another name, so the cheap last-segment filter must let it pass.
func (m *module) index() {
	m.all = m.allModules()
	m.aliases = map[string]bool{}
	for _, x := range m.all {
		for name, p := range x.names.uses {
			if p[len(p)-1] != name {
				m.aliases[name] = true
			}
		}
	}
}

// scope holds the names one module or block defines.
type scope struct {
	items   map[string]bool     // local items (fn, struct, …) and macros: they shadow everything else
	uses    map[string][]string // `use` bindings: name → path as written
	anon    [][]string          // `use … as _` (traits brought in without a name)
	globs   [][]string          // `use …::*`
	externs map[string]string   // `extern crate x as y`: y → x
	lets    map[string]bool     // let bindings and parameters (blocks only)
	types   map[string]string   // evident types of let bindings and parameters
	macros  map[string]string   // macro_rules name → path prefix of its `prefix::$f(` call, if any
	// macroCfgs: macro_rules name → the feature cfg its expansion puts on
	// the items it is given (tokio's cfg_net!).
	macroCfgs map[string]Cfg
}

func (s *scope) setItem(name string) {
	if s.items == nil {
		s.items = map[string]bool{}
	}
	s.items[name] = true
}

func (s *scope) setUse(name string, path []string) {
	if len(path) == 0 { // `use self as x;` names nothing
		return
	}
	if name == "_" {
		s.anon = append(s.anon, path)
		return
	}
	if s.uses == nil {
		s.uses = map[string][]string{}
	}
	s.uses[name] = path
}

func (m *module) child(name string) *module {
	if m.mods == nil {
		m.mods = map[string]*module{}
	}
	c := m.mods[name]
	if c == nil {
		c = &module{path: m.path + "::" + name, parent: m, state: m.state}
		m.mods[name] = c
	}
	return c
}

func (m *module) root() *module {
	for m.parent != nil {
		m = m.parent
	}
	return m
}

// modDecl is an out-of-line `mod name;` whose file is still to be found.
type modDecl struct {
	syn       *syntax
	node      int32
	name      string
	dir       string   // directory to look in
	pathAttrs []string // #[path = "…"] (or its cfg_attr alternatives), relative to dir
	module    *module
}

// collectModule fills m's names from the items of container c (a source file
// or an inline module's declaration list) of file f, and returns the
// out-of-line module declarations found, recursing into inline modules.
// dir is where `mod x;` here looks for x.
func (a *crateAnalysis) collectModule(f *sourceFile, s *syntax, c int32, m *module, dir string) []modDecl {
	var decls []modDecl
	var attrs []int32
	for i := s.nodes[c].firstChild; i >= 0; i = s.nodes[i].nextSibling {
		switch s.nodes[i].kind {
		case kAttributeItem:
			attrs = append(attrs, i)
			continue
		case kInnerAttributeItem:
			m.state = applyAttrs(s, []int32{i}, m.state)
			continue
		case kLineComment, kBlockComment:
			continue
		case kModItem:
			nm := s.child(i, fName)
			if nm < 0 {
				break
			}
			name := s.text(nm)
			child := m.child(name)
			child.state = applyAttrs(s, attrs, m.state)
			if body := s.child(i, fBody); body >= 0 {
				f.inlines[nodeRef{s, i}] = child
				childDir := filepath.Join(dir, name)
				if ps := pathAttrs(s, attrs); len(ps) > 0 { // #[path = "."] mod x { mod y; }
					childDir = filepath.Join(dir, ps[0])
				}
				decls = append(decls, a.collectModule(f, s, body, child, childDir)...)
			} else {
				d := modDecl{syn: s, node: i, name: name, dir: dir, module: child}
				if ps := pathAttrs(s, attrs); len(ps) > 0 {
					d.pathAttrs = ps
					d.dir = filepath.Dir(f.path)
					if dir != f.dir { // inside an inline module: relative to its directory
						d.dir = dir
					}
					child.pathAttr = true
				}
				decls = append(decls, d)
			}
		case kMacroInvocation:
			exps := a.expand(s, i)
			for k := range exps {
				before := len(m.mods)
				names := map[string]bool{}
				for n := range m.mods {
					names[n] = true
				}
				decls = append(decls, a.collectModule(f, exps[k].syn, 0, m, dir)...)
				if len(m.mods) != before {
					for n, c := range m.mods {
						if !names[n] {
							c.state.gates = append(c.state.gates[:len(c.state.gates):len(c.state.gates)], cfgGates(exps[k].cfg)...)
							if cfgTest(exps[k].cfg) {
								c.state.ctx = Test
							}
							exps[k].mods = append(exps[k].mods, c)
						}
					}
				}
			}
			if len(exps) > 0 {
				f.expansions[nodeRef{s, i}] = exps
			}
		default:
			collectItem(s, i, &m.names)
		}
		attrs = attrs[:0]
	}
	return decls
}

// collectItem records the name item i brings into scope sc, if any.
func collectItem(s *syntax, i int32, sc *scope) {
	switch s.nodes[i].kind {
	case kUseDeclaration:
		if arg := s.child(i, fArgument); arg >= 0 {
			collectUse(s, arg, nil, sc)
		}
	case kExternCrate:
		name := s.child(i, fName)
		if name < 0 {
			return
		}
		as := s.text(name)
		if al := s.child(i, fAlias); al >= 0 {
			as = s.text(al)
		}
		if sc.externs == nil {
			sc.externs = map[string]string{}
		}
		if as != "_" {
			sc.externs[as] = s.text(name)
		}
	case kFunctionItem, kStructItem, kEnumItem, kUnionItem, kTraitItem, kTypeItem,
		kConstItem, kStaticItem, kModItem, kFunctionSignatureItem:
		if name := s.child(i, fName); name >= 0 {
			sc.setItem(s.text(name))
		}
	case kMacroDefinition:
		if name := s.child(i, fName); name >= 0 {
			sc.setItem(s.text(name) + "!")
			if c, ok := macroRuleCfg(s, i); ok {
				if sc.macroCfgs == nil {
					sc.macroCfgs = map[string]Cfg{}
				}
				sc.macroCfgs[s.text(name)] = c
			}
			if p := syscallPrefix(s, i); p != nil {
				if sc.macros == nil {
					sc.macros = map[string]string{}
				}
				// the file's own definition wins: macro_rules! are textually scoped
				sc.macros[s.text(name)+"@"+s.file] = strings.Join(p, "::")
				if _, ok := sc.macros[s.text(name)]; !ok {
					sc.macros[s.text(name)] = strings.Join(p, "::")
				}
			}
		}
	}
}

// collectUse records the bindings of use tree n under prefix.
func collectUse(s *syntax, n int32, prefix []string, sc *scope) {
	switch s.nodes[n].kind {
	case kIdentifier, kScopedIdentifier, kSelf, kSuper, kCrate:
		p := appendPath(prefix, pathSegments(s, n))
		if len(p) == 0 {
			return
		}
		last := p[len(p)-1]
		if last == "self" { // `use a::b::{self}` binds b
			p = p[:len(p)-1]
			if len(p) == 0 {
				return
			}
			last = p[len(p)-1]
		}
		sc.setUse(last, p)
	case kUseAsClause:
		path, alias := s.child(n, fPath), s.child(n, fAlias)
		if path < 0 || alias < 0 {
			return
		}
		p := appendPath(prefix, pathSegments(s, path))
		if len(p) > 0 && p[len(p)-1] == "self" {
			p = p[:len(p)-1]
		}
		sc.setUse(s.text(alias), p)
	case kUseWildcard:
		var p []string
		for c := s.nodes[n].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			switch s.nodes[c].kind {
			case kIdentifier, kScopedIdentifier, kSelf, kSuper, kCrate:
				p = pathSegments(s, c)
			}
		}
		sc.globs = append(sc.globs, appendPath(prefix, p))
	case kScopedUseList:
		p := prefix
		if path := s.child(n, fPath); path >= 0 {
			p = appendPath(prefix, pathSegments(s, path))
		} else if s.nodes[n].firstChild >= 0 && s.nodes[s.nodes[n].firstChild].kind == kColonColon {
			p = appendPath(prefix, []string{""}) // `use ::{a, b}`
		}
		if list := s.child(n, fList); list >= 0 {
			collectUse(s, list, p, sc)
		}
	case kUseList:
		for c := s.nodes[n].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			collectUse(s, c, prefix, sc)
		}
	}
}

func appendPath(prefix, p []string) []string {
	out := make([]string, 0, len(prefix)+len(p))
	return append(append(out, prefix...), p...)
}

// pathSegments returns the segments of a path node: identifier,
// scoped_identifier (recursively), self/super/crate, generic wrappers.
// A leading `::` gives a first segment "".
func pathSegments(s *syntax, n int32) []string {
	var segs []string
	var rec func(n int32) bool
	rec = func(n int32) bool {
		switch s.nodes[n].kind {
		case kIdentifier, kTypeIdentifier, kSelf, kSuper, kCrate, kMetavariable:
			segs = append(segs, s.text(n))
			return true
		case kScopedIdentifier, kScopedTypeIdentifier:
			path := s.child(n, fPath)
			if path >= 0 {
				if !rec(path) {
					return false
				}
			} else if fc := s.nodes[n].firstChild; fc >= 0 && s.nodes[fc].kind == kColonColon {
				segs = append(segs, "")
			}
			name := s.child(n, fName)
			if name < 0 {
				return false
			}
			return rec(name)
		case kGenericType, kGenericTypeTurbofish:
			if t := s.child(n, fType); t >= 0 {
				return rec(t)
			}
		case kGenericFunction:
			if fn := s.child(n, fFunction); fn >= 0 {
				return rec(fn)
			}
		case kBracketedType: // <T as Trait>::f resolves through Trait
			if q := s.childKind(n, kQualifiedType); q >= 0 {
				if al := s.child(q, fAlias); al >= 0 {
					return rec(al)
				}
			} else if fc := s.nodes[n].firstChild; fc >= 0 {
				for c := fc; c >= 0; c = s.nodes[c].nextSibling {
					if s.nodes[c].field == fNone && isPathKind(s.nodes[c].kind) {
						return rec(c)
					}
				}
			}
		}
		return false
	}
	if !rec(n) {
		return nil
	}
	return segs
}

func isPathKind(k kind) bool {
	switch k {
	case kIdentifier, kTypeIdentifier, kScopedIdentifier, kScopedTypeIdentifier, kGenericType, kGenericTypeTurbofish:
		return true
	}
	return false
}

// resolver resolves paths from one place in a module, through block scopes
// (innermost last) and then the module tree.
type resolver struct {
	mod    *module
	blocks []*scope
	known  func(path string) bool // whether the API table knows a path: picks among globs
	steps  int                    // work left for the current resolution: glob chains can branch
}

// resolveBudget bounds the steps of one resolution; real crates need a few.
const resolveBudget = 256

const maxResolveDepth = 24

// resolve returns the absolute path segs names ("std::fs::write", or
// "crate::a::f" for the crate's own items) and whether it names something
// the crate defines itself. strict means: a single segment must be bound by
// a `use`; otherwise unknown first segments are taken as extern crates.
func (r *resolver) resolve(segs []string, strict bool) (string, bool) {
	if len(segs) == 0 {
		return "", false
	}
	r.steps = resolveBudget
	first := segs[0]
	if len(segs) == 1 || !isKeywordSeg(first) {
		for i := len(r.blocks) - 1; i >= 0; i-- {
			b := r.blocks[i]
			if len(segs) == 1 && b.lets[first] {
				return "", true
			}
			if b.items[first] {
				return "", true
			}
			if p, ok := b.uses[first]; ok {
				if p[0] == first {
					return join(appendPath(p, segs[1:])), false
				}
				return r.resolveIn(r.mod, appendPath(p, segs[1:]), strict, 0)
			}
			if c, ok := b.externs[first]; ok {
				return join(append([]string{c}, segs[1:]...)), false
			}
			if p, local, ok := r.fromGlobs(r.mod, b.globs, segs, 0); ok {
				return p, local
			}
		}
	}
	return r.resolveIn(r.mod, segs, strict, 0)
}

// resolveUse resolves the path of a `use` in the current module.
func (r *resolver) resolveUse(p []string) (string, bool) {
	r.steps = resolveBudget
	return r.resolveIn(r.mod, p, false, 0)
}

func isKeywordSeg(s string) bool {
	return s == "crate" || s == "self" || s == "super" || s == "" || s == "$crate"
}

func join(segs []string) string { return strings.Join(segs, "::") }

func (r *resolver) resolveIn(m *module, segs []string, strict bool, depth int) (string, bool) {
	r.steps--
	if depth > maxResolveDepth || len(segs) == 0 || r.steps < 0 {
		return "", false
	}
	switch segs[0] {
	case "crate", "$crate":
		return r.within(m.root(), segs[1:], depth)
	case "self":
		return r.within(m, segs[1:], depth)
	case "super":
		for len(segs) > 0 && segs[0] == "super" {
			if m.parent != nil {
				m = m.parent
			}
			segs = segs[1:]
		}
		return r.within(m, segs, depth)
	case "":
		if len(segs) > 1 { // `::y::…` names the extern prelude too
			if c, ok := m.root().names.externs[segs[1]]; ok {
				return join(append([]string{c}, segs[2:]...)), false
			}
		}
		return join(segs[1:]), false
	}
	if p, local, ok := r.lookup(m, segs, depth); ok {
		return p, local
	}
	// the extern prelude: `extern crate x as y;` at the crate root names x
	// in every module, as rustc has it
	if c, ok := m.root().names.externs[segs[0]]; ok {
		return join(append([]string{c}, segs[1:]...)), false
	}
	if len(segs) == 1 && strict {
		return "", false
	}
	return join(segs), false // an extern crate: std, core, tokio, …
}

// within resolves segs inside module m (after crate::, self::, super::).
func (r *resolver) within(m *module, segs []string, depth int) (string, bool) {
	if len(segs) == 0 {
		return m.path, true
	}
	if p, local, ok := r.lookup(m, segs, depth); ok {
		return p, local
	}
	return m.path + "::" + join(segs), true
}

// lookup resolves segs whose first segment is a name visible in module m.
func (r *resolver) lookup(m *module, segs []string, depth int) (string, bool, bool) {
	first := segs[0]
	if c, ok := m.mods[first]; ok {
		p, local := r.within(c, segs[1:], depth+1)
		return p, local, true
	}
	sc := &m.names
	if sc.items[first] {
		return m.path + "::" + join(segs), true, true
	}
	if p, ok := sc.uses[first]; ok {
		if p[0] == first { // `use libc;`, `use libc::{self}`: the extern crate itself
			return join(appendPath(p, segs[1:])), false, true
		}
		full, local := r.resolveIn(m, appendPath(p, segs[1:]), false, depth+1)
		return full, local, true
	}
	if c, ok := sc.externs[first]; ok {
		return join(append([]string{c}, segs[1:]...)), false, true
	}
	if p, local, ok := r.fromModuleGlobs(m, segs, depth); ok {
		return p, local, true
	}
	return "", false, false
}

// fromGlobs resolves segs through glob imports: into the crate's own
// modules when they are visible, else as the external path the API table knows.
func (r *resolver) fromGlobs(m *module, globs [][]string, segs []string, depth int) (path string, local, ok bool) {
	if depth > maxResolveDepth {
		return "", false, false
	}
	bases := make([]globBase, 0, len(globs))
	for _, g := range globs {
		p, local := r.resolveIn(m, g, false, depth+1)
		bases = append(bases, globBase{p, local})
	}
	return r.fromBases(m, bases, segs, depth)
}

// fromBases resolves segs in the glob imports with the given bases.
func (r *resolver) fromBases(m *module, bases []globBase, segs []string, depth int) (path string, local, ok bool) {
	for _, b := range bases {
		if r.steps < 0 || depth > maxResolveDepth {
			break
		}
		base, isLocal := b.path, b.local
		if isLocal {
			if gm := r.moduleAt(base); gm != nil && gm != m {
				if p, l, ok := r.lookup(gm, segs, depth+1); ok {
					return p, l, true
				}
			}
			continue
		}
		if full := base + "::" + join(segs); r.known(full) {
			return full, false, true
		}
	}
	return "", false, false
}

// moduleAt returns the crate module with the given absolute path.
func (r *resolver) moduleAt(path string) *module {
	m := r.mod.root()
	rest, ok := strings.CutPrefix(path, "crate")
	if !ok {
		return nil
	}
	for _, seg := range strings.Split(strings.TrimPrefix(rest, "::"), "::") {
		if seg == "" {
			continue
		}
		if m = m.mods[seg]; m == nil {
			return nil
		}
	}
	return m
}

// pathAttrs returns the values of #[path = "…"] and
// #[cfg_attr(pred, path = "…")] among attrs.
func pathAttrs(s *syntax, attrs []int32) []string {
	var out []string
	for _, a := range attrs {
		at := s.childKind(a, kAttribute)
		if at < 0 {
			continue
		}
		name, args := attrName(s, at)
		switch {
		case name == "path":
			if v := s.child(at, fValue); v >= 0 {
				if p, ok := s.stringValue(v); ok {
					out = append(out, p)
				}
			}
		case name == "cfg_attr" && args >= 0:
			// tokens: pred , path = "…"
			for c := s.nodes[args].firstChild; c >= 0; c = s.nodes[c].nextSibling {
				eq := s.nodes[c].nextSibling
				if s.nodes[c].kind != kIdentifier || s.text(c) != "path" || eq < 0 || s.nodes[eq].kind != kEq {
					continue
				}
				if v := s.nodes[eq].nextSibling; v >= 0 {
					if p, ok := s.stringValue(v); ok {
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}
