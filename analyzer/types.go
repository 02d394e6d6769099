package analyzer

import (
	"strconv"
	"strings"
)

// Evident types: what a reader sees of a value's type without a type
// checker — an annotation, a constructor the API table knows, a generic's
// AsRef<Path> bound, a struct field's declared type, the items of an
// evidently typed collection. When the type is not evident, it is "" and
// nothing is claimed.
//
// A type is a string: the path of a type ("std::path::PathBuf", or
// "crate::walk::Walker" for the crate's own), or
//
//	"[X]"         a collection or iterator whose items are X (Vec<X>, &[X], paths.iter())
//	"<as_ref>X"   a generic bounded by AsRef<X>: its method as_ref gives X (likewise into, borrow)
//
// Option, Result and smart pointers are seen through, as `?` is: they hold
// their inner value's methods or none.

// unknownItems is the type of a new, empty collection: its items' type
// becomes evident when an evidently typed value is pushed into it.
const unknownItems = "[]"

// emptyCollection are the constructors of an empty collection.
var emptyCollection = setOf("new", "with_capacity", "default")

// pushes add their argument to a collection.
var pushes = setOf("push", "push_back", "push_front")

// itemsOf is the type of a collection of x.
func itemsOf(x string) string {
	if x == "" {
		return ""
	}
	return "[" + x + "]"
}

// conversions are the traits whose bound makes a generic's conversion
// method evident: `P: AsRef<Path>` makes `p.as_ref()` a Path.
var conversions = map[string]string{"AsRef": "as_ref", "Into": "into", "Borrow": "borrow"}

// iterators are the traits whose `Item = X` makes a bounded type's items X.
var iterators = map[string]bool{"Iterator": true, "IntoIterator": true, "DoubleEndedIterator": true, "ExactSizeIterator": true}

// itemBinding returns the type X of `Item = X` among generic type t's arguments, or -1.
func itemBinding(s *syntax, t int32) int32 {
	args := s.childKind(t, kTypeArguments)
	if args < 0 {
		return -1
	}
	for c := s.nodes[args].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].kind == kTypeBinding {
			if name := s.child(c, fName); name >= 0 && s.text(name) == "Item" {
				return s.child(c, fType)
			}
		}
	}
	return -1
}

// wrappers hold their argument's methods (through Deref, `?` or unwrap);
// collections hold items of their argument's type.
var (
	wrappers    = map[string]bool{"Option": true, "Result": true, "Box": true, "Rc": true, "Arc": true, "Cow": true}
	collections = map[string]bool{"Vec": true, "VecDeque": true, "HashSet": true, "BTreeSet": true, "BinaryHeap": true, "LinkedList": true}
)

// sameItems are iterator and collection methods whose result has the
// receiver's items; itemMethods give one item (an Option of it).
var (
	sameItems   = setOf("iter", "into_iter", "iter_mut", "drain", "filter", "rev", "skip", "take", "skip_while", "take_while", "peekable", "inspect", "cloned", "copied", "by_ref", "fuse", "step_by", "chain", "flatten")
	itemMethods = setOf("first", "last", "get", "pop", "pop_front", "pop_back", "next", "next_back", "nth", "find", "remove", "swap_remove", "min", "max")
	// transparent methods give back their receiver's type as this model
	// has it (Option and Result are seen through).
	transparent = setOf("unwrap", "expect", "unwrap_or_default", "ok", "clone", "as_deref", "as_mut", "borrow_mut", "deref")
	// valueClosures pass an Option's or Result's value to their closure:
	// on a value this model sees through, the closure's parameter has
	// its type.
	valueClosures = setOf("map", "and_then", "filter", "inspect", "is_some_and", "is_ok_and", "map_or", "map_or_else")
	// itemClosures pass each item to their closure's first parameter.
	itemClosures = setOf("map", "filter", "for_each", "any", "all", "find", "filter_map", "flat_map", "inspect", "position", "take_while", "skip_while", "map_while", "partition", "find_map", "try_for_each", "max_by_key", "min_by_key", "retain", "sort_by_key")
)

// unwrapsTo reports whether pattern constructor name (Some, Ok) holds the
// value of an Option or Result this model sees through.
func unwrapsTo(name string) bool { return name == "Some" || name == "Ok" }

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// itemType is the type of what iterating a value of type t gives.
func (w *walker) itemType(t string) string {
	if strings.HasPrefix(t, "[") {
		return t[1 : len(t)-1]
	}
	if it, ok := w.table.Item(t); ok {
		return it
	}
	return ""
}

