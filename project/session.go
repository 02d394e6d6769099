package project

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// Session is an editor's analysis state, what gopls keeps in its cache
// layer: the open buffers (overlays), the cargo workspaces found in the
// editor's folders (one View each), which view answers for a file, and the
// scheduling of each view's updates. Modifications go in (Modify); each
// view's latest Snapshot comes out, also through SessionConfig.Snapshot
// as soon as it is made. A language server translates the protocol to
// modifications and snapshots to the protocol, nothing more.
//
// Lock order: Session.mu before View.mu.
type Session struct {
	cfg    SessionConfig
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	folders    []string
	overlays   map[string]*Overlay // by absolute path
	views      []*View
	unassigned map[string]bool // changed before any view claimed them
	started    bool
}

// SessionConfig is what a session is told by, and tells, its editor.
type SessionConfig struct {
	// Folders are the editor's workspace folders (absolute). None: a
	// single-file session, whose views come from the files opened.
	Folders []string
	// Options returns the options of a view's next load (the editor's
	// settings); the session sets Read, Parse, KeepTrees and Progress.
	Options func(manifestPath string) Options
	// Loading, when set, is told that a view's load begins; it returns what
	// is told its progress and its end.
	Loading func(ctx context.Context, manifestPath string) (report func(done, total int), end func(message string))
	// Snapshot, when set, is told of each new snapshot of a view, on that
	// view's goroutine.
	Snapshot func(*Snapshot)
	// Failed, when set, is told once of a load that failed (the snapshot
	// carries the failure as a finding on the manifest), again only when
	// the failure changes, and of a panic in the analysis core.
	Failed func(manifestPath string, err error)
	// Log, when set, gets the session's log.
	Log *slog.Logger
}

// Snapshot is one view's latest analysis, with the buffers it read, so
// that findings are placed in the texts they were computed from.
type Snapshot struct {
	View      *View
	Workspace *Workspace          // nil before the first load ends
	Overlays  map[string]*Overlay // the open buffers the analysis read, by path
	// Failed is why the latest load failed; Workspace then holds the
	// manifest alone, with a finding saying so.
	Failed error
}

// View is one cargo workspace of a session: its latest analysis and the
// changes queued for the next. It is found by its manifest, and answers
// for the files of its members and for its manifests and lockfile.
type View struct {
	s            *Session
	manifestPath string        // what it is loaded from
	kick         chan struct{} // there is work; capacity 1

	mu        sync.Mutex
	current   *Workspace          // nil until loaded
	failed    error               // the latest load's failure
	served    map[string]*Overlay // the buffer each file was last read from
	borrowed  []func()            // the ends of the borrows of buffers' syntax (parse) by the running analysis
	read      map[string]uint64   // the hash of each file's text as the analysis read it
	pending   map[string]bool     // files changed since current
	reload    bool                // the graph must be resolved again
	loadedAt  time.Time           // when the latest full load began: the watcher's first baseline
	changedAt time.Time           // when the latest change was queued
	// supersede cancels the update running now, if any: a newer edit
	// makes its result stale before it is out.
	supersede context.CancelFunc
	// retryAt is when a load may run again after failures (backoff),
	// unless the editor asks for one (a save, new settings).
	retryAt  time.Time
	failures int // loads failed in a row
}

// NewSession makes a session; Start begins its work.
func NewSession(ctx context.Context, cfg SessionConfig) *Session {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Options == nil {
		cfg.Options = func(string) Options { return Options{} }
	}
	ctx, cancel := context.WithCancel(ctx)
	return &Session{cfg: cfg, ctx: ctx, cancel: cancel, folders: slices.Clone(cfg.Folders),
		overlays: map[string]*Overlay{}, unassigned: map[string]bool{}}
}

// Start finds the cargo workspaces in the folders and loads them, in the
// background.
func (s *Session) Start() {
	s.mu.Lock()
	s.started = true
	folders := slices.Clone(s.folders)
	open := slices.Sorted(maps.Keys(s.overlays))
	s.mu.Unlock()
	s.discover(folders)
	for _, path := range open {
		s.adopt(path) // a single-file session's buffers opened before it started
	}
}

// Context is the session's: done when it stops. Background work of the
// editor's that belongs to the session runs under it (Go).
func (s *Session) Context() context.Context { return s.ctx }

