package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/finding"
)

func TestSettingsWith(t *testing.T) {
	tests := []struct {
		raw      string
		want     Settings
		problems int
	}{
		{``, defaultSettings(), 0},
		{`null`, defaultSettings(), 0},
		{`{}`, defaultSettings(), 0},
		{`[]`, defaultSettings(), 0},
		{`{"trusted": true, "analyzeDependencies": false}`, Settings{Trusted: true}, 0},
		{`{"features": ["tls", "rt"]}`, Settings{AnalyzeDependencies: true, Features: []string{"tls", "rt"}}, 0},
		{`{"severity": {"unused-capability": "off", "unanalysed": "error", "ineffective-grant": "hint"}}`, Settings{AnalyzeDependencies: true,
			Severity: map[finding.Code]Level{finding.UnusedCapability: Off, finding.Unanalysed: Level(finding.Error), finding.IneffectiveGrant: Level(finding.Hint)}}, 0},
		{`{"severity": {"unused-capability": "loud", "no-such-code": "error", "unanalysed": "info"}}`, Settings{AnalyzeDependencies: true,
			Severity: map[finding.Code]Level{finding.Unanalysed: Level(finding.Info)}}, 2},
		{`{"trusted": "yes"}`, defaultSettings(), 1},
		// One bad value costs its key only; Lua's {} comes as [].
		{`{"trusted": "yes", "features": ["a"]}`, Settings{AnalyzeDependencies: true, Features: []string{"a"}}, 1},
		{`{"trusted": true, "severity": [], "features": []}`, Settings{Trusted: true, AnalyzeDependencies: true, Severity: map[finding.Code]Level{}, Features: []string{}}, 0},
		{`{"trusted": null}`, defaultSettings(), 0},
		{`[1]`, defaultSettings(), 1},
		// The shape of didChangeConfiguration's whole tree: unambiguous, read.
		{`{"cargoCaps": {"trusted": true, "features": ["a"]}}`, Settings{Trusted: true, AnalyzeDependencies: true, Features: []string{"a"}}, 0},
		{`{"cargoCaps": {"trusted": false}}`, defaultSettings(), 0},
		{`{"cargoCaps": "trusted"}`, defaultSettings(), 1},
		// A key of no setting is reported, not dropped in silence.
		{`{"trust": true}`, defaultSettings(), 1},
		{`{"cargoCaps": {"trusted": true}, "Trust": true}`, Settings{Trusted: true, AnalyzeDependencies: true}, 1},
		// Both shapes at once: ambiguous, reported; trust only where both say so.
		{`{"trusted": true, "cargoCaps": {"trusted": false}}`, defaultSettings(), 1},
		{`{"trusted": false, "cargoCaps": {"trusted": true}}`, defaultSettings(), 1},
		{`{"trusted": true, "cargoCaps": {"features": ["a"]}}`, Settings{Trusted: true, AnalyzeDependencies: true, Features: []string{"a"}}, 1},
		// The extensions' own key (where the binary is) is theirs, not unknown.
		{`{"cargoCaps": {"trusted": true, "server": {"path": "/opt/cargo-caps"}}}`, Settings{Trusted: true, AnalyzeDependencies: true}, 0},
		{`{"sandboxCargo": true}`, Settings{AnalyzeDependencies: true, SandboxCargo: true}, 0},
	}
	for _, tt := range tests {
		got, problems := defaultSettings().with(json.RawMessage(tt.raw))
		if len(problems) != tt.problems {
			t.Errorf("%s: problems %q, want %d", tt.raw, problems, tt.problems)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}

// TestTrustAtInitialize: a client that says nothing gets an untrusted
// session (cargo is not run), which the log says; a misplaced `trusted`
// is read when unambiguous and is a warning in the editor when not.
func TestTrustAtInitialize(t *testing.T) {
	for _, tt := range []struct {
		name    string
		options any
		trusted bool
		warning string // in a window/showMessage; "" for none
	}{
		{"nothing said", nil, false, ""},
		{"trusted", map[string]any{"trusted": true}, true, ""},
		{"wrapped as in didChangeConfiguration, untrusted", map[string]any{"cargoCaps": map[string]any{"trusted": false}}, false, ""},
		{"wrapped as in didChangeConfiguration, trusted", map[string]any{"cargoCaps": map[string]any{"trusted": true}}, true, ""},
		{"misspelt", map[string]any{"trust": true}, false, `unknown key "trust"`},
		{"both shapes, disagreeing", map[string]any{"trusted": true, "cargoCaps": map[string]any{"trusted": false}}, false, "both their own keys"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := startServer(t, map[string]method{"test/settings": {run: func(s *server, _ context.Context, _ json.RawMessage) (any, error) {
				return s.currentSettings(), nil
			}}})
			params := map[string]any{}
			if tt.options != nil {
				params["initializationOptions"] = tt.options
			}
			c.initialize(params)
			var got Settings
			if err := c.call("test/settings", nil, &got); err != nil {
				t.Fatal(err)
			}
			if got.Trusted != tt.trusted {
				t.Errorf("trusted %v, want %v", got.Trusted, tt.trusted)
			}
			var shown []string
			for _, raw := range c.received("window/showMessage") {
				var m struct {
					Type    int
					Message string
				}
				json.Unmarshal(raw, &m)
				shown = append(shown, fmt.Sprintf("%d %s", m.Type, m.Message))
			}
			switch {
			case tt.warning == "" && len(shown) > 0:
				t.Errorf("messages shown: %q", shown)
			case tt.warning != "" && (len(shown) != 1 || !strings.HasPrefix(shown[0], "2 ") || !strings.Contains(shown[0], tt.warning)):
				t.Errorf("messages shown: %q, want one warning with %q", shown, tt.warning)
			case tt.warning != "" && !c.logs.contains(strings.ReplaceAll(tt.warning, `"`, `\"`)):
				t.Errorf("the warning is not in the log:\n%s", c.logs)
			}
			silent := !strings.Contains(fmt.Sprint(tt.options), "trusted:")
			if said := c.logs.contains("did not say whether the workspace is trusted"); said != silent {
				t.Errorf("log says the client said nothing: %v, want %v", said, silent)
			}
		})
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
		// Misspelt: a warning, and trust stays as it was.
		{map[string]any{"cargoCaps": map[string]any{"trust": false}}, Settings{Trusted: true, Features: []string{}}},
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
	c.waitFor("window/showMessage", func(raw json.RawMessage) bool { return strings.Contains(string(raw), `unknown key \"trust\"`) })
	if shown := c.received("window/showMessage"); len(shown) != 1 {
		t.Errorf("warnings shown: %s", shown)
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

// A client that answers workspace/configuration: the server asks for its
// section after initialize, and again when told (with null settings) that
// something changed.
func TestPullSettings(t *testing.T) {
	dir, _ := writeCase(t, "testdata/diagnostics/own-code.txtar")
	s := &session{client: startServer(t, nil), dir: dir}
	var mu sync.Mutex
	severity := "off"
	s.answer = func(method string) any {
		if method != "workspace/configuration" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		return []any{map[string]any{"severity": map[string]string{"undeclared-capability": severity}}}
	}
	s.initialize(map[string]any{
		"workspaceFolders":      []map[string]string{{"uri": fileURI(dir), "name": "case"}},
		"initializationOptions": map[string]any{"trusted": true},
		"capabilities": map[string]any{"workspace": map[string]any{
			"configuration":         true,
			"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true},
		}},
	})
	s.waitFor("workspace/configuration", nil)
	s.waitDiagnostics("pulled severity off", "src/lib.rs", func(ds []protocol.Diagnostic) bool {
		return s.diagnostics()["Cargo.toml"] != nil && !hasCode(ds, "undeclared-capability")
	})
	mu.Lock()
	severity = "error"
	mu.Unlock()
	s.notify("workspace/didChangeConfiguration", map[string]any{"settings": nil})
	s.waitDiagnostics("pulled severity error", "src/lib.rs", func(ds []protocol.Diagnostic) bool {
		return hasCode(ds, "undeclared-capability")
	})
	if n := len(s.received("workspace/configuration")); n != 2 {
		t.Errorf("%d workspace/configuration requests, want 2", n)
	}
}

// A client that does not answer it is never asked.
func TestNoPullWithoutCapability(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	s.notify("workspace/didChangeConfiguration", map[string]any{"settings": nil})
	if err := s.call("cargoCaps/report", map[string]string{}, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(s.received("workspace/configuration")); n != 0 {
		t.Errorf("asked a client without the capability %d times", n)
	}
}

// TestWatchedFIFO: a module file replaced on disk by a FIFO (which an
// ordinary read blocks on forever) and announced as changed neither stalls
// the server nor is read: the change is an unanalysed finding, and a later
// change still gets its diagnostics.
func TestWatchedFIFO(t *testing.T) {
	s := openCase(t, "testdata/diagnostics/own-code.txtar")
	changed := func(rel string) {
		s.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []map[string]any{{"uri": fileURI(s.path(rel)), "type": 2}}})
		s.analysed()
	}
	lib := s.path("helper/src/lib.rs")
	if err := os.Remove(lib); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(lib, 0o644); err != nil {
		t.Fatal(err)
	}
	changed("helper/src/lib.rs")
	if err := os.WriteFile(s.path("src/lib.rs"), []byte("pub fn f() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed("src/lib.rs")
	if ds := s.diagnostics()["src/lib.rs"]; len(ds) != 0 {
		t.Errorf("after src/lib.rs stopped reading HOME: %v", ds)
	}
}
