package analyzer

import (
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
)

// walker finds the uses in one file in a single walk over its flat tree.
// What it finds depends only on the file's text, its module and the
// crate's name table (the module tree).
type walker struct {
	a     *crateAnalysis
	f     *sourceFile
	s     *syntax
	table *apis.Table
	r     resolver
	root  *module // the crate root: crate-wide tables
	st    state
	depth int // include! nesting
	// macroInput: walking the body of an item macro other than cfg_if!,
	// whose unknown attributes are the macro's input, not proc macros.
	macroInput bool
	// generics are the generic parameters in scope (of the fn and impl
	// being walked) and their bound types, "" when not evident.
	generics map[string]string
	// scrutinee is the evident type of the value the match whose arms are
	// being walked matches.
	scrutinee string
	// reuse is where the findings of the file's function bodies may come
	// from instead of a walk (memo.go), or nil; inBody: walking one.
	reuse  *bodyReuse
	inBody bool
}

func (a *crateAnalysis) analyseFile(f *sourceFile, reuse *bodyReuse) {
	w := &walker{a: a, f: f, s: f.syn, table: a.table, st: f.module.state, root: f.module.root(), reuse: reuse}
	w.r = resolver{mod: f.module, known: w.known}
	if f.syn.hasError {
		w.reportErrors()
	}
	w.children(0, false)
}

func (w *walker) known(p string) bool {
	if _, ok := w.table.Lookup(p); ok {
		return true
	}
	if _, ok := w.table.Returns(p); ok {
		return true
	}
	return w.table.IsTrait(p) || w.table.IsType(p)
}

func (w *walker) use(c caps.Capability, api string, start, end uint32) {
	w.a.use(w.f, w.st, c, api, start, end)
}

// useUnder records a use reached through bindings declared under cfg: it
// holds where both the code and the bindings do.
func (w *walker) useUnder(cfg bindCfg, c caps.Capability, api string, start, end uint32) {
	st := w.st
	if cfg.test {
		st.ctx = Test
	}
	st.gates = bindCfg{gates: st.gates}.join(cfg).gates
	w.a.use(w.f, st, c, api, start, end)
}

func (w *walker) unanalysed(i int32, reason string) {
	n := &w.s.nodes[i]
	w.a.unanalysed(w.f.path, span.Range{Start: int(n.start), End: int(n.end)}, reason, w.st)
}

// reportErrors reports every ERROR and MISSING node (outermost only).
func (w *walker) reportErrors() {
	s := w.s
	for i := int32(0); i < int32(len(s.nodes)); i++ {
		n := &s.nodes[i]
		switch {
		case n.kind == kError:
			w.unanalysed(i, "parse error")
		case n.missing:
			w.unanalysed(i, "parse error: missing "+s.missing[i])
		default:
			continue
		}
		// skip the subtree
		for next := i; next >= 0; next = s.nodes[next].parent {
			if sib := s.nodes[next].nextSibling; sib >= 0 {
				i = sib - 1
				break
			}
			if s.nodes[next].parent < 0 {
				return
			}
		}
	}
}

// children walks the children of container c. Outer attributes are siblings
// before the item they apply to; inner attributes apply to the rest of c.
// helpers says c lists fields or variants, whose unknown attributes are
// derive helpers, not macros.
func (w *walker) children(c int32, helpers bool) {
	s := w.s
	saved := w.st
	var attrs []int32
	for i := s.nodes[c].firstChild; i >= 0; i = s.nodes[i].nextSibling {
		switch s.nodes[i].kind {
		case kAttributeItem:
			attrs = append(attrs, i)
			continue
		case kInnerAttributeItem:
			w.unsafeAttr(i)
			if s.nodes[c].kind != kSourceFile && s.nodes[c].kind != kDeclarationList {
				w.st = applyAttrs(s, []int32{i}, w.st) // module inner attributes are in module.state
			}
			continue
		case kLineComment, kBlockComment:
			continue
		}
		if len(attrs) > 0 {
			before := w.st
			w.st = applyAttrs(s, attrs, w.st) // the item's own cfg holds for its attributes too
			for _, a := range attrs {
				w.unsafeAttr(a)
			}
			if !helpers && !w.macroInput {
				w.macroAttrs(attrs)
			}
			w.visit(i)
			w.st = before
			attrs = attrs[:0]
		} else {
			w.visit(i)
		}
	}
	w.st = saved
}

