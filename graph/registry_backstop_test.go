package graph

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/analyzer"
)

// Every crate in Debian's registry, analysed as a dependency is (lib, bins,
// build script): each of its `.rs` files is analysed or named by an
// unanalysed finding — the backstop's accounting, on code the tests have
// never seen (issue 9).
func TestRegistryBackstop(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole registry: 20 s of CPU")
	}
	const registry = "/usr/share/cargo/registry"
	entries, err := os.ReadDir(registry)
	if err != nil || len(entries) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no crates under %s: .ci/run installs them", registry)
		}
		t.Skipf("no crates under %s", registry)
	}
	type tally struct{ crates, files, reported int }
	dirs := make(chan string)
	tallies := make(chan tally)
	for range runtime.GOMAXPROCS(0) {
		go func() {
			var n tally
			for dir := range dirs {
				n.crates++
				f, r := checkAccounting(t, dir)
				n.files += f
				n.reported += r
			}
			tallies <- n
		}()
	}
	for _, e := range entries {
		dirs <- filepath.Join(registry, e.Name())
	}
	close(dirs)
	var total tally
	for range runtime.GOMAXPROCS(0) {
		n := <-tallies
		total.crates += n.crates
		total.files += n.files
		total.reported += n.reported
	}
	t.Logf("%d crates, %d files: %d reported rather than analysed", total.crates, total.files, total.reported)
}

// checkAccounting analyses the crate at dir and checks that each of its
// `.rs` files is analysed or reported; it returns how many files it
// checked and how many of them were reported.
func checkAccounting(t *testing.T, dir string) (files, reported int) {
	p, err := readPackage(filepath.Join(dir, "Cargo.toml"), nil, "")
	if err != nil {
		return 0, 0
	}
	var targets []analyzer.Target
	kinds := map[analyzer.TargetKind]bool{}
	for _, tg := range p.targets {
		if tg.Kind == analyzer.Lib || tg.Kind == analyzer.Bin || tg.Kind == analyzer.BuildScript {
			targets = append(targets, tg)
			kinds[tg.Kind] = true
		}
	}
	sum := analyzer.AnalyzeCrate(analyzer.Crate{Name: p.name, Dir: dir, Targets: targets})
	seen := map[string]bool{}
	for _, f := range sum.Files {
		if real, err := filepath.EvalSymlinks(f); err == nil {
			seen[real] = true
		}
	}
	named := map[string]bool{}
	var reasons strings.Builder
	for _, u := range sum.Unanalysed {
		named[u.File] = true
		reasons.WriteString(u.Reason + "\n")
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if path != dir && (rel == "target" || strings.HasPrefix(d.Name(), ".") || exists(filepath.Join(path, "Cargo.toml"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".rs") || otherTarget(rel, kinds) {
			return nil
		}
		files++
		real, _ := filepath.EvalSymlinks(path)
		switch {
		case seen[real]:
		case named[path] || strings.Contains(reasons.String(), rel):
			reported++
		default:
			t.Errorf("%s: %s neither analysed nor reported", filepath.Base(dir), rel)
		}
		return nil
	})
	return files, reported
}

// otherTarget reports whether a file at rel lies in the place of a kind of
// target that was not analysed.
func otherTarget(rel string, analysed map[analyzer.TargetKind]bool) bool {
	switch {
	case strings.HasPrefix(rel, "tests/"), strings.HasPrefix(rel, "benches/"), strings.HasPrefix(rel, "examples/"):
		return true
	case rel == "build.rs":
		return !analysed[analyzer.BuildScript]
	case strings.HasPrefix(rel, "src/bin/"):
		return !analysed[analyzer.Bin]
	}
	return false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
