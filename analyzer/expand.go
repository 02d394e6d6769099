package analyzer

import (
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// expand parses the body of item-level macro invocation i as items when it
// is items: a cfg_if! gives one expansion per branch; another macro one
// expansion, kept only if its body parses without error (a DSL such as
// bitflags! does not, and is then scanned as tokens).
//
// Inner attributes that open the body are the macro's input, not items:
// `#![cfg(p)]` gates the whole body; another (`#![feature = "fs"]`) becomes
// a gate only where the macro's definition shows that it turns it into
// #[cfg(…)] (see macroGate), so it is kept as the expansion's meta.
//
// Bodies nested more than maxExpansionDepth deep are scanned as tokens:
// each level is parsed again (nesting costs a parse of the text per
// level), and real code nests two or three.
func (a *crateAnalysis) expand(s *syntax, i int32) []expansion {
	name := s.child(i, fMacro)
	tt := s.childKind(i, kTokenTree)
	if name < 0 || tt < 0 || s.src[s.nodes[tt].start] != '{' || s.depth >= maxExpansionDepth {
		return nil
	}
	segs := pathSegments(s, name)
	if len(segs) == 0 {
		return nil
	}
	macro := segs[len(segs)-1]
	if macro == "cfg_if" || macro == "match_cfg" { // the cfg-if and match_cfg crates: the first arm whose cfg holds
		exps := a.expandCfgIf(s, tt)
		if outer := outerCfgs(s, i); len(outer) > 0 {
			for k := range exps {
				exps[k].cfg = append(outer[:len(outer):len(outer)], exps[k].cfg...)
			}
		}
		return exps
	}
	if macro == "macro_rules" || !startsLikeItems(s, tt) {
		return nil
	}
	e := expansion{macro: macro, cfg: outerCfgs(s, i)}
	from := s.nodes[tt].start + 1
	for _, at := range leadingInnerAttrs(s, tt) {
		from = s.nodes[at].end
		if p, ok := cfgTokenTree(s, at); ok {
			e.cfg = append(e.cfg, p)
		} else if preds := parseCfgList(s, at); e.meta == nil && len(preds) == 1 {
			e.meta = &preds[0]
		}
	}
	to := s.nodes[tt].end - 1 // before the closing brace
	if items, ok := dataItems(s, tt, from); ok {
		e.data = &dataBody{s: s, from: from, to: to, items: items}
		return []expansion{e}
	}
	if e.syn = a.parseItems(s, from, to); e.syn != nil {
		return []expansion{e}
	}
	return nil
}

// leadingInnerAttrs returns the bracketed token trees of the `#![…]`
// attributes that open token tree tt.
func leadingInnerAttrs(s *syntax, tt int32) []int32 {
	var out []int32
	c := s.nodes[tt].firstChild
	if c >= 0 {
		c = s.nodes[c].nextSibling // past the delimiter
	}
	for ; c >= 0; c = s.nodes[c].nextSibling {
		if k := s.nodes[c].kind; k == kLineComment || k == kBlockComment {
			continue
		}
		bang := s.nodes[c].nextSibling
		if s.text(c) != "#" || bang < 0 || s.nodes[bang].kind != kBang {
			break
		}
		br := s.nodes[bang].nextSibling
		if br < 0 || s.nodes[br].kind != kTokenTree || s.src[s.nodes[br].start] != '[' {
			break
		}
		out = append(out, br)
		c = br
	}
	return out
}

// itemMacro walks an item macro that collectModule did not meet, in an
// impl or trait body (tokio's cfg_rt! around methods) or inside such a
// macro's expansion, as items when its body is items, and reports whether
// it did.
func (w *walker) itemMacro(i int32) bool {
	s := w.s
	p := s.nodes[i].parent
	if p < 0 {
		return false
	}
	switch s.nodes[p].kind {
	case kDeclarationList:
		if pp := s.nodes[p].parent; pp < 0 || s.nodes[pp].kind != kImplItem && s.nodes[pp].kind != kTraitItem {
			return false
		}
	case kSourceFile:
		if s == w.f.syn { // the file's own items: collectModule expanded what it could
			return false
		}
	default:
		return false
	}
	exps := w.a.expand(s, i)
	if len(exps) == 0 {
		return false
	}
	w.a.effects++ // parsed a macro body
	w.expansions(exps)
	return true
}

// itemStarts are the keywords an item can begin with (besides a macro call,
// `name!` or `path::name!`).
var itemStarts = map[string]bool{
	"pub": true, "fn": true, "struct": true, "enum": true, "union": true,
	"trait": true, "impl": true, "type": true, "const": true, "static": true, "mod": true,
	"use": true, "extern": true, "unsafe": true, "async": true, "default": true,
	"auto": true, "safe": true, "macro_rules": true,
}

// startsLikeItems reports whether the token tree tt could hold items, judged
// by its first tokens after any attributes (outer or inner) and comments,
// so that a DSL body (DEFINE_GUID!{IID_X, 0x…}, RIDL!{#[uuid(…)] interface
// IFoo…}) is not parsed a second time only to fail.
func startsLikeItems(s *syntax, tt int32) bool {
	open := s.nodes[tt].firstChild
	if open < 0 {
		return false
	}
	var toks [3]string
	n := 0
	for c := s.nodes[open].nextSibling; c >= 0 && n < len(toks); c = s.nodes[c].nextSibling {
		switch s.nodes[c].kind {
		case kLineComment, kBlockComment:
			continue
		case kTokenTree:
			attr := n == 1 && toks[0] == "#" || n == 2 && toks[0] == "#" && toks[1] == "!"
			if attr && s.src[s.nodes[c].start] == '[' {
				n = 0
				continue
			}
		}
		toks[n] = s.text(c)
		n++
	}
	switch {
	case n == 0 || toks[0] == "}":
		return false
	case itemStarts[toks[0]]:
		return true
	default: // a macro call: `name!` or `path::…`
		return toks[0] != "" && isIdentByte(toks[0][0]) && (toks[1] == "!" || toks[1] == "::")
	}
}

// expandCfgIf splits `if #[cfg(p)] { … } else if #[cfg(q)] { … } else { … }`,
// or match_cfg!'s `#[cfg(p)] => { … } #[cfg(q)] => { … } _ => { … }`.
func (a *crateAnalysis) expandCfgIf(s *syntax, tt int32) []expansion {
	var out []expansion
	var earlier []Cfg // conditions of earlier branches, negated in later ones
	var cond *Cfg
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].kind != kTokenTree {
			continue
		}
		switch s.src[s.nodes[c].start] {
		case '[': // #[cfg(p)]
			if p, ok := cfgTokenTree(s, c); ok {
				cond = &p
			}
		case '{':
			var cfg []Cfg
			for _, e := range earlier {
				cfg = append(cfg, Cfg{Op: CfgNot, Args: []Cfg{e}})
			}
			if cond != nil {
				cfg = append(cfg, *cond)
				earlier = append(earlier, *cond)
			}
			cond = nil
			syn := a.parseItems(s, s.nodes[c].start+1, s.nodes[c].end-1)
			if syn == nil && s.nodes[c].end-s.nodes[c].start > 2 {
				return nil // a branch that is not items: the whole is scanned as tokens
			}
			if syn != nil {
				out = append(out, expansion{syn: syn, macro: "cfg_if", cfg: cfg})
			}
		}
	}
	return out
}