// unsafeAttr reports attributes that need `unsafe`.
func (w *walker) unsafeAttr(item int32) {
	s := w.s
	at := s.childKind(item, kAttribute)
	if at < 0 {
		return
	}
	name, args := attrName(s, at)
	if name == "unsafe" || unsafeAttrs[name] {
		w.use(caps.Unsafe, "#["+attrLabel(s, at)+"]", s.nodes[item].start, s.nodes[item].end)
	}
	w.unsafeCfgAttr(name, args)
	if v := s.child(at, fValue); v >= 0 && s.nodes[v].kind == kMacroInvocation {
		w.macro(v) // #[doc = include_str!("../../README.md")]
	}
}

// attrLabel is the attribute as shown in an API name: its path and, for
// unsafe(…), what it wraps.
func attrLabel(s *syntax, at int32) string {
	name, args := attrName(s, at)
	if name == "unsafe" && args >= 0 {
		inner := strings.TrimSpace(strings.Trim(s.text(args), "()"))
		if i := strings.IndexAny(inner, " =("); i >= 0 {
			inner = inner[:i]
		}
		return "unsafe(" + inner + ")"
	}
	return name
}

// macroAttrs reports, once per item, derives and attribute macros from
// proc-macro crates: their expansion is not seen. Test code is outside the
// model, so test-only macros (#[tokio::test]) are not reported.
func (w *walker) macroAttrs(attrs []int32) {
	if w.st.ctx == Test {
		return
	}
	s := w.s
	var derives, macros []string
	for _, a := range attrs {
		at := s.childKind(a, kAttribute)
		if at < 0 {
			continue
		}
		name, args := attrName(s, at)
		switch {
		case name == "derive" && args >= 0:
			for _, d := range derivePaths(s, args) {
				if !builtinDerives[d] {
					derives = append(derives, d)
				}
			}
		case builtinAttrs[name] || unsafeAttrs[name] || name == "unsafe" || toolAttr(name) || name == "":
		default:
			macros = append(macros, name)
		}
	}
	switch {
	case len(derives) > 0: // other unknown attributes are then most likely its helpers
		w.unanalysedRange(attrs, "derive macro "+strings.Join(derives, ", ")+" from a proc-macro crate: its expansion is not analysed")
	case len(macros) > 0:
		w.unanalysedRange(attrs, "attribute macro #["+strings.Join(macros, "], #[")+"] from a proc-macro crate: its expansion is not analysed")
	}
}

func (w *walker) unanalysedRange(attrs []int32, reason string) {
	first, last := &w.s.nodes[attrs[0]], &w.s.nodes[attrs[len(attrs)-1]]
	w.a.unanalysed(w.f.path, span.Range{Start: int(first.start), End: int(last.end)}, reason, w.st)
}

