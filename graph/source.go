package graph

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// locator finds a locked registry package's sources on disk: a directory
// source that replaces its registry in .cargo/config.toml, the workspace's
// vendor/ directory, or cargo's own unpacked registry cache.
type locator struct {
	root      string
	cargoHome string
	sources   map[string]sourceConfig // [source.NAME], nearest config wins
	indexed   map[string]map[string]string
}

type sourceConfig struct {
	replaceWith, directory, registry, git string
}

// newLocator reads the [source] tables of the config files cargo would:
// .cargo/config.toml (or .cargo/config) in the workspace and its ancestors,
// then $CARGO_HOME/config.toml.
func newLocator(root, cargoHome string) *locator {
	l := &locator{root: root, cargoHome: cargoHome, sources: map[string]sourceConfig{}, indexed: map[string]map[string]string{}}
	var files []string
	for dir := root; ; dir = filepath.Dir(dir) {
		files = append(files, filepath.Join(dir, ".cargo", "config.toml"), filepath.Join(dir, ".cargo", "config"))
		if dir == filepath.Dir(dir) {
			break
		}
	}
	files = append(files, filepath.Join(cargoHome, "config.toml"), filepath.Join(cargoHome, "config"))
	for _, f := range files {
		doc, err := readTOML(f)
		if err != nil {
			continue
		}
		// Paths in a config file are relative to the directory holding .cargo/.
		base := filepath.Dir(filepath.Dir(f))
		for name, v := range table(doc, "source") {
			if _, seen := l.sources[name]; seen {
				continue
			}
			t := asTable(v)
			sc := sourceConfig{replaceWith: str(t, "replace-with"), registry: str(t, "registry"), git: str(t, "git")}
			if d := str(t, "directory"); d != "" {
				sc.directory = d
				if !filepath.IsAbs(d) {
					sc.directory = filepath.Join(base, d)
				}
			}
			l.sources[name] = sc
		}
	}
	return l
}

// sourceName maps a lock source to the name config files use for it.
func (l *locator) sourceName(source string) string {
	if source == "registry+https://github.com/rust-lang/crates.io-index" || source == "sparse+https://index.crates.io/" {
		return "crates-io"
	}
	kind, url, _ := strings.Cut(source, "+")
	if kind == "git" {
		// git+URL?rev=…#commit; `cargo vendor` writes [source."git+URL?rev=…"] git = URL.
		url, _, _ = strings.Cut(url, "#")
		url, _, _ = strings.Cut(url, "?")
	}
	same := func(a, b string) bool { return a != "" && strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }
	var names []string
	for name, sc := range l.sources {
		if same(sc.registry, url) || same(sc.git, url) {
			names = append(names, name)
		}
	}
	sort.Strings(names) // several tables for one repository differ only in rev: any will do
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// find returns the package's directory and, when it finds none, where it looked.
func (l *locator) find(p lockPackage) (string, []string) {
	var dirs []string
	name := l.sourceName(p.Source)
	for i := 0; name != "" && i < 10; i++ {
		sc := l.sources[name]
		if sc.directory != "" {
			dirs = append(dirs, sc.directory)
		}
		name = sc.replaceWith
	}
	dirs = append(dirs, filepath.Join(l.root, "vendor"))
	for _, d := range dirs {
		if found := l.inDirectory(d, p.Name, p.Version); found != "" {
			return found, nil
		}
	}
	if strings.HasPrefix(p.Source, "registry+") || strings.HasPrefix(p.Source, "sparse+") {
		pattern := filepath.Join(l.cargoHome, "registry", "src", "*", p.Name+"-"+p.Version)
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			if isFile(filepath.Join(m, "Cargo.toml")) {
				return m, nil
			}
		}
		dirs = append(dirs, filepath.Dir(pattern))
	}
	if _, commit, ok := strings.Cut(p.Source, "#"); ok && strings.HasPrefix(p.Source, "git+") && len(commit) >= 7 {
		// cargo checks out each commit under git/checkouts/REPO-HASH/SHORT-COMMIT.
		pattern := filepath.Join(l.cargoHome, "git", "checkouts", "*", commit[:7])
		checkouts, _ := filepath.Glob(pattern)
		for _, c := range checkouts {
			if found := findPackage(c, p.Name, p.Version); found != "" {
				return found, nil
			}
		}
		dirs = append(dirs, pattern)
	}
	return "", dirs
}

// findPackage looks for the package's manifest in a git checkout, which may
// hold a whole workspace; build output and hidden directories are skipped.
func findPackage(root, name, version string) string {
	found := ""
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if found != "" {
			return filepath.SkipAll
		}
		if err != nil {
			return nil
		}
		if d.IsDir() && path != root && (d.Name() == "target" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.Name() == "Cargo.toml" && !d.IsDir() {
			doc, err := readTOML(path)
			if pkg := table(doc, "package"); err == nil && str(pkg, "name") == name && (str(pkg, "version") == version || inherited(pkg["version"])) {
				found = filepath.Dir(path)
			}
		}
		return nil
	})
	return found
}

// inDirectory finds name@version in a directory source or vendor dir:
// by the usual directory names first, else by reading every package's name
// and version once.
func (l *locator) inDirectory(dir, name, version string) string {
	if p := filepath.Join(dir, name+"-"+version); isFile(filepath.Join(p, "Cargo.toml")) {
		return p
	}
	idx, ok := l.indexed[dir]
	if !ok {
		idx = map[string]string{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			doc, err := readTOML(filepath.Join(dir, e.Name(), "Cargo.toml"))
			if err != nil {
				continue
			}
			pkg := table(doc, "package")
			idx[str(pkg, "name")+"@"+str(pkg, "version")] = filepath.Join(dir, e.Name())
		}
		l.indexed[dir] = idx
	}
	return idx[name+"@"+version]
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
