package lsp

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/sandbox"
)

// analysis is the server's side of its project.Session: the session (the
// buffers, the cargo workspaces and their analyses), what each view's
// diagnostics last showed, and the server's own background work that
// stops with it (settings pulls, watchers).
type analysis struct {
	s       *server
	session *project.Session
	ctx     context.Context // the session's
	wg      sync.WaitGroup  // the server's own background work

	mu        sync.Mutex
	published map[*project.View]*shown
}

// shown is the files whose diagnostics a view last published. mu is held
// across reading them, sending and storing the new ones, so that two
// publishes (an analysis, a settings change) do not interleave.
type shown struct {
	mu    sync.Mutex
	files map[string]bool
}

// newAnalysis makes the session of an initialized server; startAnalysis
// begins its work.
func (s *server) newAnalysis(folders []string) *analysis {
	a := &analysis{s: s, published: map[*project.View]*shown{}}
	a.session = project.NewSession(s.ctx, project.SessionConfig{
		Folders: folders,
		Options: s.loadOptions,
		Loading: func(ctx context.Context, manifestPath string) (func(int, int), func(string)) {
			prog := s.beginProgress(ctx, "cargo-caps", "Analysing "+manifestPath+"…")
			return prog.report, func(message string) {
				prog.end(message)
				go returnMemory() // a load parses every crate: its peak is not the session's
			}
		},
		Snapshot: func(snap *project.Snapshot) {
			a.publish(snap.View)
			s.refreshInlayHints(a.ctx)
		},
		Failed: func(_ string, err error) { s.showError(err.Error()) },
		Log:    s.log,
	})
	a.ctx = a.session.Context()
	return a
}

// loadOptions are the options of a workspace's next load, from the
// settings: an untrusted session never runs cargo, and one that asked
// for the sandbox runs cargo only in it.
func (s *server) loadOptions(manifestPath string) project.Options {
	settings := s.currentSettings()
	opts := project.Options{
		NoCargo:  !settings.Trusted,
		NoDeps:   !settings.AnalyzeDependencies,
		Features: settings.Features,
	}
	if settings.Trusted && settings.SandboxCargo {
		if err := sandbox.Available(); err != nil {
			s.log.Warn("sandboxCargo: reading Cargo.lock instead of running cargo", "err", err)
			opts.NoCargo = true
		} else {
			opts.Cargo = sandbox.CargoCommand(filepath.Dir(manifestPath))
		}
	}
	return opts
}

func (s *server) startAnalysis() { s.currentAnalysis().session.Start() }

// stopAnalysis ends the background work and waits for it at most wait: a
// crate being analysed finishes first, and exit must not hang on it.
func (s *server) stopAnalysis(wait time.Duration) {
	a := s.currentAnalysis()
	if a == nil {
		return
	}
	deadline := time.Now().Add(wait)
	a.session.Stop(wait)
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Until(deadline)):
	}
}

func (s *server) currentAnalysis() *analysis {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.analysis
}

// modify hands modifications to the session; before initialize there is
// none, and nothing to modify.
func (s *server) modify(mods ...project.Modification) {
	if a := s.currentAnalysis(); a != nil {
		a.session.Modify(mods...)
	}
}

// view is one workspace's latest analysis with the texts it was computed from.
type view struct {
	w  *project.Workspace
	tx *texts
}

func (s *server) viewOfSnapshot(snap *project.Snapshot) view {
	return view{w: snap.Workspace, tx: newTexts(s.docs.wrapAll(snap.Overlays))}
}

// viewOf returns the analysis that answers for path; its w is nil while none
// has finished.
func (s *server) viewOf(path string) view {
	a := s.currentAnalysis()
	if a == nil {
		return view{}
	}
	return s.viewOfSnapshot(a.session.Snapshot(path))
}

// views returns the finished analyses of every workspace.
func (s *server) views() []view {
	a := s.currentAnalysis()
	if a == nil {
		return nil
	}
	var out []view
	for _, snap := range a.session.Snapshots() {
		out = append(out, s.viewOfSnapshot(snap))
	}
	return out
}

