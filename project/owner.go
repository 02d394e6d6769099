package project

import (
	"path/filepath"

	"github.com/cargo-caps/cargo-caps/graph"
)

// Claims reports whether w answers for path: a manifest it read, a file of
// a member, its lockfile or its caps-audits.lock.
func (w *Workspace) Claims(path string) bool {
	return w.Manifest(path) != nil || w.Member(path) != nil ||
		filepath.Dir(path) == w.Root && (filepath.Base(path) == "Cargo.lock" || path == w.auditsPath())
}

// PathDependency returns the local crate that is not a member and holds
// path more closely than any member does (a crate inside a member's
// directory included), or nil: a change there needs a new load, where a
// member's is an update.
func (w *Workspace) PathDependency(path string) *graph.Crate {
	member := w.Member(path)
	var best *graph.Crate
	for _, c := range w.Graph.Crates {
		if c.Registry || c.Member || c.Dir == "" || !within(c.Dir, path) {
			continue
		}
		if (member == nil || len(c.Dir) > len(member.Dir)) && (best == nil || len(c.Dir) > len(best.Dir)) {
			best = c
		}
	}
	return best
}