// typeOfAnnotation is the evident type of a type annotation where the
// walker is (&Path, PathBuf, &mut OpenOptions, P with P: AsRef<Path>, &[PathBuf]).
func (w *walker) typeOfAnnotation(t int32) string {
	return w.typeOfType(w.s, &w.r, w.generics, t)
}

// typeOfType is the evident type of type node t of s, resolved by r, with
// the given generic parameters in scope (name → bound type, "" if none).
func (w *walker) typeOfType(s *syntax, r *resolver, generics map[string]string, t int32) string {
	for t >= 0 && s.nodes[t].kind == kReferenceType {
		t = s.child(t, fType)
	}
	if t < 0 {
		return ""
	}
	switch s.nodes[t].kind {
	case kArrayType: // [X], [X; N]
		return itemsOf(w.typeOfType(s, r, generics, s.child(t, fElement)))
	case kAbstractType: // impl AsRef<Path>, impl Iterator<Item = PathBuf>
		return w.boundType(s, r, generics, s.child(t, fTrait))
	case kTypeIdentifier, kScopedTypeIdentifier, kGenericType:
		segs := pathSegments(s, t)
		if len(segs) == 0 {
			return ""
		}
		if g, ok := generics[segs[0]]; ok && len(segs) == 1 {
			return g
		}
		if len(segs) == 1 && segs[0] == "Self" {
			t, _ := r.self.get()
			return t
		}
		last := segs[len(segs)-1]
		if s.nodes[t].kind == kGenericType && (wrappers[last] || collections[last]) {
			if p, local := r.resolve(segs, false); local || !isStdPath(p) {
				return ""
			}
			inner := w.typeOfType(s, r, generics, firstTypeArgument(s, t))
			if collections[last] {
				return itemsOf(inner)
			}
			return inner
		}
		if !w.table.HasTypeNamed(last) && !w.root.typeNames[last] {
			return ""
		}
		p, local := r.resolve(segs, false)
		if local {
			return p // a crate type: its fields may be evident
		}
		return w.table.Canonical(p)
	}
	return ""
}

// isStdPath reports whether resolved path p names a standard library item
// (or a prelude name nothing else binds).
func isStdPath(p string) bool {
	first, _, more := strings.Cut(p, "::")
	return !more || first == "std" || first == "alloc" || first == "core"
}

// firstTypeArgument returns the first type among a generic type's
// arguments (Vec<PathBuf> → PathBuf), or -1.
func firstTypeArgument(s *syntax, t int32) int32 {
	args := s.childKind(t, kTypeArguments)
	if args < 0 {
		return -1
	}
	for c := s.nodes[args].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		switch s.nodes[c].kind {
		case kTypeIdentifier, kScopedTypeIdentifier, kGenericType, kReferenceType, kArrayType, kAbstractType:
			return c
		}
	}
	return -1
}

// boundType is the type a generic bounded by bounds n has: "<as_ref>X"
// for AsRef<X> (the first conversion bound), else "".
func (w *walker) boundType(s *syntax, r *resolver, generics map[string]string, n int32) string {
	if n < 0 {
		return ""
	}
	if s.nodes[n].kind == kTraitBounds {
		for c := s.nodes[n].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			if t := w.boundType(s, r, generics, c); t != "" {
				return t
			}
		}
		return ""
	}
	if s.nodes[n].kind != kGenericType {
		return ""
	}
	segs := pathSegments(s, n)
	if len(segs) == 0 {
		return ""
	}
	last := segs[len(segs)-1]
	if iterators[last] {
		if p, local := r.resolve(segs, false); local || !isStdPath(p) {
			return ""
		}
		return itemsOf(w.typeOfType(s, r, generics, itemBinding(s, n)))
	}
	method := conversions[last]
	if method == "" {
		return ""
	}
	if p, local := r.resolve(segs, false); local || !isStdPath(p) {
		return ""
	}
	x := w.typeOfType(s, r, generics, firstTypeArgument(s, n))
	if x == "" {
		return ""
	}
	return "<" + method + ">" + x
}

