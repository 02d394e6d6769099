package analyzer

import (
	"sort"
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
)

// macro handles a macro invocation: the compile-time rules (env!,
// include_str!, …), global_asm!, and otherwise a scan of its token tree.
func (w *walker) macro(i int32) {
	s := w.s
	name := s.child(i, fMacro)
	if name < 0 || w.itemMacro(i) {
		return
	}
	segs := pathSegments(s, name)
	var tt int32 = -1
	for c := s.nodes[i].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].kind == kTokenTree {
			tt = c
		}
	}
	if len(segs) == 0 || tt < 0 {
		return
	}
	if w.builtinMacro(segs, s.nodes[i].start, tt) {
		return
	}
	prefix := ""
	if len(segs) == 1 {
		prefix = w.syscallMacro(segs[0])
	}
	w.tokens(tt, prefix)
}

// builtinMacro applies the rules for the standard library's macros and
// reports whether it handled the invocation. start is where the
// invocation's text starts; tt is its token tree.
func (w *walker) builtinMacro(segs []string, start uint32, tt int32) bool {
	s := w.s
	if len(segs) > 1 && segs[0] != "std" && segs[0] != "core" && segs[0] != "" {
		return false
	}
	name := segs[len(segs)-1]
	if len(segs) == 1 && w.localMacro(name) {
		return false
	}
	end := s.nodes[tt].end
	switch name {
	case "env", "option_env":
		if v, ok := firstString(s, tt); ok && !cargoEnv(v) {
			w.use(caps.EnvReadonly, name+`!("`+v+`")`, start, end)
		}
		return true
	case "include_str", "include_bytes", "include":
		v, ok := firstString(s, tt)
		if !ok || hasMacroCall(s, tt) {
			if name == "include" {
				w.a.unanalysed(w.f.path, spanOf(start, end), "include! of generated code is not analysed", w.st)
			}
			return true
		}
		abs, in := w.inPackage(v)
		w.a.accounted[w.a.entry(abs)] = true // data, or reported, or analysed: not a stray module
		w.a.effects++
		if _, err := w.a.dir.Resolve(abs); in && leavesPackage(err) {
			in = false // a symlink out: the real path decides
		}
		if !in {
			w.use(caps.FSReadonly, name+`!("`+v+`")`, start, end)
			if name == "include" {
				w.a.unanalysed(w.f.path, spanOf(start, end), "include! of a file outside the package is not analysed", w.st)
			}
			return true
		}
		if name == "include" {
			w.include(abs, start, end)
		}
		return true
	case "global_asm", "naked_asm":
		w.use(caps.Unsafe, name+"!", start, end)
		return true
	}
	return false
}

// include analyses a file include!d from inside the package as code of the
// current module, where it is written.
func (w *walker) include(path string, start, end uint32) {
	r := w.a.file(path)
	if r.err != nil {
		why := notRead("include! file", w.a.rel(path), r.err)
		if why == "" {
			why = "include! file not found: " + w.a.rel(path)
		}
		w.a.unanalysed(w.f.path, spanOf(start, end), why, w.st)
		return
	}
	if w.a.seen[r.real] || w.depth > maxIncludeDepth {
		return
	}
	w.a.seen[r.real] = true
	w.a.effects++
	f := &sourceFile{path: path, module: w.r.mod, inlines: map[nodeRef]*module{}, expansions: map[nodeRef][]expansion{}}
	f.syn, _ = w.a.parse(path, r.text)
	w.a.sum.Files = append(w.a.sum.Files, path)
	w.a.sum.Lines += countLines(r.text)
	w.a.analysed = append(w.a.analysed, f)
	w.a.reportUnparsed(f, w.st)
	sub := &walker{a: w.a, f: f, s: f.syn, table: w.table, st: w.st, root: w.root, depth: w.depth + 1}
	sub.r = resolver{mod: w.r.mod, blocks: w.r.blocks, known: sub.known}
	if f.syn.hasError {
		sub.reportErrors()
	}
	sub.block(0)
}

const maxIncludeDepth = 8

// cargoEnv reports whether cargo sets variable v at compile time.
func cargoEnv(v string) bool {
	return strings.HasPrefix(v, "CARGO_") || v == "CARGO" || v == "OUT_DIR"
}

// firstString returns the token tree's first token if it is a string literal
// alone (`"path"`), as in env!("X") and include_str!("x").
func firstString(s *syntax, tt int32) (string, bool) {
	c := s.nodes[tt].firstChild
	if c < 0 {
		return "", false
	}
	c = s.nodes[c].nextSibling // past the delimiter
	if c < 0 {
		return "", false
	}
	v, ok := s.stringValue(c)
	if !ok {
		return "", false
	}
	if next := s.nodes[c].nextSibling; next >= 0 && s.nodes[next].kind != kComma && s.nodes[next].nextSibling >= 0 {
		return "", false
	}
	return v, true
}