func (a *analysis) shownOf(v *project.View) *shown {
	a.mu.Lock()
	defer a.mu.Unlock()
	sh := a.published[v]
	if sh == nil {
		sh = &shown{}
		a.published[v] = sh
	}
	return sh
}

// publish sends the diagnostics of v's latest snapshot, taken under the
// lock, so that an older one is never sent after a newer.
// A view dropped meanwhile (its folder removed) publishes nothing: its
// diagnostics were cleared.
func (a *analysis) publish(v *project.View) {
	if !slices.Contains(a.session.Views(), v) {
		return
	}
	sh := a.shownOf(v)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	vw := a.s.viewOfSnapshot(v.Latest())
	if !slices.Contains(a.session.Views(), v) || vw.w == nil || vw.w.Result == nil {
		return
	}
	byFile := diagnosticsByFile(vw.w.Result.Findings, a.s.currentSettings(), vw)
	sh.files = a.s.publish(byFile, sh.files, vw.tx.snapshot)
}

// unpublish clears the diagnostics of views no longer listed.
func (a *analysis) unpublish(dropped []*project.View) {
	for _, v := range dropped {
		sh := a.shownOf(v)
		sh.mu.Lock()
		a.s.publish(nil, sh.files, nil)
		sh.files = nil
		a.mu.Lock()
		delete(a.published, v)
		a.mu.Unlock()
		sh.mu.Unlock()
	}
}

// reload resolves every workspace again (settings that change the graph).
func (s *server) reload() {
	if a := s.currentAnalysis(); a != nil {
		a.session.Reload()
	}
}

// republish shows the current findings again (severity settings changed).
func (s *server) republish() {
	a := s.currentAnalysis()
	if a == nil {
		return
	}
	for _, v := range a.session.Views() {
		a.publish(v)
	}
}

func (s *server) refreshInlayHints(ctx context.Context) {
	s.mu.Lock()
	ok := s.client.inlayHintRefresh
	s.mu.Unlock()
	if ok {
		if _, err := s.conn.Call(ctx, "workspace/inlayHint/refresh", nil, nil); err != nil {
			s.log.Debug("inlay hint refresh failed", "error", err)
		}
	}
}

func (s *server) showError(message string) {
	s.notify("window/showMessage", map[string]any{"type": 1, "message": message})
}

type didChangeWatchedFilesParams struct {
	Changes []struct {
		URI  string `json:"uri"`
		Type int    `json:"type"` // 1 created, 2 changed, 3 deleted
	} `json:"changes"`
}

// didChangeWatchedFiles: files created, changed or deleted on disk.
func (s *server) didChangeWatchedFiles(_ context.Context, params json.RawMessage) (any, error) {
	var p didChangeWatchedFilesParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	var mods []project.Modification
	for _, ch := range p.Changes {
		if path, ok := pathOf(ch.URI); ok {
			mods = append(mods, project.Modification{Kind: project.OnDisk, Path: path})
		}
	}
	s.modify(mods...)
	return nil, nil
}

type didChangeWorkspaceFoldersParams struct {
	Event struct {
		Added   []workspaceFolder `json:"added"`
		Removed []workspaceFolder `json:"removed"`
	} `json:"event"`
}

// didChangeWorkspaceFolders loads the cargo workspaces of added folders and
// forgets those of removed ones, clearing their diagnostics.
func (s *server) didChangeWorkspaceFolders(_ context.Context, params json.RawMessage) (any, error) {
	var p didChangeWorkspaceFoldersParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	var added, removed []string
	for _, f := range p.Event.Added {
		if path, ok := pathOf(f.URI); ok {
			added = append(added, path)
		}
	}
	for _, f := range p.Event.Removed {
		if path, ok := pathOf(f.URI); ok {
			removed = append(removed, path)
		}
	}
	if a := s.currentAnalysis(); a != nil {
		a.unpublish(a.session.SetFolders(added, removed))
	}
	return nil, nil
}

// within reports whether path lies in directory dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
