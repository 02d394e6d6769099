package project

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/cache"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/policy"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// Load resolves and analyses the workspace of manifestPath.
func Load(ctx context.Context, manifestPath string, opts Options) (*Workspace, error) {
	abs, err := filepath.Abs(manifestPath)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("no manifest at %s: %w", abs, err)
	}
	g, err := graph.LoadContext(ctx, abs, graph.Options{NoCargo: opts.NoCargo, Lockfile: opts.Lockfile, Cargo: opts.Cargo})
	if err != nil && !opts.NoCargo && opts.Lockfile == "" && ctx.Err() == nil {
		// cargo refuses manifests cargo-caps still reads (Form B's `cap:`
		// values, a half-typed edit): read Cargo.lock instead, and say so.
		if byLock, lockErr := graph.LoadContext(ctx, abs, graph.Options{NoCargo: true}); lockErr == nil {
			why, _, _ := strings.Cut(err.Error(), " (run with --no-cargo")
			byLock.Warnings = append(byLock.Warnings, why+"; the dependency graph was read from Cargo.lock and the manifests instead")
			g, err = byLock, nil
		}
	}
	if err != nil {
		return unresolved(abs, opts, err)
	}
	w := &Workspace{
		Root:      g.WorkspaceRoot,
		Graph:     withMemberFeatures(g, opts.Features),
		Manifests: map[string]*manifest.Manifest{},
		Summaries: map[graph.ID]*analyzer.Summary{},
		opts:      opts,
	}
	if opts.KeepTrees {
		w.trees = newTrees()
	}
	w.readManifests()
	w.Graph = w.Graph.ForTargets(w.targets())
	w.readVet()
	w.readAudits()
	if err := w.analyse(ctx, w.crates(opts.NoDeps), true); err != nil {
		return nil, err
	}
	w.evaluate()
	return w, nil
}

// unresolved is the workspace of a manifest the graph could not be resolved
// from: when the manifest itself is malformed, its findings are the answer
// (they have positions); otherwise the resolution error is.
func unresolved(path string, opts Options, cause error) (*Workspace, error) {
	w := &Workspace{
		Root:      filepath.Dir(path),
		Graph:     &graph.Graph{WorkspaceRoot: filepath.Dir(path), Crates: map[graph.ID]*graph.Crate{}},
		Manifests: map[string]*manifest.Manifest{},
		Summaries: map[graph.ID]*analyzer.Summary{},
		opts:      opts,
	}
	m := w.readManifest(path)
	if hasSyntaxError(m) {
		w.Manifests[path] = m
		w.evaluate()
		return w, nil
	}
	return nil, cause
}

// Update returns a new Workspace after the given files changed. Manifests
// among them are re-read; member crates holding a changed Rust file, or whose
// manifest changed, are re-analysed; policy re-runs. The graph is kept.
// Updates of Workspaces that come from one Load must not run concurrently.
func (w *Workspace) Update(ctx context.Context, changed []string) (*Workspace, error) {
	next := &Workspace{
		Root:      w.Root,
		Graph:     w.Graph,
		Manifests: maps.Clone(w.Manifests),
		Summaries: maps.Clone(w.Summaries),
		opts:      w.opts,
		trees:     w.trees,
		edited:    maps.Clone(w.edited),
		vet:       w.vet,
		vetErr:    w.vetErr,
		audits:    w.audits,
		auditsErr: w.auditsErr,
		failure:   w.failure,
	}
	changed = slices.Clone(changed)
	for i := range changed {
		changed[i] = filepath.Clean(changed[i])
	}
	for _, path := range changed {
		if filepath.Base(path) == "Cargo.toml" {
			if _, ok := next.Manifests[path]; ok {
				next.Manifests[path] = next.readManifest(path)
				if next.edited == nil {
					next.edited = map[string]bool{}
				}
				next.edited[path] = true
			}
		}
	}
	if slices.ContainsFunc(changed, next.isVetFile) {
		next.readVet()
	}
	if slices.Contains(changed, next.auditsPath()) {
		next.readAudits()
	}
	var redo []*graph.Crate
	for _, id := range w.Graph.Members {
		c := w.Graph.Crates[id]
		for _, path := range changed {
			if owns(c, path) {
				redo = append(redo, c)
				break
			}
		}
	}
	redone := map[graph.ID]bool{}
	for len(redo) > 0 {
		if err := next.analyse(ctx, redo, false); err != nil {
			return nil, err
		}
		for _, c := range redo {
			redone[c.ID] = true
		}
		redo = next.exportsChanged(w, redo, redone)
	}
	next.evaluate()
	return next, nil
}

