package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/sandbox"
)

// analysis keeps one project.Workspace per cargo workspace found in the
// editor's folders and replaces it in the background as files change.
// Lock order: analysis.mu before cargoWorkspace.mu.
type analysis struct {
	s      *server
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	workspaces []*cargoWorkspace
	unassigned map[string]bool // changed before any workspace claimed them
}

// cargoWorkspace is one cargo workspace and its latest analysis.
type cargoWorkspace struct {
	manifestPath string        // what it is loaded from
	kick         chan struct{} // there is work; capacity 1

	// pubMu is held across reading published, sending and storing it, so
	// that two publishes (an analysis, a settings change) do not interleave.
	// Lock order: pubMu before mu.
	pubMu sync.Mutex

	mu      sync.Mutex
	current *project.Workspace   // nil until loaded
	served  map[string]*document // the buffer each file was last read from
	read    map[string]uint64    // the hash of each file's text as the analysis read it
	pending map[string]bool      // files changed since current
	// supersede cancels the update running now, if any: a newer edit
	// makes its result stale before it is out.
	supersede context.CancelFunc
	changedAt time.Time       // when the latest change was queued
	reload    bool            // the graph must be resolved again
	loadedAt  time.Time       // when the latest full load began: the watcher's first baseline
	published map[string]bool // files whose diagnostics are shown
}

func (s *server) startAnalysis() {
	ctx, cancel := context.WithCancel(s.ctx)
	a := &analysis{s: s, ctx: ctx, cancel: cancel, unassigned: map[string]bool{}}
	s.mu.Lock()
	s.analysis = a
	folders := slices.Clone(s.folders)
	s.mu.Unlock()
	a.discover(folders)
}

// stopAnalysis ends the background work and waits for it at most wait: a
// crate being analysed finishes first, and exit must not hang on it.
func (s *server) stopAnalysis(wait time.Duration) {
	s.mu.Lock()
	a := s.analysis
	s.mu.Unlock()
	if a == nil {
		return
	}
	a.cancel()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

func (s *server) currentAnalysis() *analysis {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.analysis
}

// discover finds the cargo workspaces under folders in the background and
// loads each one, shallowest manifest first, so a workspace's members are
// not loaded again on their own.
func (a *analysis) discover(folders []string) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for _, path := range manifestsUnder(folders) {
			if a.ctx.Err() != nil {
				return
			}
			if ws := a.owner(path); ws != nil {
				continue
			}
			ws := a.add(path)
			if ws == nil {
				continue // another discovery listed it meanwhile
			}
			a.analyse(ws)
			a.claimUnassigned(ws)
			a.wg.Add(1)
			go a.loop(ws)
		}
	}()
}

// add lists a new workspace for manifest path, unless one already answers
// for it: checked and listed under one lock, so that two discoveries at once
// (folders added, a manifest created) never list a workspace twice. It is
// listed before it is loaded: requests may come as soon as its diagnostics
// are out.
func (a *analysis) add(path string) *cargoWorkspace {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ws := range a.workspaces {
		if ws.answersFor(path) {
			return nil
		}
	}
	ws := &cargoWorkspace{manifestPath: path, kick: make(chan struct{}, 1), reload: true,
		served: map[string]*document{}, read: map[string]uint64{}, pending: map[string]bool{}, published: map[string]bool{}}
	a.workspaces = append(a.workspaces, ws)
	return ws
}

// claimUnassigned gives ws the changed files no workspace answered for
// while it loaded.
func (a *analysis) claimUnassigned(ws *cargoWorkspace) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.current == nil {
		return
	}
	for p := range a.unassigned {
		if claims(ws.current, p) {
			ws.pending[p] = true
			delete(a.unassigned, p)
			ws.wake()
		}
	}
}

// manifestsUnder lists the Cargo.toml files in folders, shallowest first,
// skipping build output and hidden directories.
func manifestsUnder(folders []string) []string {
	var out []string
	for _, root := range folders {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // an unreadable directory hides nothing we could analyse
			}
			if d.IsDir() && path != root && (d.Name() == "target" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if !d.IsDir() && d.Name() == "Cargo.toml" {
				out = append(out, path)
			}
			return nil
		})
	}
	slices.SortStableFunc(out, func(a, b string) int {
		return strings.Count(a, string(filepath.Separator)) - strings.Count(b, string(filepath.Separator))
	})
	return slices.Compact(out)
}

// claims reports whether a loaded workspace answers for path.
func claims(w *project.Workspace, path string) bool {
	return w.Manifest(path) != nil || w.Member(path) != nil ||
		filepath.Base(path) == "Cargo.lock" && filepath.Dir(path) == w.Root
}

// all returns the workspaces as listed now.
func (a *analysis) all() []*cargoWorkspace {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.workspaces)
}