// genericsOf returns the generic parameters of item i (a fn, impl or
// struct) with their bound types, over outer; outer itself when it has none.
func (w *walker) genericsOf(s *syntax, r *resolver, i int32, outer map[string]string) map[string]string {
	tp, wc := s.child(i, fTypeParameters), s.childKind(i, kWhereClause)
	if tp < 0 && wc < 0 {
		return outer
	}
	g := make(map[string]string, len(outer)+2)
	for k, v := range outer {
		g[k] = v
	}
	if tp >= 0 {
		for c := s.nodes[tp].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			if s.nodes[c].kind == kTypeParameter {
				if name := s.child(c, fName); name >= 0 {
					g[s.text(name)] = ""
				}
			}
		}
		for c := s.nodes[tp].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			if s.nodes[c].kind == kTypeParameter {
				if name := s.child(c, fName); name >= 0 {
					g[s.text(name)] = w.boundType(s, r, g, s.child(c, fBounds))
				}
			}
		}
	}
	if wc >= 0 {
		for c := s.nodes[wc].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			if s.nodes[c].kind != kWherePredicate {
				continue
			}
			left := s.child(c, fLeft)
			if left < 0 || s.nodes[left].kind != kTypeIdentifier {
				continue
			}
			if b := w.boundType(s, r, g, s.child(c, fBounds)); b != "" {
				g[s.text(left)] = b
			}
		}
	}
	return g
}

// selfType is the type `Self` names in one impl block: the crate's own
// (local) or a canonical external path. It is resolved on first use, as
// most impl bodies never say `Self` or read `self`'s type, and resolving
// an impl's type through glob imports is costly (winapi, web-sys).
type selfType struct {
	path    string
	local   bool
	pending func() (string, bool) // resolves it; nil once resolved
}

// get returns what t names, "" for none (t nil: outside an impl).
func (t *selfType) get() (string, bool) {
	if t == nil {
		return "", false
	}
	if t.pending != nil {
		t.path, t.local = t.pending()
		t.pending = nil
	}
	return t.path, t.local
}

// implSelf is the type `Self` names in impl item i, resolved when first
// asked for from where the impl stands: its module, the blocks around it
// and the generics in scope now (the impl's own included).
func (w *walker) implSelf(i int32) *selfType {
	s, generics := w.s, w.generics
	r := resolver{mod: w.r.mod, blocks: w.r.blocks, known: w.known}
	return &selfType{pending: func() (string, bool) {
		t := s.child(i, fType)
		if t < 0 {
			return "", false
		}
		segs := pathSegments(s, t)
		if len(segs) == 0 {
			return "", false
		}
		if g, ok := generics[segs[0]]; ok && len(segs) == 1 {
			return g, false
		}
		p, local := r.resolve(segs, false)
		if !local {
			p = w.table.Canonical(p)
		}
		return p, local
	}}
}

// typeOf returns the evident type of expression e, or "".
func (w *walker) typeOf(e int32) string {
	s := w.s
	for depth := 0; e >= 0 && depth < 64; depth++ {
		switch s.nodes[e].kind {
		case kIdentifier:
			name := s.text(e)
			for i := len(w.r.blocks) - 1; i >= 0; i-- {
				if t, ok := w.r.blocks[i].lets[name]; ok {
					return t
				}
			}
			return ""
		case kSelf:
			t, _ := w.r.self.get()
			return t
		case kReferenceExpression:
			e = s.child(e, fValue)
			continue
		case kTryExpression, kAwaitExpression: // x?, x.await
			e = s.nodes[e].firstChild
			continue
		case kParenthesizedExpression: // ( x )
			if e = s.nodes[e].firstChild; e >= 0 {
				e = s.nodes[e].nextSibling
			}
			continue
		case kIndexExpression: // paths[0]
			return w.itemType(w.typeOf(s.nodes[e].firstChild))
		case kFieldExpression: // self.root
			recv, f := s.child(e, fValue), s.child(e, fField)
			if recv < 0 || f < 0 {
				return ""
			}
			return w.fieldType(w.typeOf(recv), s.text(f))
		case kCallExpression:
			fn := s.child(e, fFunction)
			if fn < 0 {
				return ""
			}
			if s.nodes[fn].kind == kFieldExpression {
				recv, meth := s.child(fn, fValue), s.child(fn, fField)
				if recv < 0 || meth < 0 {
					return ""
				}
				return w.methodType(w.typeOf(recv), s.text(meth))
			}
			segs := pathSegments(s, fn)
			if len(segs) >= 2 && collections[segs[len(segs)-2]] && emptyCollection[segs[len(segs)-1]] {
				if p, local := w.r.resolve(segs, true); !local && strings.Contains(p, "::") && isStdPath(p[:strings.LastIndex(p, "::")]) {
					return unknownItems
				}
			}
			if len(segs) == 0 || !w.table.MayClassify(segs[len(segs)-1]) && !w.root.fnNames[segs[len(segs)-1]] {
				return ""
			}
			for _, x := range w.r.resolveAll(segs, true) {
				if x.local {
					if t := w.returnType(x.path); t != "" {
						return t
					}
				} else if t, ok := w.table.Returns(x.path); ok {
					return t
				}
			}
			return ""
		}
		return ""
	}
	return ""
}