// exportsChanged lists the members not yet redone that depend on a crate of
// redo whose exports differ from what they were in old: their code may now
// call an API through it, or no longer.
func (w *Workspace) exportsChanged(old *Workspace, redo []*graph.Crate, redone map[graph.ID]bool) []*graph.Crate {
	changed := map[graph.ID]bool{}
	for _, c := range redo {
		before, after := old.Summaries[c.ID], w.Summaries[c.ID]
		if before == nil || after == nil || !slices.Equal(before.Exports, after.Exports) {
			changed[c.ID] = true
		}
	}
	var out []*graph.Crate
	for _, id := range w.Graph.Members {
		if redone[id] {
			continue
		}
		c := w.Graph.Crates[id]
		if slices.ContainsFunc(normalDeps(c), func(d graph.ID) bool { return changed[d] }) {
			out = append(out, c)
		}
	}
	return out
}

// owns reports whether path belongs to crate c's sources or manifest.
func owns(c *graph.Crate, path string) bool {
	if path == c.ManifestPath {
		return true
	}
	if !strings.HasSuffix(path, ".rs") {
		return false
	}
	rel, err := filepath.Rel(c.Dir, path)
	return err == nil && !strings.HasPrefix(rel, "..")
}

// Member returns the workspace member whose directory holds path most
// closely, or nil.
func (w *Workspace) Member(path string) *graph.Crate {
	var best *graph.Crate
	for _, id := range w.Graph.Members {
		c := w.Graph.Crates[id]
		if owns(c, path) && (best == nil || len(c.Dir) > len(best.Dir)) {
			best = c
		}
	}
	return best
}

// Manifest returns the parsed manifest at path, or nil.
func (w *Workspace) Manifest(path string) *manifest.Manifest { return w.Manifests[path] }

// RootManifest returns the workspace root manifest.
func (w *Workspace) RootManifest() *manifest.Manifest {
	return w.Manifests[filepath.Join(w.Root, "Cargo.toml")]
}

// read reads a manifest, from inside the workspace for a member's and from
// inside its own package for any other (see srcread); unsaved editor
// buffers win.
func (w *Workspace) read(path string) ([]byte, error) {
	dir := srcread.NewDir(filepath.Dir(path), "package")
	if w.Root != "" && strings.HasPrefix(path, w.Root+string(filepath.Separator)) {
		dir = srcread.NewDir(w.Root, "workspace")
	}
	return dir.Through(w.opts.Read)(path)
}

// readManifests reads every crate's manifest and the workspace root's, in
// parallel: a warm load of a large tree is mostly this.
func (w *Workspace) readManifests() {
	paths := []string{filepath.Join(w.Graph.WorkspaceRoot, "Cargo.toml")}
	for _, c := range w.Graph.Crates {
		paths = append(paths, c.ManifestPath)
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	read := make([]*manifest.Manifest, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(paths); i = int(next.Add(1)) - 1 {
				read[i] = w.readManifest(paths[i])
			}
		})
	}
	wg.Wait()
	for i, p := range paths {
		w.Manifests[p] = read[i]
	}
}

func (w *Workspace) readManifest(path string) *manifest.Manifest {
	text, err := w.read(path)
	var refused *srcread.Refused
	if errors.As(err, &refused) {
		m := manifest.Parse(path, nil)
		m.Findings = append(m.Findings, finding.New(finding.Unanalysed, finding.Location{File: path}, "manifest not read: "+refused.Reason))
		return m
	}
	if err != nil {
		text = nil
	}
	return manifest.Parse(path, text)
}

// withMemberFeatures returns g with the assumed features added to every member.
func withMemberFeatures(g *graph.Graph, features []string) *graph.Graph {
	if len(features) == 0 {
		return g
	}
	return withMembers(g, func(c *graph.Crate) bool {
		c.Features = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.Features), features...))))
		return true
	})
}