// derivePaths lists the paths in a derive(...) token tree.
func derivePaths(s *syntax, tt int32) []string {
	var out []string
	cur := ""
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		switch s.nodes[c].kind {
		case kIdentifier:
			cur += s.text(c)
		case kColonColon:
			cur += "::"
		case kComma:
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// visit walks node i.
func (w *walker) visit(i int32) {
	s := w.s
	n := &s.nodes[i]
	switch n.kind {
	case kUseDeclaration, kExternCrate, kStringLiteral, kRawStringLiteral, kCharLiteral,
		kTypeIdentifier, kScopedTypeIdentifier, kFieldIdentifier, kLineComment, kBlockComment,
		kAttributeItem, kInnerAttributeItem:
		return
	case kModItem:
		body := s.child(i, fBody)
		if body < 0 {
			return // its file is walked on its own
		}
		m := w.f.inlines[nodeRef{s, i}]
		if m == nil { // a module inside a fn body: its names are not in the crate's table
			w.block(body)
			return
		}
		saved, savedSt, savedBlocks := w.r.mod, w.st, w.r.blocks
		w.r.mod, w.st, w.r.blocks = m, m.state, nil
		w.children(body, false)
		w.r.mod, w.st, w.r.blocks = saved, savedSt, savedBlocks
		return
	case kFunctionItem, kFunctionSignatureItem:
		w.function(i)
		return
	case kImplItem, kTraitItem:
		if u := s.childKind(i, kUnsafeKw); u >= 0 {
			api := "unsafe impl"
			if n.kind == kTraitItem {
				api = "unsafe trait"
			}
			w.use(caps.Unsafe, api, s.nodes[u].start, s.nodes[u].end)
		}
		if body := s.child(i, fBody); body >= 0 {
			savedSelf, savedGenerics := w.r.self, w.generics
			w.r.self = nil // a trait's Self is not evident
			if n.kind == kImplItem {
				w.generics = w.genericsOf(s, &w.r, i, w.generics)
				w.r.self = w.implSelf(i)
			}
			w.children(body, false)
			w.r.self, w.generics = savedSelf, savedGenerics
		}
		return
	case kForeignModItem:
		start := n.start
		end := start
		if em := s.childKind(i, kExternModifier); em >= 0 {
			end = s.nodes[em].end
		}
		w.use(caps.Unsafe, "extern block", start, end)
		return
	case kUnsafeBlock:
		if u := s.childKind(i, kUnsafeKw); u >= 0 {
			w.use(caps.Unsafe, "unsafe block", s.nodes[u].start, s.nodes[u].end)
		}
	case kBlock, kDeclarationList:
		w.block(i)
		return
	case kStructItem, kEnumItem, kUnionItem:
		for c := n.firstChild; c >= 0; c = s.nodes[c].nextSibling {
			if k := s.nodes[c].kind; k == kFieldDeclarationList || k == kEnumVariantList {
				w.children(c, true)
			}
		}
		return
	case kLetDeclaration:
		w.let(i)
		return
	case kMatchExpression: // its arms' patterns match the value
		value, body := s.child(i, fValue), s.child(i, fBody)
		if value >= 0 {
			w.visit(value)
		}
		if body >= 0 {
			saved := w.scrutinee
			w.scrutinee = w.typeOf(value)
			w.children(body, false)
			w.scrutinee = saved
		}
		return
	case kClosureExpression:
		w.closure(i, "")
		return
	case kCallExpression:
		w.call(i)
		return
	case kScopedIdentifier, kGenericFunction:
		w.pathExpr(i, -1)
		return
	case kIdentifier:
		w.pathExpr(i, -1)
		return
	case kMacroInvocation:
		if exps, ok := w.f.expansions[nodeRef{s, i}]; ok {
			w.expansions(exps)
			return
		}
		w.macro(i)
		return
	case kMacroDefinition:
		for r := n.firstChild; r >= 0; r = s.nodes[r].nextSibling {
			if s.nodes[r].kind == kMacroRule {
				if right := s.child(r, fRight); right >= 0 {
					w.tokens(right, "")
				}
			}
		}
		return
	case kAttribute:
		return
	}
	// match arms, for loops, if let / while let: the names their patterns
	// bind shadow the items and imports of the same names inside them.
	var sc *scope
	for c := n.firstChild; c >= 0; c = s.nodes[c].nextSibling {
		switch {
		case s.nodes[c].field == fPattern && n.kind == kForExpression:
			sc = &scope{} // `for p in paths`: p is an item of paths
			w.bindNames(sc, c, w.itemType(w.typeOf(s.child(i, fValue))))
		case s.nodes[c].field == fPattern && s.nodes[c].kind == kMatchPattern:
			sc = w.bindInto(sc, s.nodes[c].firstChild, w.scrutinee)
		case s.nodes[c].field == fPattern:
			sc = w.bindInto(sc, c, "")
		case s.nodes[c].field == fCondition && (s.nodes[c].kind == kLetCondition || s.nodes[c].kind == kLetChain):
			for l := s.nodes[c].firstChild; l >= 0; l = s.nodes[l].nextSibling {
				if s.nodes[l].kind == kLetCondition {
					sc = w.bindInto(sc, s.child(l, fPattern), w.typeOf(s.child(l, fValue)))
				}
			}
			if s.nodes[c].kind == kLetCondition {
				sc = w.bindInto(sc, s.child(c, fPattern), w.typeOf(s.child(c, fValue)))
			}
		}
	}
	// Pushed and popped by hand: a defer in a function with this many
	// returns is not open-coded and costs every visit.
	if sc != nil {
		w.r.blocks = append(w.r.blocks, sc)
	}
	for c := n.firstChild; c >= 0; c = s.nodes[c].nextSibling {
		switch s.nodes[c].field {
		case fType, fPattern, fName, fAlias, fTrait:
			continue
		}
		w.visit(c)
	}
	if sc != nil {
		w.r.blocks = w.r.blocks[:len(w.r.blocks)-1]
	}
}

// bindInto adds the names pattern pat, matched against a value of type ty,
// binds to sc, creating it if needed.
func (w *walker) bindInto(sc *scope, pat int32, ty string) *scope {
	if pat < 0 {
		return sc
	}
	if sc == nil {
		sc = &scope{}
	}
	w.bindNames(sc, pat, ty)
	return sc
}

// expansions walks the bodies of an item-level macro parsed as items.
func (w *walker) expansions(exps []expansion) {
	saved, savedSt, savedInput := w.s, w.st, w.macroInput
	for _, e := range exps {
		if e.syn == nil {
			continue // a data-only body: nothing in it would report
		}
		w.s = e.syn
		w.macroInput = savedInput || e.macro != "cfg_if"
		w.st = expansionState(e, w.st)
		if c, ok := w.root.macroCfg(e); ok {
			w.st.gates = withGate(w.st.gates, c)
		}
		w.children(0, false)
		w.s, w.st, w.macroInput = saved, savedSt, savedInput
	}
}

// function walks a fn item: `unsafe fn` is a use; parameters with evident
// types are known in the body.
func (w *walker) function(i int32) {
	s := w.s
	if mods := s.childKind(i, kFunctionModifiers); mods >= 0 {
		if u := s.childKind(mods, kUnsafeKw); u >= 0 {
			w.use(caps.Unsafe, "unsafe fn", s.nodes[u].start, s.nodes[u].end)
		}
	}
	body := s.child(i, fBody)
	if body < 0 || w.replay(body) {
		return
	}
	uses, unanalysed, effects := len(w.a.sum.Uses), len(w.a.sum.Unanalysed), w.a.effects
	outer := w.inBody
	w.inBody = true
	saved := w.generics
	w.generics = w.genericsOf(s, &w.r, i, w.generics)
	sc := &scope{}
	if params := s.child(i, fParameters); params >= 0 {
		for p := s.nodes[params].firstChild; p >= 0; p = s.nodes[p].nextSibling {
			if s.nodes[p].kind == kParameter {
				w.bindPattern(sc, s.child(p, fPattern), s.child(p, fType))
			}
		}
	}
	w.r.blocks = append(w.r.blocks, sc)
	w.block(body)
	w.r.blocks = w.r.blocks[:len(w.r.blocks)-1]
	w.generics, w.inBody = saved, outer
	w.record(body, uses, unanalysed, effects)
}

// closure walks a closure's body with its parameters bound; an untyped
// first parameter has type first (an item, when the closure is given the
// items of an evidently typed collection).
func (w *walker) closure(i int32, first string) {
	s := w.s
	sc := &scope{}
	if params := s.child(i, fParameters); params >= 0 {
		for p := s.nodes[params].firstChild; p >= 0; p = s.nodes[p].nextSibling {
			if s.nodes[p].kind == kParameter {
				w.bindPattern(sc, s.child(p, fPattern), s.child(p, fType))
			} else if s.nodes[p].field == fNone && s.nodes[p].firstChild >= 0 || s.nodes[p].kind == kIdentifier {
				w.bindNames(sc, p, first)
			} else {
				continue
			}
			first = ""
		}
	}
	w.r.blocks = append(w.r.blocks, sc)
	if body := s.child(i, fBody); body >= 0 {
		w.visit(body)
	}
	w.r.blocks = w.r.blocks[:len(w.r.blocks)-1]
}

// block walks a block or declaration list with a scope of its own items.
func (w *walker) block(b int32) {
	s := w.s
	sc := &scope{}
	var attrs []int32
	for c := s.nodes[b].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].kind == kAttributeItem {
			attrs = append(attrs, c)
			continue
		}
		collectItem(s, c, sc, attrsCfg(s, attrs))
		attrs = attrs[:0]
	}
	w.r.blocks = append(w.r.blocks, sc)
	w.children(b, false)
	w.r.blocks = w.r.blocks[:len(w.r.blocks)-1]
}

