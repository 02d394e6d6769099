package graph

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// lockPackage is one [[package]] of Cargo.lock.
type lockPackage struct {
	Name         string   `toml:"name"`
	Version      string   `toml:"version"`
	Source       string   `toml:"source"`
	Dependencies []string `toml:"dependencies"`
}

// node is a locked package during lockfile resolution.
type node struct {
	lock    lockPackage
	man     *pkgManifest // nil when its sources are missing
	missing string
	member  bool
	deps    []int  // lock dependencies, as node indices
	links   []link // declared dependencies matched to lock dependencies

	reached bool
	enabled map[string]bool
}

// link is one declared dependency entry resolved to a node.
type link struct {
	decl   depDecl
	to     int
	active bool
}

// loadLockfile resolves the workspace without running any program: root
// manifest → members → Cargo.lock → each package's sources on disk.
func loadLockfile(manifestPath string, opts Options) (*Graph, error) {
	abs, err := filepath.Abs(manifestPath)
	if err != nil {
		return nil, err
	}
	ws, err := findWorkspace(abs)
	if err != nil {
		return nil, err
	}
	lockPath := opts.Lockfile
	if lockPath == "" {
		lockPath = filepath.Join(ws.dir, "Cargo.lock")
	}
	var lock struct {
		Package []lockPackage `toml:"package"` // v1 to v4 alike
	}
	// The workspace's own Cargo.lock is read from inside the workspace only;
	// one named on the command line is the user's choice.
	lockDir := srcread.NewDir(ws.dir, "workspace")
	if opts.Lockfile != "" {
		lockDir = srcread.NewDir("", "")
	}
	text, err := lockDir.Read(lockPath)
	if at, deep := manifest.TooDeep(text); err == nil && deep { // BurntSushi/toml is quadratic in the depth
		err = fmt.Errorf("arrays and inline tables nested too deep at byte %d", at)
	}
	if err == nil {
		_, err = toml.Decode(string(text), &lock)
	}
	if os.IsNotExist(err) && opts.Lockfile == "" {
		lock.Package = unlockedPackages(ws)
	} else if err != nil {
		return nil, fmt.Errorf("reading %s: %v (lockfile mode needs a Cargo.lock: run `cargo generate-lockfile` where you trust the workspace)", lockPath, err)
	}
	home := opts.CargoHome
	if home == "" {
		home = cargoHome()
	}
	loc := newLocator(ws.dir, home)

	nodes := make([]*node, len(lock.Package))
	for i, lp := range lock.Package {
		n := &node{lock: lp, enabled: map[string]bool{}}
		nodes[i] = n
		if lp.Source == "" {
			n.man = ws.paths[lp.Name+"@"+lp.Version]
			n.member = n.man != nil && ws.members[n.man.path]
			if n.man == nil {
				n.missing = fmt.Sprintf("path package %s %s not found from the workspace's path dependencies", lp.Name, lp.Version)
			}
			continue
		}
		if lp.Version == unlockedVersion {
			n.missing = fmt.Sprintf("%s is not locked: there is no Cargo.lock yet (run `cargo generate-lockfile` where you trust the workspace)", lp.Name)
			continue
		}
		dir, tried := loc.find(lp)
		if dir == "" {
			n.missing = fmt.Sprintf("sources of %s %s not found (looked in %s)", lp.Name, lp.Version, strings.Join(tried, ", "))
			continue
		}
		if n.man, err = readPackage(filepath.Join(dir, "Cargo.toml"), nil, ""); err != nil {
			n.missing = err.Error()
		}
	}
	for _, path := range slices.Sorted(maps.Keys(ws.members)) {
		if !lockHas(nodes, ws.byPath[path]) {
			return nil, fmt.Errorf("%s does not list workspace member %s: it is out of date (run `cargo generate-lockfile` where you trust the workspace)", lockPath, ws.byPath[path].name)
		}
	}
	if err := linkNodes(nodes); err != nil {
		return nil, fmt.Errorf("%s: %v", lockPath, err)
	}
	for _, n := range nodes {
		if n.member {
			reach(nodes, n)
			enable(nodes, n, "default")
		}
	}
	return buildGraph(ws.dir, nodes), nil
}

// unlockedVersion is the version given to a registry dependency when there is no
// Cargo.lock to say which version it resolves to.
const unlockedVersion = "0.0.0-unlocked"

