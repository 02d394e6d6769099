package analyzer

import (
	"path/filepath"
	"slices"
	"strings"
)

// state is what holds for the code being walked: when it runs, under
// which feature gates, and under which cfg predicates of any kind (cfgs:
// `windows`, `target_os = "macos"`, features too). Gates and cfgs slices
// are never appended to in place, so Uses can share them.
type state struct {
	ctx   Context
	gates []Cfg
	cfgs  []Cfg
}

// module is one Rust module's names: the crate-level name table is the tree
// of modules of a target. It is filled before any body is walked, because
// items are visible in the whole module whatever their order.
type module struct {
	path     string // "crate::a::b"
	parent   *module
	state    state // context and gates of the module's code
	pathAttr bool  // its file came from #[path]
	// own is the cfg of the module's declaration and inner attributes: a
	// path through the module holds only under it.
	own   bindCfg
	names scope
	mods  map[string]*module
	// twins are later declarations of a name in mods under other cfgs
	// (`#[cfg(unix)] mod imp;` and `#[cfg(windows)] mod imp;`): each is
	// its own module, seen and resolved through like the first.
	twins   map[string][]*module
	created []*module       // every module declared in m, in order
	aliases map[string]bool // root only: names some `use … as name` in the crate binds
	// typeNames (root only) are the crate's type aliases, structs with
	// fields and types with methods that return a value: a value of such a
	// type may have an evident type, or fields or methods that do. fnNames
	// are its fns that return a value, whose type may be evident.
	typeNames map[string]bool
	fnNames   map[string]bool
	// methods (root only) are the crate's inherent methods that return a
	// value, by "Type::method", with the module of their impl.
	methods map[string][]moduleMethod
	all     []*module // root only: every module of the crate
	// defined (root only) is every name some module of the crate defines:
	// a name none does has no glob owner, whatever the globs.
	defined map[string]bool
	// globLocal and globExtern are what m's glob imports resolve to: crate
	// modules and external paths, computed once (globState 0 → 1 → 2).
	// globOwner and globPaths memoise lookups through them: crates such as
	// web-sys glob-import thousands of modules, and a name must not cost a
	// visit to each of them more than once.
	globLocal  []globModule
	globExtern []resolution
	globState  uint8
	globOwner  map[string][]globModule // name → the glob-imported modules that have it (nil: none, or in progress)
	globPaths  map[string]resolution   // path → the external path it names through globs ("": none, or in progress)
	// globReach is every external path m's globs reach, through the crate
	// modules they import too (nil until computed): a path none of them
	// leads to a known API through is not looked for module by module.
	globReach []string
}

// bindCfg is the cfg an item is declared under, relative to its module:
// the gates that mention features, whether it is test code, and whether
// any cfg at all applies (unix, not(test), …).
type bindCfg struct {
	gates       []Cfg
	test        bool
	conditional bool
}

func cfgOf(st state) bindCfg { return bindCfg{gates: st.gates, test: st.ctx == Test} }

// join is the cfg of a path that passes through both: gates already
// present are not repeated.
func (c bindCfg) join(o bindCfg) bindCfg {
	if len(o.gates) == 0 && (!o.test || c.test) && (!o.conditional || c.conditional) {
		return c
	}
	out := bindCfg{gates: c.gates[:len(c.gates):len(c.gates)], test: c.test || o.test, conditional: c.conditional || o.conditional}
	for _, g := range o.gates {
		if !hasGate(out.gates, g) {
			out.gates = append(out.gates, g)
		}
	}
	return out
}

func hasGate(gates []Cfg, g Cfg) bool {
	for _, x := range gates {
		if x.String() == g.String() {
			return true
		}
	}
	return false
}

// binding is one thing a `use` binds a name to: a name bound by several
// `use` items under different cfgs has several, and resolves to each.
type binding struct {
	path []string // as written
	cfg  bindCfg
}

// resolution is one thing a path names: its absolute path ("std::fs::write",
// or "crate::a::f" for the crate's own items), whether the crate defines it,
// and the cfg of the bindings and modules the path went through.
type resolution struct {
	path  string
	local bool
	cfg   bindCfg
}

// globModule is a crate module glob-imported under cfg.
type globModule struct {
	m   *module
	cfg bindCfg
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
		for _, base := range r.resolveIn(nil, m, g.path, false, 1, g.cfg) {
			if seen[base.path] {
				continue
			}
			seen[base.path] = true
			if !base.local {
				m.globExtern = append(m.globExtern, base)
				continue
			}
			for _, gm := range r.modulesAt(base.path) {
				if gm != m {
					m.globLocal = append(m.globLocal, globModule{gm, base.cfg})
				}
			}
		}
	}
	r.steps = steps
	m.globState = 2
}