// parseItems parses src[start:end] of s as items, keeping offsets into the
// whole text. It returns nil when the text does not parse cleanly.
func (a *crateAnalysis) parseItems(s *syntax, start, end uint32) *syntax {
	if end <= start {
		return nil
	}
	r := []sitter.Range{{StartByte: uint(start), EndByte: uint(end),
		StartPoint: sitter.Point{Column: uint(start)}, EndPoint: sitter.Point{Column: uint(end)}}}
	if err := a.parser.SetIncludedRanges(r); err != nil {
		return nil
	}
	tree := parseClean(a.parser, s.parsed)
	_ = a.parser.SetIncludedRanges(nil)
	if tree == nil {
		return nil
	}
	if tree.RootNode().HasError() {
		tree.Close()
		return nil
	}
	sub := flattenClosing(tree, s.src, s.parsed)
	a.made = append(a.made, sub)
	sub.file = s.file
	sub.depth = s.depth + 1
	return sub
}

const maxExpansionDepth = 4

// expansionState is what holds for the items of expansion e in code where
// st holds.
func expansionState(e expansion, st state) state {
	for _, p := range e.cfg {
		st = underCfg(st, p)
	}
	return st
}

// cfgGates returns the predicates among cs that mention a feature.
func cfgGates(cs []Cfg) []Cfg {
	var out []Cfg
	for _, c := range cs {
		if mentionsFeature(c) {
			out = append(out, c)
		}
	}
	return out
}

