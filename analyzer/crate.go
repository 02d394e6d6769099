package analyzer

import (
	"bytes"
	"cmp"
	"errors"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// Crate is one crate's code as the analyser needs it.
type Crate struct {
	Name    string
	Dir     string // the package directory; #[path] and include_*! may not leave it
	Targets []Target
	Table   *apis.Table // nil = apis.Builtin()
	// Read returns a file's text; unsaved editor buffers win over disk. It is
	// asked only for paths srcread allows on disk (or absent from it). nil = disk.
	Read func(path string) ([]byte, error)
	// Parse, when set, returns the syntax of a file's text if the caller
	// has it (an editor's buffer, a file unchanged since the last
	// analysis), or nil. nil = parse afresh.
	Parse func(path string, text []byte) *Syntax
	// Memo, when set, carries what this analysis found in each function
	// body over to the next analysis of the same crate given the same Memo
	// (an editor's, after a keystroke): see memo.go. nil = walk everything.
	Memo *Memo
}

// AnalyzeCrate finds every capability use in the crate's targets, following
// `mod` declarations from each target root. Files reached by several targets
// are analysed once, in the context of the first (lib before bins, tests,
// benches, examples, build script). Every file is read through srcread:
// inside the package by its real path, regular and at most srcread.MaxBytes,
// or reported. The result is in deterministic order.
func AnalyzeCrate(c Crate) Summary {
	a := &crateAnalysis{
		crate:     c,
		table:     c.Table,
		dir:       srcread.NewDir(c.Dir, "package").Memo(),
		parser:    takeParser(),
		seen:      map[string]bool{},
		accounted: map[string]bool{},
		followed:  map[nodeRef]bool{},
		texts:     map[string]readResult{},
		analysedK: map[TargetKind]bool{},
	}
	defer putParser(a.parser)
	if a.table == nil {
		a.table = apis.Builtin()
	}
	if c.Memo != nil {
		if last := c.Memo.take(); last.sameInputs(c, a.table) {
			a.lastMemo = last
		}
		a.nextMemo = newMemoCrate(c, a.table)
		defer c.Memo.leave(a.nextMemo)
	}
	if c.Name != "" {
		a.ownName = strings.ReplaceAll(c.Name, "-", "_")
		// Nothing classified at or under the name (Reexports), and the
		// name no alias of another: no path through it is classified.
		a.ownListed = a.table.Canonical(a.ownName) != a.ownName || len(a.table.Reexports(a.ownName)) > 0
	}
	targets := append([]Target(nil), c.Targets...)
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].Kind < targets[j].Kind })
	for _, t := range targets {
		a.analysedK[t.Kind] = true
		a.analyseTarget(t)
	}
	a.backstop()
	a.finish()
	for _, s := range a.made {
		putNodes(s.nodes)
		s.nodes = nil // read after this, a slip panics rather than reads another file's nodes
	}
	return a.sum
}

type crateAnalysis struct {
	crate  Crate
	table  *apis.Table
	dir    srcread.Dir // the package: no file is read from outside it
	parser *sitter.Parser
	seen   map[string]bool       // real paths of the files already analysed
	texts  map[string]readResult // each path's read, once per analysis
	// For the backstop: the files reported rather than analysed, or read as
	// data by include_str! (by entry), the `mod` declarations followed or
	// reported, every file analysed and the kinds of target analysed.
	accounted map[string]bool
	made      []*syntax // the syntaxes it made (not given): their nodes go back to nodeBuffers
	followed  map[nodeRef]bool
	analysed  []*sourceFile
	analysedK map[TargetKind]bool
	sum       Summary
	// ownName is the crate's name as its code writes it; ownListed says
	// the API table lists something under it, so that a crate-local path
	// may be the crate's own API (walker.ownAPI).
	ownName   string
	ownListed bool
	// The memos of the last analysis and of this one (see memo.go), and a
	// count of what the walk did besides finding (read a file, expanded a
	// macro): a body whose walk did so is walked again.
	lastMemo, nextMemo *memoCrate
	effects            int
}

type readResult struct {
	text []byte
	real string
	err  error
}