// withMembers returns g with the members change alters (it is handed a
// copy, and says whether it changed it) in place of the originals; g itself
// when it alters none.
func withMembers(g *graph.Graph, change func(c *graph.Crate) bool) *graph.Graph {
	var out *graph.Graph
	for _, id := range g.Members {
		c := *g.Crates[id]
		if !change(&c) {
			continue
		}
		if out == nil {
			copied := *g
			copied.Crates = maps.Clone(g.Crates)
			out = &copied
		}
		out.Crates[id] = &c
	}
	if out == nil {
		return g
	}
	return out
}

// crates lists what to analyse: members always, dependencies unless noDeps.
// Proc-macro crates run in the compiler, outside the model; they are still
// analysed so reports can say what they do. The order they are analysed in
// is the schedule's.
func (w *Workspace) crates(noDeps bool) []*graph.Crate {
	var out []*graph.Crate
	for _, c := range w.Graph.Sorted() {
		if c.Member || !noDeps {
			out = append(out, c)
		}
	}
	return out
}

// sourceSize estimates a registry crate's size from its checksum file, which
// lists every file it ships: one stat, not a walk.
func sourceSize(c *graph.Crate) int64 {
	if !c.Registry {
		return 0
	}
	st, err := os.Stat(filepath.Join(c.Dir, ".cargo-checksum.json"))
	if err != nil {
		return 0
	}
	return st.Size()
}

// userAPIs fingerprints the workspace's own API entries.
func (w *Workspace) userAPIs() string {
	if root := w.RootManifest(); root != nil && root.Workspace != nil {
		return apisFingerprint(root.Workspace.APIs)
	}
	return ""
}

// table is the API table extended with the workspace's own entries.
func (w *Workspace) table() (*apis.Table, error) {
	t := apis.Builtin()
	if root := w.RootManifest(); root != nil && root.Workspace != nil && len(root.Workspace.APIs) > 0 {
		return t.Extend(root.Workspace.APIs)
	}
	return t, nil
}

// analyse fills Summaries for crates, in parallel, through the disk cache for
// registry crates (they never change). A crate waits for the crates among
// them it depends on (see schedule): it is analysed with the API table
// extended with its direct dependencies' exports.
//
// With release, the Go heap is collected after each large crate (see
// collectAfterLines): a whole-tree load wants the lower peak, an editor's
// update of one crate does not need the extra work.
func (w *Workspace) analyse(ctx context.Context, crates []*graph.Crate, release bool) error {
	table, err := w.table()
	if err != nil {
		return fmt.Errorf("workspace API table: %w", err)
	}
	var store *cache.Cache
	if !w.opts.NoCache {
		store, _ = cache.Open(w.opts.CacheDir) // no cache is slower, not wrong
	}
	type job struct {
		c    *graph.Crate
		deps map[string][]apis.Export
	}
	type result struct {
		c *graph.Crate
		s *analyzer.Summary
	}
	jobs := make(chan job)
	results := make(chan result)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			// One OS thread per worker: glibc's malloc keeps an arena and
			// a cache per thread, and a tree-sitter tree is allocated node
			// by node as it is parsed and freed as it is copied. A worker
			// moved between threads frees on one thread what it allocated
			// on another, which makes the arenas grow, shrink and fault
			// their pages in again: ≈ 0.8 s more CPU per cold load of
			// Debian's registry (bench/README.md, "Whole tree").
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for j := range jobs {
				results <- result{j.c, w.analyseCrate(j.c, table, j.deps, store, release)}
			}
		})
	}
	defer func() { close(jobs); wg.Wait() }()
	plan := newSchedule(crates)
	running, done := 0, 0
	var next *graph.Crate
	for done < len(crates) {
		if next == nil {
			next = plan.next(running > 0)
		}
		send := jobs
		if next == nil {
			send = nil // nothing ready: wait for a result
		}
		select {
		case send <- job{next, w.dependencyExports(next)}:
			running++
			next = nil
		case r := <-results:
			w.Summaries[r.c.ID] = r.s
			plan.done(r.c)
			running--
			done++
			if w.opts.Progress != nil {
				w.opts.Progress(done, len(crates))
			}
		case <-ctx.Done():
			for ; running > 0; running-- {
				<-results
			}
			return ctx.Err()
		}
	}
	return ctx.Err()
}

