package analyzer

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/apis"
)

// Each testdata/exports/*.txtar is a crate as TestAnalyze reads it, plus:
//
//	-- exports --   the crate's expected Summary.Exports, one "path api" a line
//	-- deps --      its direct dependencies' exports, one "crate path api" a
//	                line: the crate is analysed with the table they extend
//
// and the uses (//@ markers) it finds with that table.
func TestExports(t *testing.T) {
	files, _ := filepath.Glob("testdata/exports/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/exports")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want string
			deps := map[string][]apis.Export{}
			var sources txtar.Archive
			for _, f := range ar.Files {
				switch f.Name {
				case "exports":
					want = strings.TrimSpace(string(f.Data))
				case "deps":
					for _, line := range strings.Split(strings.TrimSpace(string(f.Data)), "\n") {
						var crate, path, api string
						if _, err := fmt.Sscan(line, &crate, &path, &api); err != nil {
							t.Fatalf("deps: %q: %v", line, err)
						}
						deps[crate] = append(deps[crate], apis.Export{Path: path, API: api})
					}
				default:
					sources.Files = append(sources.Files, f)
				}
			}
			dir := filepath.Join(t.TempDir(), "pkg")
			crate := writeCrate(t, dir, &sources)
			crate.Table = apis.Builtin().WithExports(deps)
			sum := AnalyzeCrate(crate)
			var got []string
			for _, e := range sum.Exports {
				got = append(got, e.Path+" "+e.API)
			}
			if g := strings.Join(got, "\n"); g != want {
				t.Errorf("exports:\n--- got\n%s\n--- want\n%s", g, want)
			}
			found := markersByLine(t, sum)
			for _, f := range sources.Files {
				if !strings.HasSuffix(f.Name, ".rs") {
					continue
				}
				path := filepath.Join(dir, f.Name)
				for n, line := range strings.Split(string(f.Data), "\n") {
					code, want := splitMarkers(line)
					if have := found[path][n]; strings.Join(want, "|") != strings.Join(have, "|") {
						t.Errorf("%s:%d: %s\n\twant %q\n\tgot  %q", f.Name, n+1, strings.TrimSpace(code), want, have)
					}
				}
				delete(found, path)
			}
			for path, lines := range found {
				t.Errorf("findings in a file without markers: %s: %v", path, lines)
			}
		})
	}
}