// file reads a file of the package once per analysis (finding a module's
// file and loading it read the same path): unsaved editor buffers win over
// disk, and disk is read only through the package's guard.
func (a *crateAnalysis) file(path string) readResult {
	if r, ok := a.texts[path]; ok {
		return r
	}
	var r readResult
	r.text, r.real, r.err = a.dir.ReadThrough(a.crate.Read, path)
	a.texts[path] = r
	return r
}

// notRead is the reason a file that exists was not read, or "".
func notRead(what, rel string, err error) string {
	var refused *srcread.Refused
	if errors.As(err, &refused) {
		return what + " " + rel + " not read: " + refused.Reason
	}
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	return what + " " + rel + " not read: " + err.Error()
}

// leavesPackage reports whether a read failed because the file's real path
// leaves the package.
func leavesPackage(err error) bool {
	var refused *srcread.Refused
	return errors.As(err, &refused) && refused.Outside
}

// sourceFile is one parsed file of a target's module tree.
type sourceFile struct {
	path    string
	syn     *syntax
	given   *Syntax // the syntax Crate.Parse gave, or nil
	module  *module // the module the file's top level belongs to
	dir     string  // where `mod x;` at its top level looks for x
	fresh   bool    // first time seen: analyse it
	inlines map[nodeRef]*module
	// expansions are item-level macro invocations whose bodies are items
	// (cfg_if!, tokio's cfg_net!): parsed as items so their `mod`s are followed.
	expansions map[nodeRef][]expansion
}

// expansionsInOrder is f.expansions in the order of their invocations in
// the file (a macro body's own invocations after it): a map's order would
// make the analysis differ from run to run.
func (f *sourceFile) expansionsInOrder() [][]expansion {
	refs := slices.SortedFunc(maps.Keys(f.expansions), func(x, y nodeRef) int {
		return cmp.Or(cmp.Compare(x.s.nodes[x.i].start, y.s.nodes[y.i].start), cmp.Compare(x.s.depth, y.s.depth), cmp.Compare(x.i, y.i))
	})
	out := make([][]expansion, len(refs))
	for k, r := range refs {
		out[k] = f.expansions[r]
	}
	return out
}

// nodeRef names a node of one of a file's syntaxes (its own or a macro body's).
type nodeRef struct {
	s *syntax
	i int32
}

// expansion is the body of an item-level macro invocation parsed as items,
// or a data-only body that is not (see dataBody).
type expansion struct {
	syn   *syntax // nil for a data-only body
	data  *dataBody
	macro string // the macro's name, whose definition may add a cfg
	cfg   []Cfg  // cfg_if! branch conditions (earlier branches negated), a leading #![cfg(p)]
	meta  *Cfg   // a leading #![meta] other than cfg, which the macro may turn into #[cfg(meta)]
	mods  []*module
}

func (a *crateAnalysis) analyseTarget(t Target) {
	root := targetRoot
	if t.Kind == Lib {
		root = libRoot
	}
	a.analyseTree(t.Path, targetContext(t.Kind), root)
}

// treeRoot is what the root file of a module tree is.
type treeRoot int

const (
	libRoot    treeRoot = iota // the lib target's: its inner attributes are the crate's
	targetRoot                 // another target's
	strayRoot                  // a module file no followed `mod` reached (see backstop)
)