// Go runs f in the background as part of the session: Stop waits for it.
func (s *Session) Go(f func(ctx context.Context)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f(s.ctx)
	}()
}

// Stop ends the background work and waits for it at most wait: a crate
// being analysed finishes first, and an editor's exit must not hang on it.
func (s *Session) Stop(wait time.Duration) {
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// ModKind says what happened to a file.
type ModKind int

const (
	Opened  ModKind = iota // a buffer opened (Overlay)
	Changed                // a buffer edited (Overlay)
	Closed                 // a buffer closed: the disk counts again
	Saved                  // a buffer written to disk
	OnDisk                 // created, changed or deleted on disk, as a watcher saw it
)

// Modification is one thing that happened to a file.
type Modification struct {
	Kind    ModKind
	Path    string   // absolute
	Overlay *Overlay // the buffer's new version, for Opened and Changed
}

// Modify takes modifications in order. It is quick (it reads the disk only
// for a buffer opened or closed, to compare): an editor's reader calls it
// for every edit; the analyses they cause run in the background.
func (s *Session) Modify(mods ...Modification) {
	var onDisk []string
	for _, m := range mods {
		path := filepath.Clean(m.Path)
		switch m.Kind {
		case Opened:
			s.mu.Lock()
			s.overlays[path] = m.Overlay
			s.mu.Unlock()
			s.adopt(path)
			s.opened(path, m.Overlay.Text)
		case Changed:
			s.mu.Lock()
			s.overlays[path] = m.Overlay
			s.mu.Unlock()
			s.changed(path)
		case Closed:
			s.mu.Lock()
			o := s.overlays[path]
			delete(s.overlays, path)
			s.mu.Unlock()
			if o == nil {
				continue
			}
			if disk, err := ReadDisk(path); err != nil || !bytes.Equal(disk, o.Text) {
				s.changed(path) // unsaved changes are gone: the file on disk counts again
			} else {
				s.forget(path) // the same text is on disk: nothing to analyse
			}
		case Saved:
			// cargo (and the lockfile reader) see only what is on disk, so
			// dependency edits count from here. Other saves change nothing:
			// the buffer already won over disk.
			if isGraphFile(path) {
				if v := s.owner(path); v != nil {
					v.requestReload(true)
				}
			}
		case OnDisk:
			onDisk = append(onDisk, path)
		}
	}
	if len(onDisk) > 0 {
		s.changedOnDisk(onDisk)
	}
}

// Overlay returns the open buffer of path, or nil.
func (s *Session) Overlay(path string) *Overlay {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overlays[path]
}

// Snapshot returns the latest snapshot of the view that answers for path;
// its Workspace is nil while none has finished.
func (s *Session) Snapshot(path string) *Snapshot {
	if v := s.owner(path); v != nil {
		return v.Latest()
	}
	return &Snapshot{}
}

// Snapshots returns the finished snapshots of every view.
func (s *Session) Snapshots() []*Snapshot {
	var out []*Snapshot
	for _, v := range s.Views() {
		if snap := v.Latest(); snap.Workspace != nil && snap.Workspace.Result != nil {
			out = append(out, snap)
		}
	}
	return out
}

// Views returns the views as listed now.
func (s *Session) Views() []*View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.views)
}

// Reload resolves every view's graph again (settings that change it).
func (s *Session) Reload() {
	for _, v := range s.Views() {
		v.requestReload(true)
	}
}

// SetFolders adds and removes workspace folders: the cargo workspaces of
// added ones are loaded, those of removed ones dropped, and returned, so
// that the editor can clear what it showed of them.
func (s *Session) SetFolders(added, removed []string) []*View {
	s.mu.Lock()
	s.folders = slices.DeleteFunc(append(s.folders, added...), func(f string) bool { return slices.Contains(removed, f) })
	var dropped []*View
	s.views = slices.DeleteFunc(s.views, func(v *View) bool {
		for _, f := range removed {
			if within(f, v.manifestPath) {
				dropped = append(dropped, v)
				return true
			}
		}
		return false
	})
	started := s.started
	s.mu.Unlock()
	if started {
		s.discover(added)
	}
	return dropped
}

// ManifestPath is the manifest the view is loaded from.
func (v *View) ManifestPath() string { return v.manifestPath }