// unlockedPackages stands in for a Cargo.lock that does not exist yet (a
// fresh `cargo new` before its first build): every path package locked as
// cargo would lock it, and each registry dependency as a package of unknown
// version, which is reported as not analysed rather than guessed.
func unlockedPackages(ws *workspace) []lockPackage {
	var out []lockPackage
	registry := map[string]bool{}
	for _, path := range slices.Sorted(maps.Keys(ws.byPath)) {
		m := ws.byPath[path]
		lp := lockPackage{Name: m.name, Version: m.version}
		for _, d := range m.deps {
			dep := d.pkg + " " + unlockedVersion
			if d.path != "" {
				target := ws.byPath[filepath.Join(d.path, "Cargo.toml")]
				if target == nil {
					continue
				}
				dep = target.name + " " + target.version
			} else {
				registry[d.pkg] = true
			}
			if !slices.Contains(lp.Dependencies, dep) {
				lp.Dependencies = append(lp.Dependencies, dep)
			}
		}
		out = append(out, lp)
	}
	for _, name := range slices.Sorted(maps.Keys(registry)) {
		out = append(out, lockPackage{Name: name, Version: unlockedVersion, Source: "registry+https://github.com/rust-lang/crates.io-index"})
	}
	return out
}

func lockHas(nodes []*node, m *pkgManifest) bool {
	for _, n := range nodes {
		if n.man == m {
			return true
		}
	}
	return false
}

