package analyzer

import (
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
)

// attrName returns an attribute's path as written ("cfg", "tokio::main") and
// its argument token tree, or -1.
func attrName(s *syntax, at int32) (string, int32) {
	name, args := "", int32(-1)
	for c := s.nodes[at].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		switch k := s.nodes[c].kind; {
		case k == kTokenTree && s.nodes[c].field == fArguments:
			args = c
		case name == "" && (k == kIdentifier || k == kScopedIdentifier || k == kUnsafeKw):
			name = s.text(c)
		}
	}
	return name, args
}

// applyAttrs returns st as changed by the attributes attrs (attribute_item or
// inner_attribute_item nodes): cfg(test), #[test] and #[bench] make test code,
// cfg predicates that mention a feature become gates. cfg_attr is not a gate.
func applyAttrs(s *syntax, attrs []int32, st state) state {
	for _, a := range attrs {
		at := s.childKind(a, kAttribute)
		if at < 0 {
			continue
		}
		name, args := attrName(s, at)
		switch name {
		case "test", "bench":
			st.ctx = Test
		case "cfg":
			if args < 0 {
				continue
			}
			preds := parseCfgList(s, args)
			if len(preds) != 1 {
				continue
			}
			st = underCfg(st, preds[0])
		}
	}
	return st
}

// underCfg returns st for code that exists only where p holds: cfg(test)
// makes test code, a predicate that mentions a feature becomes a gate, and
// every predicate is among the cfgs (policy evaluates them per target).
func underCfg(st state, p Cfg) state {
	if mentionsTest(p, false) {
		st.ctx = Test
	}
	st.cfgs = withGate(st.cfgs, p)
	if mentionsFeature(p) {
		st.gates = withGate(st.gates, p)
	}
	return st
}

// withGate returns gates and c, c appended (never in place) unless it is
// there already: a module under cfg_sync! whose file says cfg_sync! again
// has one gate.
func withGate(gates []Cfg, c Cfg) []Cfg {
	for _, g := range gates {
		if g.equal(c) {
			return gates
		}
	}
	return append(gates[:len(gates):len(gates)], c)
}

func (c Cfg) equal(d Cfg) bool {
	if c.Op != d.Op || c.Name != d.Name || len(c.Args) != len(d.Args) {
		return false
	}
	for i := range c.Args {
		if !c.Args[i].equal(d.Args[i]) {
			return false
		}
	}
	return true
}

// cfgAttr is one attribute that #[cfg_attr(p, a, b, …)] applies, with the
// predicates that must hold for it (nested cfg_attr adds its own).
type cfgAttr struct {
	name       string // as written: "no_mangle", "unsafe", "doc"
	label      string // as shown in an API name: "no_mangle", "unsafe(export_name)"
	start, end uint32
	preds      []Cfg
}

// cfgAttrs lists the attributes the cfg_attr argument token tree args
// applies, under preds and its own predicate.
func cfgAttrs(s *syntax, args int32, preds []Cfg) []cfgAttr {
	parts := splitCommas(s, args)
	if len(parts) < 2 {
		return nil
	}
	preds = append(preds[:len(preds):len(preds)], parseCfg(s, parts[0]))
	var out []cfgAttr
	for _, toks := range parts[1:] {
		out = append(out, attrsIn(s, toks, preds)...)
	}
	return out
}

