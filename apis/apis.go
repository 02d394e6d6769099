// Package apis is the table of classified APIs (SPEC §1): which public Rust
// paths acquire which capability. The table is data — embedded TOML files
// plus the user's additions from `[workspace.metadata.capabilities.apis]` —
// so adding an API never needs a Go change. It knows nothing of parsing Rust
// or of policy; the analyzer resolves names and asks it about full paths.
package apis

import (
	"embed"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cargo-caps/cargo-caps/caps"
)

//go:embed *.toml
var files embed.FS

// Entry is one classified API.
type Entry struct {
	Path string // the public path as users write it: "std::fs::write"; a trailing "*" matches a name prefix
	Cap  caps.Capability
	Does string // what it does, for people: "creates, writes, … files by path"
	// ReadonlyIfOnly names the one builder setter (e.g. "read") that, when it
	// is the only one in the call's builder chain, makes the call need only
	// fs-readonly (OpenOptions::open).
	ReadonlyIfOnly string
	// ReadonlyFlags: the call needs only fs-readonly when its arguments show
	// read-only open flags and no writing ones (libc::open, nix::fcntl::open).
	ReadonlyFlags bool
	// User is true for entries from the workspace manifest.
	User bool
	// Via is the path the code named when it reached the entry through a
	// dependency's re-export ("dep::save" for std::fs::write); "" otherwise.
	Via string
}

// Describe says what the entry does and what it needs, for hovers:
// "std::fs::write creates, writes, … files by path: needs fs".
func (e *Entry) Describe() string {
	does := e.Does
	if does == "" {
		does = "is classified by the workspace manifest"
	}
	return fmt.Sprintf("%s %s: needs %s", e.Shown(strings.TrimSuffix(e.Path, "*")), does, e.Cap)
}

// Shown is the API as a use of it names it: the entry's path; for a prefix
// entry the path called; through a dependency's re-export both, "dep::save →
// std::fs::write", so a reviewer sees what the dependency's name stands for.
func (e *Entry) Shown(called string) string {
	switch {
	case e.Via != "":
		return e.Via + reexportArrow + e.Path
	case strings.HasSuffix(e.Path, "*"):
		return called
	}
	return e.Path
}

// Owner returns the path of the type or trait holding a method entry:
// "std::path::Path" for "std::path::Path::exists".
func (e *Entry) Owner() string {
	if i := strings.LastIndex(e.Path, "::"); i >= 0 {
		return e.Path[:i]
	}
	return ""
}

// typeInfo is what the analyzer may infer about a value of a known type.
type typeInfo struct {
	deref    string
	builders map[string]bool
	methods  map[string]string // method → the type of its result (DirEntry::path → PathBuf)
	item     string            // what iterating a value gives (ReadDir → DirEntry)
}

// Table is an immutable set of classified APIs. Extend returns a new one.
type Table struct {
	exact     map[string]*Entry
	prefixes  []*Entry            // entries ending in "*"
	methods   map[string][]*Entry // by last path segment
	traits    map[string]bool
	reexports map[string]string
	returns   map[string]string // constructor path → type path
	types     map[string]*typeInfo
	lasts     map[string]bool // last segments of entries, constructors and types
	// known holds every path the table says something about (entries,
	// types, constructors, traits, re-exports) and every path above one: a
	// re-export of one of them re-exports classified APIs.
	known map[string]bool
	// exports are the direct dependencies' re-exports of classified APIs,
	// by the path code writes ("dep::save" → "std::fs::write"), and their
	// last segments (see WithExports).
	exports     map[string]string
	exportLasts map[string]bool
}

type fileData struct {
	Traits    []string          `toml:"traits"`
	Reexports map[string]string `toml:"reexports"`
	API       []struct {
		Cap            string   `toml:"cap"`
		Does           string   `toml:"does"`
		ReadonlyIfOnly string   `toml:"readonly_if_only"`
		ReadonlyFlags  bool     `toml:"readonly_flags"`
		Paths          []string `toml:"paths"`
	} `toml:"api"`
	Type []struct {
		Name         string            `toml:"name"`
		Deref        string            `toml:"deref"`
		Constructors []string          `toml:"constructors"`
		Builders     []string          `toml:"builders"`
		Methods      map[string]string `toml:"methods"`
		Item         string            `toml:"item"`
	} `toml:"type"`
}

var builtin = mustLoad()

// Builtin returns the embedded table. It is shared and must not be modified.
func Builtin() *Table { return builtin }

func mustLoad() *Table {
	t, err := load()
	if err != nil {
		panic("apis: embedded table is broken: " + err.Error()) // a build defect, caught by tests
	}
	return t
}

