// Package project loads a cargo workspace end to end — graph, manifests,
// per-crate analyses (in parallel, cached on disk for registry crates) — and
// evaluates policy over it. The CLI and the language server both call it, so
// findings are computed in exactly one place. A Workspace is a value: changes
// produce a new one that reuses what did not change.
package project

import (
	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/audits"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/policy"
	"github.com/cargo-caps/cargo-caps/vet"
)

// Options says how to load.
type Options struct {
	NoCargo  bool     // untrusted: never run cargo (SPEC §6)
	Lockfile string   // with NoCargo: read this lockfile instead of the workspace's Cargo.lock
	Cargo    []string // the command that runs cargo (a sandbox's); nil runs cargo
	NoCache  bool     // do not read or write the on-disk summary cache
	CacheDir string   // "" = default ($XDG_CACHE_HOME/cargo-caps)
	NoDeps   bool     // analyse workspace members only
	Features []string // features to assume enabled for workspace members
	// Targets are the target triples to build the graph for (--target);
	// empty: the root manifest's `targets`, else every platform.
	Targets []string
	// Read returns a file's text; unsaved editor buffers win over disk. It is
	// asked only for paths srcread allows on disk (or absent from it). nil = disk.
	Read func(path string) ([]byte, error)
	// Parse, when set, returns the syntax of a file's text, or nil: a
	// language server hands in the syntax it keeps current with each edit,
	// so a keystroke is not a full reparse.
	Parse func(path string, text []byte) *analyzer.Syntax
	// KeepTrees keeps the parsed syntax of members' files for Update, so an
	// edit re-parses only the edited file (a language server wants this; a
	// one-shot check does not need the memory).
	KeepTrees bool
	// Progress, when set, is told how many crates are analysed so far.
	Progress func(done, total int)
}

// Workspace is one loaded cargo workspace.
type Workspace struct {
	Root      string // workspace root directory
	Graph     *graph.Graph
	Manifests map[string]*manifest.Manifest // by absolute path
	Summaries map[graph.ID]*analyzer.Summary
	Result    *policy.Result
	opts      Options
	trees     *trees // with KeepTrees: shared with the Workspaces Update derives
	// edited are the manifests Update re-read since the graph was resolved
	// (an editor's unsaved buffers): dependencies they add are not in it.
	edited map[string]bool
	// vet is the cargo vet store in supply-chain/ (nil when there is none);
	// vetErr says why it could not be read.
	vet    *vet.Store
	vetErr error
	// audits is caps-audits.lock (audits.go); auditsErr says why it could not be read.
	audits    *audits.Lock
	auditsErr error
	// failure is why the graph could not be resolved (a language server's
	// workspace whose load failed): a finding on the manifest says so.
	failure error
}

// Load resolves and analyses the workspace of manifestPath.
// func Load(ctx context.Context, manifestPath string, opts Options) (*Workspace, error)

// Update returns a new Workspace after the given files changed (Rust sources
// or manifests; contents through opts.Read). Only affected member crates are
// re-analysed; manifests are re-read; policy re-runs. The graph is kept: call
// Load again when Cargo.lock or dependency tables change.
// func (w *Workspace) Update(ctx context.Context, changed []string) (*Workspace, error)
