package lsp

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/finding"
)

func TestSettingsWith(t *testing.T) {
	tests := []struct {
		raw     string
		want    Settings
		wantErr bool
	}{
		{``, defaultSettings(), false},
		{`null`, defaultSettings(), false},
		{`{}`, defaultSettings(), false},
		{`{"trusted": false, "analyzeDependencies": false}`, Settings{}, false},
		{`{"features": ["tls", "rt"]}`, Settings{Trusted: true, AnalyzeDependencies: true, Features: []string{"tls", "rt"}}, false},
		{`{"severity": {"unused-capability": "off", "unanalysed": "error", "ineffective-grant": "hint"}}`, Settings{Trusted: true, AnalyzeDependencies: true,
			Severity: map[finding.Code]Level{finding.UnusedCapability: Off, finding.Unanalysed: Level(finding.Error), finding.IneffectiveGrant: Level(finding.Hint)}}, false},
		{`{"severity": {"unused-capability": "loud", "no-such-code": "error", "unanalysed": "info"}}`, Settings{Trusted: true, AnalyzeDependencies: true,
			Severity: map[finding.Code]Level{finding.Unanalysed: Level(finding.Info)}}, true},
		{`{"trusted": "yes"}`, defaultSettings(), true},
		{`{"sandboxCargo": true}`, Settings{Trusted: true, AnalyzeDependencies: true, SandboxCargo: true}, false},
	}
	for _, tt := range tests {
		got, err := defaultSettings().with(json.RawMessage(tt.raw))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error %v, want error %v", tt.raw, err, tt.wantErr)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}

func TestSeverityOverride(t *testing.T) {
	s, _ := defaultSettings().with(json.RawMessage(`{"severity": {"unused-capability": "off", "unanalysed": "error"}}`))
	for _, tt := range []struct {
		code  finding.Code
		want  finding.Severity
		shown bool
	}{
		{finding.UnusedCapability, 0, false},
		{finding.Unanalysed, finding.Error, true},
		{finding.UndeclaredCapability, finding.Error, true},
		{finding.NarrowableCapability, finding.Hint, true},
	} {
		sev, shown := s.severity(finding.New(tt.code, finding.Location{}, ""))
		if sev != tt.want || shown != tt.shown {
			t.Errorf("%s: got %v %v, want %v %v", tt.code, sev, shown, tt.want, tt.shown)
		}
	}
}

func TestDidChangeConfiguration(t *testing.T) {
	c := startServer(t, map[string]method{"test/settings": {run: func(s *server, _ context.Context, _ json.RawMessage) (any, error) {
		return s.currentSettings(), nil
	}}})
	c.initialize(map[string]any{"initializationOptions": map[string]any{"trusted": false}})
	for _, tt := range []struct {
		settings any
		want     Settings
	}{
		{map[string]any{"cargoCaps": map[string]any{"features": []string{"a"}}}, Settings{AnalyzeDependencies: true, Features: []string{"a"}}},
		{map[string]any{"analyzeDependencies": false}, Settings{Features: []string{"a"}}},
		{nil, Settings{Features: []string{"a"}}},
		{map[string]any{"cargoCaps": map[string]any{"trusted": true, "features": []string{}}}, Settings{Trusted: true, Features: []string{}}},
	} {
		c.notify("workspace/didChangeConfiguration", map[string]any{"settings": tt.settings})
		var got Settings
		if err := c.call("test/settings", nil, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("after %v: got %+v, want %+v", tt.settings, got, tt.want)
		}
	}
}

// TestSettingsChangeTheAnalysis: a severity change re-publishes (off hides a
// code); a change of trust resolves the graph again.
func TestSettingsChangeTheAnalysis(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	s.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"cargoCaps": map[string]any{
		"severity": map[string]string{"unused-capability": "off", "undeclared-capability": "warning"},
	}}})
	// Files are published in order: Cargo.toml before src/lib.rs.
	_, s.mark = s.waitFrom(s.mark, "textDocument/publishDiagnostics", func(raw json.RawMessage) bool {
		var p publishParams
		json.Unmarshal(raw, &p)
		return s.rel(string(p.URI)) == "src/lib.rs" && len(p.Diagnostics) == 1 && p.Diagnostics[0].Severity == 2
	})
	for _, d := range s.diagnostics()["Cargo.toml"] {
		if d.Code == "unused-capability" {
			t.Errorf("unused-capability shown though off: %s", d.Message)
		}
	}
	s.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"cargoCaps": map[string]any{"trusted": false}}})
	s.analysed()
	if !s.logs.contains("Trusted:false") || len(s.diagnostics()["src/lib.rs"]) != 1 {
		t.Errorf("after trusted=false: %v", s.diagnostics())
	}
}

// TestWatchedFiles: files changed on disk, not open in the editor, are
// analysed again: a manifest resolves the graph again, a path dependency's
// source too.
func TestWatchedFiles(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	write := func(rel, text string) {
		if err := os.WriteFile(s.path(rel), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		s.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []map[string]any{{"uri": fileURI(s.path(rel)), "type": 2}}})
		s.analysed()
	}
	write("Cargo.toml", strings.Replace(string(s.text("Cargo.toml")), `capability = ["net", "fs"]`, `capability = ["fs", "env-readonly"]`, 1))
	if ds := s.diagnostics()["src/lib.rs"]; len(ds) != 0 {
		t.Errorf("after declaring env-readonly on disk: %v", ds)
	}
	write("helper/src/lib.rs", "pub fn run() {}\n")
	for _, d := range s.diagnostics()["Cargo.toml"] {
		if d.Code == "dependency-capability" {
			t.Errorf("after helper stopped spawning: %s", d.Message)
		}
	}
}
