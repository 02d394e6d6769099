package analyzer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/span"
)

// Each testdata/sites/*.txtar is a crate and, in `-- want --`, one line per
// use: `file:line cap api @ function start-end`. An archive whose files lie
// under before/ and after/ is two versions of one crate; its want lists each
// site's function with `same` or `changed` fingerprint.
func TestSites(t *testing.T) {
	files, _ := filepath.Glob("testdata/sites/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			if versions := splitVersions(ar); versions[0] != nil {
				got = compareVersions(t, versions)
			} else {
				dir := filepath.Join(t.TempDir(), "pkg")
				got = describeSites(t, dir, AnalyzeCrate(writeCrate(t, dir, ar)))
			}
			for i, f := range ar.Files {
				if f.Name != "want" {
					continue
				}
				if *update {
					ar.Files[i].Data = []byte(got)
					if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
						t.Fatal(err)
					}
				} else if string(f.Data) != got {
					t.Errorf("sites:\n%s\nwant:\n%s", got, f.Data)
				}
				return
			}
			t.Fatal("no -- want -- section")
		})
	}
}

func describeSites(t *testing.T, dir string, sum Summary) string {
	var b strings.Builder
	for _, u := range sum.Uses {
		text, err := os.ReadFile(u.File)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, u.File)
		s := u.Site
		if s.Fingerprint == "" || !s.Range.Contains(u.Range.Start) && u.Range.End > s.Range.Start { // an attribute precedes its item
			t.Errorf("%s: use at %v has site %+v", rel, u.Range, s)
		}
		fmt.Fprintf(&b, "%s:%d %s %s @ %s %d-%d\n", filepath.ToSlash(rel), span.NewIndex(text).LineOf(u.Range.Start)+1,
			u.Cap, u.API, s.Function, s.StartLine, s.EndLine)
	}
	return b.String()
}

// splitVersions returns the before/ and after/ crates of an archive, or nil.
func splitVersions(ar *txtar.Archive) [2]*txtar.Archive {
	var out [2]*txtar.Archive
	for _, f := range ar.Files {
		for i, prefix := range []string{"before/", "after/"} {
			if rest, ok := strings.CutPrefix(f.Name, prefix); ok {
				if out[i] == nil {
					out[i] = &txtar.Archive{}
				}
				out[i].Files = append(out[i].Files, txtar.File{Name: rest, Data: f.Data})
			}
		}
	}
	if out[0] == nil || out[1] == nil {
		return [2]*txtar.Archive{}
	}
	return out
}

func compareVersions(t *testing.T, versions [2]*txtar.Archive) string {
	var fps [2]map[string]string
	for i, ar := range versions {
		dir := filepath.Join(t.TempDir(), "pkg")
		fps[i] = map[string]string{}
		for _, u := range AnalyzeCrate(writeCrate(t, dir, ar)).Uses {
			fps[i][u.Site.Function] = u.Site.Fingerprint
		}
	}
	var lines []string
	for fn, before := range fps[0] {
		switch after, ok := fps[1][fn]; {
		case !ok:
			lines = append(lines, fn+" removed")
		case after == before:
			lines = append(lines, fn+" same")
		default:
			lines = append(lines, fn+" changed")
		}
	}
	for fn := range fps[1] {
		if _, ok := fps[0][fn]; !ok {
			lines = append(lines, fn+" added")
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}
