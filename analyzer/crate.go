package analyzer

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
)

// Crate is one crate's code as the analyser needs it.
type Crate struct {
	Name    string
	Dir     string // the package directory; #[path] and include_*! may not leave it
	Targets []Target
	Table   *apis.Table // nil = apis.Builtin()
	// Read returns a file's text; unsaved editor buffers win over disk. nil = os.ReadFile.
	Read func(path string) ([]byte, error)
	// Parse, when set, returns the syntax of a file's text if the caller
	// has it (an editor's buffer, a file unchanged since the last
	// analysis), or nil. nil = parse afresh.
	Parse func(path string, text []byte) *Syntax
}

// AnalyzeCrate finds every capability use in the crate's targets, following
// `mod` declarations from each target root. Files reached by several targets
// are analysed once, in the context of the first (lib before bins, tests,
// benches, examples, build script). The result is in deterministic order.
func AnalyzeCrate(c Crate) Summary {
	a := &crateAnalysis{
		crate:  c,
		table:  c.Table,
		read:   c.Read,
		parser: newParser(),
		seen:   map[string]bool{},
	}
	defer a.parser.Close()
	if a.table == nil {
		a.table = apis.Builtin()
	}
	if a.read == nil {
		a.read = os.ReadFile
	}
	a.read = cachedRead(a.read)
	targets := append([]Target(nil), c.Targets...)
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].Kind < targets[j].Kind })
	for _, t := range targets {
		a.analyseTarget(t)
	}
	a.finish()
	return a.sum
}

type crateAnalysis struct {
	crate  Crate
	table  *apis.Table
	read   func(string) ([]byte, error)
	parser *sitter.Parser
	seen   map[string]bool // files already analysed
	sum    Summary
}

// sourceFile is one parsed file of a target's module tree.
type sourceFile struct {
	path    string
	syn     *syntax
	module  *module // the module the file's top level belongs to
	dir     string  // where `mod x;` at its top level looks for x
	fresh   bool    // first time seen: analyse it
	inlines map[nodeRef]*module
	// expansions are item-level macro invocations whose bodies are items
	// (cfg_if!, tokio's cfg_net!): parsed as items so their `mod`s are followed.
	expansions map[nodeRef][]expansion
}

// nodeRef names a node of one of a file's syntaxes (its own or a macro body's).
type nodeRef struct {
	s *syntax
	i int32
}

// expansion is the body of an item-level macro invocation parsed as items.
type expansion struct {
	syn   *syntax
	macro string // the macro's name, whose definition may add a cfg
	cfg   []Cfg  // cfg_if! branch conditions (earlier branches negated)
	mods  []*module
}

func (a *crateAnalysis) analyseTarget(t Target) {
	ctx := Normal
	switch t.Kind {
	case TestTarget, Bench:
		ctx = Test
	case ExampleTarget:
		ctx = Example
	case BuildScript:
		ctx = Build
	}
	root := &module{path: "crate", state: state{ctx: ctx}}
	var files []*sourceFile
	var load func(path string, m *module, from *sourceFile, decl modDecl)
	load = func(path string, m *module, from *sourceFile, decl modDecl) {
		text, err := a.read(path)
		if err != nil {
			if from == nil {
				a.unanalysed(path, span.Range{}, "target root not found: "+a.rel(path), m.state.ctx)
			} else {
				n := decl.syn.nodes[decl.node]
				a.unanalysed(from.path, span.Range{Start: int(n.start), End: int(n.end)}, "module file not found: "+a.rel(path), m.state.ctx)
			}
			return
		}
		f := &sourceFile{path: path, module: m, fresh: !a.seen[path], inlines: map[nodeRef]*module{}, expansions: map[nodeRef][]expansion{}}
		a.seen[path] = true
		f.syn = a.parse(path, text)
		base := filepath.Base(path)
		if from == nil || base == "mod.rs" || m.pathAttr {
			f.dir = filepath.Dir(path)
		} else {
			f.dir = filepath.Join(filepath.Dir(path), strings.TrimSuffix(base, ".rs"))
		}
		if from == nil && t.Kind == Lib {
			a.sum.ForbidsUnsafe = forbidsUnsafe(f.syn)
		}
		files = append(files, f)
		for _, d := range a.collectModule(f, f.syn, 0, m, f.dir) {
			for _, p := range a.modFiles(f, d) {
				load(p, d.module, f, d)
			}
		}
	}
	load(t.Path, root, nil, modDecl{})
	root.index()
	if t.Kind == Lib {
		a.sum.Exports = a.exports(root, files)
	}
	for _, f := range files {
		for _, exps := range f.expansions {
			for _, e := range exps {
				if c, ok := root.macroCfg(e.macro); ok {
					for _, m := range e.mods {
						m.addGate(c)
					}
				}
			}
		}
	}
	for _, f := range files {
		if f.fresh {
			a.sum.Files = append(a.sum.Files, f.path)
			a.sum.Lines += countLines(f.syn.src)
			found := len(a.sum.Uses)
			a.analyseFile(f)
			a.placeSites(f, found)
		}
	}
}

// modFile finds the file of an out-of-line `mod` declaration.
// With several #[cfg_attr(…, path = …)] alternatives, all are followed: the
// analyser sees every cfg at once.
func (a *crateAnalysis) modFiles(f *sourceFile, d modDecl) []string {
	n := d.syn.nodes[d.node]
	r := span.Range{Start: int(n.start), End: int(n.end)}
	if len(d.pathAttrs) > 0 {
		var out []string
		for _, pa := range d.pathAttrs {
			p := filepath.Clean(filepath.Join(d.dir, pa))
			if !a.inPackage(p) {
				a.unanalysed(f.path, r, "#[path] leaves the package: "+pa, d.module.state.ctx)
				continue
			}
			out = append(out, p)
		}
		return out
	}
	one := filepath.Join(d.dir, d.name+".rs")
	two := filepath.Join(d.dir, d.name, "mod.rs")
	if _, err := a.read(one); err == nil {
		return []string{one}
	}
	if _, err := a.read(two); err == nil {
		return []string{two}
	}
	a.unanalysed(f.path, r, "module file not found: "+a.rel(one), d.module.state.ctx)
	return nil
}

func (a *crateAnalysis) parse(path string, text []byte) *syntax {
	var s syntax
	if given := a.given(path, text); given != nil {
		s = *given.syn // a copy: the file's name is this analysis's
	} else {
		parsed := renameTryMacro(text)
		tree := parseText(a.parser, parsed, nil)
		if tree == nil {
			s = *unparsed(text, parsed)
		} else {
			s = *flatten(tree, text, parsed)
			tree.Close()
		}
	}
	s.file = path
	return &s
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
		if r, err := filepath.Rel(a.crate.Dir, p); err == nil {
			return filepath.ToSlash(r)
		}
	}
	return p
}

func (a *crateAnalysis) unanalysed(file string, r span.Range, reason string, ctx Context) {
	a.sum.Unanalysed = append(a.sum.Unanalysed, Unanalysed{File: file, Range: r, Reason: reason, Context: ctx})
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

// cachedRead reads each file once per analysis: finding a module's file and
// loading it read the same path.
func cachedRead(read func(string) ([]byte, error)) func(string) ([]byte, error) {
	type result struct {
		text []byte
		err  error
	}
	cache := map[string]result{}
	return func(p string) ([]byte, error) {
		if r, ok := cache[p]; ok {
			return r.text, r.err
		}
		text, err := read(p)
		cache[p] = result{text, err}
		return text, err
	}
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
		Context: st.ctx, Gates: st.gates,
	})
}