func cfgTest(cs []Cfg) bool {
	for _, c := range cs {
		if mentionsTest(c, false) {
			return true
		}
	}
	return false
}

// outerCfgs returns the predicates of the #[cfg(p)] attributes on item i:
// they hold for the modules an item macro declares as for its other items.
func outerCfgs(s *syntax, i int32) []Cfg {
	var out []Cfg
	for a := prevSibling(s, i); a >= 0; a = prevSibling(s, a) {
		switch s.nodes[a].kind {
		case kLineComment, kBlockComment:
			continue
		case kAttributeItem:
			if at := s.childKind(a, kAttribute); at >= 0 {
				if name, args := attrName(s, at); name == "cfg" && args >= 0 {
					if preds := parseCfgList(s, args); len(preds) == 1 {
						out = append([]Cfg{preds[0]}, out...)
					}
				}
			}
			continue
		}
		break
	}
	return out
}

// cfgTokenTree reads `[cfg(p)]`, an attribute's bracketed token tree among
// a macro's tokens, and returns p.
func cfgTokenTree(s *syntax, tt int32) (Cfg, bool) {
	first := s.nodes[tt].firstChild
	if first < 0 {
		return Cfg{}, false
	}
	id := s.nodes[first].nextSibling
	if id < 0 || s.text(id) != "cfg" {
		return Cfg{}, false
	}
	args := s.nodes[id].nextSibling
	if args < 0 || s.nodes[args].kind != kTokenTree {
		return Cfg{}, false
	}
	if preds := parseCfgList(s, args); len(preds) == 1 {
		return preds[0], true
	}
	return Cfg{}, false
}

// macroGate is the cfg a crate's macro_rules! puts on the items it is given.
type macroGate struct {
	cfg *Cfg // written in its body: `#[cfg(feature = "net")] $item` (tokio's cfg_net!)
	// fromMeta: its rule takes `#![$m:meta] $($item:item)*` and puts
	// #[cfg($m)] on each item (nix's feature!, hyper's cfg_feature!).
	fromMeta bool
	// via and viaMeta: it hands the items on to macro via, under
	// `#![viaMeta]` if set (hyper's cfg_proto! to cfg_feature!, tokio's
	// cfg_process_driver! to cfg_process!).
	via     string
	viaMeta *Cfg
}

// macroRuleCfg reads from the rules of macro_rules! definition def what cfg
// it puts on the items it is given: every rule must put the same.
func macroRuleCfg(s *syntax, def int32) (macroGate, bool) {
	var gate *macroGate
	for r := s.nodes[def].firstChild; r >= 0; r = s.nodes[r].nextSibling {
		if s.nodes[r].kind != kMacroRule {
			continue
		}
		g, ok := ruleCfg(s, r)
		if !ok || gate != nil && !gate.equal(g) {
			return macroGate{}, false
		}
		gate = &g
	}
	if gate == nil {
		return macroGate{}, false
	}
	return *gate, true
}

// ruleCfg reads what cfg macro rule r puts on the items it is given.
func ruleCfg(s *syntax, r int32) (macroGate, bool) {
	right := s.child(r, fRight)
	if right < 0 {
		return macroGate{}, false
	}
	meta := metaBinding(s, s.nodes[r].firstChild)
	if c, ok := findCfgAttr(s, right, meta); ok {
		if c.Op == CfgOther && c.Name == meta {
			return macroGate{fromMeta: true}, true
		}
		return macroGate{cfg: &c}, true
	}
	if via, c, ok := findForward(s, right); ok {
		return macroGate{via: via, viaMeta: c}, true
	}
	return macroGate{}, false
}

func (g macroGate) equal(h macroGate) bool {
	sameCfg := func(a, b *Cfg) bool { return a == nil && b == nil || a != nil && b != nil && a.equal(*b) }
	return g.fromMeta == h.fromMeta && g.via == h.via && sameCfg(g.cfg, h.cfg) && sameCfg(g.viaMeta, h.viaMeta)
}

