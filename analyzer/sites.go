package analyzer

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/cargo-caps/cargo-caps/span"
)

// Site is the function or item that holds a use: what a reviewer reads.
// Its fingerprint hashes the item's tokens, so reformatting it, editing its
// comments or moving it within its file keeps the fingerprint, and any change
// to its code does not.
type Site struct {
	// Function is the item's path as a reader writes it: the module path
	// from the crate's name, then the impl's type (`Type::f`, or
	// `<Type as Trait>::f` in a trait impl) and the item's name
	// (`tokio::process::imp::spawn_child`). A nested fn is named inside its
	// enclosing fn; an unnamed item by its kind (`extern "C"`, `impl Send for X`).
	Function    string
	Range       span.Range // the item's bytes in the use's file
	StartLine   int        // 1-based, inclusive
	EndLine     int
	Fingerprint string
}

// Lines is how many lines the site spans.
func (s Site) Lines() int { return s.EndLine - s.StartLine + 1 }

// placeSites gives each use found in f from index `from` on its site: the
// innermost fn holding it, else the innermost item. It runs once per file,
// after the walk, over the file's syntax and its item-level macro bodies.
func (a *crateAnalysis) placeSites(f *sourceFile, from int) {
	uses := a.sum.Uses[from:]
	if len(uses) == 0 {
		return
	}
	order := make([]int, len(uses))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return uses[order[i]].Range.Start < uses[order[j]].Range.Start })
	p := sitePlacer{f: f, lines: span.NewIndex(f.syn.src), sites: map[nodeRef]Site{}, found: make([]nodeRef, len(uses))}
	top := siteScope{module: strings.Replace(f.module.path, "crate", crateIdent(a.crate.Name), 1)}
	offsets := make([]int, len(order))
	for k, i := range order {
		offsets[k] = uses[i].Range.Start
	}
	p.descend(f.syn, 0, top, nodeRef{s: f.syn, i: -1}, order, offsets)
	for i := range uses {
		uses[i].Site = p.sites[p.found[i]]
	}
}

// crateIdent is the name a crate's paths start with: `-` read as `_`.
func crateIdent(name string) string {
	if name == "" {
		return "crate"
	}
	return strings.ReplaceAll(name, "-", "_")
}

type sitePlacer struct {
	f     *sourceFile
	lines *span.Index
	sites map[nodeRef]Site
	found []nodeRef // by use: the node of its site
}

// siteScope is what names an item: its module, and the impl, trait or fn it is in.
type siteScope struct {
	module string
	owner  string // "Type", "<Type as Trait>", "Trait", or an enclosing fn's path
}

func (sc siteScope) path(name string) string {
	if sc.owner != "" {
		return sc.owner + "::" + name
	}
	return sc.module + "::" + name
}

// descend places the uses (indices into found, sorted by offset) that lie in
// node n of s, whose innermost site so far is cur.
func (p *sitePlacer) descend(s *syntax, n int32, sc siteScope, cur nodeRef, uses []int, offsets []int) {
	for _, u := range uses {
		p.found[u] = cur
	}
	k := 0
	for c := s.nodes[n].firstChild; c >= 0 && k < len(uses); c = s.nodes[c].nextSibling {
		cn := &s.nodes[c]
		for k < len(uses) && offsets[k] < int(cn.start) {
			k++
		}
		j := k
		for j < len(uses) && offsets[j] < int(cn.end) {
			j++
		}
		if j == k {
			continue
		}
		inner, innerScope := cur, sc
		if cn.kind == kAttributeItem {
			// An outer attribute (#[no_mangle]) belongs to the item it precedes.
			if it := attributed(s, c); it >= 0 {
				if name, _, ok := p.item(s, it, sc, cur); ok {
					inner = p.named(s, it, name)
					for _, u := range uses[k:j] {
						p.found[u] = inner
					}
					k = j
					continue
				}
			}
		}
		if name, owner, ok := p.item(s, c, sc, cur); ok {
			inner = p.named(s, c, name)
			innerScope.owner = owner
		} else if cur.i < 0 {
			// Code outside any item (a stray token at the top): its top-level node is the site.
			inner = p.named(s, c, sc.module)
		}
		if cn.kind == kModItem {
			if m := p.f.inlines[nodeRef{s, c}]; m != nil {
				innerScope = siteScope{module: sc.module + strings.TrimPrefix(m.path, m.parent.path)}
			}
		}
		p.descend(s, c, innerScope, inner, uses[k:j], offsets[k:j])
		if exps := p.f.expansions[nodeRef{s, c}]; len(exps) > 0 {
			// An item-level macro's body parsed as items: its items are finer sites.
			for _, e := range exps {
				if e.syn != nil { // a data-only body holds no use
					p.descendExpansion(e.syn, innerScope, inner, uses[k:j], offsets[k:j])
				}
			}
		}
		k = j
	}
}

