package apis

import (
	"maps"
	"slices"
	"strings"
)

// reexportArrow joins the path code named and the API it denotes when a
// dependency re-exports the API: "dep::save → std::fs::write".
const reexportArrow = " → "

// APIPath returns the classified path of a use's API as Entry.Shown names
// it: "std::fs::write" for "dep::save → std::fs::write".
func APIPath(shown string) string {
	if _, api, ok := strings.Cut(shown, reexportArrow); ok {
		return api
	}
	return shown
}

// Export is one public re-export of a classified API by a library crate
// (`pub use std::fs::write as save;`): a crate depending on it reaches the
// API as `dep::save`.
type Export struct {
	Path string // within the exporting crate: "save", "process::Command"
	API  string // the path it denotes, past every re-export: "std::fs::write", "std::process::Command"
}

// WithExports returns the table as code sees it whose direct dependencies
// re-export classified APIs: deps maps the extern crate name the code writes
// for a dependency (its key, renamed or not; '-' is read as '_') to that
// dependency's exports. A path through one of them is classified as the API
// it denotes, and shown as "dep::save → std::fs::write". It is t itself when
// there are none; the result shares t's data.
func (t *Table) WithExports(deps map[string][]Export) *Table {
	n := 0
	for _, es := range deps {
		n += len(es)
	}
	if n == 0 {
		return t
	}
	d := *t
	d.exports = make(map[string]string, len(t.exports)+n)
	d.exportLasts = make(map[string]bool, len(t.exportLasts)+n)
	maps.Copy(d.exports, t.exports)
	maps.Copy(d.exportLasts, t.exportLasts)
	for name, es := range deps {
		name = strings.ReplaceAll(name, "-", "_")
		for _, e := range es {
			// one name under several cfgs (a unix and a windows symlink):
			// the first API counts, deterministically
			if _, ok := d.exports[name+"::"+e.Path]; !ok {
				d.exports[name+"::"+e.Path] = e.API
			}
			d.exportLasts[lastSegment("::"+e.Path)] = true
		}
	}
	return &d
}

// exported maps a path through a dependency's re-export to the API it
// denotes: "dep::Command::new" → "std::process::Command::new".
func (t *Table) exported(p string) (string, bool) {
	if len(t.exports) == 0 {
		return "", false
	}
	for q := p; ; {
		if to, ok := t.exports[q]; ok {
			return t.canonical(to + p[len(q):]), true
		}
		i := strings.LastIndex(q, "::")
		if i < 0 {
			return "", false
		}
		q = q[:i]
	}
}

// Reexports returns what a re-export of the full path p makes public, for
// a crate computing its own exports: the classified APIs p denotes, each
// with the path below p it is reached by ("" for p itself, "::fs::write"
// for an API under a dependency's module p re-exports). None when nothing
// classified is at or under p (`pub use std::collections::HashMap`).
func (t *Table) Reexports(p string) []Export {
	if api := t.Canonical(p); t.known[api] {
		return []Export{{API: api}} // what is under it follows through Canonical
	}
	var out []Export
	for k, api := range t.exports {
		if rest, ok := strings.CutPrefix(k, p); ok && strings.HasPrefix(rest, "::") {
			out = append(out, Export{Path: rest, API: api})
		}
	}
	slices.SortFunc(out, func(a, b Export) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// Children returns the names directly under path p that the table says
// something about, sorted: what `pub use p::*` may re-export.
func (t *Table) Children(p string) []string {
	seen := map[string]bool{}
	add := func(under, full string) {
		if rest, ok := strings.CutPrefix(full, under+"::"); ok {
			name, _, _ := strings.Cut(rest, "::")
			seen[name] = true
		}
	}
	api := t.Canonical(p)
	if t.known[api] {
		for k := range t.known {
			add(api, k)
		}
	}
	for k := range t.exports {
		add(p, k)
	}
	return slices.Sorted(maps.Keys(seen))
}
