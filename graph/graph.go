// Package graph resolves a cargo workspace into its crates and dependency
// edges: from `cargo metadata --format-version 1`, or, when cargo must not run
// (an untrusted workspace, --no-cargo), from Cargo.lock and the manifests and
// sources already on disk (SPEC §6). It knows nothing of capabilities.
package graph

import (
	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// ID identifies one crate (package) in the graph: "name@version" plus the
// source where two crates share both.
type ID string

// Graph is a resolved workspace. Immutable once returned.
type Graph struct {
	WorkspaceRoot string // directory of the workspace root manifest
	Members       []ID   // workspace members, in cargo's order
	Crates        map[ID]*Crate
}

// Crate is one package of the resolved graph.
type Crate struct {
	ID           ID
	Name         string
	Version      string
	ManifestPath string   // absolute
	Dir          string   // absolute: the manifest's directory
	Member       bool     // a workspace member (its own code is judged)
	Registry     bool     // comes from a registry or directory source (immutable: cacheable)
	Features     []string // features cargo resolved as enabled, sorted
	Targets      []analyzer.Target
	ProcMacro    bool
	BuildScript  string // absolute path of build.rs, or ""
	Deps         []Edge
}

// Edge is one resolved dependency of a crate.
type Edge struct {
	To       ID
	Key      string // the dependency's key in the dependent's Cargo.toml (before renaming: what [dependencies] says)
	Kind     manifest.DepKind
	Optional bool
	// Features lists the dependent's features that enable this optional
	// dependency (empty when not optional).
	EnabledBy []string
}

// Options says how to resolve.
type Options struct {
	NoCargo bool // never run cargo: read Cargo.lock and manifests (SPEC §6)
}

// Load resolves the workspace whose manifest (a member's or the root's) is at
// manifestPath.
// func Load(manifestPath string, opts Options) (*Graph, error)