// analyseTree analyses the module tree rooted at file rootPath, whose code
// runs in ctx.
func (a *crateAnalysis) analyseTree(rootPath string, ctx Context, kind treeRoot) {
	root := &module{path: "crate", state: state{ctx: ctx}}
	var files []*sourceFile
	// loaded holds the state of each real path in this target's module
	// tree, loading those on the way from the root: each file is in the
	// tree once, so a module cycle or a self-#[path] ends, and a file
	// declared twice (cfg_if! branches often do) is read once (whatever
	// the cfg: all cfgs are followed at once).
	loaded := map[string]state{}
	loading := map[string]bool{}
	// first is the module each real path was loaded as, and alike lists the
	// cfgs of its later declarations that run alike but under other
	// platform cfgs (cfg_if! branches for two targets naming one file): its
	// code is compiled where any of the declarations' cfgs hold.
	firstModule := map[string]*module{}
	alike := map[*module][][]Cfg{}
	var load func(path string, m *module, from *sourceFile, decl modDecl)
	load = func(path string, m *module, from *sourceFile, decl modDecl) {
		var at span.Range
		file := a.manifestPath() // a refused target root is the manifest's doing
		if from != nil {
			n := decl.syn.nodes[decl.node]
			at, file = span.Range{Start: int(n.start), End: int(n.end)}, from.path
		}
		r := a.file(path)
		if r.err != nil {
			what := "module file"
			if from == nil {
				what = "target root"
			}
			why := notRead(what, a.rel(path), r.err)
			switch {
			case why == "" && from == nil:
				a.unanalysed(path, at, "target root not found: "+a.rel(path), m.state)
			case why == "":
				a.unanalysed(file, at, "module file not found: "+a.rel(path), m.state)
			default:
				a.unanalysed(file, at, why, m.state)
				a.accounted[a.entry(path)] = true
			}
			return
		}
		if first, ok := loaded[r.real]; ok {
			switch {
			case loading[r.real]:
				a.unanalysed(file, at, "module file "+a.rel(path)+" is already in the module tree: a module cycle, declared again here", m.state)
			case !sameState(first, m.state):
				// Its uses are counted under the first declaration's cfg gates only.
				a.unanalysed(file, at, "module file "+a.rel(path)+" is already in the module tree under other cfg gates: declared again here", m.state)
			default:
				// Issue 10: every repeated declaration is reported, so a tree
				// that names one file many times (a doubling chain) says so;
				// the file's code is analysed once, under the first.
				a.unanalysed(file, at, "module file "+a.rel(path)+" is already in the module tree: declared again here (analysed once, as the first declaration)", m.state)
				if len(first.cfgs) > 0 && !slices.EqualFunc(first.cfgs, m.state.cfgs, Cfg.equal) {
					alike[firstModule[r.real]] = append(alike[firstModule[r.real]], m.state.cfgs)
				}
			}
			return
		}
		loaded[r.real], loading[r.real], firstModule[r.real] = m.state, true, m
		defer delete(loading, r.real)
		f := &sourceFile{path: path, module: m, fresh: !a.seen[r.real], inlines: map[nodeRef]*module{}, expansions: map[nodeRef][]expansion{}}
		a.seen[r.real] = true
		f.syn, f.given = a.parse(path, r.text)
		base := filepath.Base(path)
		if from == nil && kind != strayRoot || base == "mod.rs" || m.pathAttr {
			f.dir = filepath.Dir(path)
		} else {
			f.dir = filepath.Join(filepath.Dir(path), strings.TrimSuffix(base, ".rs"))
		}
		if from == nil && kind == libRoot {
			a.sum.ForbidsUnsafe = forbidsUnsafe(f.syn)
		}
		files = append(files, f)
		for _, d := range a.collectModule(f, f.syn, 0, m, f.dir) {
			a.followed[nodeRef{d.syn, d.node}] = true
			for _, p := range a.modFiles(f, d) {
				load(p, d.module, f, d)
			}
		}
	}
	load(rootPath, root, nil, modDecl{})
	root.index()
	if kind == libRoot {
		a.sum.Exports = a.exports(root, files)
	}
	for _, real := range slices.Sorted(maps.Keys(firstModule)) {
		if m := firstModule[real]; len(alike[m]) > 0 {
			m.widenCfgs(loaded[real].cfgs, alike[m])
		}
	}
	for _, f := range files {
		for _, exps := range f.expansionsInOrder() { // the order gates are added in is the order they are shown in
			for _, e := range exps {
				if c, ok := root.macroCfg(e); ok {
					for _, m := range e.mods {
						m.addGate(c)
					}
				}
				for _, m := range e.mods {
					m.addCfgs(e.cfg) // the branch's cfg_if! conditions
				}
			}
		}
	}
	var fresh []*sourceFile
	for _, f := range files {
		if f.fresh {
			fresh = append(fresh, f)
		}
	}
	reuse := a.reuseFor(rootPath, fresh)
	for i, f := range fresh {
		a.sum.Files = append(a.sum.Files, f.path)
		a.sum.Lines += countLines(f.syn.src)
		a.analysed = append(a.analysed, f)
		a.reportUnparsed(f, f.module.state)
		found := len(a.sum.Uses)
		var r *bodyReuse
		if reuse != nil {
			r = reuse[i]
		}
		a.analyseFile(f, r)
		a.placeSites(f, found)
	}
}

