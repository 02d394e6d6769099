package lsp

import (
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// pollInterval is how often the server looks at the disk itself when the
// client cannot watch files for it (Neovim 0.7): a stat of every manifest,
// lockfile and Rust file of each workspace, a few milliseconds a second for
// a workspace of thousands of files. Tests shorten it.
var pollInterval = time.Second

// stamp is what the poll compares of a file: a change of either is a change.
type stamp struct {
	mod  time.Time
	size int64
}

// watch polls the files of every loaded workspace (watched, the
// client's watchers' globs: manifests, lockfiles, Rust sources; under the
// workspace root and each local crate's directory) and hands what was
// created, changed or deleted to changedOnDisk, as rust-analyzer's
// server-side watcher does. A workspace's first scan is its baseline.
func (a *analysis) watch() {
	seen := map[*cargoWorkspace]map[string]stamp{}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-tick.C:
		}
		listed := a.all()
		for ws := range seen {
			if !slices.Contains(listed, ws) {
				delete(seen, ws)
			}
		}
		var changed []string
		for _, ws := range listed {
			now, ok := scan(ws)
			if !ok {
				continue
			}
			if before, ok := seen[ws]; ok {
				changed = append(changed, differing(before, now)...)
			} else {
				// The first scan may come after a file changed that the load
				// had already read: what changed since the load began counts.
				changed = append(changed, changedSince(now, ws.loadStart())...)
			}
			seen[ws] = now
		}
		if len(changed) > 0 {
			a.s.log.Debug("files changed on disk", "files", changed)
			a.s.changedOnDisk(slices.Compact(slices.Sorted(slices.Values(changed))))
		}
	}
}

// scan stamps the watched files of ws's latest analysis; false before its
// first load.
func scan(ws *cargoWorkspace) (map[string]stamp, bool) {
	w := ws.latest()
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
				if path != dir && (d.Name() == "target" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if !isGraphFile(path) && filepath.Ext(path) != ".rs" {
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

// loadStart is when ws's latest full load began.
func (ws *cargoWorkspace) loadStart() time.Time {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.loadedAt
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
