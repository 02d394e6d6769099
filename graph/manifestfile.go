package graph

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// pkgManifest is what lockfile mode reads from one package's Cargo.toml:
// enough to resolve features and find targets the way cargo would.
type pkgManifest struct {
	name, version string
	path, dir     string
	features      map[string][]string // [features] plus implicit features of optional deps
	deps          []depDecl
	targets       []analyzer.Target
	libName       string
	procMacro     bool
	buildScript   string
}

// depDecl is one entry of a [dependencies]-like table.
type depDecl struct {
	key, pkg        string // key as written; the package's real name
	kind            manifest.DepKind
	target          string // platform of a [target.X.…] table
	optional        bool
	defaultFeatures bool
	features        []string
	req             string // version requirement, "" for none
	path            string // absolute, for path dependencies
}

// rawTOML is a decoded TOML document.
type rawTOML = map[string]any

// readTOML reads a manifest or config file, from inside its own directory
// only (see srcread).
func readTOML(path string) (rawTOML, error) {
	return readTOMLIn(path, srcread.NewDir(filepath.Dir(path), "directory"))
}

// readTOMLIn reads a manifest or config file from inside dir.
func readTOMLIn(path string, dir srcread.Dir) (rawTOML, error) {
	text, err := dir.Read(path)
	if err != nil {
		return nil, err
	}
	var doc rawTOML
	if at, deep := manifest.TooDeep(text); deep { // BurntSushi/toml is quadratic in the depth
		return nil, fmt.Errorf("%s: arrays and inline tables nested too deep at byte %d", path, at)
	}
	if _, err := toml.Decode(string(text), &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return doc, nil
}

func table(m rawTOML, key string) rawTOML {
	t, _ := m[key].(map[string]any)
	return t
}

func str(m rawTOML, key string) string {
	s, _ := m[key].(string)
	return s
}

func strs(m rawTOML, key string) []string {
	var out []string
	if arr, ok := m[key].([]any); ok {
		for _, v := range arr {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// boolKey reads a boolean with a default; Cargo accepts both `a-b` and `a_b`.
func boolKey(m rawTOML, key string, def bool) bool {
	for _, k := range []string{key, strings.ReplaceAll(key, "-", "_")} {
		if b, ok := m[k].(bool); ok {
			return b
		}
	}
	return def
}

// readPackage parses one package manifest. ws is the workspace root
// manifest, for `workspace = true` inheritance (nil outside a workspace).
func readPackage(path string, ws rawTOML, wsDir string) (*pkgManifest, error) {
	dir := srcread.NewDir(filepath.Dir(path), "directory")
	if wsDir != "" { // a member's manifest may be a link within the workspace
		dir = srcread.NewDir(wsDir, "workspace")
	}
	doc, err := readTOMLIn(path, dir)
	if err != nil {
		return nil, err
	}
	pkg := table(doc, "package")
	if pkg == nil {
		return nil, fmt.Errorf("%s: no [package] table", path)
	}
	p := &pkgManifest{name: str(pkg, "name"), path: path, dir: filepath.Dir(path), version: str(pkg, "version")}
	if p.version == "" {
		p.version = "0.0.0"
		if inherited(pkg["version"]) {
			if v := str(table(table(ws, "workspace"), "package"), "version"); v != "" {
				p.version = v
			}
		}
	}
	p.readDeps(doc, ws, wsDir)
	p.readFeatures(doc)
	p.readTargets(doc, pkg)
	return p, nil
}

func inherited(v any) bool {
	t, ok := v.(map[string]any)
	return ok && t["workspace"] == true
}

func (p *pkgManifest) readDeps(doc, ws rawTOML, wsDir string) {
	kinds := []struct {
		names []string
		kind  manifest.DepKind
	}{
		{[]string{"dependencies"}, manifest.Normal},
		{[]string{"dev-dependencies", "dev_dependencies"}, manifest.Dev},
		{[]string{"build-dependencies", "build_dependencies"}, manifest.Build},
	}
	wsDeps := table(table(ws, "workspace"), "dependencies")
	read := func(tables rawTOML, platform string) {
		for _, k := range kinds {
			for _, name := range k.names {
				entries := table(tables, name)
				keys := make([]string, 0, len(entries))
				for key := range entries {
					keys = append(keys, key)
				}
				sort.Strings(keys)
				for _, key := range keys {
					p.deps = append(p.deps, p.depDecl(key, entries[key], k.kind, platform, wsDeps, wsDir))
				}
			}
		}
	}
	read(doc, "")
	platforms := table(doc, "target")
	names := make([]string, 0, len(platforms))
	for name := range platforms {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		read(table(platforms, name), normalizePlatform(name))
	}
}

func (p *pkgManifest) depDecl(key string, v any, kind manifest.DepKind, platform string, wsDeps rawTOML, wsDir string) depDecl {
	d := depDecl{key: key, pkg: key, kind: kind, target: platform, defaultFeatures: true}
	t, _ := v.(map[string]any)
	if s, ok := v.(string); ok {
		d.req = s
	}
	base, dir := t, p.dir
	if inherited(t) {
		// The workspace entry gives the source and default features; the member adds features and optional.
		dir = wsDir
		switch w := wsDeps[key].(type) {
		case string:
			base, d.req = nil, w
		case map[string]any:
			base = w
		}
		d.features = strs(t, "features")
	}
	if base != nil {
		if s := str(base, "package"); s != "" {
			d.pkg = s
		}
		if s := str(base, "version"); s != "" {
			d.req = s
		}
		if s := str(base, "path"); s != "" {
			d.path = filepath.Clean(filepath.Join(dir, s))
		}
		d.defaultFeatures = boolKey(base, "default-features", true)
		d.features = append(d.features, strs(base, "features")...)
	}
	d.optional = boolKey(t, "optional", false)
	return d
}

// readFeatures reads [features] and adds cargo's implicit feature for each
// optional dependency that no `dep:` value names.
func (p *pkgManifest) readFeatures(doc rawTOML) {
	p.features = map[string][]string{}
	explicit := map[string]bool{}
	for name := range table(doc, "features") {
		vals := strs(table(doc, "features"), name)
		p.features[name] = vals
		for _, v := range vals {
			if strings.HasPrefix(v, "dep:") {
				explicit[v[4:]] = true
			}
		}
	}
	for _, d := range p.deps {
		if d.optional && !explicit[d.key] {
			if _, ok := p.features[d.key]; !ok {
				p.features[d.key] = []string{"dep:" + d.key}
			}
		}
	}
}

// readTargets finds targets as cargo does: explicit tables, then
// auto-discovery unless turned off.
func (p *pkgManifest) readTargets(doc, pkg rawTOML) {
	// A target's path is relative to the package, or absolute, as cargo
	// takes it (`path = "/dev/urandom"` is that device: the analyser refuses it).
	at := func(rel string) string {
		if filepath.IsAbs(rel) {
			return filepath.Clean(rel)
		}
		return filepath.Join(p.dir, rel)
	}
	exists := func(rel string) bool {
		st, err := os.Stat(at(rel))
		return err == nil && !st.IsDir()
	}
	seen := map[analyzer.Target]bool{}
	add := func(kind analyzer.TargetKind, rel string) {
		t := analyzer.Target{Kind: kind, Path: at(rel)}
		if !seen[t] {
			seen[t] = true
			p.targets = append(p.targets, t)
		}
	}
	if lib := table(doc, "lib"); lib != nil || exists("src/lib.rs") {
		rel := str(lib, "path")
		if rel == "" {
			rel = "src/lib.rs"
		}
		p.procMacro = boolKey(lib, "proc-macro", false)
		p.libName = str(lib, "name")
		if p.libName == "" {
			p.libName = p.name
		}
		p.libName = strings.ReplaceAll(p.libName, "-", "_")
		add(analyzer.Lib, rel)
	}
	kinds := []struct {
		table, dir string
		auto       string
		kind       analyzer.TargetKind
	}{
		{"bin", "src/bin", "autobins", analyzer.Bin},
		{"example", "examples", "autoexamples", analyzer.ExampleTarget},
		{"test", "tests", "autotests", analyzer.TestTarget},
		{"bench", "benches", "autobenches", analyzer.Bench},
	}
	for _, k := range kinds {
		if arr, ok := doc[k.table].([]map[string]any); ok {
			for _, t := range arr {
				rel := str(t, "path")
				if rel == "" {
					rel = defaultTargetPath(p, k.dir, str(t, "name"), exists)
				}
				if rel != "" {
					add(k.kind, rel)
				}
			}
		}
		if !boolKey(pkg, k.auto, true) {
			continue
		}
		if k.kind == analyzer.Bin && exists("src/main.rs") {
			add(analyzer.Bin, "src/main.rs")
		}
		entries, _ := os.ReadDir(filepath.Join(p.dir, k.dir))
		for _, e := range entries {
			switch {
			case !e.IsDir() && strings.HasSuffix(e.Name(), ".rs"):
				add(k.kind, filepath.Join(k.dir, e.Name()))
			case e.IsDir() && exists(filepath.Join(k.dir, e.Name(), "main.rs")):
				add(k.kind, filepath.Join(k.dir, e.Name(), "main.rs"))
			}
		}
	}
	build := "build.rs"
	switch b := pkg["build"].(type) {
	case string:
		build = b
	case bool:
		if !b {
			build = ""
		}
	}
	if build != "" && exists(build) {
		p.buildScript = at(build)
		add(analyzer.BuildScript, build)
	}
	sortTargets(p.targets)
}

// defaultTargetPath is where cargo looks for a named target without `path`.
func defaultTargetPath(p *pkgManifest, dir, name string, exists func(string) bool) string {
	if dir == "src/bin" && name == p.name && exists("src/main.rs") {
		return "src/main.rs"
	}
	for _, rel := range []string{filepath.Join(dir, name+".rs"), filepath.Join(dir, name, "main.rs")} {
		if exists(rel) {
			return rel
		}
	}
	return ""
}

// normalizePlatform spaces a `cfg(...)` expression the way cargo prints it
// (`cfg(any(a = "b", c))`), so both modes name a platform alike.
func normalizePlatform(s string) string {
	if !strings.HasPrefix(s, "cfg(") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n':
		case c == ',':
			b.WriteString(", ")
		case c == '=':
			b.WriteString(" = ")
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			b.WriteString(s[i:min(j+1, len(s))])
			i = j
		default:
			b.WriteByte(c)
		}
	}
	return strings.ReplaceAll(b.String(), ", )", ")")
}
