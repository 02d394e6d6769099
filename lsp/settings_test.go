package lsp

import (
	"context"
	"encoding/json"
	"reflect"
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
		{map[string]any{"cargoCaps": map[string]any{"features": []string{"a"}}}, Settings{Trusted: true, AnalyzeDependencies: true, Features: []string{"a"}}},
		{map[string]any{"analyzeDependencies": false}, Settings{Trusted: true}},
		{nil, defaultSettings()},
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
