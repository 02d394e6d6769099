package graph

import (
	"os"
	"path/filepath"
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
	replaceWith, directory, registry string
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
			sc := sourceConfig{replaceWith: str(t, "replace-with"), registry: str(t, "registry")}
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
	url := source[strings.Index(source, "+")+1:]
	for name, sc := range l.sources {
		if sc.registry != "" && strings.TrimSuffix(sc.registry, "/") == strings.TrimSuffix(url, "/") {
			return name
		}
	}
	return ""
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
	return "", dirs
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