// descendExpansion places the uses that lie in one of the items of a macro
// body, leaving the others at the macro's site.
func (p *sitePlacer) descendExpansion(s *syntax, sc siteScope, macro nodeRef, uses []int, offsets []int) {
	var mine, at []int
	for k, u := range uses {
		if p.found[u] == macro { // not placed by an earlier branch (cfg_if!)
			mine, at = append(mine, u), append(at, offsets[k])
		}
	}
	if len(mine) > 0 {
		p.descend(s, 0, sc, macro, mine, at)
	}
}

// named returns the site of item i of s, made on first sight.
func (p *sitePlacer) named(s *syntax, i int32, name string) nodeRef {
	ref := nodeRef{s, i}
	if _, ok := p.sites[ref]; !ok {
		p.sites[ref] = p.site(s, i, name)
	}
	return ref
}

// attributed is the node an outer attribute at i applies to: its next
// sibling past other attributes and comments, or -1.
func attributed(s *syntax, i int32) int32 {
	for c := s.nodes[i].nextSibling; c >= 0; c = s.nodes[c].nextSibling {
		switch s.nodes[c].kind {
		case kAttributeItem, kLineComment, kBlockComment:
			continue
		}
		return c
	}
	return -1
}

// item reports whether node c is an item that is a site, with its path and
// the owner its inner items are named by.
func (p *sitePlacer) item(s *syntax, c int32, sc siteScope, cur nodeRef) (name, owner string, ok bool) {
	n := &s.nodes[c]
	named := func() string {
		if nm := s.child(c, fName); nm >= 0 {
			return s.text(nm)
		}
		return "_"
	}
	switch n.kind {
	case kFunctionItem, kFunctionSignatureItem:
		path := sc.path(named())
		return path, path, true
	case kImplItem:
		typ := squeeze(s, s.child(c, fType))
		owner := sc.module + "::" + typ
		if tr := s.child(c, fTrait); tr >= 0 {
			owner = "<" + sc.module + "::" + typ + " as " + squeeze(s, tr) + ">"
		}
		return owner, owner, true
	case kTraitItem:
		path := sc.path(named())
		return path, path, true
	case kStructItem, kEnumItem, kUnionItem, kTypeItem, kConstItem, kStaticItem:
		return sc.path(named()), sc.owner, true
	case kMacroDefinition:
		return sc.path(named() + "!"), sc.owner, true
	case kForeignModItem:
		abi := "extern"
		if m := s.childKind(c, kExternModifier); m >= 0 {
			abi = squeeze(s, m)
		}
		return sc.path(abi), sc.owner, true
	case kMacroInvocation:
		// Only a macro call in item position is an item; one inside a fn is not.
		if cur.i >= 0 && isFnLike(cur.s.nodes[cur.i].kind) {
			return "", "", false
		}
		if m := s.child(c, fMacro); m >= 0 {
			return sc.path(squeeze(s, m) + "!"), sc.owner, true
		}
	}
	return "", "", false
}

func isFnLike(k kind) bool { return k == kFunctionItem || k == kFunctionSignatureItem }

// squeeze is a node's text with its whitespace runs made single spaces.
func squeeze(s *syntax, i int32) string {
	if i < 0 {
		return "_"
	}
	return strings.Join(strings.Fields(s.text(i)), " ")
}

func (p *sitePlacer) site(s *syntax, i int32, name string) Site {
	n := &s.nodes[i]
	end := int(n.end)
	if end > int(n.start) {
		end-- // the last byte, not the one after
	}
	return Site{
		Function:    name,
		Range:       span.Range{Start: int(n.start), End: int(n.end)},
		StartLine:   p.lines.LineOf(int(n.start)) + 1,
		EndLine:     p.lines.LineOf(end) + 1,
		Fingerprint: fingerprint(s, i),
	}
}

// fingerprint hashes the texts of the leaf tokens under node i, comments
// left out: neither whitespace nor position enters it. The tokens are
// gathered first and hashed at once (a write per token cost more than the
// hashing).
func fingerprint(s *syntax, i int32) string {
	n := &s.nodes[i]
	toks := make([]byte, 0, n.end-n.start+64)
	var walk func(int32)
	walk = func(j int32) {
		n := &s.nodes[j]
		if n.firstChild < 0 {
			if n.kind != kLineComment && n.kind != kBlockComment && n.end > n.start {
				toks = append(append(toks, s.src[n.start:n.end]...), 0)
			}
			return
		}
		for c := n.firstChild; c >= 0; c = s.nodes[c].nextSibling {
			walk(c)
		}
	}
	walk(i)
	sum := sha256.Sum256(toks)
	return hex.EncodeToString(sum[:8])
}