// Latest is the view's latest snapshot.
func (v *View) Latest() *Snapshot {
	v.mu.Lock()
	defer v.mu.Unlock()
	return &Snapshot{View: v, Workspace: v.current, Overlays: maps.Clone(v.served), Failed: v.failed}
}

// LoadStart is when the view's latest full load began.
func (v *View) LoadStart() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.loadedAt
}

// discover finds the cargo workspaces under folders in the background and
// loads each one, shallowest manifest first, so a workspace's members are
// not loaded again on their own.
func (s *Session) discover(folders []string) {
	s.Go(func(ctx context.Context) {
		for _, path := range manifestsUnder(folders) {
			if ctx.Err() != nil {
				return
			}
			if s.owner(path) != nil {
				continue
			}
			v := s.add(path)
			if v == nil {
				continue // another discovery listed it meanwhile
			}
			v.analyse(ctx)
			if !slices.Contains(s.Views(), v) {
				continue // dropped: another view loaded the same workspace
			}
			s.claimUnassigned(v)
			s.Go(v.loop)
		}
	})
}

// add lists a new view for manifest path, unless one already answers for
// it: checked and listed under one lock, so that two discoveries at once
// (folders added, a manifest created) never list a workspace twice. It is
// listed before it is loaded: requests may come as soon as its diagnostics
// are out.
func (s *Session) add(path string) *View {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.views {
		if v.answersFor(path) {
			return nil
		}
	}
	v := &View{s: s, manifestPath: path, kick: make(chan struct{}, 1), reload: true,
		served: map[string]*Overlay{}, read: map[string]uint64{}, pending: map[string]bool{}}
	s.views = append(s.views, v)
	return v
}

// sameRoot drops v, just loaded, when another view loaded the same
// workspace (two members' manifests, listed while neither was loaded:
// their folders or files came at once); its queued changes go to the
// other. It reports whether v was dropped.
func (s *Session) sameRoot(v *View) bool {
	w := v.latestWorkspace()
	if w == nil {
		return false
	}
	s.mu.Lock()
	var other *View
	for _, o := range s.views {
		if o != v {
			if ow := o.latestWorkspace(); ow != nil && ow.Root == w.Root {
				other = o
				break
			}
		}
	}
	if other != nil {
		s.views = slices.DeleteFunc(s.views, func(o *View) bool { return o == v })
	}
	s.mu.Unlock()
	if other == nil {
		return false
	}
	v.mu.Lock()
	pending := slices.Collect(maps.Keys(v.pending))
	v.mu.Unlock()
	for _, p := range pending {
		other.queue(p)
	}
	return true
}

// claimUnassigned gives v the changed files no view answered for while it
// loaded.
func (s *Session) claimUnassigned(v *View) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.current == nil {
		return
	}
	for p := range s.unassigned {
		if v.current.Claims(p) {
			v.pending[p] = true
			delete(s.unassigned, p)
			v.wake()
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
			if d.IsDir() && path != root && skipDir(d.Name()) {
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

// skipDir says whether a directory holds nothing of a workspace's own:
// build output, node modules, hidden directories.
func skipDir(name string) bool {
	return name == "target" || name == "node_modules" || strings.HasPrefix(name, ".")
}

func (v *View) latestWorkspace() *Workspace {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.current
}

// owner returns the view that answers for path.
func (s *Session) owner(path string) *View {
	for _, v := range s.Views() {
		if v.answersFor(path) {
			return v
		}
	}
	return nil
}

// answersFor: a loaded view answers for what its workspace claims; one not
// loaded (or whose load failed) for everything under its manifest's
// directory, so that a change there reaches it.
func (v *View) answersFor(path string) bool {
	v.mu.Lock()
	cur, failed := v.current, v.failed
	v.mu.Unlock()
	if cur != nil && failed == nil {
		return cur.Claims(path)
	}
	return within(filepath.Dir(v.manifestPath), path)
}

// pathDependent returns the view that depends on a local, non-member crate
// holding path (a Rust file of it, or its manifest), even when that crate
// lies inside a member's directory.
func (s *Session) pathDependent(path string) *View {
	for _, v := range s.Views() {
		if w := v.latestWorkspace(); w != nil && w.PathDependency(path) != nil {
			return v
		}
	}
	return nil
}

func (v *View) wake() {
	select {
	case v.kick <- struct{}{}:
	default:
	}
}

// loop runs v's analyses until the session stops or v is dropped.
func (v *View) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-v.kick:
			if !slices.Contains(v.s.Views(), v) {
				return
			}
			if v.analyse(ctx) {
				v.settle(ctx)
			}
		}
	}
}