// let walks a let statement, then binds its names for what follows.
func (w *walker) let(i int32) {
	s := w.s
	value := s.child(i, fValue)
	for c := s.nodes[i].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		switch s.nodes[c].field {
		case fPattern, fType:
			continue
		}
		w.visit(c)
	}
	if len(w.r.blocks) == 0 {
		return
	}
	sc := w.r.blocks[len(w.r.blocks)-1]
	ty := w.typeOfAnnotation(s.child(i, fType))
	if ty == "" && value >= 0 {
		ty = w.typeOf(value)
	}
	if ty == "" && value >= 0 && readFlagExpr(s, value) {
		ty = readOnlyOpenFlags
	}
	w.bindNames(sc, s.child(i, fPattern), ty)
}

// bindPattern binds a parameter's names; a single identifier gets the
// parameter's evident type.
func (w *walker) bindPattern(sc *scope, pat, typ int32) {
	w.bindNames(sc, pat, w.typeOfAnnotation(typ))
}

func (w *walker) bindNames(sc *scope, pat int32, ty string) {
	if pat < 0 {
		return
	}
	s := w.s
	if sc.lets == nil {
		sc.lets = map[string]string{}
	}
	switch s.nodes[pat].kind {
	case kIdentifier:
		sc.lets[s.text(pat)] = ty // "" forgets an earlier binding's type
	case kMutPattern, kRefPattern:
		for c := s.nodes[pat].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			w.bindNames(sc, c, ty)
		}
	case kTupleStructPattern:
		// Some(p), Ok(p): Option and Result are seen through, so p has
		// the value's type
		if t := s.child(pat, fType); t < 0 || !unwrapsTo(s.text(t)) {
			ty = ""
		}
		for c := s.nodes[pat].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			if s.nodes[c].field != fType {
				w.bindNames(sc, c, ty)
			}
		}
	default:
		var rec func(int32)
		rec = func(n int32) {
			for c := s.nodes[n].firstChild; c >= 0; c = s.nodes[c].nextSibling {
				switch s.nodes[c].kind {
				case kIdentifier:
					if s.nodes[c].field != fType {
						sc.lets[s.text(c)] = ""
					}
				case kShorthandFieldIdentifier:
					sc.lets[s.text(c)] = ""
				default:
					rec(c)
				}
			}
		}
		rec(pat)
	}
}

