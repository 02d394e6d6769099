package project

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/internal/testfs"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// ownershipWorkspace is a loaded workspace at /ws, built by hand: members
// app and app/tools/gen (a member inside a member), a path dependency
// vendored inside app (app/vendor/dep) and one outside the root (/libs/ext),
// and a registry crate.
func ownershipWorkspace() *Workspace {
	crate := func(id, dir string, member, registry bool) *graph.Crate {
		return &graph.Crate{ID: graph.ID(id), Name: id, Dir: dir, ManifestPath: dir + "/Cargo.toml", Member: member, Registry: registry}
	}
	crates := []*graph.Crate{
		crate("app", "/ws/app", true, false),
		crate("gen", "/ws/app/tools/gen", true, false),
		crate("dep", "/ws/app/vendor/dep", false, false),
		crate("ext", "/libs/ext", false, false),
		crate("serde", "/registry/serde-1.0.0", false, true),
	}
	g := &graph.Graph{WorkspaceRoot: "/ws", Crates: map[graph.ID]*graph.Crate{}}
	w := &Workspace{Root: "/ws", Graph: g, Manifests: map[string]*manifest.Manifest{}}
	for _, c := range crates {
		g.Crates[c.ID] = c
		if c.Member {
			g.Members = append(g.Members, c.ID)
		}
		w.Manifests[c.ManifestPath] = &manifest.Manifest{Path: c.ManifestPath}
	}
	w.Manifests["/ws/Cargo.toml"] = &manifest.Manifest{Path: "/ws/Cargo.toml"}
	return w
}

// Which crate a file belongs to, whether the workspace answers for it, and
// whether a change to it is an update (a member's) or needs a new load (a
// path dependency's).
func TestOwnership(t *testing.T) {
	w := ownershipWorkspace()
	tests := []struct {
		path    string
		claimed bool
		member  string // the member whose file it is, "" none
		pathDep string // the path dependency holding it more closely than any member
	}{
		{"/ws/Cargo.toml", true, "", ""},
		{"/ws/Cargo.lock", true, "", ""},
		{"/ws/app/Cargo.lock", false, "", ""}, // not the workspace's lockfile
		{"/ws/app/Cargo.toml", true, "app", ""},
		{"/ws/app/src/main.rs", true, "app", ""},
		{"/ws/app/README.md", false, "", ""}, // neither source nor manifest
		{"/ws/app/tools/gen/src/lib.rs", true, "gen", ""},
		{"/ws/app/tools/gen/Cargo.toml", true, "gen", ""},
		{"/ws/app/vendor/dep/src/lib.rs", true, "app", "dep"}, // a path dependency inside a member
		{"/ws/app/vendor/dep/Cargo.toml", true, "", "dep"},
		{"/libs/ext/src/lib.rs", false, "", "ext"},
		{"/libs/ext/Cargo.toml", true, "", "ext"},
		{"/registry/serde-1.0.0/src/lib.rs", false, "", ""}, // registry sources never change
		{"/ws/application/src/main.rs", false, "", ""},      // a sibling whose name starts alike
		{"/elsewhere/src/lib.rs", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := w.Claims(tt.path); got != tt.claimed {
				t.Errorf("Claims = %v, want %v", got, tt.claimed)
			}
			member := ""
			if c := w.Member(tt.path); c != nil {
				member = c.Name
			}
			if member != tt.member {
				t.Errorf("Member = %q, want %q", member, tt.member)
			}
			dep := ""
			if c := w.PathDependency(tt.path); c != nil {
				dep = c.Name
			}
			if dep != tt.pathDep {
				t.Errorf("PathDependency = %q, want %q", dep, tt.pathDep)
			}
		})
	}
}