// globOwners returns the modules among m's glob-imported crate modules (or
// theirs, transitively) that define name: under different cfgs, several may.
func (r *resolver) globOwners(m *module, name string) []globModule {
	if gm, ok := m.globOwner[name]; ok {
		return gm
	}
	if d := m.root().defined; d != nil && !d[name] {
		return nil
	}
	if m.globOwner == nil {
		m.globOwner = map[string][]globModule{}
	}
	m.globOwner[name] = nil // in progress: breaks cycles
	r.globBases(m)
	var owners []globModule
	for _, gm := range m.globLocal {
		if gm.m.defines(name) || len(r.globOwners(gm.m, name)) > 0 {
			owners = append(owners, gm)
		}
	}
	m.globOwner[name] = owners
	return owners
}

func (m *module) defines(name string) bool {
	_, mod := m.mods[name]
	_, use := m.names.uses[name] // a name of several bindings has at least one
	_, ext := m.names.externs[name]
	return mod || use || ext || m.names.items[name]
}

// globPath returns the external path rest names through m's external glob
// imports (or those of the crate modules it glob-imports), if the API table
// knows it, with the cfg of the globs. rest is "::"-joined segs.
func (r *resolver) globPath(m *module, rest string) resolution {
	if p, ok := m.globPaths[rest]; ok {
		return p
	}
	if reach, ok := r.globReachOf(m); ok && !r.knownUnder(reach, rest) {
		return resolution{}
	}
	return r.globPathIn(m, rest)
}

// knownUnder reports whether the API table knows rest under any of bases.
func (r *resolver) knownUnder(bases []string, rest string) bool {
	for _, b := range bases {
		if r.known(b + "::" + rest) {
			return true
		}
	}
	return false
}

// globPathIn is globPath's search, module by module, memoised.
func (r *resolver) globPathIn(m *module, rest string) resolution {
	if p, ok := m.globPaths[rest]; ok {
		return p
	}
	if m.globPaths == nil {
		m.globPaths = map[string]resolution{}
	}
	m.globPaths[rest] = resolution{} // in progress
	r.globBases(m)
	var found resolution
	for _, base := range m.globExtern {
		if full := base.path + "::" + rest; r.known(full) {
			found = resolution{path: full, cfg: base.cfg}
			break
		}
	}
	for i := 0; found.path == "" && i < len(m.globLocal); i++ {
		gm := m.globLocal[i]
		if found = r.globPathIn(gm.m, rest); found.path != "" {
			found.cfg = gm.cfg.join(found.cfg)
		}
	}
	m.globPaths[rest] = found
	return found
}

// globReachOf returns m.globReach, computing it for m and every module its
// globs reach: one walk of the glob graph, whose cycles (web-sys' modules
// all say `use super::*`) are strongly connected components sharing one
// set. ok is false when a module on the way is still computing its glob
// targets (a glob path resolved through globs): the set may be short then;
// the walk stops there and keeps nothing.
func (r *resolver) globReachOf(m *module) ([]string, bool) {
	if m.globReach != nil {
		return m.globReach, true
	}
	g := &reachWalk{r: r, index: map[*module]int{}, low: map[*module]int{}, onStack: map[*module]bool{}, complete: true}
	g.visit(m)
	if !g.complete {
		return nil, false
	}
	for x, paths := range g.reach {
		x.globReach = paths
	}
	return m.globReach, true
}

// reachWalk is Tarjan's strongly connected components over the glob graph.
type reachWalk struct {
	r        *resolver
	index    map[*module]int
	low      map[*module]int
	onStack  map[*module]bool
	stack    []*module
	reach    map[*module][]string
	complete bool
}

