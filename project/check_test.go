package project

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
	"github.com/cargo-caps/cargo-caps/policy"
	"github.com/cargo-caps/cargo-caps/render"
)

var update = flag.Bool("update", false, "rewrite the rendered-output goldens")

// TestCheck runs the whole pipeline over each testdata/check/*.txtar: a small
// workspace in one file, with the expected findings written beside the lines
// they concern — `//@ code [capability]` in Rust, `#@ code [capability]` in
// TOML; a finding grouped per dependency entry names all its capabilities
// (`#@ dependency-capability process fs`). Every finding must be expected and every expectation found. Optional
// sections named after renderers hold rendered output (see renderers).
func TestCheck(t *testing.T) {
	files, _ := filepath.Glob("../testdata/check/*.txtar")
	if len(files) == 0 {
		t.Fatal("no test cases in testdata/check")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			// Registry sources: none unless the case has them.
			t.Setenv("CARGO_HOME", filepath.Join(dir, ".cargo-home"))
			want := map[string][]string{} // "file:line" → "code cap"
			var goldens []*txtar.File
			for i, f := range ar.Files {
				if renderers[f.Name] != nil {
					goldens = append(goldens, &ar.Files[i])
					continue
				}
				testfs.Write(t, filepath.Join(dir, f.Name), string(f.Data))
				for n, line := range strings.Split(string(f.Data), "\n") {
					for _, exp := range markers(line) {
						key := fmt.Sprintf("%s:%d", f.Name, n+1)
						want[key] = append(want[key], exp)
					}
				}
			}
			w, err := Load(context.Background(), filepath.Join(dir, "Cargo.toml"), Options{NoCargo: true, NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			src := &render.Sources{}
			got := map[string][]string{}
			for _, f := range w.Result.Findings {
				rel, _ := filepath.Rel(dir, f.File)
				key := fmt.Sprintf("%s:%d", filepath.ToSlash(rel), src.Index(f.File).Pos(f.Range.Start).Line)
				exp := []string{string(f.Code)}
				switch {
				case !f.Capabilities.IsEmpty():
					exp = append(exp, f.Capabilities.Names()...)
				case f.HasCap:
					exp = append(exp, f.Capability.String())
				}
				got[key] = append(got[key], expectation(exp))
			}
			compare(t, want, got, w)
			for _, golden := range goldens {
				var b strings.Builder
				if err := renderers[golden.Name](&b, w, src); err != nil {
					t.Fatal(err)
				}
				text := strings.ReplaceAll(b.String(), dir+string(filepath.Separator), "")
				if *update {
					golden.Data = []byte(text)
					if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
						t.Fatal(err)
					}
				} else if text != string(golden.Data) {
					t.Errorf("%s differs (run with -update):\n--- got\n%s\n--- want\n%s", golden.Name, text, golden.Data)
				}
			}
		})
	}
}

// renderers produce the rendered-output goldens a test case may carry.
var renderers = map[string]func(io.Writer, *Workspace, *render.Sources) error{
	"check.golden": func(w io.Writer, ws *Workspace, src *render.Sources) error { return render.Text(w, ws.Result, src) },
	"check.json":   func(w io.Writer, ws *Workspace, src *render.Sources) error { return render.JSON(w, ws.Result, src) },
	"check.sarif": func(w io.Writer, ws *Workspace, src *render.Sources) error {
		return render.SARIF(w, ws.Result, src, ws.Root)
	},
	"report.golden": func(w io.Writer, ws *Workspace, _ *render.Sources) error {
		return render.ReviewText(w, policy.NewReview(ws.Result))
	},
	"report.json": func(w io.Writer, ws *Workspace, src *render.Sources) error {
		return render.ReviewJSON(w, policy.NewReview(ws.Result), src)
	},
	"report-sites.golden": func(w io.Writer, ws *Workspace, src *render.Sources) error {
		return render.ReviewSitesText(w, policy.NewReview(ws.Result), src)
	},
}

var markerRE = regexp.MustCompile(`(?://|#)@\s*(.*)$`)

// markers returns the expectations on one line: `//@ a fs, b` → ["a fs", "b"].
func markers(line string) []string {
	m := markerRE.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	var out []string
	for _, part := range strings.Split(m[1], ",") {
		if fields := strings.Fields(part); len(fields) > 0 {
			out = append(out, expectation(fields))
		}
	}
	return out
}

// expectation is a code and its capabilities in a canonical order: a grouped
// dependency finding lists several (`#@ dependency-capability unsafe fs`).
func expectation(fields []string) string {
	slices.Sort(fields[1:])
	return strings.Join(fields, " ")
}

func compare(t *testing.T, want, got map[string][]string, w *Workspace) {
	t.Helper()
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		wv, gv := slices.Sorted(slices.Values(want[k])), slices.Sorted(slices.Values(got[k]))
		if !slices.Equal(wv, gv) {
			t.Errorf("%s: want %q, got %q", k, wv, gv)
		}
	}
	if t.Failed() {
		for _, f := range w.Result.Findings {
			t.Logf("finding: %s %s %s", f.Code, f.File, f.Message)
		}
	}
}