func hasMacroCall(s *syntax, tt int32) bool {
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].kind == kBang {
			return true
		}
	}
	return false
}

// localMacro reports whether a macro_rules! of that name is in scope.
func (w *walker) localMacro(name string) bool {
	for i := len(w.r.blocks) - 1; i >= 0; i-- {
		if w.r.blocks[i].items[name+"!"] {
			return true
		}
	}
	for m := w.r.mod; m != nil; m = m.parent { // textual scope: macro_rules reach child modules
		if m.names.items[name+"!"] {
			return true
		}
	}
	return false
}

// syscallMacro returns the path prefix a crate's own `syscall!`-style macro
// puts before the function named in its arguments ("libc"), or "".
func (w *walker) syscallMacro(name string) string {
	if p, ok := w.r.mod.names.macros[name+"@"+w.s.file]; ok {
		return p
	}
	for i := len(w.r.blocks) - 1; i >= 0; i-- {
		if p, ok := w.r.blocks[i].macros[name]; ok {
			return p
		}
	}
	for m := w.r.mod; m != nil; m = m.parent {
		if p, ok := m.names.macros[name]; ok {
			return p
		}
	}
	for _, m := range w.root.all {
		if p, ok := m.names.macros[name]; ok { // #[macro_use] modules declared earlier
			return p
		}
	}
	return ""
}

// allModules lists m and the modules inside it, in a stable order.
func (m *module) allModules() []*module {
	out := []*module{m}
	names := make([]string, 0, len(m.mods))
	for n := range m.mods {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, m.mods[n].allModules()...)
	}
	return out
}

// syscallPrefix returns, for a macro_rules! whose body calls
// `prefix::$f(…)` with a metavariable function name, that prefix.
func syscallPrefix(s *syntax, def int32) []string {
	for r := s.nodes[def].firstChild; r >= 0; r = s.nodes[r].nextSibling {
		if s.nodes[r].kind != kMacroRule {
			continue
		}
		right := s.child(r, fRight)
		if right < 0 {
			continue
		}
		if p := findPrefixCall(s, right); p != nil {
			return p
		}
	}
	return nil
}

func findPrefixCall(s *syntax, tt int32) []string {
	var toks []int32
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		toks = append(toks, c)
	}
	for i, c := range toks {
		if k := s.nodes[c].kind; k == kTokenTree || k == kTokenRepetition {
			if p := findPrefixCall(s, c); p != nil {
				return p
			}
			continue
		}
		if s.nodes[c].kind != kMetavariable || i < 2 || s.nodes[toks[i-1]].kind != kColonColon {
			continue
		}
		if i+1 >= len(toks) || s.nodes[toks[i+1]].kind != kTokenTree || s.src[s.nodes[toks[i+1]].start] != '(' {
			continue
		}
		var segs []string
		for j := i - 2; j >= 0 && s.nodes[toks[j]].kind == kIdentifier; j -= 2 {
			segs = append([]string{s.text(toks[j])}, segs...)
			if j == 0 || s.nodes[toks[j-1]].kind != kColonColon {
				break
			}
		}
		if len(segs) > 0 {
			return segs
		}
	}
	return nil
}

// tokens scans a token tree for paths, nested macro calls, method calls on
// imported traits and `unsafe`. prefix, when set, is put before a lone
// function name called at the top level (`syscall!(open(…))` → libc::open).
func (w *walker) tokens(tt int32, prefix string) {
	s := w.s
	var toks []int32
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		toks = append(toks, c)
	}
	for i := 0; i < len(toks); i++ {
		c := toks[i]
		switch s.nodes[c].kind {
		case kTokenTree, kTokenRepetition: // $( … )* repeats tokens like any others
			if i > 0 && isAttrBracket(s, toks[i-1], c) {
				w.tokenAttr(c)
			}
			w.tokens(c, "")
			continue
		case kUnsafeKw:
			if i != 1 || !isAttrBracket(s, prevSibling(s, tt), tt) { // #[unsafe(no_mangle)] is the attribute's use
				w.use(caps.Unsafe, unsafeTokenAPI(s, toks[i+1:]), s.nodes[c].start, s.nodes[c].end)
			}
			continue
		case kIdentifier: // `extern` is one among tokens
			if externBlock(s, toks[i:]) {
				if i == 0 || s.nodes[toks[i-1]].kind != kUnsafeKw {
					w.use(caps.Unsafe, "extern block", s.nodes[c].start, s.nodes[c].end)
				}
				continue
			}
		case kColonColon, kSelf, kSuper, kCrate, kMetavariable:
		default:
			continue
		}
		// a path: [::] seg (:: seg)*
		j := i
		var segs []string
		if s.nodes[toks[j]].kind == kColonColon {
			segs = append(segs, "")
			j++
		}
		for j < len(toks) {
			k := s.nodes[toks[j]].kind
			if k != kIdentifier && k != kSelf && k != kSuper && k != kCrate && k != kMetavariable {
				break
			}
			segs = append(segs, s.text(toks[j]))
			j++
			if j+1 < len(toks) && s.nodes[toks[j]].kind == kColonColon {
				j++
				continue
			}
			break
		}
		if len(segs) == 0 || segs[len(segs)-1] == "" {
			continue
		}
		start, end := s.nodes[toks[i]].start, s.nodes[toks[j-1]].end
		next := int32(-1)
		if j < len(toks) {
			next = toks[j]
		}
		method := i > 0 && s.nodes[toks[i-1]].kind == kDot
		switch {
		case next >= 0 && s.nodes[next].kind == kBang:
			if j+1 < len(toks) && s.nodes[toks[j+1]].kind == kTokenTree {
				if !w.builtinMacro(segs, start, toks[j+1]) {
					w.tokens(toks[j+1], "")
				}
				j += 2
			}
		case method && len(segs) == 1:
			w.tokenMethod(segs[0], start, end)
		case strings.HasPrefix(segs[0], "$") && segs[0] != "$crate":
		default:
			called := next >= 0 && s.nodes[next].kind == kTokenTree && s.src[s.nodes[next].start] == '('
			args := int32(-1)
			if called {
				args = next
			}
			if prefix != "" && len(segs) == 1 && called {
				if full := prefix + "::" + segs[0]; w.knownCall(full) {
					w.classifyPath(strings.Split(full, "::"), start, end, args, true)
					break
				}
			}
			if len(segs) > 1 || called {
				w.classifyPath(segs, start, end, args, true)
			}
			if called && j+2 < len(toks) && s.nodes[toks[j+1]].kind == kDot {
				w.tokenCtorMethod(segs, toks[j+2])
			}
		}
		i = j - 1
	}
}