func load() (*Table, error) {
	t := &Table{
		exact:     map[string]*Entry{},
		methods:   map[string][]*Entry{},
		traits:    map[string]bool{},
		reexports: map[string]string{},
		returns:   map[string]string{},
		types:     map[string]*typeInfo{},
		lasts:     map[string]bool{},
		known:     map[string]bool{},
	}
	names, err := files.ReadDir(".")
	if err != nil {
		return nil, err
	}
	for _, f := range names {
		text, err := files.ReadFile(f.Name())
		if err != nil {
			return nil, err
		}
		var d fileData
		if _, err := toml.Decode(string(text), &d); err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name(), err)
		}
		for _, tr := range d.Traits {
			t.traits[tr] = true
			t.markKnown(tr)
		}
		for from, to := range d.Reexports {
			t.reexports[from] = to
			t.markKnown(from)
			t.markKnown(to)
		}
		for _, g := range d.API {
			c, ok := caps.Parse(g.Cap)
			if !ok {
				return nil, fmt.Errorf("%s: unknown capability %q", f.Name(), g.Cap)
			}
			for _, p := range g.Paths {
				e := &Entry{Path: p, Cap: c, Does: g.Does, ReadonlyIfOnly: g.ReadonlyIfOnly, ReadonlyFlags: g.ReadonlyFlags}
				if err := t.add(e); err != nil {
					return nil, fmt.Errorf("%s: %v", f.Name(), err)
				}
			}
		}
		for _, ty := range d.Type {
			info := &typeInfo{deref: ty.Deref, builders: map[string]bool{}, methods: ty.Methods, item: ty.Item}
			for _, b := range ty.Builders {
				info.builders[b] = true
			}
			t.types[ty.Name] = info
			t.lasts[lastSegment(ty.Name)] = true
			t.markKnown(ty.Name)
			for _, c := range ty.Constructors {
				t.returns[c] = ty.Name
				t.lasts[lastSegment(c)] = true
				t.markKnown(c)
			}
		}
	}
	return t, nil
}

func (t *Table) add(e *Entry) error {
	if !validPath(e.Path) {
		return fmt.Errorf("not a Rust path: %q", e.Path)
	}
	if old, ok := t.exact[e.Path]; ok && !e.User {
		return fmt.Errorf("%s listed twice (%s and %s)", e.Path, old.Cap, e.Cap)
	}
	if strings.HasSuffix(e.Path, "*") {
		t.prefixes = append(t.prefixes, e)
		t.markKnown(e.Owner())
		return nil
	}
	t.markKnown(e.Path)
	t.exact[e.Path] = e
	name := lastSegment(e.Path)
	t.methods[name] = append(t.methods[name], e)
	t.lasts[name] = true
	return nil
}

func lastSegment(p string) string { return p[strings.LastIndex(p, "::")+2:] }

// markKnown records p and every path above it in known.
func (t *Table) markKnown(p string) {
	for p != "" && !t.known[p] {
		t.known[p] = true
		i := strings.LastIndex(p, "::")
		if i < 0 {
			return
		}
		p = p[:i]
	}
}

func validPath(p string) bool {
	segs := strings.Split(strings.TrimPrefix(p, "::"), "::")
	if len(segs) < 2 {
		return false
	}
	for i, s := range segs {
		if i == len(segs)-1 {
			s = strings.TrimSuffix(s, "*")
		}
		if s == "" {
			return false
		}
		for _, r := range s {
			if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127) {
				return false
			}
		}
	}
	return true
}

// Extend returns a table with the user's additions (capability → paths, as
// written in `[workspace.metadata.capabilities.apis]`). A user entry replaces a
// builtin one of the same path. Hyphens in the crate name are read as `_`,
// as Rust code writes them.
func (t *Table) Extend(add map[caps.Capability][]string) (*Table, error) {
	n := &Table{
		exact:     make(map[string]*Entry, len(t.exact)),
		prefixes:  append([]*Entry(nil), t.prefixes...),
		methods:   make(map[string][]*Entry, len(t.methods)),
		traits:    t.traits,
		reexports: t.reexports,
		returns:   t.returns,
		types:     t.types,
		lasts:     maps.Clone(t.lasts),
		known:     maps.Clone(t.known),
	}
	for k, v := range t.exact {
		n.exact[k] = v
	}
	for k, v := range t.methods {
		n.methods[k] = v
	}
	var bad []string
	for _, c := range caps.All {
		for _, p := range add[c] {
			p = strings.TrimPrefix(strings.TrimSpace(p), "::")
			if i := strings.Index(p, "::"); i > 0 {
				p = strings.ReplaceAll(p[:i], "-", "_") + p[i:]
			}
			e := &Entry{Path: p, Cap: c, User: true}
			if err := n.add(e); err != nil {
				bad = append(bad, err.Error())
				continue
			}
			if old := n.methods[lastSegment(p)]; len(old) > 1 {
				n.methods[lastSegment(p)] = dropReplaced(old, e)
			}
		}
	}
	if len(bad) > 0 {
		return n, fmt.Errorf("apis: %s", strings.Join(bad, "; "))
	}
	return n, nil
}

// dropReplaced removes from es the entries of e's path other than e itself.
func dropReplaced(es []*Entry, e *Entry) []*Entry {
	out := make([]*Entry, 0, len(es))
	for _, x := range es {
		if x.Path != e.Path || x == e {
			out = append(out, x)
		}
	}
	return out
}