// dependencyExports gathers the exports of c's direct normal dependencies,
// by the name c's code writes for each: its key when renamed, else its
// library's name (`md-5`'s is `md5`).
func (w *Workspace) dependencyExports(c *graph.Crate) map[string][]apis.Export {
	if c == nil {
		return nil
	}
	var out map[string][]apis.Export
	for _, e := range c.Deps {
		if e.Kind != manifest.Normal {
			continue
		}
		if s := w.Summaries[e.To]; s != nil && len(s.Exports) > 0 {
			if out == nil {
				out = map[string][]apis.Export{}
			}
			name := e.Key
			if to := w.Graph.Crates[e.To]; to != nil && to.LibName != "" && e.Key == to.Name {
				name = to.LibName
			}
			out[name] = s.Exports
		}
	}
	return out
}

// collectAfterLines is the size of crate after which a whole-tree load
// collects the Go heap at once: the crate's syntax is garbage then, and the
// heap goal should not grow on it (peak RSS on Debian's registry ≈ 300 MB
// instead of ≈ 400 MB). Handing libc's freed memory back too (malloc_trim)
// made the next parses fault their memory in afresh: after every crate
// ≈ 30 % slower parsing, after large ones ≈ 3 % of a load, for little.
const collectAfterLines = 100000

func (w *Workspace) analyseCrate(c *graph.Crate, table *apis.Table, deps map[string][]apis.Export, store *cache.Cache, release bool) *analyzer.Summary {
	targets := c.Targets
	if !c.Member {
		// A dependency's tests, benches and examples never build into the member.
		targets = nil
		for _, t := range c.Targets {
			if t.Kind == analyzer.Lib || t.Kind == analyzer.Bin || t.Kind == analyzer.BuildScript {
				targets = append(targets, t)
			}
		}
	}
	if c.Missing != "" {
		// The whole crate is unseen: never pure, and said so.
		return &analyzer.Summary{Unanalysed: []analyzer.Unanalysed{{Reason: c.Missing}}}
	}
	in := analyzer.Crate{Name: c.Name, Dir: c.Dir, Targets: targets, Read: w.opts.Read, Parse: w.opts.Parse}
	if c.Member && w.trees != nil {
		in.Parse = w.trees.hook(w.opts.Parse)
		in.Table = w.trees.table(c.Dir, table, deps)
		in.Memo = w.trees.memo(c.Dir)
	} else {
		in.Table = table.WithExports(deps)
	}
	analyse := func() *analyzer.Summary {
		s := analyzer.AnalyzeCrate(in)
		if release && s.Lines >= collectAfterLines {
			go runtime.GC() // in the background: a worker that waited for it would idle
		}
		return &s
	}
	if !c.Registry || store == nil {
		return analyse()
	}
	hash, err := cache.RegistryHash(c.Dir) // registry sources are immutable: the manifest and checksum file name them
	if err != nil {
		return analyse()
	}
	key := cache.CrateKey(c.Name, c.Version, hash, analysisVersion()+" apis="+w.userAPIs()+" deps="+exportsFingerprint(deps))
	var cached analyzer.Summary
	if store.Get(key, &cached) {
		return &cached
	}
	s := analyse()
	_ = store.Put(key, s) // a failed write only costs the next run time
	return s
}