// unsafeTokenAPI names the use of an `unsafe` among a macro's tokens by
// what follows it: `unsafe impl`, `unsafe trait`, `unsafe [extern "C"] fn`,
// `unsafe extern "C" { … }`, or else a block.
func unsafeTokenAPI(s *syntax, next []int32) string {
	if externBlock(s, next) {
		return "extern block"
	}
	for k, c := range next {
		switch t := s.text(c); {
		case t == "impl" || t == "trait" || t == "fn":
			return "unsafe " + t
		case k == 0 && t == "extern", k == 1 && s.nodes[c].kind == kStringLiteral:
			continue // unsafe extern "C" fn
		}
		break
	}
	return "unsafe block"
}

// externBlock reports whether toks open with an extern block,
// `extern ["abi"] { … }`, among a macro's tokens.
func externBlock(s *syntax, toks []int32) bool {
	if len(toks) < 2 || s.nodes[toks[0]].end-s.nodes[toks[0]].start != 6 || s.text(toks[0]) != "extern" {
		return false
	}
	body := toks[1]
	if s.nodes[body].kind == kStringLiteral && len(toks) > 2 {
		body = toks[2]
	}
	return s.nodes[body].kind == kTokenTree && s.src[s.nodes[body].start] == '{'
}

// isAttrBracket reports whether token tree tt, after token prev, is the
// bracket of an attribute `#[…]` among a macro's tokens.
func isAttrBracket(s *syntax, prev, tt int32) bool {
	return prev >= 0 && s.src[s.nodes[tt].start] == '[' && s.text(prev) == "#"
}

// prevSibling returns the node before i among its parent's children, or -1.
// Nodes are in preorder: the one before i is i's parent or the last
// descendant of that sibling.
func prevSibling(s *syntax, i int32) int32 {
	p := s.nodes[i].parent
	if p < 0 || i-1 == p {
		return -1
	}
	j := i - 1
	for j >= 0 && s.nodes[j].parent != p {
		j = s.nodes[j].parent
	}
	return j
}

func (w *walker) knownCall(full string) bool {
	_, ok := w.table.Lookup(full)
	return ok
}

// tokenCtorMethod classifies `Path::new(…).exists()` inside a token tree:
// the constructor makes the receiver's type evident.
func (w *walker) tokenCtorMethod(ctor []string, method int32) {
	s := w.s
	if s.nodes[method].kind != kIdentifier || !w.table.MayClassify(ctor[len(ctor)-1]) {
		return
	}
	full, local := w.r.resolve(ctor, true)
	t, ok := w.table.Returns(full)
	if local || !ok {
		return
	}
	for _, e := range w.table.Methods(s.text(method)) {
		if w.isType(t, e.Owner()) {
			w.use(e.Cap, e.Path, s.nodes[method].start, s.nodes[method].end)
			return
		}
	}
}

// tokenMethod classifies `.name(` inside a token tree: only imported traits
// count, since no receiver type is evident there.
func (w *walker) tokenMethod(name string, start, end uint32) {
	for _, e := range w.table.Methods(name) {
		if owner := e.Owner(); w.table.IsTrait(owner) && w.traitInScope(owner) {
			w.use(e.Cap, e.Path, start, end)
			return
		}
	}
}
