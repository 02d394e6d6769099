package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/jsonrpc2"
)

// reviewJSON is what the editors read of cargoCaps/report's JSON, the shape
// of `cargo-caps report --format json`.
type reviewJSON struct {
	Version     int
	Summary     string
	Crates      int
	ReviewSites int           `json:"review_sites"`
	NeedReview  []reviewCrate `json:"need_review"`
	Audited     []reviewCrate `json:"audited"`
	Pure        []reviewCrate `json:"pure"`
}

type reviewCrate struct {
	Name, Version, Dir string
	Capabilities       []string
	SiteCount          int `json:"site_count"`
	Sites              []struct {
		Capability, API, File, Function string
		Line                            int
	}
}

func reviewReport(t *testing.T, s *session) reviewJSON {
	t.Helper()
	var js reportResult
	if err := s.call("cargoCaps/report", map[string]string{"format": "json"}, &js); err != nil {
		t.Fatal(err)
	}
	var r reviewJSON
	if err := json.Unmarshal([]byte(js.Text), &r); err != nil {
		t.Fatalf("json report: %v\n%s", err, js.Text)
	}
	return r
}

func TestReport(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	var text reportResult
	if err := s.call("cargoCaps/report", map[string]string{"format": "text"}, &text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.Text, "Need review") || !strings.Contains(text.Text, "helper") {
		t.Errorf("text report:\n%s", text.Text)
	}
	if r := reviewReport(t, s); r.Version != 1 || r.Crates != 1 || len(r.NeedReview) != 1 || r.NeedReview[0].Name != "helper" ||
		r.Summary == "" || !strings.Contains(text.Text, r.Summary) {
		t.Errorf("json report: %+v\ntext report:\n%s", r, text.Text)
	}
	if err := s.call("cargoCaps/report", map[string]string{"format": "yaml"}, nil); errorCode(err) != jsonrpc2.InvalidParams {
		t.Errorf("format yaml: %v, want InvalidParams", err)
	}
}

// The JSON report's groups and sites, as the editors' review views read
// them: each site's dir/file:line is the line of the crate's source that
// holds its API.
func TestReportSites(t *testing.T) {
	s := openCase(t, "testdata/hover/review.txtar")
	r := reviewReport(t, s)
	names := func(cs []reviewCrate) (out []string) {
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	if got := strings.Join(names(r.NeedReview), " ") + " | " + strings.Join(names(r.Audited), " ") + " | " + strings.Join(names(r.Pure), " "); got != "runner gone | mmap | math" {
		t.Fatalf("need review | audited | pure: %s", got)
	}
	// gone's sources are not on disk: it needs review, with no site to point at.
	if gone := r.NeedReview[1]; len(gone.Sites) != 0 {
		t.Errorf("gone: %+v", gone)
	}
	runner := r.NeedReview[0]
	if runner.SiteCount != 7 || len(runner.Sites) != 7 || r.ReviewSites != 7 || !filepath.IsAbs(runner.Dir) {
		t.Fatalf("runner: %+v (review_sites %d)", runner, r.ReviewSites)
	}
	for _, site := range runner.Sites {
		text, err := os.ReadFile(filepath.Join(runner.Dir, filepath.FromSlash(site.File)))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(text), "\n")
		last := site.API[strings.LastIndex(site.API, ":")+1:]
		if site.Line < 1 || site.Line > len(lines) || !strings.Contains(lines[site.Line-1], strings.Fields(last)[0]) {
			t.Errorf("site %+v: line %d is not its API's", site, site.Line)
		}
		if !strings.HasPrefix(site.Function, "runner::") && !strings.HasPrefix(site.Function, "<runner::") {
			t.Errorf("site %+v: function outside runner", site)
		}
	}
}

// An edit re-analyses a member; the report still lists each crate once.
func TestReportAfterEdit(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	crates := func() []string {
		r := reviewReport(t, s)
		var names []string
		for _, group := range [][]reviewCrate{r.NeedReview, r.Audited, r.Pure} {
			for _, c := range group {
				names = append(names, c.Name)
			}
		}
		return names
	}
	before := crates()
	if len(before) != 1 {
		t.Fatalf("crates before an edit: %v", before)
	}
	s.open("src/lib.rs", 1)
	s.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": fileURI(s.path("src/lib.rs")), "version": 2},
		"contentChanges": []map[string]any{{"text": string(s.text("src/lib.rs")) + "\n// edited\n"}},
	})
	s.analysedVersion("src/lib.rs", 2)
	for range 2 {
		if after := crates(); strings.Join(after, " ") != strings.Join(before, " ") {
			t.Fatalf("crates after an edit: %v, before: %v", after, before)
		}
	}
}