// call walks a call expression: a path call, or a method call whose name the
// table knows on an evident receiver or an imported trait.
func (w *walker) call(i int32) {
	s := w.s
	fn := s.child(i, fFunction)
	args := s.child(i, fArguments)
	if fn >= 0 {
		switch s.nodes[fn].kind {
		case kFieldExpression:
			w.methodCall(i, fn)
			if recv := s.child(fn, fValue); recv >= 0 {
				w.visit(recv)
			}
			if args >= 0 && w.itemClosureArgs(fn, args) {
				return
			}
			if args >= 0 {
				w.pushed(fn, args)
			}
		case kIdentifier, kScopedIdentifier, kGenericFunction:
			w.pathExpr(fn, args)
		default:
			w.visit(fn)
		}
	}
	if args >= 0 {
		w.visit(args)
	}
}

// itemClosureArgs walks the arguments of method call fe when it passes the
// items of an evidently typed collection to a closure (`paths.iter().filter(|p|
// p.exists())`), and reports whether it did.
func (w *walker) itemClosureArgs(fe, args int32) bool {
	s := w.s
	f := s.child(fe, fField)
	if f < 0 || s.childKind(args, kClosureExpression) < 0 {
		return false
	}
	name := s.text(f)
	if !itemClosures[name] && !valueClosures[name] {
		return false
	}
	recv := w.typeOf(s.child(fe, fValue))
	item := ""
	if it := w.itemType(recv); it != "" && itemClosures[name] {
		item = it
	} else if recv != "" && recv[0] != '<' && valueClosures[name] && w.table.IsType(recv) {
		item = recv // an Option or Result of it, seen through
	}
	if item == "" {
		return false
	}
	for c := s.nodes[args].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].kind == kClosureExpression {
			w.closure(c, item)
		} else {
			w.visit(c)
		}
	}
	return true
}