// attrsIn lists the attributes that one attribute written as tokens toks
// applies under preds: itself, or for cfg_attr those it applies.
func attrsIn(s *syntax, toks []int32, preds []Cfg) []cfgAttr {
	name, n := "", 0
	for n < len(toks) && (s.nodes[toks[n]].kind == kIdentifier || s.nodes[toks[n]].kind == kUnsafeKw || s.nodes[toks[n]].kind == kColonColon) {
		name += s.text(toks[n])
		n++
	}
	if name == "" {
		return nil
	}
	var inner int32 = -1 // the argument token tree: cfg_attr(…), unsafe(…)
	if n < len(toks) && s.nodes[toks[n]].kind == kTokenTree {
		inner = toks[n]
	}
	if name == "cfg_attr" {
		if inner < 0 {
			return nil
		}
		return cfgAttrs(s, inner, preds)
	}
	label := name
	if name == "unsafe" && inner >= 0 {
		if wrapped := splitCommas(s, inner); len(wrapped) > 0 && s.nodes[wrapped[0][0]].kind == kIdentifier {
			label = "unsafe(" + s.text(wrapped[0][0]) + ")"
		}
	}
	return []cfgAttr{{name: name, label: label, start: s.nodes[toks[0]].start, end: s.nodes[toks[len(toks)-1]].end, preds: preds}}
}

// unsafeCfgAttr reports the attributes that need `unsafe` among those a
// #[cfg_attr(…)] applies, each under the predicates that apply it.
func (w *walker) unsafeCfgAttr(name string, args int32) {
	if name == "cfg_attr" && args >= 0 {
		w.unsafeAttrsIn(cfgAttrs(w.s, args, nil))
	}
}

// tokenAttr reports an attribute written among a macro's tokens, `#[…]`
// with tt its bracketed token tree, if it needs `unsafe` (`#[no_mangle]` in
// a macro_rules! body).
func (w *walker) tokenAttr(tt int32) {
	var toks []int32
	for c := w.s.nodes[tt].firstChild; c >= 0; c = w.s.nodes[c].nextSibling {
		toks = append(toks, c)
	}
	if len(toks) > 2 {
		w.unsafeAttrsIn(attrsIn(w.s, toks[1:len(toks)-1], nil))
	}
}

// unsafeAttrsIn reports those of attrs that need `unsafe`.
func (w *walker) unsafeAttrsIn(attrs []cfgAttr) {
	saved := w.st
	for _, a := range attrs {
		if a.name != "unsafe" && !unsafeAttrs[a.name] {
			continue
		}
		for _, p := range a.preds {
			w.st = underCfg(w.st, p)
		}
		w.use(caps.Unsafe, "#["+a.label+"]", a.start, a.end)
		w.st = saved
	}
}

// splitCommas splits the tokens inside token tree tt at its top-level commas,
// dropping empty parts.
func splitCommas(s *syntax, tt int32) [][]int32 {
	var out [][]int32
	var toks []int32
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		toks = append(toks, c)
	}
	if len(toks) < 2 {
		return nil
	}
	toks = toks[1 : len(toks)-1] // the delimiters
	for len(toks) > 0 {
		end := 0
		for end < len(toks) && s.nodes[toks[end]].kind != kComma {
			end++
		}
		if end > 0 {
			out = append(out, toks[:end])
		}
		if end < len(toks) {
			end++
		}
		toks = toks[end:]
	}
	return out
}

// parseCfgList parses the comma-separated predicates inside token tree tt.
func parseCfgList(s *syntax, tt int32) []Cfg {
	var out []Cfg
	for _, toks := range splitCommas(s, tt) {
		out = append(out, parseCfg(s, toks))
	}
	return out
}

// parseCfg parses one predicate from its tokens.
func parseCfg(s *syntax, toks []int32) Cfg {
	first := s.text(toks[0])
	if len(toks) == 2 && s.nodes[toks[1]].kind == kTokenTree {
		args := parseCfgList(s, toks[1])
		switch first {
		case "all":
			return Cfg{Op: CfgAll, Args: args}
		case "any":
			return Cfg{Op: CfgAny, Args: args}
		case "not":
			return Cfg{Op: CfgNot, Args: args}
		}
	}
	if first == "feature" && len(toks) == 3 && s.nodes[toks[1]].kind == kEq {
		if v, ok := s.stringValue(toks[2]); ok {
			return Cfg{Op: CfgFeature, Name: v}
		}
	}
	start, end := s.nodes[toks[0]].start, s.nodes[toks[len(toks)-1]].end
	return Cfg{Op: CfgOther, Name: string(s.src[start:end])}
}

