package analyzer

// Data-only macro bodies. libc's s!, winapi's STRUCT! and many crates' own
// wrappers hold nothing but struct, union and enum definitions: in Debian's
// registry about 2.3 MB of the 3.9 MB of macro bodies parsed as items, and
// re-parsing them was the largest part of a cold load after parsing itself.
//
// What such a body gives the analysis is names (items shadow imports) and,
// for structs, field types (`self.root.exists()` with `root: PathBuf`). The
// walk of its items reads only their attributes, `pub(in path)`
// restrictions and enum discriminants: field types, generics and where
// clauses are not walked (see walker.visit). So a body whose tokens hold
// nothing those parts could report (no `unsafe`, `extern`, macro call,
// unsafe attribute name, `pub(in …)`, or discriminant other than literals)
// reports nothing when walked, and is not parsed up front: its names come
// from its tokens, and it is parsed the first time a struct's fields are
// asked for. A body the tokens cannot show to be such is parsed as before.
//
// One difference from parsing: a data-only body that tree-sitter would not
// parse without error still binds its names, as the compiler would.

// dataBody is a data-only macro body, parsed on demand.
type dataBody struct {
	s        *syntax // the syntax holding the invocation
	from, to uint32  // the body's text, after any leading inner attributes
	items    []dataItem
	syn      *syntax // once parsed: nil if it does not parse without error
	parsed   bool
}

// dataItem is one struct, union or enum of a data-only body.
type dataItem struct {
	name   string
	fields bool // a struct with a field list, {…} or (…)
}

// collect binds the body's names in sc, as collectItem would bind the
// items it parses into.
func (d *dataBody) collect(sc *scope) {
	for _, it := range d.items {
		sc.setItem(it.name)
		if it.fields {
			if sc.structs == nil {
				sc.structs = map[string]structDecl{}
			}
			sc.structs[it.name] = structDecl{data: d}
		}
	}
}

// structNamed parses the body in analysis a, once, and returns its last
// struct named name with fields: the one collectItem would have kept.
func (d *dataBody) structNamed(a *crateAnalysis, name string) (structDecl, bool) {
	if !d.parsed {
		d.parsed = true
		d.syn = a.parseItems(d.s, d.from, d.to)
	}
	var found structDecl
	ok := false
	if s := d.syn; s != nil {
		for i := s.nodes[0].firstChild; i >= 0; i = s.nodes[i].nextSibling {
			if s.nodes[i].kind != kStructItem {
				continue
			}
			if nm := s.child(i, fName); nm < 0 || s.text(nm) != name {
				continue
			}
			body := s.childKind(i, kFieldDeclarationList)
			if body < 0 {
				body = s.childKind(i, kOrderedFieldDeclarationList)
			}
			if body >= 0 {
				found, ok = structDecl{syn: s, item: i, fields: body}, true
			}
		}
	}
	return found, ok
}

// dataItems returns the items of the body of token tree tt from offset from
// (past leading inner attributes), if the body is data-only and inert.
func dataItems(s *syntax, tt int32, from uint32) ([]dataItem, bool) {
	var toks []int32
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		switch k := s.nodes[c].kind; {
		case s.nodes[c].start < from, k == kLineComment, k == kBlockComment:
			continue
		case s.nodes[c].nextSibling < 0: // the closing brace
			if s.text(c) != "}" {
				return nil, false
			}
			continue
		}
		if !inertTokens(s, c) {
			return nil, false
		}
		toks = append(toks, c)
	}
	var items []dataItem
	for i := 0; i < len(toks); {
		for i+1 < len(toks) && s.text(toks[i]) == "#" && opens(s, toks[i+1], '[') {
			i += 2 // outer attributes: their tokens are inert
		}
		if i < len(toks) && s.text(toks[i]) == "pub" {
			i++
			if i < len(toks) && opens(s, toks[i], '(') { // pub(crate): `in` is not inert
				i++
			}
		}
		if i+1 >= len(toks) || s.nodes[toks[i+1]].kind != kIdentifier {
			return nil, false
		}
		kw := s.text(toks[i])
		if kw != "struct" && kw != "enum" && kw != "union" {
			return nil, false
		}
		it := dataItem{name: s.text(toks[i+1])}
		i += 2
		// Generics and a where clause, which are not walked, up to the body.
		for i < len(toks) && !opens(s, toks[i], '{') && !(kw == "struct" && (opens(s, toks[i], '(') || s.text(toks[i]) == ";")) {
			i++
		}
		if i >= len(toks) {
			return nil, false
		}
		switch body := toks[i]; {
		case s.text(body) == ";": // a unit struct
			i++
		case opens(s, body, '{'):
			if kw == "enum" && !inertVariants(s, body) || kw != "enum" && hasTopLevel(s, body, "=") {
				return nil, false
			}
			it.fields = kw == "struct"
			i++
		default: // a tuple struct: (…) [where …] ;
			it.fields = true
			for i++; i < len(toks) && s.text(toks[i]) != ";"; i++ {
				if opens(s, toks[i], '{') {
					return nil, false
				}
			}
			if i >= len(toks) {
				return nil, false
			}
			i++
		}
		items = append(items, it)
	}
	return items, len(items) > 0
}

// inertTokens reports whether token c, and every token inside it, is
// neither `unsafe`, `extern`, `in`, `mod`, `use`, a macro call's `!`, a
// metavariable, nor an unsafe attribute's name.
func inertTokens(s *syntax, c int32) bool {
	switch s.nodes[c].kind {
	case kTokenTree:
		for t := s.nodes[c].firstChild; t >= 0; t = s.nodes[t].nextSibling {
			if !inertTokens(s, t) {
				return false
			}
		}
		return true
	case kTokenRepetition, kMetavariable, kBang, kUnsafeKw:
		return false
	}
	switch t := s.text(c); t {
	case "unsafe", "extern", "in", "mod", "use", "!", "$":
		return false
	default:
		return !unsafeAttrs[t]
	}
}

// inertVariants reports whether every discriminant among the variants in
// token tree tt is made of literals and operators only.
func inertVariants(s *syntax, tt int32) bool {
	value := false // after a top-level `=`, up to the next `,`
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		switch t := s.text(c); {
		case t == "=":
			value = true
		case t == ",":
			value = false
		case value && !literalTokens(s, c):
			return false
		}
	}
	return true
}

// literalTokens reports whether token c holds only literals, operators and
// parentheses: no name, block or keyword.
func literalTokens(s *syntax, c int32) bool {
	if s.nodes[c].kind == kTokenTree {
		if s.src[s.nodes[c].start] == '{' {
			return false
		}
		for t := s.nodes[c].firstChild; t >= 0; t = s.nodes[t].nextSibling {
			if !literalTokens(s, t) {
				return false
			}
		}
		return true
	}
	switch t := s.text(c); {
	case t == "" || t == "true" || t == "false":
		return true
	case t[0] >= '0' && t[0] <= '9', t[0] == '\'', t[0] == '"':
		return true // a number, char or string (a suffix is part of it)
	case t[0] == 'b' && len(t) > 1 && (t[1] == '\'' || t[1] == '"'):
		return true // b'x', b"x"
	default:
		return !isIdentByte(t[0]) // an operator
	}
}

// hasTopLevel reports whether token tree tt holds token text directly.
func hasTopLevel(s *syntax, tt int32, text string) bool {
	for c := s.nodes[tt].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.text(c) == text {
			return true
		}
	}
	return false
}

// opens reports whether c is a token tree opened by delim.
func opens(s *syntax, c int32, delim byte) bool {
	return s.nodes[c].kind == kTokenTree && s.src[s.nodes[c].start] == delim
}