// widenCfgs makes m's code, and its modules', compiled where m's own
// declaration's cfgs (decl, a prefix of theirs) or any of others hold.
func (m *module) widenCfgs(decl []Cfg, others [][]Cfg) {
	alt := []Cfg{{Op: CfgAll, Args: decl}}
	for _, o := range others {
		alt = append(alt, Cfg{Op: CfgAll, Args: o})
	}
	either := Cfg{Op: CfgAny, Args: alt}
	n := len(decl)
	var visit func(x *module)
	visit = func(x *module) {
		if len(x.state.cfgs) >= n && slices.EqualFunc(x.state.cfgs[:n], decl, Cfg.equal) {
			x.state.cfgs = append([]Cfg{either}, x.state.cfgs[n:]...)
		}
		for _, c := range x.created {
			visit(c)
		}
	}
	visit(m)
}

// addCfgs adds cs to the cfgs of m and every module declared in it.
func (m *module) addCfgs(cs []Cfg) {
	for _, c := range cs {
		m.state.cfgs = withGate(m.state.cfgs, c)
	}
	for _, x := range m.created {
		x.addCfgs(cs)
	}
}

// sameState reports whether code in modules of states x and y runs alike.
func sameState(x, y state) bool {
	return x.ctx == y.ctx && slices.EqualFunc(x.gates, y.gates, func(a, b Cfg) bool { return a.String() == b.String() })
}

// targetContext is when a target's code runs.
func targetContext(k TargetKind) Context {
	switch k {
	case TestTarget, Bench:
		return Test
	case ExampleTarget:
		return Example
	case BuildScript:
		return Build
	}
	return Normal
}

// reportUnparsed reports a file the parser gave up on (or stopped, past its
// budget): none of it is seen.
func (a *crateAnalysis) reportUnparsed(f *sourceFile, st state) {
	if f.syn.failed != "" {
		a.unanalysed(f.path, span.Range{End: len(f.syn.src)}, f.syn.failed, st)
	}
}

// manifestPath is where findings about the crate's targets go: the manifest
// names them.
func (a *crateAnalysis) manifestPath() string {
	if a.crate.Dir == "" {
		return ""
	}
	return filepath.Join(a.crate.Dir, "Cargo.toml")
}

// modFile finds the file of an out-of-line `mod` declaration.
// With several #[cfg_attr(…, path = …)] alternatives, all are followed: the
// analyser sees every cfg at once.
func (a *crateAnalysis) modFiles(f *sourceFile, d modDecl) []string {
	n := d.syn.nodes[d.node]
	r := span.Range{Start: int(n.start), End: int(n.end)}
	one := filepath.Join(d.plainDir, d.name+".rs")
	two := filepath.Join(d.plainDir, d.name, "mod.rs")
	if len(d.pathAttrs) > 0 {
		var out []string
		for _, pa := range d.pathAttrs {
			p := filepath.Clean(filepath.Join(d.dir, pa))
			if !a.inPackage(p) {
				a.unanalysed(f.path, r, "#[path] leaves the package: "+pa, d.module.state)
				continue
			}
			out = append(out, p)
		}
		if !plainPathAttr(d.syn, d.node) {
			// Only #[cfg_attr(…, path = …)]: where none holds, the module
			// is where it would be without them.
			for _, p := range []string{one, two} {
				if r := a.file(p); r.err == nil || !errors.Is(r.err, fs.ErrNotExist) {
					return append(out, p)
				}
			}
		}
		return out
	}
	// A file that exists but is refused is still the module's: load says why.
	for _, p := range []string{one, two} {
		if r := a.file(p); r.err == nil || !errors.Is(r.err, fs.ErrNotExist) {
			return []string{p}
		}
	}
	a.unanalysed(f.path, r, "module file not found: "+a.rel(one), d.module.state)
	return nil
}

// plainPathAttr reports whether item i has a #[path] of its own, not
// behind cfg_attr.
func plainPathAttr(s *syntax, i int32) bool {
	plain := false
	for c := s.nodes[s.nodes[i].parent].firstChild; c >= 0 && c != i; c = s.nodes[c].nextSibling {
		switch s.nodes[c].kind {
		case kAttributeItem:
			if at := s.childKind(c, kAttribute); at >= 0 {
				if name, _ := attrName(s, at); name == "path" {
					plain = true
				}
			}
		case kLineComment, kBlockComment:
		default:
			plain = false // an earlier item's attributes
		}
	}
	return plain
}

