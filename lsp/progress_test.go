package lsp

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestProgress checks the work-done progress of the first analysis: a token
// created by the server, then begin, reports, end on that token.
func TestProgress(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	var created struct{ Token string }
	json.Unmarshal(s.waitFor("window/workDoneProgress/create", nil), &created)
	if created.Token == "" {
		t.Fatal("no progress token created")
	}
	var kinds []string
	for _, raw := range s.received("$/progress") {
		var p struct {
			Token string
			Value struct {
				Kind, Title, Message string
				Percentage           int
			}
		}
		json.Unmarshal(raw, &p)
		if p.Token != created.Token {
			t.Errorf("progress on token %q, want %q", p.Token, created.Token)
		}
		kinds = append(kinds, p.Value.Kind)
		switch p.Value.Kind {
		case "begin":
			if p.Value.Title != "cargo-caps" || !strings.HasPrefix(p.Value.Message, "Analysing ") {
				t.Errorf("begin: %+v", p.Value)
			}
		case "report":
			if !strings.HasSuffix(p.Value.Message, " crates") || p.Value.Percentage > 100 {
				t.Errorf("report: %+v", p.Value)
			}
		case "end":
			if !strings.HasSuffix(p.Value.Message, "crates analysed") {
				t.Errorf("end: %+v", p.Value)
			}
		}
	}
	got := strings.Join(kinds, " ")
	if !strings.HasPrefix(got, "begin report") || !strings.HasSuffix(got, "report end") {
		t.Errorf("progress kinds %q, want begin, reports, end", got)
	}
}

// TestNoProgressWithoutClientSupport: a client that cannot show progress is
// not asked to.
func TestNoProgressWithoutClientSupport(t *testing.T) {
	c := startServer(t, nil)
	dir := t.TempDir()
	c.initialize(map[string]any{"rootUri": fileURI(dir)})
	if err := c.call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(c.received("window/workDoneProgress/create")) + len(c.received("$/progress")); n != 0 {
		t.Errorf("%d progress messages to a client without window.workDoneProgress", n)
	}
}