func mentionsFeature(c Cfg) bool {
	if c.Op == CfgFeature {
		return true
	}
	for _, a := range c.Args {
		if mentionsFeature(a) {
			return true
		}
	}
	return false
}

// mentionsTest reports whether c requires cfg(test): `test` outside any not().
func mentionsTest(c Cfg, negated bool) bool {
	switch c.Op {
	case CfgOther:
		return c.Name == "test" && !negated
	case CfgNot:
		negated = !negated
	case CfgAny:
		for _, a := range c.Args { // any(test, x) runs outside tests too
			if !mentionsTest(a, negated) {
				return false
			}
		}
		return len(c.Args) > 0
	}
	for _, a := range c.Args {
		if mentionsTest(a, negated) {
			return true
		}
	}
	return false
}

// String renders a predicate as Rust writes it: all(feature = "a", not(unix)).
func (c Cfg) String() string {
	switch c.Op {
	case CfgFeature:
		return `feature = "` + c.Name + `"`
	case CfgOther:
		return c.Name
	}
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return [...]string{CfgAll: "all", CfgAny: "any", CfgNot: "not"}[c.Op] + "(" + strings.Join(parts, ", ") + ")"
}

// builtinAttrs are attributes the compiler itself implements (or tools read):
// they hide no code.
var builtinAttrs = map[string]bool{
	"cfg": true, "cfg_attr": true, "test": true, "bench": true, "ignore": true, "should_panic": true,
	"derive": true, "allow": true, "warn": true, "deny": true, "forbid": true, "expect": true,
	"doc": true, "inline": true, "must_use": true, "deprecated": true, "repr": true,
	"macro_export": true, "macro_use": true, "path": true, "non_exhaustive": true, "cold": true,
	"track_caller": true, "automatically_derived": true, "global_allocator": true, "used": true,
	"target_feature": true, "no_std": true, "no_main": true, "recursion_limit": true,
	"crate_type": true, "crate_name": true, "windows_subsystem": true, "type_length_limit": true,
	"panic_handler": true, "instruction_set": true, "collapse_debuginfo": true,
	"debugger_visualizer": true, "default": true, "feature": true, "no_implicit_prelude": true,
	"link_name": true, "link_ordinal": true, "no_link": true, "proc_macro": true,
	"proc_macro_derive": true, "proc_macro_attribute": true, "non_exhaustive_omitted_patterns": true,
	"rustc_diagnostic_item": true, "stable": true, "unstable": true, "rustc_const_stable": true,
	"rustc_const_unstable": true, "const_trait": true, "coverage": true, "optimize": true,
	"register_tool": true, "fundamental": true, "may_dangle": true, "no_coverage": true,
	"naked": true, "cfg_eval": true, "diagnostic::on_unimplemented": true,
	"diagnostic::do_not_recommend": true, "test_case": true, "global_asm": true,
}

// builtinDerives are the derives the standard library implements.
var builtinDerives = map[string]bool{
	"Debug": true, "Clone": true, "Copy": true, "PartialEq": true, "Eq": true,
	"PartialOrd": true, "Ord": true, "Hash": true, "Default": true,
	"std::fmt::Debug": true, "core::fmt::Debug": true,
}

// unsafeAttrs need `unsafe` (SPEC §1): they change linking or symbols.
var unsafeAttrs = map[string]bool{
	"no_mangle": true, "export_name": true, "link_section": true, "link": true,
}

// toolAttr reports whether name is a tool attribute (rustfmt::skip, clippy::…).
func toolAttr(name string) bool {
	tool, _, ok := strings.Cut(name, "::")
	return ok && (tool == "rustfmt" || tool == "clippy" || tool == "rustdoc" || tool == "diagnostic" || tool == "miri")
}