func cargoHome() string {
	if h := os.Getenv("CARGO_HOME"); h != "" {
		return h
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cargo")
}

// linkNodes parses each package's lock dependencies ("name", "name version",
// "name version (source)") and matches them to its declared dependencies.
func linkNodes(nodes []*node) error {
	byName := map[string][]int{}
	for i, n := range nodes {
		byName[n.lock.Name] = append(byName[n.lock.Name], i)
	}
	for _, n := range nodes {
		for _, dep := range n.lock.Dependencies {
			f := strings.Fields(dep)
			if len(f) == 0 {
				return fmt.Errorf("package %s %s: empty dependency", n.lock.Name, n.lock.Version)
			}
			var found []int
			for _, i := range byName[f[0]] {
				l := nodes[i].lock
				if (len(f) < 2 || l.Version == f[1]) && (len(f) < 3 || "("+l.Source+")" == f[2]) {
					found = append(found, i)
				}
			}
			if len(found) != 1 {
				return fmt.Errorf("package %s %s: dependency %q matches %d locked packages", n.lock.Name, n.lock.Version, dep, len(found))
			}
			n.deps = append(n.deps, found[0])
		}
		n.linkDecls(nodes)
	}
	return nil
}

// linkDecls matches declared dependencies to lock dependencies: by package
// name, then by path or version requirement when the name is ambiguous.
// Registry packages' dev-dependencies are never resolved.
func (n *node) linkDecls(nodes []*node) {
	for _, to := range n.deps {
		t := nodes[to]
		var matched []depDecl
		if n.man != nil {
			var byName []depDecl
			for _, d := range n.man.deps {
				if d.pkg == t.lock.Name && (n.member || d.kind != manifest.Dev) {
					byName = append(byName, d)
				}
			}
			for _, d := range byName {
				if len(byName) == 1 || declMatches(d, t) {
					matched = append(matched, d)
				}
			}
		}
		if len(matched) == 0 {
			matched = []depDecl{{key: t.lock.Name, pkg: t.lock.Name, defaultFeatures: true}}
		}
		for _, d := range matched {
			n.links = append(n.links, link{decl: d, to: to})
		}
	}
}

func declMatches(d depDecl, t *node) bool {
	if d.path != "" {
		return t.man != nil && t.man.dir == d.path
	}
	return t.lock.Source != "" && reqMatches(d.req, t.lock.Version)
}

// reach switches on a package's non-optional dependencies (and, for a
// package whose manifest is missing, every locked dependency).
func reach(nodes []*node, n *node) {
	if n.reached {
		return
	}
	n.reached = true
	for i := range n.links {
		if !n.links[i].decl.optional {
			activate(nodes, n, i)
		}
	}
}

func activate(nodes []*node, n *node, i int) {
	l := &n.links[i]
	if l.active {
		return
	}
	l.active = true
	to := nodes[l.to]
	reach(nodes, to)
	if l.decl.defaultFeatures {
		enable(nodes, to, "default")
	}
	for _, f := range l.decl.features {
		apply(nodes, to, f)
	}
}

// enable switches on a feature that the package defines, and what it enables.
func enable(nodes []*node, n *node, feature string) {
	if n.man == nil || n.enabled[feature] {
		return
	}
	values, ok := n.man.features[feature]
	if !ok {
		return
	}
	n.enabled[feature] = true
	for _, v := range values {
		apply(nodes, n, v)
	}
}

// apply interprets one feature value: `dep:x`, `x/f`, `x?/f` or a feature.
func apply(nodes []*node, n *node, v string) {
	if n.man == nil {
		return
	}
	switch dep, feat, slash := strings.Cut(v, "/"); {
	case strings.HasPrefix(v, "dep:"):
		switchOn(nodes, n, v[4:])
	case slash && strings.HasSuffix(dep, "?"):
		// Cargo's dependency resolver, whose graph cargo metadata reports,
		// switches on x for `x?/f` too (only its feature resolver, used for
		// builds, does not); it just leaves x's implicit feature off.
		key := strings.TrimSuffix(dep, "?")
		switchOn(nodes, n, key)
		forActive(nodes, n, key, feat)
	case slash:
		switchOn(nodes, n, dep)
		if vals := n.man.features[dep]; len(vals) == 1 && vals[0] == "dep:"+dep {
			enable(nodes, n, dep) // the implicit feature of an optional dependency
		}
		forActive(nodes, n, dep, feat)
	default:
		enable(nodes, n, v)
	}
}

func forActive(nodes []*node, n *node, key, feat string) {
	for _, l := range n.links {
		if l.active && l.decl.key == key {
			apply(nodes, nodes[l.to], feat)
		}
	}
}

// switchOn turns on the optional dependency key.
func switchOn(nodes []*node, n *node, key string) {
	for i := range n.links {
		if n.links[i].decl.key == key {
			activate(nodes, n, i)
		}
	}
}

// buildGraph keeps the packages reached from the members, with the edges
// that are switched on.
func buildGraph(root string, nodes []*node) *Graph {
	var keys []pkgKey
	keyOf := make([]pkgKey, len(nodes))
	for i, n := range nodes {
		keyOf[i] = pkgKey{n.lock.Name, n.lock.Version, n.lock.Source}
		if n.reached {
			keys = append(keys, keyOf[i])
		}
	}
	ids := assignIDs(keys)
	g := &Graph{WorkspaceRoot: root, Crates: map[ID]*Crate{}}
	for i, n := range nodes {
		if !n.reached {
			continue
		}
		c := &Crate{ID: ids[keyOf[i]], Name: n.lock.Name, Version: n.lock.Version, Member: n.member,
			Registry: n.lock.Source != "", Source: n.lock.Source, Missing: n.missing}
		if m := n.man; m != nil {
			c.ManifestPath, c.Dir = m.path, m.dir
			c.Targets, c.LibName, c.ProcMacro, c.BuildScript = m.targets, m.libName, m.procMacro, m.buildScript
			for f := range n.enabled {
				c.Features = append(c.Features, f)
			}
			sort.Strings(c.Features)
		}
		type edgeKey struct {
			to   int
			key  string
			kind manifest.DepKind
		}
		merged := map[edgeKey]*Edge{}
		platforms := map[edgeKey][]string{}
		var order []edgeKey
		for _, l := range n.links {
			if !l.active {
				continue
			}
			k := edgeKey{l.to, l.decl.key, l.decl.kind}
			e := merged[k]
			if e == nil {
				e = &Edge{To: ids[keyOf[l.to]], Key: l.decl.key, Kind: l.decl.kind}
				merged[k] = e
				order = append(order, k)
			}
			// Optional on some platform: a feature may be what turns it on.
			e.Optional = e.Optional || l.decl.optional
			platforms[k] = append(platforms[k], l.decl.target)
		}
		for _, k := range order {
			e := merged[k]
			everywhere := false
			for _, p := range platforms[k] {
				everywhere = everywhere || p == ""
			}
			if !everywhere {
				e.Target = joinPlatforms(platforms[k])
			}
			if e.Optional {
				e.EnabledBy = enabledBy(n.man.features, e.Key)
			}
			c.Deps = append(c.Deps, *e)
		}
		sortEdges(c.Deps)
		g.Warnings = append(g.Warnings, unlocked(n)...)
		g.Crates[c.ID] = c
		if c.Member {
			g.Members = append(g.Members, c.ID)
		}
	}
	sortMembers(g)
	sort.Strings(g.Warnings)
	return g
}

// unlocked names the package's required dependencies that Cargo.lock does
// not list: the lockfile is older than the manifest, and they go unchecked.
func unlocked(n *node) []string {
	if n.man == nil {
		return nil
	}
	locked := map[string]bool{}
	for _, l := range n.links {
		locked[l.decl.key] = true
	}
	var out []string
	for _, d := range n.man.deps {
		if !d.optional && (n.member || d.kind != manifest.Dev) && !locked[d.key] {
			out = append(out, fmt.Sprintf("Cargo.lock does not lock %s's dependency `%s`, so it is not checked: the lockfile is out of date (run `cargo generate-lockfile` where you trust the workspace)", n.lock.Name, d.key))
			locked[d.key] = true
		}
	}
	return out
}