func (w *walker) methodCall(call, fe int32) {
	s := w.s
	f := s.child(fe, fField)
	if f < 0 {
		return
	}
	name := s.text(f)
	cands := w.table.Methods(name)
	if len(cands) == 0 {
		return
	}
	recvType := ""
	typed := false
	for _, e := range cands {
		owner := e.Owner()
		if w.table.IsTrait(owner) {
			if !w.traitInScope(owner) {
				continue
			}
		} else {
			if !typed {
				recvType, typed = w.typeOf(s.child(fe, fValue)), true
			}
			if !w.isType(recvType, owner) {
				continue
			}
		}
		c := e.Cap
		if e.ReadonlyIfOnly != "" && w.onlySetter(s.child(fe, fValue), e.ReadonlyIfOnly) {
			c = caps.FSReadonly
		}
		w.use(c, e.Path, s.nodes[f].start, s.nodes[call].end)
		return
	}
}

// isType reports whether a value of evident type t has owner's methods.
func (w *walker) isType(t, owner string) bool {
	if t == "" {
		return false
	}
	d, ok := w.table.Deref(t)
	return t == owner || ok && d == owner
}

// onlySetter reports whether builder chain e starts at a constructor and
// calls no setter but setter(true).
func (w *walker) onlySetter(e int32, setter string) bool {
	s := w.s
	seen := false
	for e >= 0 && s.nodes[e].kind == kCallExpression {
		fn := s.child(e, fFunction)
		if fn < 0 {
			return false
		}
		if s.nodes[fn].kind != kFieldExpression {
			segs := pathSegments(s, fn)
			p, local := w.r.resolve(segs, true)
			_, ok := w.table.Returns(p)
			return ok && !local && seen
		}
		m := s.child(fn, fField)
		if m < 0 || s.text(m) != setter {
			return false
		}
		args := s.child(e, fArguments)
		if args < 0 || !strings.Contains(s.text(args), "true") {
			return false
		}
		seen = true
		e = s.child(fn, fValue)
	}
	return false
}

// traitInScope reports whether trait is imported where the walker is.
func (w *walker) traitInScope(trait string) bool {
	last := trait[strings.LastIndex(trait, "::")+2:]
	// Inside the crate that defines a table-listed trait (async_std's
	// ToSocketAddrs), the trait is in scope where the crate's own item of
	// that name is: defined in the module or imported by a crate-local path.
	own := w.a.crate.Name != "" && strings.HasPrefix(trait, strings.ReplaceAll(w.a.crate.Name, "-", "_")+"::")
	names := func(p []string, suffix string) bool {
		for _, x := range w.r.resolveUse(p) {
			if !x.local && w.table.Canonical(x.path+suffix) == trait {
				return true
			}
			if x.local && own && strings.HasSuffix(x.path+suffix, "::"+last) {
				return true
			}
		}
		return false
	}
	check := func(sc *scope) bool {
		if own && sc.items[last] {
			return true
		}
		for name, bs := range sc.uses {
			for _, b := range bs {
				if (name == last || b.path[len(b.path)-1] == last || w.table.Canonical(join(b.path)) == trait) && names(b.path, "") { // the last: a dependency re-exports it renamed
					return true
				}
			}
		}
		for _, p := range sc.anon {
			if names(p, "") {
				return true
			}
		}
		for _, g := range sc.globs {
			if names(g.path, "::"+last) {
				return true
			}
		}
		return false
	}
	for i := len(w.r.blocks) - 1; i >= 0; i-- {
		if check(w.r.blocks[i]) {
			return true
		}
	}
	for m := w.r.mod; m != nil; m = nil {
		if check(&m.names) {
			return true
		}
	}
	return false
}

// pathExpr classifies a path in expression position (called or not).
// args is the argument list when it is called.
func (w *walker) pathExpr(p, args int32) {
	s := w.s
	if n := &s.nodes[p]; n.kind == kIdentifier && !w.mayClassify(string(s.src[n.start:n.end]), true) {
		return // most are local names: their text is not copied
	}
	segs := pathSegments(s, p)
	if len(segs) == 0 {
		if s.nodes[p].kind == kGenericFunction || s.nodes[p].kind == kScopedIdentifier {
			// a path through a type (<T>::f, Vec::<u8>::new): walk what is inside
			for c := s.nodes[p].firstChild; c >= 0; c = s.nodes[c].nextSibling {
				if s.nodes[c].field != fType && s.nodes[c].field != fName {
					w.visit(c)
				}
			}
		}
		return
	}
	w.classifyPath(segs, s.nodes[p].start, s.nodes[p].end, args, false)
}