// quiet is how long a burst of edits must pause before an update that an
// edit superseded starts again: an update per keystroke of a burst would
// take the CPU the editor's reader and its requests need, for results
// that are stale before they are out. Typing at a person's pace never
// waits.
const quiet = 20 * time.Millisecond

// settle waits until no change has come for quiet.
func (v *View) settle(ctx context.Context) {
	for {
		v.mu.Lock()
		wait := quiet - time.Since(v.changedAt)
		v.mu.Unlock()
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

// readFor returns file texts for v's analysis: open buffers win over
// disk, and it records which buffer each file came from, so findings can
// be placed in the text they were computed from.
func (v *View) readFor() func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		o := v.s.Overlay(path)
		v.mu.Lock()
		// Still open: a buffer closed meanwhile is forgotten (forget took
		// this lock after its close).
		if o != nil && v.s.Overlay(path) == o {
			v.served[path] = o
		} else {
			delete(v.served, path)
			o = nil
		}
		v.mu.Unlock()
		var text []byte
		var err error
		if o != nil {
			text = o.Text
		} else {
			text, err = ReadDisk(path)
		}
		v.mu.Lock()
		if err == nil {
			v.read[path] = textHash(text)
		} else {
			delete(v.read, path)
		}
		v.mu.Unlock()
		return text, err
	}
}

// parse hands v's analyser the syntax of the buffer it read, brought up to
// that version (Overlay.Syntax): a keystroke is then not a full reparse,
// and the edits of a burst are parsed once, at the version analysed.
func (v *View) parse(path string, text []byte) *analyzer.Syntax {
	v.mu.Lock()
	o := v.served[path]
	v.mu.Unlock()
	if o == nil || !bytes.Equal(o.Text, text) {
		return nil // the analyser parses afresh
	}
	s, done := o.Borrow()
	v.mu.Lock()
	v.borrowed = append(v.borrowed, done)
	v.mu.Unlock()
	return s
}

// giveBack ends the borrows of buffers' syntax by v's analyses: they have
// all finished.
func (v *View) giveBack() {
	v.mu.Lock()
	borrowed := v.borrowed
	v.borrowed = nil
	v.mu.Unlock()
	for _, done := range borrowed {
		done()
	}
}

// textHash identifies a file's text, to tell whether an analysis read it.
func textHash(text []byte) uint64 { return maphash.Bytes(hashSeed, text) }

var hashSeed = maphash.MakeSeed()

// readAs reports whether the latest analysis of v read path, and whether
// the text it read is text.
func (v *View) readAs(path string, text []byte) (read, same bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	h, ok := v.read[path]
	return ok, ok && h == textHash(text)
}

// requestReload resolves the graph again, in the background. A reload the
// editor asked for (explicit: a manifest saved, new settings) runs now; one
// a watcher caused waits out the backoff of failed loads.
func (v *View) requestReload(explicit bool) {
	v.mu.Lock()
	v.reload = true
	if explicit {
		v.retryAt = time.Time{}
	}
	v.mu.Unlock()
	v.wake()
}

// queue queues path for v's next update, cancelling the update running
// now: it is stale.
func (v *View) queue(path string) {
	v.mu.Lock()
	v.pending[path] = true
	v.changedAt = time.Now()
	if v.supersede != nil {
		v.supersede()
	}
	v.mu.Unlock()
	v.wake()
}

// backoff is how long a view waits before loading again after n failed
// loads in a row: a manifest cargo refuses must not run cargo on every
// change a watcher sees.
func backoff(n int) time.Duration {
	return min(time.Second<<min(n-1, 5), 30*time.Second)
}