func (w *Workspace) evaluate() {
	res := policy.Evaluate(policy.Input{
		Graph:     w.asEdited(),
		Manifests: w.Manifests,
		Root:      w.RootManifest(),
		Summaries: w.Summaries,
		Vet:       w.vet,
		Audits:    w.audits,
	})
	// Manifest problems of members and the root are the user's to fix; a
	// dependency's are not.
	rootPath := filepath.Join(w.Root, "Cargo.toml")
	rootIsMember := false
	for _, id := range w.Graph.Members {
		c := w.Graph.Crates[id]
		res.Findings = append(res.Findings, manifestFindings(w.Manifests[c.ManifestPath], c)...)
		rootIsMember = rootIsMember || c.ManifestPath == rootPath
	}
	if !rootIsMember {
		res.Findings = append(res.Findings, manifestFindings(w.Manifests[rootPath], nil)...)
	}
	for _, warning := range w.Graph.Warnings {
		f := finding.New(finding.Unanalysed, finding.Location{File: rootPath}, warning)
		f.CrateDir = w.Root
		res.Findings = append(res.Findings, f)
	}
	if w.failure != nil {
		f := finding.New(finding.Unanalysed, finding.Location{File: rootPath},
			fmt.Sprintf("the dependency graph could not be resolved, so nothing here is analysed: %v (fix and save %s to try again)", w.failure, filepath.Base(rootPath)))
		f.CrateDir = w.Root
		res.Findings = append(res.Findings, f)
	}
	res.Findings = append(res.Findings, w.unresolvedDependencies()...)
	res.Findings = append(res.Findings, w.vetFindings()...)
	res.Findings = append(res.Findings, w.auditsFindings()...)
	policy.SortFindings(res.Findings)
	w.Result = res
}

// asEdited is the graph without the dependencies that edited member
// manifests no longer declare (of that kind): a dependency deleted from an
// unsaved Cargo.toml stops counting at once, where one added waits for the
// graph (see unresolvedDependencies). A manifest with a syntax error is
// taken as it was, so that findings do not come and go while it is typed.
func (w *Workspace) asEdited() *graph.Graph {
	type decl struct {
		key  string
		kind manifest.DepKind
	}
	return withMembers(w.Graph, func(c *graph.Crate) bool {
		m := w.Manifests[c.ManifestPath]
		if !w.edited[c.ManifestPath] || m == nil || hasSyntaxError(m) {
			return false
		}
		declared := map[decl]bool{}
		for _, d := range m.Dependencies {
			declared[decl{d.Key, d.Kind}] = true
		}
		kept := slices.DeleteFunc(slices.Clone(c.Deps), func(e graph.Edge) bool { return !declared[decl{e.Key, e.Kind}] })
		changed := len(kept) != len(c.Deps)
		c.Deps = kept
		return changed
	})
}

func hasSyntaxError(m *manifest.Manifest) bool {
	for _, f := range m.Findings {
		if f.Code == finding.ManifestSyntax && f.Severity == finding.Error {
			return true
		}
	}
	return false
}

// unresolvedDependencies warns on each dependency that an edited member
// manifest declares and the graph does not hold: its code is not analysed
// until the graph is resolved again, which reads manifests from disk (cargo
// does), so an editor resolves it when the manifest is saved. Optional
// dependencies are left alone: the graph holds only those a feature enables.
func (w *Workspace) unresolvedDependencies() []finding.Finding {
	var out []finding.Finding
	for _, id := range w.Graph.Members {
		c := w.Graph.Crates[id]
		m := w.Manifests[c.ManifestPath]
		if !w.edited[c.ManifestPath] || m == nil {
			continue
		}
		resolved := map[string]bool{}
		for _, e := range c.Deps {
			resolved[e.Key] = true
		}
		for _, d := range m.Dependencies {
			if d.Optional || resolved[d.Key] {
				continue
			}
			f := finding.New(finding.Unanalysed, finding.Location{File: m.Path, Range: d.KeyRange},
				fmt.Sprintf("dependency `%s` is not resolved yet, so its code is not analysed: save %s to resolve the dependency graph again", d.Key, filepath.Base(m.Path)))
			f.CrateDir, f.Crate, f.CrateVersion = filepath.Dir(m.Path), c.Name, c.Version
			resolved[d.Key] = true // one warning per key, however many tables list it
			out = append(out, f)
		}
	}
	return out
}

// manifestFindings are m's own findings, attributed to crate c (nil for a
// virtual root manifest).
func manifestFindings(m *manifest.Manifest, c *graph.Crate) []finding.Finding {
	if m == nil {
		return nil
	}
	out := make([]finding.Finding, 0, len(m.Findings))
	for _, f := range m.Findings {
		f.CrateDir = filepath.Dir(m.Path)
		if c != nil {
			f.Crate, f.CrateVersion = c.Name, c.Version
		}
		out = append(out, f)
	}
	return out
}