// methodType is the type of the result of calling method on a value of type t.
func (w *walker) methodType(t, method string) string {
	for range 2 { // t, then what it dereferences to
		switch {
		case t == "":
			return ""
		case t[0] == '<': // a conversion bound
			conv, x, _ := strings.Cut(t[1:], ">")
			if conv == method {
				return x
			}
			return ""
		case transparent[method]:
			return t
		}
		if it := w.itemType(t); it != "" {
			switch {
			case sameItems[method]:
				return itemsOf(it)
			case itemMethods[method]:
				return it
			}
		}
		if r, ok := w.table.MethodType(t, method); ok {
			return r
		}
		if strings.HasPrefix(t, "crate") {
			return w.localMethodType(t, method)
		}
		d, ok := w.table.Deref(t)
		if !ok {
			return ""
		}
		t = d
	}
	return ""
}

// returnType is the declared return type of the crate's fn at path p.
func (w *walker) returnType(p string) string {
	i := strings.LastIndex(p, "::")
	if i < 0 || !strings.HasPrefix(p, "crate") {
		return ""
	}
	r := resolver{known: w.known}
	for _, m := range (&resolver{mod: w.r.mod}).modulesAt(p[:i]) {
		if fn, ok := m.names.fns[p[i+2:]]; ok {
			r.mod = m
			return w.typeOfType(fn.syn, &r, w.genericsOf(fn.syn, &r, fn.item, nil), fn.ret)
		}
	}
	return ""
}

// localMethodType is the declared result type of inherent method method
// of the crate's type t.
func (w *walker) localMethodType(t, method string) string {
	for _, mm := range w.root.methods[t[strings.LastIndex(t, "::")+2:]+"::"+method] {
		r := resolver{mod: mm.m, known: w.known}
		if p, local := r.resolve(mm.d.self, false); !local || p != t {
			continue
		}
		r.self = &selfType{path: t, local: true}
		generics := w.genericsOf(mm.d.syn, &r, mm.d.impl, nil)
		return w.typeOfType(mm.d.syn, &r, w.genericsOf(mm.d.syn, &r, mm.d.item, generics), mm.d.ret)
	}
	return ""
}

// fieldType is the declared type of field name of crate struct type t.
func (w *walker) fieldType(t, name string) string {
	i := strings.LastIndex(t, "::")
	if i < 0 || !strings.HasPrefix(t, "crate") {
		return ""
	}
	r := resolver{known: w.known}
	for _, m := range (&resolver{mod: w.r.mod}).modulesAt(t[:i]) {
		st, ok := m.names.structs[t[i+2:]]
		if ok && st.data != nil {
			st, ok = st.data.structNamed(w.a, t[i+2:])
		}
		if !ok {
			continue
		}
		r.mod = m
		if t := st.field(name); t >= 0 {
			return w.typeOfType(st.syn, &r, w.genericsOf(st.syn, &r, st.item, nil), t)
		}
	}
	return ""
}

// field returns the type node of the struct's field name ("root", or "0"
// of a tuple struct), or -1.
func (st structDecl) field(name string) int32 {
	s := st.syn
	if s.nodes[st.fields].kind == kOrderedFieldDeclarationList {
		n, err := strconv.Atoi(name)
		if err != nil {
			return -1
		}
		for c := s.nodes[st.fields].firstChild; c >= 0; c = s.nodes[c].nextSibling {
			if s.nodes[c].field == fType {
				if n == 0 {
					return c
				}
				n--
			}
		}
		return -1
	}
	for f := s.nodes[st.fields].firstChild; f >= 0; f = s.nodes[f].nextSibling {
		if fn := s.child(f, fName); s.nodes[f].kind == kFieldDeclaration && fn >= 0 && s.text(fn) == name {
			return s.child(f, fType)
		}
	}
	return -1
}

// pushed gives a new collection bound to a name (`let mut v = Vec::new();`)
// the type of what `v.push(x)` pushes, when it is evident.
func (w *walker) pushed(fe, args int32) {
	s := w.s
	recv, f := s.child(fe, fValue), s.child(fe, fField)
	if recv < 0 || f < 0 || s.nodes[recv].kind != kIdentifier || !pushes[s.text(f)] {
		return
	}
	name := s.text(recv)
	for i := len(w.r.blocks) - 1; i >= 0; i-- {
		b := w.r.blocks[i]
		ty, ok := b.lets[name]
		if !ok {
			continue
		}
		if ty == unknownItems {
			if arg := argumentsOf(s, args)[0]; len(arg) == 1 {
				if t := itemsOf(w.typeOf(arg[0])); t != "" {
					b.lets[name] = t
				}
			}
		}
		return
	}
}