// Which view answers for a file: a loaded one for what its workspace
// claims, one not loaded or whose load failed for its whole directory; a
// second discovery never lists a workspace twice.
func TestViewOwnership(t *testing.T) {
	s := NewSession(context.Background(), SessionConfig{})
	loaded := s.add("/ws/Cargo.toml")
	loaded.current = ownershipWorkspace()
	if s.add("/ws/Cargo.toml") != nil || s.add("/ws/app/Cargo.toml") != nil {
		t.Fatal("a manifest the loaded view claims was listed again")
	}
	pending := s.add("/other/Cargo.toml") // not loaded yet
	failed := s.add("/broken/Cargo.toml")
	failed.current, failed.failed = loadFailed("/broken/Cargo.toml", Options{}, os.ErrInvalid), os.ErrInvalid
	if pending == nil || failed == nil || s.add("/other/member/Cargo.toml") != nil {
		t.Fatal("views not listed as expected")
	}
	tests := []struct {
		path string
		want *View
	}{
		{"/ws/app/src/main.rs", loaded},
		{"/ws/Cargo.lock", loaded},
		{"/ws/notes.txt", nil},
		{"/other/src/lib.rs", pending},
		{"/other/deep/Cargo.toml", pending},
		{"/broken/src/lib.rs", failed},
		{"/broken/Cargo.lock", failed},
		{"/nowhere/src/lib.rs", nil},
	}
	for _, tt := range tests {
		if got := s.owner(tt.path); got != tt.want {
			t.Errorf("owner(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if v := s.pathDependent("/libs/ext/src/lib.rs"); v != loaded {
		t.Errorf("pathDependent of ext's file = %v, want the loaded view", v)
	}
	if v := s.pathDependent("/ws/app/src/main.rs"); v != nil {
		t.Errorf("pathDependent of a member's file = %v, want none", v)
	}
}

// Two views that loaded the same workspace (two members' manifests listed
// while neither was loaded) become one: the later is dropped, and its
// queued changes go to the other.
func TestSameRootIsOneView(t *testing.T) {
	s := NewSession(context.Background(), SessionConfig{})
	first := s.add("/ws/app/Cargo.toml")
	second := s.add("/ws/gen/Cargo.toml")
	first.current, second.current = ownershipWorkspace(), ownershipWorkspace()
	second.pending["/ws/app/src/main.rs"] = true
	if !s.sameRoot(second) {
		t.Fatal("the second view of /ws was kept")
	}
	if views := s.Views(); len(views) != 1 || views[0] != first {
		t.Fatalf("views %v, want the first alone", views)
	}
	if !first.pending["/ws/app/src/main.rs"] {
		t.Error("the dropped view's queued change was lost")
	}
	if s.sameRoot(first) {
		t.Error("the only view of /ws was dropped")
	}
}

// A workspace whose load fails (cargo refuses it and the lockfile is a
// merge conflict) runs cargo once, says so once — a finding on its
// manifest and one Failed — and loads again neither on edits nor at once
// on a change a watcher saw (backoff), only when the manifest is saved.
func TestFailedLoadBacksOff(t *testing.T) {
	dir := t.TempDir()
	testfs.Write(t, filepath.Join(dir, "Cargo.toml"), "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	testfs.Write(t, filepath.Join(dir, "Cargo.lock"), "<<<<<<< HEAD\nversion = 3\n=======\nversion = 4\n>>>>>>> theirs\n")
	testfs.Write(t, filepath.Join(dir, "src/lib.rs"), "pub fn f() {}\n")
	runs := filepath.Join(dir, "runs")
	cargo := filepath.Join(dir, "cargo")
	testfs.Write(t, cargo, "#!/bin/sh\necho run >> '"+runs+"'\necho 'error: refused' >&2\nexit 101\n")
	if err := os.Chmod(cargo, 0o755); err != nil {
		t.Fatal(err)
	}
	cargoRuns := func() int {
		data, _ := os.ReadFile(runs)
		return strings.Count(string(data), "run")
	}
	var mu sync.Mutex
	var failures []error
	snaps := make(chan *Snapshot, 100)
	s := NewSession(context.Background(), SessionConfig{
		Folders:  []string{dir},
		Options:  func(string) Options { return Options{Cargo: []string{cargo}, NoCache: true} },
		Snapshot: func(snap *Snapshot) { snaps <- snap },
		Failed: func(_ string, err error) {
			mu.Lock()
			failures = append(failures, err)
			mu.Unlock()
		},
	})
	defer s.Stop(5 * time.Second)
	s.Start()
	next := func(what string) *Snapshot {
		t.Helper()
		select {
		case snap := <-snaps:
			return snap
		case <-time.After(30 * time.Second):
			t.Fatalf("no snapshot %s", what)
			return nil
		}
	}
	snap := next("after the first load")
	if snap.Failed == nil || cargoRuns() != 1 {
		t.Fatalf("first load: failed %v, cargo ran %d times", snap.Failed, cargoRuns())
	}
	manifestPath := filepath.Join(dir, "Cargo.toml")
	said := func(w *Workspace) bool {
		for _, f := range w.Result.Findings {
			if f.Code == finding.Unanalysed && f.File == manifestPath && strings.Contains(f.Message, "could not be resolved") {
				return true
			}
		}
		return false
	}
	if !said(snap.Workspace) {
		t.Fatalf("no finding on the manifest says the load failed: %+v", snap.Workspace.Result.Findings)
	}

	// Keystrokes in a source and in the manifest: updates, no load.
	lib := filepath.Join(dir, "src/lib.rs")
	o := NewOverlay(lib, 1, []byte("pub fn f() {}\n"))
	s.Modify(Modification{Kind: Opened, Path: lib, Overlay: o})
	m := NewOverlay(manifestPath, 1, []byte("[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"))
	s.Modify(Modification{Kind: Opened, Path: manifestPath, Overlay: m})
	for range 20 {
		o = byteEdit(o, len(o.Text)-1, len(o.Text)-1, "x")
		s.Modify(Modification{Kind: Changed, Path: lib, Overlay: o})
		m = byteEdit(m, len(m.Text), len(m.Text), "\n")
		s.Modify(Modification{Kind: Changed, Path: manifestPath, Overlay: m})
	}
	time.Sleep(300 * time.Millisecond)
	for len(snaps) > 0 {
		if snap := <-snaps; !said(snap.Workspace) {
			t.Error("an update after the failure lost the finding that says so")
		}
	}
	// A lockfile change a watcher saw: a load, after the backoff.
	start := time.Now()
	s.Modify(Modification{Kind: OnDisk, Path: filepath.Join(dir, "Cargo.lock")})
	next("after the lockfile changed on disk")
	if waited := time.Since(start); cargoRuns() != 2 || waited < 500*time.Millisecond {
		t.Errorf("after a change on disk cargo ran %d times in all, %v after it", cargoRuns(), waited)
	}
	// The manifest saved: a load at once.
	start = time.Now()
	s.Modify(Modification{Kind: Saved, Path: manifestPath})
	next("after the manifest was saved")
	if waited := time.Since(start); cargoRuns() != 3 || waited > 900*time.Millisecond {
		t.Errorf("after a save cargo ran %d times in all, %v after it", cargoRuns(), waited)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failures) != 1 {
		t.Errorf("the same failure was told %d times: %v", len(failures), failures)
	}
}

// A burst of edits is coalesced: each edit cancels the update it
// supersedes, the next waits for a pause, and the last snapshot reads the
// last version and finds what it holds.
func TestBurstIsCoalesced(t *testing.T) {
	dir := t.TempDir()
	testfs.Write(t, filepath.Join(dir, "Cargo.toml"), "[package]\nname = \"c\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.capabilities]\ndefault-capability = false\n")
	testfs.Write(t, filepath.Join(dir, "Cargo.lock"), "version = 3\n\n[[package]]\nname = \"c\"\nversion = \"0.1.0\"\n")
	lib := filepath.Join(dir, "src/lib.rs")
	var body strings.Builder
	for i := range 2000 {
		body.WriteString("pub fn f" + strings.Repeat("x", i%7) + "_" + string(rune('a'+i%26)) + "() {}\n")
	}
	testfs.Write(t, lib, body.String())
	s, snaps := startSession(t, dir)
	<-snaps
	o := NewOverlay(lib, 1, []byte(body.String()))
	s.Modify(Modification{Kind: Opened, Path: lib, Overlay: o})
	const edits = 300
	for range edits {
		o = byteEdit(o, 0, 0, "// typing\n")
		s.Modify(Modification{Kind: Changed, Path: lib, Overlay: o})
	}
	o = byteEdit(o, len(o.Text), len(o.Text), "pub fn w() { let _ = std::fs::write(\"x\", \"\"); }\n")
	s.Modify(Modification{Kind: Changed, Path: lib, Overlay: o})
	updates := 0
	for {
		select {
		case snap := <-snaps:
			updates++
			if read := snap.Overlays[lib]; read == nil || read.Version != o.Version {
				continue
			}
			found := false
			for _, f := range snap.Workspace.Result.Findings {
				found = found || f.Code == finding.UndeclaredCapability && f.File == lib
			}
			if !found {
				t.Errorf("the last version's fs use is not found: %v", snap.Workspace.Result.Findings)
			}
			if updates > edits/10 {
				t.Errorf("%d updates for a burst of %d edits", updates, edits+1)
			}
			return
		case <-time.After(30 * time.Second):
			t.Fatalf("no snapshot of the last version after %d updates", updates)
		}
	}
}

// A single-file session (no folders) loads the workspace of each file
// opened, also of one opened before the session started.
func TestSingleFileAdoptsOpenedFiles(t *testing.T) {
	dir := t.TempDir()
	testfs.Write(t, filepath.Join(dir, "Cargo.toml"), "[package]\nname = \"s\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	testfs.Write(t, filepath.Join(dir, "Cargo.lock"), "version = 3\n\n[[package]]\nname = \"s\"\nversion = \"0.1.0\"\n")
	lib := filepath.Join(dir, "src/lib.rs")
	testfs.Write(t, lib, "pub fn f() {}\n")
	snaps := make(chan *Snapshot, 10)
	s := NewSession(context.Background(), SessionConfig{
		Options:  func(string) Options { return Options{NoCargo: true, NoCache: true} },
		Snapshot: func(snap *Snapshot) { snaps <- snap },
	})
	defer s.Stop(5 * time.Second)
	s.Modify(Modification{Kind: Opened, Path: lib, Overlay: NewOverlay(lib, 1, []byte("pub fn f() {}\n"))})
	s.Start()
	select {
	case snap := <-snaps:
		if snap.Workspace.Root != dir || s.Snapshot(lib).View != snap.View {
			t.Errorf("loaded %s; the file's view %v", snap.Workspace.Root, s.Snapshot(lib).View)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the opened file's workspace was not loaded")
	}
}

// caps-audits.lock changed on disk is analysed again: a stale audit whose
// record is removed is an audit without a record, so no longer stale.
func TestAuditsLockOnDisk(t *testing.T) {
	if !watched("/ws/caps-audits.lock") || watched("/ws/notes.lock") {
		t.Error("the session's watcher must scan caps-audits.lock, and only that among other files")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../testdata/workspaces/audit-carry")); err != nil {
		t.Fatal(err)
	}
	s, snaps := startSession(t, dir)
	stale := func(snap *Snapshot) int {
		n := 0
		for _, f := range snap.Workspace.Result.Findings {
			if f.Code == finding.AuditStale {
				n++
			}
		}
		return n
	}
	if n := stale(<-snaps); n != 1 {
		t.Fatalf("%d audit-stale findings on the committed workspace, want 1", n)
	}
	lock := filepath.Join(dir, "caps-audits.lock")
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	s.Modify(Modification{Kind: OnDisk, Path: lock})
	select {
	case snap := <-snaps:
		if n := stale(snap); n != 0 {
			t.Errorf("%d audit-stale findings after caps-audits.lock was removed", n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no analysis after caps-audits.lock changed on disk")
	}
}

// startSession starts a session over the folder dir without cargo or cache,
// its snapshots sent to the channel; it stops with the test.
func startSession(t *testing.T, dir string) (*Session, chan *Snapshot) {
	snaps := make(chan *Snapshot, 1000)
	s := NewSession(context.Background(), SessionConfig{
		Folders:  []string{dir},
		Options:  func(string) Options { return Options{NoCargo: true, NoCache: true} },
		Snapshot: func(snap *Snapshot) { snaps <- snap },
	})
	t.Cleanup(func() { s.Stop(5 * time.Second) })
	s.Start()
	return s, snaps
}