// classifyPath resolves segs and records a use when the table classifies it.
// single-segment paths count only when a `use` binds them.
func (w *walker) classifyPath(segs []string, start, end uint32, args int32, inMacro bool) {
	if !w.mayClassify(segs[len(segs)-1], len(segs) == 1) {
		return
	}
	for _, x := range w.r.resolveAll(segs, true) {
		var e *apis.Entry
		ok := false
		if x.local {
			// the crate's own table-listed API, called by its crate-local
			// path (which_all() inside crate which), as defined or as
			// re-exported on the way
			e, x.path, ok = w.ownAPI(x.path)
			for i := 0; !ok && w.a.ownListed && i < len(w.r.via); i++ {
				e, x.path, ok = w.ownAPI(w.r.via[i].path())
			}
		} else if x.path != "" {
			e, ok = w.table.Lookup(x.path)
		}
		if !ok {
			continue
		}
		c := e.Cap
		if e.ReadonlyFlags && args >= 0 && w.readOnlyFlags(args) {
			c = caps.FSReadonly
		}
		w.useUnder(x.cfg, c, e.Shown(x.path), start, end)
	}
}

// mayClassify is the cheap test before resolving a path whose last segment
// is last (the only one when single): could it be classified at all?
func (w *walker) mayClassify(last string, single bool) bool {
	return w.table.MayClassify(last) || w.root.aliases[last] || single && w.renamed(last)
}

// ownAPI returns the table's entry for crate-local path p ("crate::x")
// under the crate's own name ("which::x"), and that path.
func (w *walker) ownAPI(p string) (*apis.Entry, string, bool) {
	rest, ok := strings.CutPrefix(p, "crate::")
	if !ok || !w.a.ownListed {
		return nil, "", false
	}
	p = w.a.ownName + "::" + rest
	e, ok := w.table.Lookup(p)
	return e, p, ok
}

// renamed reports whether a single-segment name is bound by a `use` or glob
// (so its last segment may differ from the API's: `use std::fs::write as w`).
func (w *walker) renamed(name string) bool {
	for i := len(w.r.blocks) - 1; i >= 0; i-- {
		b := w.r.blocks[i]
		if _, let := b.lets[name]; let || b.items[name] {
			return false
		}
		if _, ok := b.uses[name]; ok {
			return true
		}
	}
	_, ok := w.r.mod.names.uses[name]
	return ok
}

// readOnlyOpenFlags is the type this model gives a binding of evidently
// read-only open flags (`let oflags = OFlags::RDONLY | OFlags::CLOEXEC;`).
const readOnlyOpenFlags = "=read-only open flags"

var writeFlags = map[string]bool{"WRONLY": true, "RDWR": true, "CREAT": true, "CREATE": true, "TRUNC": true, "APPEND": true, "TMPFILE": true, "EXCL": true}
var readFlags = map[string]bool{"RDONLY": true, "CLOEXEC": true, "NOFOLLOW": true, "DIRECTORY": true, "NONBLOCK": true, "PATH": true, "NOCTTY": true, "NOATIME": true, "LARGEFILE": true, "NDELAY": true}

// readOnlyFlags reports whether the arguments of an open-like call (an
// argument list, or a macro's token tree) evidently open for reading only:
// the argument that names open flags is made of read-only flags joined by
// `|` alone (O_RDONLY | O_CLOEXEC), or is a binding of such flags — an
// operand not evident (`flags | O_CLOEXEC`) may carry a writing flag — or
// an fopen mode is "r"/"rb".
func (w *walker) readOnlyFlags(args int32) bool {
	s := w.s
	read := false
	for _, arg := range argumentsOf(s, args) {
		if len(arg) == 1 && s.nodes[arg[0]].kind == kIdentifier && w.typeOf(arg[0]) == readOnlyOpenFlags {
			read = true
			continue
		}
		if m, ok := fopenMode(s, arg); ok {
			if m[0] != 'r' || strings.Contains(m, "+") {
				return false
			}
			read = true
			continue
		}
		if !namesOpenFlag(s, arg) {
			continue // the path, a mode, a directory descriptor
		}
		if !readFlagsOnly(s, arg) {
			return false
		}
		read = true
	}
	return read
}

