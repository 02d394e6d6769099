package lsp

import (
	"encoding/json"
	"strings"
	"testing"

	"go.lsp.dev/jsonrpc2"
)

func TestReport(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	var text reportResult
	if err := s.call("cargoCaps/report", map[string]string{"format": "text"}, &text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.Text, "Need review") || !strings.Contains(text.Text, "helper") {
		t.Errorf("text report:\n%s", text.Text)
	}
	var js reportResult
	if err := s.call("cargoCaps/report", map[string]string{"format": "json"}, &js); err != nil {
		t.Fatal(err)
	}
	// What the editors read for their status: SPEC §5's JSON.
	var report struct {
		Version int
		Crates  []struct {
			Name string
			Pure *bool
		}
		Findings []struct{ Code string }
	}
	if err := json.Unmarshal([]byte(js.Text), &report); err != nil {
		t.Fatalf("json report: %v\n%s", err, js.Text)
	}
	if report.Version != 1 || len(report.Crates) != 2 || report.Crates[0].Pure == nil || len(report.Findings) == 0 {
		t.Errorf("json report: %+v", report)
	}
	if err := s.call("cargoCaps/report", map[string]string{"format": "yaml"}, nil); errorCode(err) != jsonrpc2.InvalidParams {
		t.Errorf("format yaml: %v, want InvalidParams", err)
	}
}

// An edit re-analyses a member; the report still lists each crate once.
func TestReportAfterEdit(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	crates := func() []string {
		var js reportResult
		if err := s.call("cargoCaps/report", map[string]string{"format": "json"}, &js); err != nil {
			t.Fatal(err)
		}
		var report struct{ Crates []struct{ Name string } }
		if err := json.Unmarshal([]byte(js.Text), &report); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range report.Crates {
			names = append(names, c.Name)
		}
		return names
	}
	before := crates()
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