// metaBinding returns $m when matcher left opens with `#![$m:meta]`, or "".
func metaBinding(s *syntax, left int32) string {
	if left < 0 {
		return ""
	}
	var toks []int32
	for c := s.nodes[left].firstChild; c >= 0 && len(toks) < 4; c = s.nodes[c].nextSibling {
		toks = append(toks, c)
	}
	if len(toks) < 4 || s.text(toks[1]) != "#" || s.text(toks[2]) != "!" {
		return ""
	}
	inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s.text(toks[3]), "["), "]"))
	m, frag, ok := strings.Cut(inner, ":")
	if m = strings.TrimSpace(m); !ok || strings.TrimSpace(frag) != "meta" || !strings.HasPrefix(m, "$") {
		return ""
	}
	return m
}

// findCfgAttr finds `#[cfg(p)]` on a metavariable (`#[cfg(p)] $item`,
// other attributes between) in macro body tt, where p mentions a feature or
// is the metavariable meta, and returns p.
func findCfgAttr(s *syntax, tt int32, meta string) (Cfg, bool) {
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].firstChild < 0 {
			continue
		}
		if s.nodes[c].kind == kTokenTree && s.src[s.nodes[c].start] == '[' {
			if p, ok := cfgTokenTree(s, c); ok && (mentionsFeature(p) || meta != "" && p.Op == CfgOther && p.Name == meta) && onMetavariable(s, c) {
				return p, true
			}
			continue
		}
		if cfg, ok := findCfgAttr(s, c, meta); ok {
			return cfg, true
		}
	}
	return Cfg{}, false
}

// onMetavariable reports whether the attribute whose bracket is tt is on
// a metavariable: only other attributes come between.
func onMetavariable(s *syntax, tt int32) bool {
	c := s.nodes[tt].nextSibling
	for c >= 0 && s.text(c) == "#" {
		if c = s.nodes[c].nextSibling; c < 0 || s.nodes[c].kind != kTokenTree {
			return false
		}
		c = s.nodes[c].nextSibling
	}
	return c >= 0 && s.nodes[c].kind == kMetavariable
}

// findForward reads macro body tt that is only a call `name! { … }` of
// another macro with the items in it (`$($item)*`), after attributes, and
// returns name and, when the call's body opens with a written-out
// `#![meta]` (no metavariable in it), meta.
func findForward(s *syntax, tt int32) (string, *Cfg, bool) {
	var toks []int32
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if k := s.nodes[c].kind; k != kLineComment && k != kBlockComment {
			toks = append(toks, c)
		}
	}
	if len(toks) < 2 {
		return "", nil, false
	}
	toks = toks[1 : len(toks)-1] // the delimiters
	for len(toks) >= 2 && s.text(toks[0]) == "#" && s.nodes[toks[1]].kind == kTokenTree {
		toks = toks[2:] // #[cfg(unix)]
	}
	if len(toks) == 4 && s.text(toks[3]) == ";" {
		toks = toks[:3]
	}
	if len(toks) != 3 || s.nodes[toks[0]].kind != kIdentifier || s.nodes[toks[1]].kind != kBang || s.nodes[toks[2]].kind != kTokenTree {
		return "", nil, false
	}
	body := toks[2]
	if !strings.Contains(s.text(body), "$") {
		return "", nil, false // items of its own, not the ones it is given
	}
	var meta *Cfg
	if attrs := leadingInnerAttrs(s, body); len(attrs) > 0 && !strings.Contains(s.text(attrs[0]), "$") {
		if preds := parseCfgList(s, attrs[0]); len(preds) == 1 {
			meta = &preds[0]
		}
	}
	return s.text(toks[0]), meta, true
}

// macroCfg returns the feature cfg the crate macro that expansion e
// invokes puts on its items.
func (m *module) macroCfg(e expansion) (Cfg, bool) {
	name, meta := e.macro, e.meta
	for range maxForwards {
		var g macroGate
		found := false
		for _, x := range m.all {
			if g, found = x.names.macroCfgs[name]; found {
				break
			}
		}
		switch {
		case !found:
		case g.cfg != nil:
			return *g.cfg, true
		case g.fromMeta && meta != nil && mentionsFeature(*meta):
			return *meta, true
		case g.via != "":
			name, meta = g.via, g.viaMeta
			continue
		}
		break
	}
	return Cfg{}, false
}

// maxForwards bounds a chain of macros handing items on (a cycle is a
// compile error, not a reason to loop).
const maxForwards = 4

// addGate adds a gate to m and every module inside it.
func (m *module) addGate(c Cfg) {
	m.state.gates = withGate(m.state.gates, c)
	for _, x := range m.mods {
		x.addGate(c)
	}
}