// latest is ws's latest analysis, nil before its first load.
func (ws *cargoWorkspace) latest() *project.Workspace {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.current
}

// owner returns the workspace that answers for path. A workspace not (yet)
// loaded answers for everything under its directory, so that a change there
// starts the load again after a failure.
func (a *analysis) owner(path string) *cargoWorkspace {
	for _, ws := range a.all() {
		if ws.answersFor(path) {
			return ws
		}
	}
	return nil
}

func (ws *cargoWorkspace) answersFor(path string) bool {
	cur := ws.latest()
	return cur != nil && claims(cur, path) || cur == nil && within(filepath.Dir(ws.manifestPath), path)
}

func (ws *cargoWorkspace) wake() {
	select {
	case ws.kick <- struct{}{}:
	default:
	}
}

func (a *analysis) loop(ws *cargoWorkspace) {
	defer a.wg.Done()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-ws.kick:
			if a.analyse(ws) {
				ws.settle(a.ctx)
			}
		}
	}
}

// read returns file texts for the analysis of ws: open buffers win over
// disk, and it records which buffer each file came from, so findings can be
// placed in the text they were computed from.
func (a *analysis) read(ws *cargoWorkspace) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		doc := a.s.docs.get(path)
		ws.mu.Lock()
		// Still open: a buffer closed meanwhile is forgotten (forgetBuffer
		// took this lock after its close).
		if doc != nil && a.s.docs.get(path) == doc {
			ws.served[path] = doc
		} else {
			delete(ws.served, path)
			doc = nil
		}
		ws.mu.Unlock()
		text, err := readDisk(path)
		if doc != nil {
			text, err = doc.Text, nil
		}
		ws.mu.Lock()
		if err == nil {
			ws.read[path] = textHash(text)
		} else {
			delete(ws.read, path)
		}
		ws.mu.Unlock()
		return text, err
	}
}

// textHash identifies a file's text, to tell whether an analysis read it.
func textHash(text []byte) uint64 { return maphash.Bytes(hashSeed, text) }

var hashSeed = maphash.MakeSeed()

// readAs reports whether the latest analysis of ws read path, and whether
// the text it read is text.
func (ws *cargoWorkspace) readAs(path string, text []byte) (read, same bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	h, ok := ws.read[path]
	return ok, ok && h == textHash(text)
}

// parse hands the analyser of ws the syntax of the buffer it read, brought
// up to that version by an incremental reparse (document.Syntax): a
// keystroke is then not a full reparse, and the edits of a burst are
// parsed once, at the version analysed.
func (ws *cargoWorkspace) parse(path string, text []byte) *analyzer.Syntax {
	ws.mu.Lock()
	doc := ws.served[path]
	ws.mu.Unlock()
	if doc == nil || !bytes.Equal(doc.Text, text) {
		return nil // the analyser parses afresh
	}
	return doc.Syntax()
}

// markReload says the graph must be resolved again at the next analysis.
func (ws *cargoWorkspace) markReload() {
	ws.mu.Lock()
	ws.reload = true
	ws.mu.Unlock()
}

// requestReload resolves the graph again now, in the background.
func (ws *cargoWorkspace) requestReload() {
	ws.markReload()
	ws.wake()
}

// quiet is how long a burst of edits must pause before an update that an
// edit superseded starts again: an update per keystroke of a burst would
// take the CPU the JSON-RPC reader and the hovers need, for results that
// are stale before they are out. Typing at a person's pace never waits.
const quiet = 20 * time.Millisecond

