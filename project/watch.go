package project

import (
	"context"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/cargo-caps/cargo-caps/audits"
)

// Watch polls, every interval, the files of every loaded view — manifests,
// lockfiles and Rust sources under the workspace root and each local
// crate's directory — and takes what was created, changed or deleted as
// OnDisk modifications, as rust-analyzer's server-side watcher does, for
// an editor that cannot watch files (Neovim 0.7). A view's first scan is
// its baseline. It returns when the session stops.
func (s *Session) Watch(ctx context.Context, interval time.Duration) {
	seen := map[*View]map[string]stamp{}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		listed := s.Views()
		for v := range seen {
			if !slices.Contains(listed, v) {
				delete(seen, v)
			}
		}
		var changed []string
		for _, v := range listed {
			now, ok := scan(v)
			if !ok {
				continue
			}
			if before, ok := seen[v]; ok {
				changed = append(changed, differing(before, now)...)
			} else {
				// The first scan may come after a file changed that the load
				// had already read: what changed since the load began counts.
				changed = append(changed, changedSince(now, v.LoadStart())...)
			}
			seen[v] = now
		}
		if len(changed) > 0 {
			s.cfg.Log.Debug("files changed on disk", "files", changed)
			s.changedOnDisk(slices.Compact(slices.Sorted(slices.Values(changed))))
		}
	}
}

// stamp is what the poll compares of a file: a change of either is a change.
type stamp struct {
	mod  time.Time
	size int64
}

// scan stamps the watched files of v's latest analysis; false before its
// first load.
func scan(v *View) (map[string]stamp, bool) {
	w := v.latestWorkspace()
	if w == nil {
		return nil, false
	}
	dirs := []string{w.Root}
	for _, c := range w.Graph.Crates {
		if !c.Registry && c.Dir != "" && !within(w.Root, c.Dir) {
			dirs = append(dirs, c.Dir)
		}
	}
	out := map[string]stamp{}
	for _, dir := range slices.Compact(slices.Sorted(slices.Values(dirs))) {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable: nothing to compare
			}
			if d.IsDir() {
				if path != dir && skipDir(d.Name()) {
					return filepath.SkipDir
				}
				return nil
			}
			if !watched(path) {
				return nil
			}
			if info, err := d.Info(); err == nil {
				out[path] = stamp{mod: info.ModTime(), size: info.Size()}
			}
			return nil
		})
	}
	return out, true
}

// changedSince lists the files of a scan modified after t.
func changedSince(now map[string]stamp, t time.Time) []string {
	var out []string
	for path, st := range now {
		if st.mod.After(t) {
			out = append(out, path)
		}
	}
	return out
}

// differing lists the files created, changed or deleted between two scans.
func differing(before, now map[string]stamp) []string {
	var out []string
	for path, st := range now {
		if old, ok := before[path]; !ok || old != st {
			out = append(out, path)
		}
	}
	for path := range maps.Keys(before) {
		if _, ok := now[path]; !ok {
			out = append(out, path)
		}
	}
	return out
}

// Watched are the names (filepath.Match patterns) of the files whose change
// on disk changes an analysis: manifests and lockfiles re-resolve a graph,
// Rust files not open in the editor are re-analysed, and the audits' record
// is read again. The session's own watcher scans them; a language server
// asks its client to watch them.
var Watched = []string{"Cargo.toml", "Cargo.lock", "*.rs", audits.FileName}

// watched reports whether path's name is one of Watched.
func watched(path string) bool {
	base := filepath.Base(path)
	return slices.ContainsFunc(Watched, func(pattern string) bool {
		ok, _ := filepath.Match(pattern, base)
		return ok
	})
}
