package analyzer

import (
	sitter "github.com/tree-sitter/go-tree-sitter"
)

// expand parses the body of item-level macro invocation i as items when it
// is items: a cfg_if! gives one expansion per branch; another macro one
// expansion, kept only if its body parses without error (a DSL such as
// bitflags! does not, and is then scanned as tokens).
func (a *crateAnalysis) expand(s *syntax, i int32) []expansion {
	name := s.child(i, fMacro)
	tt := s.childKind(i, kTokenTree)
	if name < 0 || tt < 0 || s.src[s.nodes[tt].start] != '{' {
		return nil
	}
	segs := pathSegments(s, name)
	if len(segs) == 0 {
		return nil
	}
	macro := segs[len(segs)-1]
	if macro == "cfg_if" {
		return a.expandCfgIf(s, tt)
	}
	if macro == "macro_rules" || !startsLikeItems(s, tt) {
		return nil
	}
	if syn := a.parseItems(s, s.nodes[tt].start+1, s.nodes[tt].end-1); syn != nil {
		return []expansion{{syn: syn, macro: macro}}
	}
	return nil
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
// by its first tokens after any attributes, so that a DSL body
// (DEFINE_GUID!{IID_X, 0x…}, RIDL!{#[uuid(…)] interface IFoo…}) is not
// parsed a second time only to fail.
func startsLikeItems(s *syntax, tt int32) bool {
	open := s.nodes[tt].firstChild
	if open < 0 {
		return false
	}
	var toks [2]string
	n := 0
	for c := s.nodes[open].nextSibling; c >= 0 && n < len(toks); c = s.nodes[c].nextSibling {
		switch s.nodes[c].kind {
		case kLineComment, kBlockComment:
			continue
		case kTokenTree:
			if n == 1 && toks[0] == "#" && s.src[s.nodes[c].start] == '[' { // an attribute
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

// expandCfgIf splits `if #[cfg(p)] { … } else if #[cfg(q)] { … } else { … }`.
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
			if syn := a.parseItems(s, s.nodes[c].start+1, s.nodes[c].end-1); syn != nil {
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
	defer tree.Close()
	if tree.RootNode().HasError() {
		return nil
	}
	sub := flatten(tree, s.src, s.parsed)
	sub.file = s.file
	return sub
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

// macroRuleCfg finds `#[cfg(p)]` in the right-hand side of a macro_rules!
// definition that wraps the items it is given, and returns p.
func macroRuleCfg(s *syntax, def int32) (Cfg, bool) {
	for r := s.nodes[def].firstChild; r >= 0; r = s.nodes[r].nextSibling {
		if s.nodes[r].kind != kMacroRule {
			continue
		}
		if right := s.child(r, fRight); right >= 0 {
			if c, ok := findCfgAttr(s, right); ok {
				return c, true
			}
		}
	}
	return Cfg{}, false
}

func findCfgAttr(s *syntax, tt int32) (Cfg, bool) {
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].firstChild < 0 {
			continue
		}
		if s.nodes[c].kind == kTokenTree && s.src[s.nodes[c].start] == '[' {
			if p, ok := cfgTokenTree(s, c); ok && mentionsFeature(p) {
				return p, true
			}
			continue
		}
		if cfg, ok := findCfgAttr(s, c); ok {
			return cfg, true
		}
	}
	return Cfg{}, false
}

// macroCfg returns the cfg a crate macro of that name puts on its items.
func (m *module) macroCfg(name string) (Cfg, bool) {
	for _, x := range m.all {
		if c, ok := x.names.macroCfgs[name]; ok {
			return c, true
		}
	}
	return Cfg{}, false
}

// addGate adds a gate to m and every module inside it.
func (m *module) addGate(c Cfg) {
	m.state.gates = append(m.state.gates[:len(m.state.gates):len(m.state.gates)], c)
	for _, x := range m.mods {
		x.addGate(c)
	}
}