// settle waits until no change has come for quiet.
func (ws *cargoWorkspace) settle(ctx context.Context) {
	for {
		ws.mu.Lock()
		wait := quiet - time.Since(ws.changedAt)
		ws.mu.Unlock()
		if wait <= 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// analyse brings ws up to date: a full load when the graph must be resolved,
// else an update of the changed files; then publishes. It reports whether a
// newer edit superseded the update. A panic in the analysis core is logged
// and shown, and the next change tries again: the session outlives it.
func (a *analysis) analyse(ws *cargoWorkspace) (superseded bool) {
	defer func() {
		if p := recover(); p != nil {
			a.s.log.Error("analysis panicked", "manifest", ws.manifestPath, "panic", p, "stack", string(debug.Stack()))
			a.s.showError(fmt.Sprintf("cargo-caps failed analysing %s (a bug: see the server log): %v", ws.manifestPath, p))
			ws.markReload()
		}
	}()
	ws.mu.Lock()
	changed := slices.Sorted(maps.Keys(ws.pending))
	clear(ws.pending)
	reload, cur := ws.reload || ws.current == nil, ws.current
	ws.reload = false
	if reload {
		clear(ws.read) // a load reads every file again
		ws.loadedAt = time.Now()
	}
	ws.mu.Unlock()
	if !reload && len(changed) == 0 {
		return
	}
	settings := a.s.currentSettings()
	var next *project.Workspace
	var err error
	if reload {
		opts := project.Options{
			NoCargo:   !settings.Trusted,
			NoDeps:    !settings.AnalyzeDependencies,
			Features:  settings.Features,
			Read:      a.read(ws),
			Parse:     ws.parse,
			KeepTrees: true,
		}
		if settings.Trusted && settings.SandboxCargo {
			// Never unsandboxed when the sandbox was asked for: without it, cargo is not run.
			if err := sandbox.Available(); err != nil {
				a.s.log.Warn("sandboxCargo: reading Cargo.lock instead of running cargo", "err", err)
				opts.NoCargo = true
			} else {
				opts.Cargo = sandbox.CargoCommand(filepath.Dir(ws.manifestPath))
			}
		}
		prog := a.s.beginProgress(a.ctx, "cargo-caps", "Analysing "+ws.manifestPath+"…")
		opts.Progress = func(done, total int) { prog.report(done, total) }
		next, err = project.Load(a.ctx, ws.manifestPath, opts)
		if err == nil {
			prog.end(fmt.Sprintf("%d crates analysed", len(next.Summaries)))
			go returnMemory() // a load parses every crate: its peak is not the session's
		} else {
			prog.end("failed")
		}
	} else {
		ctx, cancel := context.WithCancel(a.ctx)
		ws.mu.Lock()
		ws.supersede = cancel
		ws.mu.Unlock()
		next, err = cur.Update(ctx, changed)
		ws.mu.Lock()
		ws.supersede = nil
		superseded = err != nil && ctx.Err() != nil && a.ctx.Err() == nil
		if superseded {
			for _, p := range changed {
				ws.pending[p] = true // still to do, with the newer edits
			}
		}
		ws.mu.Unlock()
		cancel()
		if superseded {
			return true // the edit that cancelled it woke the loop
		}
	}
	if err != nil {
		if a.ctx.Err() == nil {
			a.s.log.Error("analysis failed", "manifest", ws.manifestPath, "error", err)
			a.s.showError(fmt.Sprintf("cargo-caps could not analyse %s: %v", ws.manifestPath, err))
		}
		if reload {
			ws.markReload() // try again on the next change
		}
		return
	}
	ws.mu.Lock()
	ws.current = next
	ws.mu.Unlock()
	a.publish(ws)
	a.s.refreshInlayHints(a.ctx)
	return false
}

// view is one workspace's latest analysis with the texts it was computed from.
type view struct {
	w  *project.Workspace
	tx *texts
}

func (ws *cargoWorkspace) view() view {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return view{w: ws.current, tx: newTexts(maps.Clone(ws.served))}
}

func (a *analysis) publish(ws *cargoWorkspace) {
	ws.pubMu.Lock()
	defer ws.pubMu.Unlock()
	v := ws.view()
	if v.w == nil || v.w.Result == nil {
		return
	}
	byFile := diagnosticsByFile(v.w.Result.Findings, a.s.currentSettings(), v)
	ws.mu.Lock()
	previous := ws.published
	ws.mu.Unlock()
	shown := a.s.publish(byFile, previous, v.tx.snapshot)
	ws.mu.Lock()
	ws.published = shown
	ws.mu.Unlock()
}

// viewOf returns the analysis that answers for path; its w is nil while none
// has finished.
func (s *server) viewOf(path string) view {
	a := s.currentAnalysis()
	if a == nil {
		return view{}
	}
	ws := a.owner(path)
	if ws == nil {
		return view{}
	}
	return ws.view()
}

// forgetBuffer drops the workspaces' reference to a closed buffer whose
// text is the file's on disk, so its text, tree and Syntax can be freed:
// findings computed from it are placed as well in the file.
func (s *server) forgetBuffer(path string) {
	a := s.currentAnalysis()
	if a == nil {
		return
	}
	for _, ws := range a.all() {
		ws.mu.Lock()
		delete(ws.served, path)
		ws.mu.Unlock()
	}
}

// changed queues path for re-analysis by the workspace that answers for it.
func (s *server) changed(path string) {
	a := s.currentAnalysis()
	if a == nil {
		return
	}
	if ws := a.pathDependent(path); ws != nil {
		// Only members are updated in place; a path dependency's code needs
		// a new load.
		ws.requestReload()
		return
	}
	if ws := a.owner(path); ws != nil {
		ws.mu.Lock()
		ws.pending[path] = true
		ws.changedAt = time.Now()
		if ws.supersede != nil {
			ws.supersede()
		}
		ws.mu.Unlock()
		ws.wake()
		return
	}
	a.mu.Lock()
	a.unassigned[path] = true
	a.mu.Unlock()
}

// pathDependent returns the workspace that depends on a local, non-member
// crate holding path (a Rust file of it, or its manifest), even when that
// crate lies inside a member's directory.
func (a *analysis) pathDependent(path string) *cargoWorkspace {
	for _, ws := range a.all() {
		cur := ws.latest()
		if cur == nil {
			continue
		}
		member := cur.Member(path)
		for _, c := range cur.Graph.Crates {
			if !c.Registry && !c.Member && within(c.Dir, path) && (member == nil || len(c.Dir) > len(member.Dir)) {
				return ws
			}
		}
	}
	return nil
}

// reload resolves every workspace again (settings that change the graph).
func (s *server) reload() {
	a := s.currentAnalysis()
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ws := range a.workspaces {
		ws.requestReload()
	}
}

// republish shows the current findings again (severity settings changed).
func (s *server) republish() {
	a := s.currentAnalysis()
	if a == nil {
		return
	}
	for _, ws := range a.all() {
		a.publish(ws)
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

// didChangeWatchedFiles: a Cargo.toml or Cargo.lock changed on disk resolves
// its workspace's graph again; a new manifest may be a new workspace; a Rust
// file changed on disk (not open: buffers win) is re-analysed.
func (s *server) didChangeWatchedFiles(_ context.Context, params json.RawMessage) (any, error) {
	var p didChangeWatchedFilesParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	var paths []string
	for _, ch := range p.Changes {
		if path, ok := pathOf(ch.URI); ok {
			paths = append(paths, path)
		}
	}
	s.changedOnDisk(paths)
	return nil, nil
}

// changedOnDisk takes files created, changed or deleted on disk, as the
// client's watchers or the server's own (watch.go) report them.
func (s *server) changedOnDisk(paths []string) {
	a := s.currentAnalysis()
	if a == nil {
		return
	}
	rediscover := false
	for _, path := range paths {
		if s.docs.get(path) != nil {
			continue
		}
		switch filepath.Base(path) {
		case "Cargo.toml", "Cargo.lock":
			ws := a.owner(path)
			if ws == nil {
				rediscover = true
				continue
			}
			ws.requestReload()
		default:
			s.changed(path)
		}
	}
	if rediscover {
		s.mu.Lock()
		folders := slices.Clone(s.folders)
		s.mu.Unlock()
		a.discover(folders)
	}
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
	s.mu.Lock()
	s.folders = slices.DeleteFunc(append(s.folders, added...), func(f string) bool { return slices.Contains(removed, f) })
	s.mu.Unlock()
	a := s.currentAnalysis()
	if a == nil {
		return nil, nil
	}
	a.mu.Lock()
	var dropped []*cargoWorkspace
	a.workspaces = slices.DeleteFunc(a.workspaces, func(ws *cargoWorkspace) bool {
		for _, f := range removed {
			if within(f, ws.manifestPath) {
				dropped = append(dropped, ws)
				return true
			}
		}
		return false
	})
	a.mu.Unlock()
	for _, ws := range dropped {
		ws.pubMu.Lock()
		ws.mu.Lock()
		previous := ws.published
		ws.published = nil
		ws.mu.Unlock()
		s.publish(nil, previous, nil)
		ws.pubMu.Unlock()
	}
	a.discover(added)
	return nil, nil
}

// within reports whether path lies in directory dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// views returns the finished analyses of every workspace.
func (s *server) views() []view {
	a := s.currentAnalysis()
	if a == nil {
		return nil
	}
	var out []view
	for _, ws := range a.all() {
		if v := ws.view(); v.w != nil && v.w.Result != nil {
			out = append(out, v)
		}
	}
	return out
}

// resolveAgain has the workspace answering for path resolve its graph again.
func (s *server) resolveAgain(path string) {
	a := s.currentAnalysis()
	if a == nil {
		return
	}
	if ws := a.owner(path); ws != nil {
		ws.requestReload()
	}
}

// adopt loads the cargo workspace of a file opened without any workspace
// folder (an editor's single-file mode): the nearest Cargo.toml above it.
// With folders, files outside them are not ours to analyse.
func (s *server) adopt(path string) {
	a := s.currentAnalysis()
	s.mu.Lock()
	singleFile := s.singleFile
	s.mu.Unlock()
	if a == nil || !singleFile || a.owner(path) != nil {
		return
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "Cargo.toml")); err == nil {
			s.mu.Lock()
			s.folders = append(s.folders, dir)
			s.mu.Unlock()
			a.mu.Lock()
			a.unassigned[path] = true
			a.mu.Unlock()
			a.discover([]string{dir})
			return
		}
		if dir == filepath.Dir(dir) {
			return
		}
	}
}
