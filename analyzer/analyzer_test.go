package analyzer

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/span"
)

var update = flag.Bool("update", false, "rewrite the //@ markers in testdata from what the analyser finds")

// Each testdata/*.txtar is a small crate. Files named ../x are written beside
// the package directory (to test paths that leave it). Expectations are
// end-of-line markers on the line where a use or unanalysed range starts:
//
//	std::fs::write("x", b"")?; //@ fs std::fs::write
//
// A marker is `<cap> <api>`, then the context if not normal, then one
// `cfg:<predicate>` per gate; or `unanalysed: <reason>` (`unanalysed test: …`
// when not in normal code). Several markers on
// one line are separated by `//@`. A line without a marker expects nothing.
func TestAnalyze(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "pkg")
			crate := writeCrate(t, dir, ar)
			sum := AnalyzeCrate(crate)
			got := markersByLine(t, sum)
			changed := false
			for i, f := range ar.Files {
				if !strings.HasSuffix(f.Name, ".rs") {
					continue
				}
				path := filepath.Join(dir, f.Name)
				lines := strings.Split(string(f.Data), "\n")
				for n, line := range lines {
					code, want := splitMarkers(line)
					have := got[path][n]
					if *update {
						if strings.Join(want, "|") != strings.Join(have, "|") {
							changed = true
							lines[n] = code
							if len(have) > 0 {
								lines[n] = code + " //@ " + strings.Join(have, " //@ ")
							}
						}
						continue
					}
					if strings.Join(want, "|") != strings.Join(have, "|") {
						t.Errorf("%s:%d: %s\n\twant %q\n\tgot  %q", f.Name, n+1, strings.TrimSpace(code), want, have)
					}
				}
				ar.Files[i].Data = []byte(strings.Join(lines, "\n"))
				delete(got, path)
			}
			for path, lines := range got {
				t.Errorf("findings in a file without markers: %s: %v", path, lines)
			}
			if changed {
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// writeCrate writes the archive's files under dir and derives cargo's
// targets from their places; the crate's name is "demo" unless a
// Cargo.toml line says `name = "…"`.
func writeCrate(t testing.TB, dir string, ar *txtar.Archive) Crate {
	c := Crate{Name: "demo", Dir: dir}
	for _, f := range ar.Files {
		if f.Name != "Cargo.toml" {
			continue
		}
		for _, line := range strings.Split(string(f.Data), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "name = "); ok {
				c.Name = strings.Trim(v, `"`)
				break
			}
		}
	}
	for _, f := range ar.Files {
		path := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		kind, ok := TargetKind(0), true
		switch {
		case f.Name == "src/lib.rs":
			kind = Lib
		case f.Name == "src/main.rs", strings.HasPrefix(f.Name, "src/bin/") && !strings.Contains(f.Name[8:], "/"):
			kind = Bin
		case f.Name == "build.rs":
			kind = BuildScript
		case strings.HasPrefix(f.Name, "tests/") && !strings.Contains(f.Name[6:], "/"):
			kind = TestTarget
		case strings.HasPrefix(f.Name, "benches/") && !strings.Contains(f.Name[8:], "/"):
			kind = Bench
		case strings.HasPrefix(f.Name, "examples/") && !strings.Contains(f.Name[9:], "/"):
			kind = ExampleTarget
		default:
			ok = false
		}
		if ok {
			c.Targets = append(c.Targets, Target{Kind: kind, Path: path})
		}
	}
	return c
}

// splitMarkers splits a source line into its code and its markers.
func splitMarkers(line string) (string, []string) {
	i := strings.Index(line, "//@")
	if i < 0 {
		return line, nil
	}
	var ms []string
	for _, m := range strings.Split(line[i+3:], "//@") {
		if m = strings.TrimSpace(m); m != "" {
			ms = append(ms, m)
		}
	}
	sort.Strings(ms)
	return strings.TrimRight(line[:i], " \t"), ms
}

// markersByLine renders what the analyser found as markers, by file and
// 0-based line, checking that every range lies inside its file.
func markersByLine(t *testing.T, sum Summary) map[string]map[int][]string {
	out := map[string]map[int][]string{}
	indexes := map[string]*span.Index{}
	add := func(file string, r span.Range, m string) {
		x := indexes[file]
		if x == nil {
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("finding in unreadable file %s", file)
			}
			x = span.NewIndex(text)
			indexes[file] = x
		}
		if r.Start < 0 || r.End < r.Start || r.End > len(x.Text()) {
			t.Errorf("%s: range %v outside the text (%d bytes)", file, r, len(x.Text()))
		}
		if out[file] == nil {
			out[file] = map[int][]string{}
		}
		line := x.LineOf(r.Start)
		out[file][line] = append(out[file][line], m)
	}
	for _, u := range sum.Uses {
		add(u.File, u.Range, useMarker(u))
	}
	for _, u := range sum.Unanalysed {
		m := "unanalysed: "
		if u.Context != Normal {
			m = "unanalysed " + u.Context.String() + ": "
		}
		add(u.File, u.Range, m+u.Reason)
	}
	for _, lines := range out {
		for _, ms := range lines {
			sort.Strings(ms)
		}
	}
	return out
}

func useMarker(u Use) string {
	m := fmt.Sprintf("%s %s", u.Cap, u.API)
	if u.Context != Normal {
		m += " " + u.Context.String()
	}
	for _, g := range u.Gates {
		m += " cfg:" + strings.ReplaceAll(g.String(), " ", "")
	}
	return m
}
