// Package graph resolves a cargo workspace into its crates and dependency
// edges: from `cargo metadata --format-version 1`, or, when cargo must not run
// (an untrusted workspace, --no-cargo), from Cargo.lock and the manifests and
// sources already on disk (SPEC §6). It knows nothing of capabilities.
package graph

import (
	"context"
	"fmt"
	"sort"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// ID identifies one crate (package) in the graph: "name@version" plus the
// source where two crates share both.
type ID string

// Graph is a resolved workspace. Immutable once returned.
type Graph struct {
	WorkspaceRoot string // directory of the workspace root manifest
	Members       []ID   // workspace members, by name then version (cargo's order)
	Crates        map[ID]*Crate
	// Warnings are what lockfile mode could not settle, one line each for
	// people (a dependency Cargo.lock does not list), sorted.
	Warnings []string
	// Targets are the target triples the graph was narrowed to (ForTargets);
	// empty when every platform counts.
	Targets []string
}

// Crate is one package of the resolved graph.
type Crate struct {
	ID           ID
	Name         string
	Version      string
	ManifestPath string   // absolute
	Dir          string   // absolute: the manifest's directory
	Member       bool     // a workspace member (its own code is judged)
	Registry     bool     // comes from a registry, directory or git source, not a path (immutable: cacheable)
	Source       string   // cargo's source of the package ("registry+https://…", "git+…"); "" for path packages
	Features     []string // features cargo resolved as enabled, sorted
	Targets      []analyzer.Target
	// LibName is the library's crate name as code writes it (`[lib] name`,
	// else the package name, `-` as `_`); "" for a package without a library.
	LibName     string
	ProcMacro   bool
	BuildScript string // absolute path of build.rs, or ""
	Deps        []Edge // sorted by Key, Kind, To
	// Missing says why the crate's sources could not be found (lockfile mode
	// only): it is a node with its locked edges (all Normal, keyed by name)
	// but no ManifestPath, Dir, targets or features, and callers report it
	// as unanalysed — never as pure. "" when its sources are there.
	Missing string
}

// Edge is one resolved dependency of a crate.
type Edge struct {
	To   ID
	Key  string // the dependency's key in the dependent's Cargo.toml (before renaming: what [dependencies] says)
	Kind manifest.DepKind
	// Target is the platform of a [target.X.…] table (`cfg(unix)` or a
	// triple); "" when the dependency applies on every platform. Several
	// platforms of one kind are joined with " or ".
	Target string
	// Optional: a declaration behind the edge says `optional = true`.
	Optional bool
	// EnabledBy lists the dependent's features that enable this optional
	// dependency, directly or through other features (`dep:x`, `x/feat`, the
	// implicit feature `x`), sorted; empty when not optional.
	EnabledBy []string
}

// Options says how to resolve.
type Options struct {
	NoCargo bool // never run cargo: read Cargo.lock and manifests (SPEC §6)
	// Lockfile, when set, is read instead of the workspace's Cargo.lock (the
	// diff command compares two). It implies NoCargo.
	Lockfile string
	// CargoHome is where lockfile mode looks for registry sources
	// (registry/src/*/name-version); "" means $CARGO_HOME, else ~/.cargo.
	CargoHome string
	// Cargo is the command that runs cargo, its arguments appended (a
	// sandbox's command line ending in "cargo"); nil runs cargo itself.
	Cargo []string
}

// Load resolves the workspace whose manifest (a member's or the root's) is at
// manifestPath. Cargo mode runs `cargo metadata --offline` in the manifest's
// directory, so the workspace's .cargo/config.toml applies. An error is one
// line saying what failed and what to do.
func Load(manifestPath string, opts Options) (*Graph, error) {
	return LoadContext(context.Background(), manifestPath, opts)
}

// LoadContext is Load that stops cargo when ctx is done (a language server
// re-resolving after another edit).
func LoadContext(ctx context.Context, manifestPath string, opts Options) (*Graph, error) {
	if opts.NoCargo || opts.Lockfile != "" {
		return loadLockfile(manifestPath, opts)
	}
	return loadCargo(ctx, manifestPath, opts.Cargo)
}

// Sorted returns every crate ordered by ID.
func (g *Graph) Sorted() []*Crate {
	out := make([]*Crate, 0, len(g.Crates))
	for _, c := range g.Crates {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Named returns the crates called name, ordered by ID.
func (g *Graph) Named(name string) []*Crate {
	var out []*Crate
	for _, c := range g.Sorted() {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// pkgKey is what a package is before it gets its ID.
type pkgKey struct{ name, version, source string }

// assignIDs gives each package "name@version", adding the source only where
// two packages share both (a crates.io and a git copy, say).
func assignIDs(keys []pkgKey) map[pkgKey]ID {
	count := map[string]int{}
	for _, k := range keys {
		count[k.name+"@"+k.version]++
	}
	ids := make(map[pkgKey]ID, len(keys))
	for _, k := range keys {
		id := k.name + "@" + k.version
		if count[id] > 1 {
			id = fmt.Sprintf("%s (%s)", id, k.source)
		}
		ids[k] = ID(id)
	}
	return ids
}

// sortEdges puts edges in their documented order.
func sortEdges(es []Edge) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.To < b.To
	})
}

// sortTargets orders targets by kind, then path.
func sortTargets(ts []analyzer.Target) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].Kind != ts[j].Kind {
			return ts[i].Kind < ts[j].Kind
		}
		return ts[i].Path < ts[j].Path
	})
}