// argumentsOf splits an argument list or a token tree into its arguments,
// each the nodes between two commas.
func argumentsOf(s *syntax, args int32) [][]int32 {
	var out [][]int32
	var cur []int32
	for c := s.nodes[args].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		n := &s.nodes[c]
		switch {
		case n.kind == kComma:
			out, cur = append(out, cur), nil
		case n.nextSibling < 0 || c == s.nodes[args].firstChild: // the delimiters
		case n.kind == kLineComment || n.kind == kBlockComment:
		default:
			cur = append(cur, c)
		}
	}
	return append(out, cur)
}

// fopenMode returns the fopen mode among the string literals of arg
// ("r", "rb", "w+", b"r\0"), if it has one.
func fopenMode(s *syntax, arg []int32) (string, bool) {
	for _, n := range arg {
		if s.nodes[n].kind == kStringLiteral {
			t := strings.TrimLeft(s.text(n), "bc")
			t = strings.TrimSuffix(strings.TrimPrefix(t, `"`), `"`)
			t = strings.TrimSuffix(t, `\0`)
			if t != "" && strings.IndexByte("rwa", t[0]) >= 0 && strings.Trim(t[1:], "+btxecm") == "" {
				return t, true
			}
		}
		var kids []int32
		for c := s.nodes[n].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			kids = append(kids, c)
		}
		if m, ok := fopenMode(s, kids); ok {
			return m, true
		}
	}
	return "", false
}

// openFlag returns the name of the open flag identifier n names (O_RDONLY,
// the O_RDONLY of OFlag::O_RDONLY, the RDONLY of OFlags::RDONLY), or "".
func openFlag(s *syntax, n int32) string {
	if s.nodes[n].kind != kIdentifier {
		return ""
	}
	name := strings.TrimPrefix(s.text(n), "O_")
	if readFlags[name] || writeFlags[name] {
		return name
	}
	return ""
}

// namesOpenFlag reports whether the nodes of arg mention an open flag.
func namesOpenFlag(s *syntax, arg []int32) bool {
	for _, n := range arg {
		if openFlag(s, n) != "" {
			return true
		}
		for c := s.nodes[n].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			if namesOpenFlag(s, []int32{c}) {
				return true
			}
		}
	}
	return false
}

// readFlagsOnly reports whether arg is read-only open flags joined by `|`,
// in parentheses or not: as an expression, or as a macro's tokens.
func readFlagsOnly(s *syntax, arg []int32) bool {
	if len(arg) == 0 {
		return false
	}
	if len(arg) == 1 && s.nodes[arg[0]].kind != kIdentifier {
		return readFlagExpr(s, arg[0])
	}
	for i, t := range arg { // tokens: libc :: O_RDONLY | ( libc :: O_CLOEXEC )
		switch n := &s.nodes[t]; {
		case n.kind == kIdentifier:
			if i+1 < len(arg) && s.nodes[arg[i+1]].kind == kColonColon {
				continue // a path's prefix
			}
			if !readFlags[openFlag(s, t)] {
				return false
			}
		case n.kind == kColonColon || s.text(t) == "|":
		case n.kind == kTokenTree:
			if !readFlagsOnly(s, argumentsOf(s, t)[0]) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func readFlagExpr(s *syntax, n int32) bool {
	switch s.nodes[n].kind {
	case kIdentifier:
		return readFlags[openFlag(s, n)]
	case kScopedIdentifier:
		name := s.child(n, fName)
		return name >= 0 && readFlagExpr(s, name)
	case kParenthesizedExpression:
		open := s.nodes[n].firstChild // ( expr )
		return open >= 0 && s.nodes[open].nextSibling >= 0 && readFlagExpr(s, s.nodes[open].nextSibling)
	case kBinaryExpression:
		l := s.nodes[n].firstChild
		if l < 0 {
			return false
		}
		op := s.nodes[l].nextSibling
		if op < 0 || s.text(op) != "|" {
			return false
		}
		r := s.nodes[op].nextSibling
		return r >= 0 && readFlagExpr(s, l) && readFlagExpr(s, r)
	}
	return false
}

func spanOf(start, end uint32) span.Range { return span.Range{Start: int(start), End: int(end)} }

// inPackage reports whether path p (relative to the current file) stays in the package.
func (w *walker) inPackage(p string) (string, bool) {
	abs := filepath.Clean(filepath.Join(filepath.Dir(w.f.path), p))
	return abs, w.a.inPackage(abs)
}