// analyse brings v up to date: a full load when the graph must be
// resolved, else an update of the changed files; then tells the editor.
// It reports whether a newer edit superseded the update. A panic in the
// analysis core is logged and told, and the next change tries again: the
// session outlives it.
func (v *View) analyse(ctx context.Context) (superseded bool) {
	s := v.s
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Log.Error("analysis panicked", "manifest", v.manifestPath, "panic", p, "stack", string(debug.Stack()))
			if s.cfg.Failed != nil {
				s.cfg.Failed(v.manifestPath, fmt.Errorf("cargo-caps failed analysing %s (a bug: see the server log): %v", v.manifestPath, p))
			}
			v.mu.Lock()
			v.reload = true
			v.mu.Unlock()
		}
	}()
	v.mu.Lock()
	reload, cur := v.reload || v.current == nil, v.current
	if reload && time.Now().Before(v.retryAt) {
		wait := time.Until(v.retryAt)
		v.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(wait):
			v.wake()
		case <-v.kick: // a save may have lifted the backoff: look again
			v.wake()
		}
		return false
	}
	changed := slices.Sorted(maps.Keys(v.pending))
	clear(v.pending)
	v.reload = false
	if reload {
		clear(v.read) // a load reads every file again
		v.loadedAt = time.Now()
	}
	v.mu.Unlock()
	if !reload && len(changed) == 0 {
		return false
	}
	var next *Workspace
	var err error
	defer v.giveBack() // the load or update below has finished every analysis it started
	if reload {
		next, err = v.load(ctx)
	} else {
		uctx, cancel := context.WithCancel(ctx)
		v.mu.Lock()
		v.supersede = cancel
		v.mu.Unlock()
		next, err = cur.Update(uctx, changed)
		v.mu.Lock()
		v.supersede = nil
		superseded = err != nil && uctx.Err() != nil && ctx.Err() == nil
		if superseded {
			for _, p := range changed {
				v.pending[p] = true // still to do, with the newer edits
			}
		}
		v.mu.Unlock()
		cancel()
		if superseded {
			return true // the edit that cancelled it woke the loop
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			s.cfg.Log.Error("analysis failed", "manifest", v.manifestPath, "error", err)
			if s.cfg.Failed != nil {
				s.cfg.Failed(v.manifestPath, fmt.Errorf("cargo-caps could not analyse %s: %w", v.manifestPath, err))
			}
		}
		return false
	}
	if next == nil {
		return false // cancelled
	}
	v.mu.Lock()
	v.current = next
	v.mu.Unlock()
	if reload && s.sameRoot(v) {
		return false // dropped: another view loaded the same workspace
	}
	if s.cfg.Snapshot != nil {
		s.cfg.Snapshot(v.Latest())
	}
	return false
}

// load resolves and analyses v's workspace. A failure is a snapshot too:
// the manifest alone with a finding that says why, told to the editor
// once, and no other load until a manifest or lockfile is saved or
// changes on disk (after a backoff), or the settings change.
func (v *View) load(ctx context.Context) (*Workspace, error) {
	s := v.s
	opts := s.cfg.Options(v.manifestPath)
	opts.Read, opts.Parse, opts.KeepTrees = v.readFor(), v.parse, true
	end := func(string) {}
	if s.cfg.Loading != nil {
		var report func(int, int)
		report, end = s.cfg.Loading(ctx, v.manifestPath)
		opts.Progress = report
	}
	next, err := Load(ctx, v.manifestPath, opts)
	if ctx.Err() != nil {
		end("cancelled")
		return nil, nil
	}
	if err == nil {
		end(fmt.Sprintf("%d crates analysed", len(next.Summaries)))
		v.mu.Lock()
		v.failed, v.failures, v.retryAt = nil, 0, time.Time{}
		v.mu.Unlock()
		return next, nil
	}
	end("failed")
	v.mu.Lock()
	repeated := v.failed != nil && v.failed.Error() == err.Error()
	v.failed = err
	v.failures++
	failures := v.failures
	v.retryAt = time.Now().Add(backoff(failures))
	v.mu.Unlock()
	s.cfg.Log.Error("load failed", "manifest", v.manifestPath, "error", err, "failures", failures)
	if !repeated && s.cfg.Failed != nil {
		s.cfg.Failed(v.manifestPath, fmt.Errorf("cargo-caps could not analyse %s: %w", v.manifestPath, err))
	}
	return loadFailed(v.manifestPath, opts, err), nil
}