func (g *reachWalk) visit(m *module) {
	g.index[m] = len(g.index)
	g.low[m] = g.index[m]
	g.stack = append(g.stack, m)
	g.onStack[m] = true
	g.r.globBases(m)
	if m.globState != 2 {
		g.complete = false
	}
	for _, gm := range m.globLocal {
		if !g.complete {
			return
		}
		x := gm.m
		if x.globReach != nil {
			continue
		}
		if _, seen := g.index[x]; !seen {
			g.visit(x)
			g.low[m] = min(g.low[m], g.low[x])
		} else if g.onStack[x] {
			g.low[m] = min(g.low[m], g.index[x])
		}
	}
	if !g.complete || g.low[m] != g.index[m] {
		return
	}
	var members []*module
	for {
		x := g.stack[len(g.stack)-1]
		g.stack = g.stack[:len(g.stack)-1]
		g.onStack[x] = false
		members = append(members, x)
		if x == m {
			break
		}
	}
	paths := []string{} // not nil: computed
	add := func(p string) {
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	for _, x := range members {
		for _, b := range x.globExtern {
			add(b.path)
		}
		for _, gm := range x.globLocal {
			from := gm.m.globReach
			if from == nil {
				from = g.reach[gm.m]
			}
			for _, p := range from {
				add(p)
			}
		}
	}
	if g.reach == nil {
		g.reach = map[*module][]string{}
	}
	for _, x := range members {
		g.reach[x] = paths
	}
}

// fromModuleGlobs resolves segs through module m's glob imports.
func (r *resolver) fromModuleGlobs(out []resolution, m *module, segs []string, depth int, cfg bindCfg) ([]resolution, bool) {
	found := false
	if depth <= maxResolveDepth {
		for _, gm := range r.globOwners(m, segs[0]) {
			var ok bool
			if out, ok = r.lookup(out, gm.m, segs, depth+1, cfg.join(gm.cfg)); ok {
				found = true
			}
		}
	}
	if found {
		return out, true
	}
	if p := r.globPath(m, join(segs)); p.path != "" {
		return append(out, resolution{path: p.path, cfg: cfg.join(p.cfg)}), true
	}
	return out, false
}

// index fills the root's crate-wide tables once its modules are known:
// every module, and the aliases — a path ending in one of them may name an
// API under another name, so the cheap last-segment filter must let it pass.
func (m *module) index() {
	m.all = m.allModules()
	for i := 0; i < len(m.all); i++ { // twins, and the modules inside them
		for _, ts := range m.all[i].twins {
			for _, t := range ts {
				m.all = append(m.all, t.allModules()...)
			}
		}
	}
	m.aliases = map[string]bool{}
	m.typeNames = map[string]bool{}
	m.fnNames = map[string]bool{}
	m.methods = map[string][]moduleMethod{}
	m.defined = map[string]bool{}
	for _, x := range m.all {
		for name := range x.mods {
			m.defined[name] = true
		}
		for name := range x.names.uses {
			m.defined[name] = true
		}
		for name := range x.names.externs {
			m.defined[name] = true
		}
		for name := range x.names.items {
			m.defined[name] = true
		}
		for key, ds := range x.names.methods {
			for _, d := range ds {
				m.methods[key] = append(m.methods[key], moduleMethod{x, d})
				m.typeNames[d.self[len(d.self)-1]] = true
			}
		}
		for name := range x.names.fns {
			m.fnNames[name] = true
		}
		for name := range x.names.structs {
			m.typeNames[name] = true
		}
		for name := range x.names.typeAliases {
			m.typeNames[name] = true
		}
		for name, bs := range x.names.uses {
			for _, b := range bs {
				if b.path[len(b.path)-1] != name {
					m.aliases[name] = true
				}
			}
		}
	}
}

// scope holds the names one module or block defines.
type scope struct {
	items   map[string]bool      // local items (fn, struct, …) and macros: they shadow everything else
	uses    map[string][]binding // `use` bindings: name → what it is bound to
	anon    [][]string           // `use … as _` (traits brought in without a name)
	globs   []binding            // `use …::*`
	externs map[string][]binding // `extern crate x as y`: y → [x]
	lets    map[string]string    // let bindings and parameters (blocks only): name → evident type, or ""
	macros  map[string]string    // macro_rules name → path prefix of its `prefix::$f(` call, if any
	// typeAliases: `type Cmd = std::process::Command;` → the path it names
	typeAliases map[string][]string
	structs     map[string]structDecl   // structs with fields
	fns         map[string]fnDecl       // fns that return a value
	methods     map[string][]methodDecl // "Type::method" → inherent methods that return a value
	// macroCfgs: macro_rules name → the feature cfg its expansion puts on
	// the items it is given (tokio's cfg_net!).
	macroCfgs map[string]macroGate
}

// moduleMethod is a method and the module its impl is in.
type moduleMethod struct {
	m *module
	d methodDecl
}

// fnDecl is a fn item that returns a value.
type fnDecl struct {
	syn  *syntax
	item int32
	ret  int32 // its return type
}

// methodDecl is an inherent method that returns a value.
type methodDecl struct {
	fnDecl
	impl int32    // its impl item
	self []string // the impl's type as written
}

// structDecl is where a struct's fields are declared, or the data-only
// macro body that declares them (see dataBody.structNamed).
type structDecl struct {
	syn    *syntax
	item   int32 // the struct_item
	fields int32 // its field_declaration_list
	data   *dataBody
}

func (s *scope) setItem(name string) {
	if s.items == nil {
		s.items = map[string]bool{}
	}
	s.items[name] = true
}

func (s *scope) setUse(name string, path []string, cfg bindCfg) {
	if len(path) == 0 { // `use self as x;` names nothing
		return
	}
	if name == "_" {
		s.anon = append(s.anon, path)
		return
	}
	if s.uses == nil {
		s.uses = map[string][]binding{}
	}
	s.uses[name] = append(s.uses[name], binding{path, cfg})
}

// child returns a new module for a declaration `mod name` in m: the first
// of that name is m.mods[name], the others its twins.
func (m *module) child(name string) *module {
	c := &module{path: m.path + "::" + name, parent: m, state: m.state}
	m.created = append(m.created, c)
	if m.mods == nil {
		m.mods = map[string]*module{}
	}
	if m.mods[name] == nil {
		m.mods[name] = c
	} else {
		if m.twins == nil {
			m.twins = map[string][]*module{}
		}
		m.twins[name] = append(m.twins[name], c)
	}
	return c
}

// declared returns the modules declared as name in m, twins after the first.
func (m *module) declared(name string) []*module {
	c := m.mods[name]
	if c == nil {
		return nil
	}
	if ts := m.twins[name]; len(ts) > 0 {
		return append([]*module{c}, ts...)
	}
	return []*module{c}
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
	plainDir  string   // where the file is without #[path]
	module    *module
}

// collectModule fills m's names from the items of container c (a source file
// or an inline module's declaration list) of file f, and returns the
// out-of-line module declarations found, recursing into inline modules.
// dir is where `mod x;` here looks for x.
func (a *crateAnalysis) collectModule(f *sourceFile, s *syntax, c int32, m *module, dir string) []modDecl {
	return a.collectItems(f, s, c, m, dir, bindCfg{})
}

// collectItems is collectModule for items declared under outer (the cfg of
// the item macro branch they come from).
func (a *crateAnalysis) collectItems(f *sourceFile, s *syntax, c int32, m *module, dir string, outer bindCfg) []modDecl {
	var decls []modDecl
	var attrs []int32
	for i := s.nodes[c].firstChild; i >= 0; i = s.nodes[i].nextSibling {
		switch s.nodes[i].kind {
		case kAttributeItem:
			attrs = append(attrs, i)
			continue
		case kInnerAttributeItem:
			m.state = applyAttrs(s, []int32{i}, m.state)
			m.own = m.own.join(cfgOf(applyAttrs(s, []int32{i}, state{})))
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
			child.own = outer.join(attrsCfg(s, attrs))
			if body := s.child(i, fBody); body >= 0 {
				f.inlines[nodeRef{s, i}] = child
				childDir := filepath.Join(dir, name)
				if ps := pathAttrs(s, attrs); len(ps) > 0 { // #[path = "."] mod x { mod y; }
					childDir = filepath.Join(dir, ps[0])
				}
				decls = append(decls, a.collectItems(f, s, body, child, childDir, bindCfg{})...)
			} else {
				d := modDecl{syn: s, node: i, name: name, dir: dir, plainDir: dir, module: child}
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
				if d := exps[k].data; d != nil {
					d.collect(&m.names)
					continue
				}
				before := len(m.created)
				branch := bindCfg{gates: cfgGates(exps[k].cfg), test: cfgTest(exps[k].cfg), conditional: len(exps[k].cfg) > 0}
				decls = append(decls, a.collectItems(f, exps[k].syn, 0, m, dir, outer.join(branch))...)
				for _, c := range m.created[before:] {
					c.state.gates = append(c.state.gates[:len(c.state.gates):len(c.state.gates)], cfgGates(exps[k].cfg)...)
					if cfgTest(exps[k].cfg) {
						c.state.ctx = Test
					}
					exps[k].mods = append(exps[k].mods, c)
				}
			}
			if len(exps) > 0 {
				f.expansions[nodeRef{s, i}] = exps
			}
		default:
			collectItem(s, i, &m.names, outer.join(attrsCfg(s, attrs)))
		}
		attrs = attrs[:0]
	}
	return decls
}

// attrsCfg is the cfg outer attributes attrs put on their item.
func attrsCfg(s *syntax, attrs []int32) bindCfg {
	if len(attrs) == 0 {
		return bindCfg{}
	}
	c := cfgOf(applyAttrs(s, attrs, state{}))
	for _, a := range attrs {
		if at := s.childKind(a, kAttribute); at >= 0 {
			if name, _ := attrName(s, at); name == "cfg" {
				c.conditional = true
			}
		}
	}
	return c
}

// collectItem records the name item i, declared under cfg, brings into
// scope sc, if any.
func collectItem(s *syntax, i int32, sc *scope, cfg bindCfg) {
	switch s.nodes[i].kind {
	case kUseDeclaration:
		if arg := s.child(i, fArgument); arg >= 0 {
			collectUse(s, arg, nil, sc, cfg)
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
			sc.externs = map[string][]binding{}
		}
		if as != "_" {
			sc.externs[as] = append(sc.externs[as], binding{[]string{s.text(name)}, cfg})
		}
	case kImplItem: // inherent methods that return a value: their results may be evident
		t, body := s.child(i, fType), s.child(i, fBody)
		if t < 0 || body < 0 || s.child(i, fTrait) >= 0 {
			return
		}
		segs := pathSegments(s, t)
		if len(segs) == 0 {
			return
		}
		for c := s.nodes[body].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			name, ret := s.child(c, fName), s.child(c, fReturnType)
			if s.nodes[c].kind != kFunctionItem || name < 0 || ret < 0 {
				continue
			}
			if sc.methods == nil {
				sc.methods = map[string][]methodDecl{}
			}
			key := segs[len(segs)-1] + "::" + s.text(name)
			sc.methods[key] = append(sc.methods[key], methodDecl{fnDecl{s, c, ret}, i, segs})
		}
	case kFunctionItem, kStructItem, kEnumItem, kUnionItem, kTraitItem, kTypeItem,
		kConstItem, kStaticItem, kModItem, kFunctionSignatureItem:
		name := s.child(i, fName)
		if name < 0 {
			break
		}
		sc.setItem(s.text(name))
		switch s.nodes[i].kind {
		case kFunctionItem:
			if ret := s.child(i, fReturnType); ret >= 0 {
				if sc.fns == nil {
					sc.fns = map[string]fnDecl{}
				}
				sc.fns[s.text(name)] = fnDecl{s, i, ret}
			}
		case kTypeItem:
			t := s.child(i, fType)
			for t >= 0 && s.nodes[t].kind == kReferenceType {
				t = s.child(t, fType)
			}
			if t >= 0 && isPathKind(s.nodes[t].kind) {
				if segs := pathSegments(s, t); len(segs) > 0 {
					if sc.typeAliases == nil {
						sc.typeAliases = map[string][]string{}
					}
					sc.typeAliases[s.text(name)] = segs
				}
			}
		case kStructItem:
			body := s.childKind(i, kFieldDeclarationList)
			if body < 0 {
				body = s.childKind(i, kOrderedFieldDeclarationList)
			}
			if body >= 0 {
				if sc.structs == nil {
					sc.structs = map[string]structDecl{}
				}
				sc.structs[s.text(name)] = structDecl{syn: s, item: i, fields: body}
			}
		}
	case kMacroDefinition:
		if name := s.child(i, fName); name >= 0 {
			sc.setItem(s.text(name) + "!")
			if c, ok := macroRuleCfg(s, i); ok {
				if sc.macroCfgs == nil {
					sc.macroCfgs = map[string]macroGate{}
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
func collectUse(s *syntax, n int32, prefix []string, sc *scope, cfg bindCfg) {
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
		sc.setUse(last, p, cfg)
	case kUseAsClause:
		path, alias := s.child(n, fPath), s.child(n, fAlias)
		if path < 0 || alias < 0 {
			return
		}
		p := appendPath(prefix, pathSegments(s, path))
		if len(p) > 0 && p[len(p)-1] == "self" {
			p = p[:len(p)-1]
		}
		sc.setUse(s.text(alias), p, cfg)
	case kUseWildcard:
		var p []string
		for c := s.nodes[n].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			switch s.nodes[c].kind {
			case kIdentifier, kScopedIdentifier, kSelf, kSuper, kCrate:
				p = pathSegments(s, c)
			}
		}
		sc.globs = append(sc.globs, binding{appendPath(prefix, p), cfg})
	case kScopedUseList:
		p := prefix
		if path := s.child(n, fPath); path >= 0 {
			p = appendPath(prefix, pathSegments(s, path))
		} else if s.nodes[n].firstChild >= 0 && s.nodes[s.nodes[n].firstChild].kind == kColonColon {
			p = appendPath(prefix, []string{""}) // `use ::{a, b}`
		}
		if list := s.child(n, fList); list >= 0 {
			collectUse(s, list, p, sc, cfg)
		}
	case kUseList:
		for c := s.nodes[n].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			collectUse(s, c, prefix, sc, cfg)
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
	segs, ok := appendPathSegments(nil, s, n)
	if !ok {
		return nil
	}
	return segs
}

// appendPathSegments appends the segments of path node n to segs, and
// reports whether n is a path (a recursive function, not a closure: one
// call per path node, so no allocation beyond the segments).
func appendPathSegments(segs []string, s *syntax, n int32) ([]string, bool) {
	switch s.nodes[n].kind {
	case kIdentifier, kTypeIdentifier, kSelf, kSuper, kCrate, kMetavariable:
		return append(segs, s.text(n)), true
	case kScopedIdentifier, kScopedTypeIdentifier:
		if path := s.child(n, fPath); path >= 0 {
			var ok bool
			if segs, ok = appendPathSegments(segs, s, path); !ok {
				return segs, false
			}
		} else if fc := s.nodes[n].firstChild; fc >= 0 && s.nodes[fc].kind == kColonColon {
			segs = append(segs, "")
		}
		name := s.child(n, fName)
		if name < 0 {
			return segs, false
		}
		return appendPathSegments(segs, s, name)
	case kGenericType, kGenericTypeTurbofish:
		if t := s.child(n, fType); t >= 0 {
			return appendPathSegments(segs, s, t)
		}
	case kGenericFunction:
		if fn := s.child(n, fFunction); fn >= 0 {
			return appendPathSegments(segs, s, fn)
		}
	case kBracketedType: // <T as Trait>::f resolves through Trait
		if q := s.childKind(n, kQualifiedType); q >= 0 {
			if al := s.child(q, fAlias); al >= 0 {
				return appendPathSegments(segs, s, al)
			}
		} else if fc := s.nodes[n].firstChild; fc >= 0 {
			for c := fc; c >= 0; c = s.nodes[c].nextSibling {
				if s.nodes[c].field == fNone && isPathKind(s.nodes[c].kind) {
					return appendPathSegments(segs, s, c)
				}
			}
		}
	}
	return segs, false
}

func isPathKind(k kind) bool {
	switch k {
	case kIdentifier, kTypeIdentifier, kScopedIdentifier, kScopedTypeIdentifier, kGenericType, kGenericTypeTurbofish:
		return true
	}
	return false
}

// resolver resolves paths from one place in a module, through block scopes
// (innermost last) and then the module tree. The analyser sees every cfg
// at once, so a path may name several things: one per binding, module twin
// or namespace the name has.
type resolver struct {
	mod    *module
	blocks []*scope
	known  func(path string) bool // whether the API table knows a path: picks among globs
	steps  int                    // work left for the current resolution: glob chains can branch
	// self is what `Self` names inside an impl block, nil elsewhere.
	self *selfType
	// via are the crate paths the last resolveAll went through, as
	// written before re-exports (`crate::fs::openat` on the way to
	// crate::fs::at::openat): the crate's own API is listed by them.
	via []viaPath
}

type viaPath struct {
	m    *module
	segs []string
}

func (v viaPath) path() string { return v.m.path + "::" + join(v.segs) }

// resolveBudget bounds the steps of one resolution; real crates need a few.
const resolveBudget = 256

const maxResolveDepth = 24

// resolve returns the absolute path segs names and whether the crate
// defines it itself: the first resolution the API table knows, else the
// first. See resolveAll.
func (r *resolver) resolve(segs []string, strict bool) (string, bool) {
	all := r.resolveAll(segs, strict)
	for _, x := range all {
		if !x.local && r.known(x.path) {
			return x.path, false
		}
	}
	if len(all) == 0 {
		return "", false
	}
	return all[0].path, all[0].local
}

// resolveAll returns everything segs names. strict means: a single segment
// must be bound by a `use`; otherwise unknown first segments are taken as
// extern crates.
func (r *resolver) resolveAll(segs []string, strict bool) []resolution {
	if len(segs) == 0 {
		return nil
	}
	r.steps = resolveBudget
	r.via = r.via[:0]
	first := segs[0]
	if first == "Self" {
		if t, local := r.self.get(); t != "" {
			return []resolution{{path: join(append([]string{t}, segs[1:]...)), local: local}}
		}
	}
	if len(segs) == 1 || !isKeywordSeg(first) {
		for i := len(r.blocks) - 1; i >= 0; i-- {
			b := r.blocks[i]
			if _, let := b.lets[first]; len(segs) == 1 && let {
				return []resolution{{local: true}}
			}
			if out, ok := r.inScope(nil, r.mod, b, "", segs, 0, bindCfg{}); ok {
				return dedupe(out)
			}
			if out, ok := r.fromGlobs(nil, r.mod, b.globs, segs, 0); ok {
				return dedupe(out)
			}
		}
	}
	return dedupe(r.resolveIn(nil, r.mod, segs, strict, 0, bindCfg{}))
}

// resolveUse resolves the path of a `use` in the current module.
func (r *resolver) resolveUse(p []string) []resolution {
	r.steps = resolveBudget
	return r.resolveIn(nil, r.mod, p, false, 0, bindCfg{})
}

// dedupe merges the resolutions of one path under several cfgs into one
// that holds under any of them.
func dedupe(out []resolution) []resolution {
	if len(out) < 2 {
		return out
	}
	var merged []resolution
next:
	for _, x := range out {
		for k := range merged {
			if m := &merged[k]; m.path == x.path && m.local == x.local {
				m.cfg = m.cfg.or(x.cfg)
				continue next
			}
		}
		merged = append(merged, x)
	}
	return merged
}

// or is the cfg under which c or o holds. Gates both have stay; if what
// is left of one is nothing, or the negation of the other's
// (`#[cfg(feature = "x")] mod imp;` and its `not` twin), they add nothing.
func (c bindCfg) or(o bindCfg) bindCfg {
	test := c.test && o.test
	if c.always() || o.always() {
		return bindCfg{}
	}
	cs, os := conjuncts(c.gates), conjuncts(o.gates)
	var both, restC, restO []Cfg
	for _, g := range cs {
		if hasGate(os, g) {
			both = append(both, g)
		} else {
			restC = append(restC, g)
		}
	}
	for _, g := range os {
		if !hasGate(both, g) {
			restO = append(restO, g)
		}
	}
	if len(restC) == 0 || len(restO) == 0 || len(restC) == 1 && len(restO) == 1 && negates(restC[0], restO[0]) {
		return bindCfg{gates: both, test: test, conditional: true}
	}
	all := func(gs []Cfg) Cfg {
		if len(gs) == 1 {
			return gs[0]
		}
		return Cfg{Op: CfgAll, Args: gs}
	}
	return bindCfg{gates: append(both, Cfg{Op: CfgAny, Args: []Cfg{all(restC), all(restO)}}), test: test, conditional: true}
}

// always reports whether c holds under every cfg.
func (c bindCfg) always() bool { return !c.conditional && !c.test && len(c.gates) == 0 }

// conjuncts lists the predicates that all hold where gates do, with all(…) flattened.
func conjuncts(gates []Cfg) []Cfg {
	var out []Cfg
	for _, g := range gates {
		if g.Op == CfgAll {
			out = append(out, conjuncts(g.Args)...)
		} else {
			out = append(out, g)
		}
	}
	return out
}

// negates reports whether a is not(b) or b is not(a).
func negates(a, b Cfg) bool {
	return a.Op == CfgNot && len(a.Args) == 1 && a.Args[0].String() == b.String() ||
		b.Op == CfgNot && len(b.Args) == 1 && b.Args[0].String() == a.String()
}

func isKeywordSeg(s string) bool {
	return s == "crate" || s == "self" || s == "super" || s == "" || s == "$crate"
}

func join(segs []string) string { return strings.Join(segs, "::") }

// resolveIn appends to out what segs names in module m, reached under cfg.
func (r *resolver) resolveIn(out []resolution, m *module, segs []string, strict bool, depth int, cfg bindCfg) []resolution {
	r.steps--
	if depth > maxResolveDepth || len(segs) == 0 || r.steps < 0 {
		return out
	}
	switch segs[0] {
	case "crate", "$crate":
		return r.within(out, m.root(), segs[1:], depth, cfg)
	case "self":
		return r.within(out, m, segs[1:], depth, cfg)
	case "super":
		for len(segs) > 0 && segs[0] == "super" {
			if m.parent != nil {
				m = m.parent
			}
			segs = segs[1:]
		}
		return r.within(out, m, segs, depth, cfg)
	case "":
		if len(segs) > 1 { // `::y::…` names the extern prelude too
			if out, ok := fromExterns(out, &m.root().names, segs[1:], cfg); ok {
				return out
			}
			if root := m.root(); root.defines(segs[1]) { // 2015: `::x` is crate::x
				out, _ = r.lookup(out, root, segs[1:], depth+1, cfg)
			}
		}
		return append(out, resolution{path: join(segs[1:]), cfg: cfg})
	}
	if out, ok := r.lookup(out, m, segs, depth, cfg); ok {
		return out
	}
	// the extern prelude: `extern crate x as y;` at the crate root names x
	// in every module, as rustc has it
	if out, ok := fromExterns(out, &m.root().names, segs, cfg); ok {
		return out
	}
	if len(segs) == 1 && strict {
		return out
	}
	out = r.fromRoot2015(out, m, segs, depth, cfg)
	return append(out, resolution{path: join(segs), cfg: cfg}) // an extern crate: std, core, tokio, …
}

// fromRoot2015 appends what segs names from the crate root when its first
// segment is not visible in m but the root defines it: Rust 2015 reads
// `use sys::c;` and `::sys::c` from the crate root, 2018 as an extern
// crate. The edition is not known here, so both readings are kept.
func (r *resolver) fromRoot2015(out []resolution, m *module, segs []string, depth int, cfg bindCfg) []resolution {
	if root := m.root(); m != root && root.defines(segs[0]) {
		out, _ = r.lookup(out, root, segs, depth+1, cfg)
	}
	return out
}

// within appends what segs names inside module m (after crate::, self::, super::).
func (r *resolver) within(out []resolution, m *module, segs []string, depth int, cfg bindCfg) []resolution {
	if len(segs) == 0 {
		return append(out, resolution{path: m.path, local: true, cfg: cfg})
	}
	r.via = append(r.via, viaPath{m, segs})
	if out, ok := r.lookup(out, m, segs, depth, cfg); ok {
		return out
	}
	return append(out, resolution{path: m.path + "::" + join(segs), local: true, cfg: cfg})
}

// lookup appends what segs names when its first segment is a name visible
// in module m, and reports whether it is.
func (r *resolver) lookup(out []resolution, m *module, segs []string, depth int, cfg bindCfg) ([]resolution, bool) {
	found := false
	for _, c := range m.declared(segs[0]) {
		out = r.within(out, c, segs[1:], depth+1, cfg.join(c.own))
		found = true
	}
	if out, ok := r.inScope(out, m, &m.names, m.path, segs, depth, cfg); ok || found {
		return out, true
	}
	return r.fromModuleGlobs(out, m, segs, depth, cfg)
}

// inScope appends what the items, `use` bindings and extern crates of scope
// sc (of module m, whose path items get, "" for a block) make of segs.
func (r *resolver) inScope(out []resolution, m *module, sc *scope, itemPath string, segs []string, depth int, cfg bindCfg) ([]resolution, bool) {
	first := segs[0]
	found := false
	if target, ok := sc.typeAliases[first]; ok && depth < maxResolveDepth {
		out = r.resolveIn(out, m, appendPath(target, segs[1:]), false, depth+1, cfg)
		found = true
	} else if sc.items[first] {
		p := ""
		if itemPath != "" {
			p = itemPath + "::" + join(segs)
		}
		out = append(out, resolution{path: p, local: true, cfg: cfg})
		found = true
	}
	for _, b := range sc.uses[first] {
		c := cfg.join(b.cfg)
		if b.path[0] == first { // `use libc;`, `use libc::{self}`: the extern crate itself
			out = append(out, resolution{path: join(appendPath(b.path, segs[1:])), cfg: c})
			out = r.fromRoot2015(out, m, appendPath(b.path, segs[1:]), depth, c)
		} else {
			out = r.resolveIn(out, m, appendPath(b.path, segs[1:]), false, depth+1, c)
		}
		found = true
	}
	if o, ok := fromExterns(out, sc, segs, cfg); ok {
		out, found = o, true
	}
	return out, found
}

// fromExterns appends what the `extern crate x as y;` items of sc make of
// segs (y::…): x, under each item's cfg. Where such an item is under a cfg,
// y also names the crate y itself (`#[cfg(not(feature = "std"))] extern
// crate core as std;` leaves std the standard library with the feature).
func fromExterns(out []resolution, sc *scope, segs []string, cfg bindCfg) ([]resolution, bool) {
	es := sc.externs[segs[0]]
	plain := false
	for _, e := range es {
		out = append(out, resolution{path: join(appendPath(e.path, segs[1:])), cfg: cfg.join(e.cfg)})
		plain = plain || e.cfg.conditional
	}
	if plain {
		out = append(out, resolution{path: join(segs), cfg: cfg})
	}
	return out, len(es) > 0
}

// fromGlobs resolves segs through glob imports: into the crate's own
// modules when they are visible, else as the external path the API table knows.
func (r *resolver) fromGlobs(out []resolution, m *module, globs []binding, segs []string, depth int) ([]resolution, bool) {
	if depth > maxResolveDepth {
		return out, false
	}
	found := false
	for _, g := range globs {
		for _, base := range r.resolveIn(nil, m, g.path, false, depth+1, g.cfg) {
			if r.steps < 0 {
				return out, found
			}
			if base.local {
				for _, gm := range r.modulesAt(base.path) {
					if gm == m {
						continue
					}
					var ok bool
					if out, ok = r.lookup(out, gm, segs, depth+1, base.cfg); ok {
						found = true
					}
				}
				continue
			}
			if full := base.path + "::" + join(segs); r.known(full) {
				out = append(out, resolution{path: full, cfg: base.cfg})
				found = true
			}
		}
		if found {
			break
		}
	}
	return out, found
}

// modulesAt returns the crate modules with the given absolute path: one,
// or several where twins are on the way.
func (r *resolver) modulesAt(path string) []*module {
	rest, ok := strings.CutPrefix(path, "crate")
	if !ok {
		return nil
	}
	ms := []*module{r.mod.root()}
	for _, seg := range strings.Split(strings.TrimPrefix(rest, "::"), "::") {
		if seg == "" {
			continue
		}
		var next []*module
		for _, m := range ms {
			next = append(next, m.declared(seg)...)
		}
		if ms = next; len(ms) == 0 {
			return nil
		}
	}
	return ms
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