// Lookup returns the entry classifying the full path p ("std::fs::write"),
// after following known re-exports. Through a dependency's re-export
// ("dep::save") it is a copy of the API's entry with Via set.
func (t *Table) Lookup(p string) (*Entry, bool) {
	if e, ok := t.lookup(p); ok || len(t.exports) == 0 {
		return e, ok
	}
	api, ok := t.exported(p)
	if !ok {
		return nil, false
	}
	e, ok := t.lookup(api)
	if !ok {
		return nil, false
	}
	via := *e
	via.Via, via.Path = p, api
	return &via, true
}

func (t *Table) lookup(p string) (*Entry, bool) {
	if e, ok := t.exact[p]; ok {
		return e, true
	}
	if c := t.canonical(p); c != p {
		if e, ok := t.exact[c]; ok {
			return e, true
		}
	}
	for _, e := range t.prefixes {
		if strings.HasPrefix(p, strings.TrimSuffix(e.Path, "*")) && !strings.Contains(p[len(e.Path)-1:], "::") {
			return e, true
		}
	}
	return nil, false
}

// Canonical maps a re-exported path to the path the table uses
// ("std::os::unix::prelude::CommandExt::exec" → "std::os::unix::process::CommandExt::exec").
// A dependency's re-export maps to the API it denotes ("dep::Command::new"
// → "std::process::Command::new").
func (t *Table) Canonical(p string) string {
	if api, ok := t.exported(p); ok {
		return api
	}
	return t.canonical(p)
}

func (t *Table) canonical(p string) string {
	for q := p; ; {
		if to, ok := t.reexports[q]; ok {
			return to + p[len(q):]
		}
		i := strings.LastIndex(q, "::")
		if i < 0 {
			return p
		}
		q = q[:i]
	}
}

// MayClassify reports whether a path whose last segment is name could be
// classified or be a known constructor: a cheap filter before resolving it.
func (t *Table) MayClassify(name string) bool {
	if t.lasts[name] || t.exportLasts[name] {
		return true
	}
	for _, e := range t.prefixes {
		if strings.HasPrefix(name, lastSegment(strings.TrimSuffix(e.Path, "*"))) {
			return true
		}
	}
	return false
}

// HasTypeNamed reports whether a type whose path ends in name may be one
// the table knows (has constructors or builders for): a cheap filter.
func (t *Table) HasTypeNamed(name string) bool { return t.lasts[name] || t.exportLasts[name] }

// Methods returns the entries whose last segment is name — the candidates for
// a method call `.name(…)`. Most names have none, which makes the common
// case one map lookup.
func (t *Table) Methods(name string) []*Entry { return t.methods[name] }

// IsTrait reports whether p is a trait whose methods count wherever it is imported.
func (t *Table) IsTrait(p string) bool { return t.traits[t.Canonical(p)] }

// Returns gives the type of the value a constructor returns
// ("std::path::PathBuf::from" → "std::path::PathBuf").
func (t *Table) Returns(fn string) (string, bool) {
	ty, ok := t.returns[t.Canonical(fn)]
	return ty, ok
}

// Builds reports whether method on typ returns a value of the same type
// (a builder setter: OpenOptions::read, PathBuf::join).
func (t *Table) Builds(typ, method string) bool {
	info := t.types[typ]
	return info != nil && info.builders[method]
}

// MethodType returns the type of the result of method on typ, when the
// table knows it: typ itself for a builder setter.
func (t *Table) MethodType(typ, method string) (string, bool) {
	info := t.types[typ]
	if info == nil {
		return "", false
	}
	if info.builders[method] {
		return typ, true
	}
	r, ok := info.methods[method]
	return r, ok
}

// Item returns the type of what iterating a value of typ gives, if known.
func (t *Table) Item(typ string) (string, bool) {
	info := t.types[typ]
	if info == nil || info.item == "" {
		return "", false
	}
	return info.item, true
}

// IsType reports whether p is a type the table knows (has constructors,
// builders, methods or items for).
func (t *Table) IsType(p string) bool { return t.types[t.Canonical(p)] != nil }

// Deref returns the type typ dereferences to (PathBuf → Path), if known.
func (t *Table) Deref(typ string) (string, bool) {
	info := t.types[typ]
	if info == nil || info.deref == "" {
		return "", false
	}
	return info.deref, true
}

// Describe describes the API at path p for hovers, or "" if p is not
// classified. p may be a use's API as Entry.Shown names it.
func (t *Table) Describe(p string) string {
	via, api, reexported := strings.Cut(p, reexportArrow)
	if !reexported {
		api = p
	}
	e, ok := t.Lookup(api)
	if !ok {
		return ""
	}
	if reexported {
		copied := *e
		copied.Via = via
		e = &copied
	}
	return e.Describe()
}

// Entries returns every entry, sorted by path (for documentation and tests).
func (t *Table) Entries() []*Entry {
	out := make([]*Entry, 0, len(t.exact)+len(t.prefixes))
	for _, e := range t.exact {
		out = append(out, e)
	}
	out = append(out, t.prefixes...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