// loadFailed is the workspace of a manifest whose graph could not be
// resolved: the manifest's own findings and one that says why nothing
// else is analysed (Workspace.failure).
func loadFailed(path string, opts Options, cause error) *Workspace {
	root := filepath.Dir(path)
	w := &Workspace{
		Root:      root,
		Graph:     &graph.Graph{WorkspaceRoot: root, Crates: map[graph.ID]*graph.Crate{}},
		Manifests: map[string]*manifest.Manifest{},
		Summaries: map[graph.ID]*analyzer.Summary{},
		opts:      opts,
		failure:   cause,
	}
	w.Manifests[path] = w.readManifest(path)
	w.evaluate()
	return w
}

// changed queues path for re-analysis by the view that answers for it.
func (s *Session) changed(path string) {
	if v := s.pathDependent(path); v != nil {
		// Only members are updated in place; a path dependency's code needs
		// a new load.
		v.requestReload(false)
		return
	}
	if v := s.owner(path); v != nil {
		v.queue(path)
		return
	}
	s.mu.Lock()
	s.unassigned[path] = true
	s.mu.Unlock()
}

// forget drops the views' reference to a closed buffer whose text is the
// file's on disk, so its text, tree and Syntax can be freed: findings
// computed from it are placed as well in the file.
func (s *Session) forget(path string) {
	for _, v := range s.Views() {
		v.mu.Lock()
		delete(v.served, path)
		v.mu.Unlock()
	}
}

// opened queues what a buffer just opened changes for the analysis:
// nothing when the text is what the analysis read (or, for a file it never
// read, what is on disk). A text equal to the disk is not enough: the disk
// may have changed since the analysis read it (a quick-fix applied and
// saved while the manifest was not open), and a manifest changed on disk
// changes the graph.
func (s *Session) opened(path string, text []byte) {
	disk, err := ReadDisk(path)
	onDisk := err == nil && bytes.Equal(disk, text)
	if v := s.owner(path); v != nil {
		switch read, same := v.readAs(path, text); {
		case same:
			return
		case read && onDisk && isGraphFile(path):
			v.requestReload(true)
			return
		case read:
			s.changed(path)
			return
		}
	}
	if !onDisk {
		s.changed(path)
	}
}

// changedOnDisk takes files created, changed or deleted on disk, as the
// editor's watchers or the session's own (Watch) report them: a manifest
// or lockfile resolves its view's graph again, or may be a new workspace;
// a Rust file not open (buffers win) is re-analysed.
func (s *Session) changedOnDisk(paths []string) {
	rediscover := false
	for _, path := range paths {
		if s.Overlay(path) != nil {
			continue
		}
		if !isGraphFile(path) {
			s.changed(path)
			continue
		}
		if v := s.owner(path); v != nil {
			v.requestReload(false)
		} else {
			rediscover = true
		}
	}
	if rediscover {
		s.mu.Lock()
		folders := slices.Clone(s.folders)
		s.mu.Unlock()
		s.discover(folders)
	}
}

// adopt loads the cargo workspace of a file opened in a single-file
// session (no folders): the nearest Cargo.toml above it. With folders,
// files outside them are not ours to analyse.
func (s *Session) adopt(path string) {
	s.mu.Lock()
	singleFile, started := len(s.cfg.Folders) == 0, s.started
	s.mu.Unlock()
	if !singleFile || !started || s.owner(path) != nil {
		return
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "Cargo.toml")); err == nil {
			s.mu.Lock()
			s.folders = append(s.folders, dir)
			s.unassigned[path] = true
			s.mu.Unlock()
			s.discover([]string{dir})
			return
		}
		if dir == filepath.Dir(dir) {
			return
		}
	}
}

// isGraphFile reports whether path is a manifest or lockfile, from which
// (on disk) the dependency graph is resolved.
func isGraphFile(path string) bool {
	return filepath.Base(path) == "Cargo.toml" || filepath.Base(path) == "Cargo.lock"
}

// within reports whether path lies in directory dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// ReadDisk reads a file from disk the way the analysis does: only a
// regular file of at most srcread.MaxBytes, opened without blocking. A
// FIFO or device that a watcher's event or a finding names must not stall
// the session or its editor.
func ReadDisk(path string) ([]byte, error) {
	return srcread.NewDir("", "").Read(path)
}