// parse returns the syntax of a file's text, and the Syntax Crate.Parse
// gave for it (nil when parsed here).
func (a *crateAnalysis) parse(path string, text []byte) (*syntax, *Syntax) {
	var s syntax
	given := a.given(path, text)
	if given != nil {
		s = *given.syn // a copy: the file's name is this analysis's
	} else {
		parsed := respell(text)
		tree, failed := parseBounded(a.parser, parsed, nil)
		if tree == nil {
			s = *unparsed(text, parsed, failed)
		} else {
			s = *flattenClosing(tree, text, parsed)
		}
		a.made = append(a.made, &s)
	}
	s.file = path
	return &s, given
}

func (a *crateAnalysis) given(path string, text []byte) *Syntax {
	if a.crate.Parse == nil {
		return nil
	}
	return a.crate.Parse(path, text)
}

func (a *crateAnalysis) inPackage(p string) bool {
	if a.crate.Dir == "" {
		return true
	}
	rel, err := filepath.Rel(a.crate.Dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func (a *crateAnalysis) rel(p string) string {
	if a.crate.Dir != "" {
		if r, err := filepath.Rel(a.crate.Dir, p); err == nil && filepath.IsLocal(r) {
			return filepath.ToSlash(r)
		}
	}
	return p
}

func (a *crateAnalysis) unanalysed(file string, r span.Range, reason string, st state) {
	a.sum.Unanalysed = append(a.sum.Unanalysed, Unanalysed{File: file, Range: r, Reason: reason, Context: st.ctx, Gates: st.gates, Cfgs: st.cfgs})
}

func (a *crateAnalysis) finish() {
	sort.SliceStable(a.sum.Uses, func(i, j int) bool {
		x, y := a.sum.Uses[i], a.sum.Uses[j]
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Range.Start != y.Range.Start {
			return x.Range.Start < y.Range.Start
		}
		if x.Cap != y.Cap {
			return x.Cap < y.Cap
		}
		return x.API < y.API
	})
	sort.SliceStable(a.sum.Unanalysed, func(i, j int) bool {
		x, y := a.sum.Unanalysed[i], a.sum.Unanalysed[j]
		if x.File != y.File {
			return x.File < y.File
		}
		return x.Range.Start < y.Range.Start
	})
	sort.Strings(a.sum.Files)
}

// renameTryMacro returns text with the 2015 edition's `try!(…)` spelt
// `tr_!(…)`: tree-sitter-rust reads `try` as the 2018 keyword and fails on
// it. The length is kept, so every offset stays true; text is not modified.
func renameTryMacro(text []byte) []byte {
	if !bytes.Contains(text, []byte("try!")) {
		return text
	}
	out := bytes.Clone(text)
	for i := 0; ; {
		j := bytes.Index(out[i:], []byte("try!"))
		if j < 0 {
			return out
		}
		j += i
		if j == 0 || !isIdentByte(out[j-1]) {
			out[j+2] = '_'
		}
		i = j + 4
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func countLines(src []byte) int {
	n := bytes.Count(src, []byte{'\n'})
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}

// forbidsUnsafe reports whether the file's inner attributes say #![forbid(unsafe_code)].
func forbidsUnsafe(s *syntax) bool {
	for c := s.nodes[0].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].kind != kInnerAttributeItem {
			continue
		}
		at := s.childKind(c, kAttribute)
		if at < 0 {
			continue
		}
		name, args := attrName(s, at)
		if name == "forbid" && args >= 0 && strings.Contains(s.text(args), "unsafe_code") {
			return true
		}
	}
	return false
}

// use appends a use found in file f.
func (a *crateAnalysis) use(f *sourceFile, st state, c caps.Capability, api string, start, end uint32) {
	a.sum.Uses = append(a.sum.Uses, Use{
		Cap: c, API: api, File: f.path,
		Range:   span.Range{Start: int(start), End: int(end)},
		Context: st.ctx, Gates: st.gates, Cfgs: st.cfgs,
	})
}
