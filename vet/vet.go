// Package vet reads a workspace's cargo vet store (`supply-chain/`: audits.toml,
// config.toml, imports.lock, in cargo vet's own formats) and answers one
// question: is this crate version certified for this criterion, and by which
// audit? Full audits certify their version; delta audits carry a certification
// from an audited version to a newer one; exemptions are not audits. Imported
// audits count as cargo vet caches them in imports.lock: nothing is fetched.
// It knows nothing of capabilities, manifests or the dependency graph.
package vet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// The built-in criteria; safe-to-deploy implies safe-to-run.
const (
	SafeToRun    = "safe-to-run"
	SafeToDeploy = "safe-to-deploy"
)

// Audit is one certification entry, local or imported, with its criteria
// already closed under implication and mapped into the local namespace.
type Audit struct {
	Crate    string
	Criteria []string
	Version  string // a full audit's version; "" for a delta
	From, To string // a delta audit's versions
	Import   string // the import it came from; "" for the workspace's own
}

// Store is a workspace's cargo vet data.
type Store struct {
	Dir    string
	audits map[string][]Audit // by crate
}

// Certification says why a crate version is certified for a criterion: the
// audits from a fully audited version through deltas to it.
type Certification struct {
	Criterion string
	Steps     []Audit // a full audit, then the deltas in order
}

// String reads as the report and hover show it:
// `cargo vet: safe-to-deploy, imported from mozilla`.
func (c Certification) String() string {
	var from []string
	own := false
	for _, a := range c.Steps {
		if a.Import == "" {
			own = true
		} else if !slices.Contains(from, a.Import) {
			from = append(from, a.Import)
		}
	}
	s := "cargo vet: " + c.Criterion
	if len(c.Steps) > 1 {
		s += fmt.Sprintf(" (audit of %s, deltas to %s)", c.Steps[0].Version, c.Steps[len(c.Steps)-1].To)
	}
	if len(from) > 0 {
		s += ", imported from " + strings.Join(from, ", ")
		if own {
			s += " and the workspace's own audits"
		}
	}
	return s
}

// The files' shapes, as cargo vet writes them. Criteria and implies are a
// string or an array of strings.
type auditsFile struct {
	Criteria map[string]criterionEntry `toml:"criteria"`
	Audits   map[string][]auditEntry   `toml:"audits"`
}

type criterionEntry struct {
	Implies any `toml:"implies"`
}

type auditEntry struct {
	Criteria  any    `toml:"criteria"`
	Version   string `toml:"version"`
	Delta     string `toml:"delta"`
	Violation string `toml:"violation"`
}

// configFile holds what matters here of config.toml: which imports are still
// configured and how their criteria map to ours. Its [[exemptions.CRATE]]
// are deliberately not read: cargo vet tolerates those versions unaudited.
type configFile struct {
	Imports map[string]importEntry `toml:"imports"`
}

type importEntry struct {
	CriteriaMap map[string]any `toml:"criteria-map"`
}

type importsLock struct {
	Audits map[string]auditsFile `toml:"audits"`
}

// Error is a store file cargo-caps could not read.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }

// Load reads dir (a `supply-chain` directory). A missing directory is no
// store (nil, nil); a missing file is empty; a malformed file is an *Error
// naming it, and the store is nil.
func Load(dir string) (*Store, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var own auditsFile
	var cfg configFile
	var lock importsLock
	for _, f := range []struct {
		name string
		into any
	}{{"audits.toml", &own}, {"config.toml", &cfg}, {"imports.lock", &lock}} {
		path := filepath.Join(dir, f.name)
		text, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			_, err = toml.Decode(string(text), f.into)
		}
		if err != nil {
			return nil, &Error{Path: path, Err: err}
		}
	}
	s := &Store{Dir: dir, audits: map[string][]Audit{}}
	local := implications(own.Criteria)
	s.add(own.Audits, "", func(c string) []string { return local.close([]string{c}) })
	for _, name := range sortedKeys(lock.Audits) {
		foreign := implications(lock.Audits[name].Criteria)
		imp, ok := cfg.Imports[name]
		if !ok {
			continue // an import config.toml no longer names is not trusted
		}
		mapping := map[string][]string{}
		for theirs, ours := range imp.CriteriaMap {
			mapping[theirs] = stringList(ours)
		}
		// A foreign criterion means nothing here unless built in or mapped.
		s.add(lock.Audits[name].Audits, name, func(c string) []string {
			var out []string
			for _, x := range foreign.close([]string{c}) {
				if x == SafeToRun || x == SafeToDeploy {
					out = append(out, x)
				}
				out = append(out, mapping[x]...)
			}
			return local.close(out)
		})
	}
	return s, nil
}

func (s *Store) add(entries map[string][]auditEntry, from string, mapCriterion func(string) []string) {
	for _, crate := range sortedKeys(entries) {
		for _, e := range entries[crate] {
			if e.Violation != "" {
				continue // a violation forbids versions; it certifies none
			}
			a := Audit{Crate: crate, Import: from, Version: strings.TrimSpace(e.Version)}
			for _, c := range stringList(e.Criteria) {
				for _, m := range mapCriterion(c) {
					if !slices.Contains(a.Criteria, m) {
						a.Criteria = append(a.Criteria, m)
					}
				}
			}
			if e.Delta != "" {
				base, target, ok := strings.Cut(e.Delta, "->")
				if !ok {
					continue
				}
				a.Version, a.From, a.To = "", strings.TrimSpace(base), strings.TrimSpace(target)
			}
			if len(a.Criteria) > 0 && (a.Version != "" || a.To != "") {
				s.audits[crate] = append(s.audits[crate], a)
			}
		}
	}
}

// Certified reports whether the crate's version is certified for criterion:
// a full audit of it, or a chain of deltas from a fully audited version.
// The shortest chain is returned, own audits preferred on ties.
func (s *Store) Certified(crate, version, criterion string) (Certification, bool) {
	if s == nil {
		return Certification{}, false
	}
	var full, deltas []Audit
	for _, a := range s.audits[crate] {
		if !slices.Contains(a.Criteria, criterion) {
			continue
		}
		if a.Version != "" {
			full = append(full, a)
		} else {
			deltas = append(deltas, a)
		}
	}
	// Breadth-first from every fully audited version along deltas.
	slices.SortStableFunc(full, func(a, b Audit) int { return strings.Compare(a.Import, b.Import) })
	path := map[string][]Audit{}
	var queue []string
	for _, a := range full {
		if _, seen := path[a.Version]; !seen {
			path[a.Version] = []Audit{a}
			queue = append(queue, a.Version)
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		if v == version {
			return Certification{Criterion: criterion, Steps: path[v]}, true
		}
		for _, d := range deltas {
			if _, seen := path[d.To]; d.From == v && !seen {
				path[d.To] = append(slices.Clone(path[v]), d)
				queue = append(queue, d.To)
			}
		}
	}
	return Certification{}, false
}

// implication is a criteria table's `implies`, closed over the built-ins.
type implication map[string][]string

func implications(table map[string]criterionEntry) implication {
	im := implication{SafeToDeploy: {SafeToRun}}
	for name, c := range table {
		im[name] = append(im[name], stringList(c.Implies)...)
	}
	return im
}

// close is cs and everything it implies, transitively, in first-seen order.
func (im implication) close(cs []string) []string {
	var out []string
	var visit func(string)
	visit = func(c string) {
		if slices.Contains(out, c) {
			return
		}
		out = append(out, c)
		for _, d := range im[c] {
			visit(d)
		}
	}
	for _, c := range cs {
		visit(c)
	}
	return out
}

// stringList reads a TOML value that is a string or an array of strings.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
