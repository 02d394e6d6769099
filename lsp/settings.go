package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/cargo-caps/cargo-caps/finding"
)

// Settings are the user's choices for a session. The editors send the same
// object as initializationOptions and as the `cargoCaps` section of
// workspace/didChangeConfiguration:
//
//	{"trusted": true, "features": ["tls"], "severity": {"unused-capability": "off"},
//	 "analyzeDependencies": true}
//
// A key left out keeps its value (at initialize: its default).
type Settings struct {
	// Trusted workspaces may run cargo; untrusted ones are read from
	// Cargo.lock and manifests only (SPEC §6).
	Trusted bool
	// Features are assumed enabled for workspace members.
	Features []string
	// Severity overrides the severity of a code, or hides it (Off).
	Severity map[finding.Code]Level
	// AnalyzeDependencies false analyses workspace members only.
	AnalyzeDependencies bool
	// SandboxCargo runs a trusted workspace's `cargo metadata` in the build
	// sandbox (no network, hidden home); without bubblewrap cargo is not run.
	SandboxCargo bool
}

// Level is a severity override: a finding.Severity, or Off.
type Level int8

// Off hides every finding of a code.
const Off Level = -1

func defaultSettings() Settings {
	return Settings{Trusted: true, AnalyzeDependencies: true}
}

type settingsJSON struct {
	Trusted             *bool             `json:"trusted"`
	Features            []string          `json:"features"`
	Severity            map[string]string `json:"severity"`
	AnalyzeDependencies *bool             `json:"analyzeDependencies"`
	SandboxCargo        *bool             `json:"sandboxCargo"`
}

var levels = map[string]Level{
	"error": Level(finding.Error), "warning": Level(finding.Warning),
	"info": Level(finding.Info), "hint": Level(finding.Hint), "off": Off,
}

// with returns s changed by the settings object raw. What raw does not say
// stays; a value of the wrong kind is skipped and reported in the error.
func (s Settings) with(raw json.RawMessage) (Settings, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return s, nil
	}
	var j settingsJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		return s, fmt.Errorf("settings: %w", err)
	}
	if j.Trusted != nil {
		s.Trusted = *j.Trusted
	}
	if j.Features != nil {
		s.Features = slices.Clone(j.Features)
	}
	if j.SandboxCargo != nil {
		s.SandboxCargo = *j.SandboxCargo
	}
	if j.AnalyzeDependencies != nil {
		s.AnalyzeDependencies = *j.AnalyzeDependencies
	}
	var bad error
	if j.Severity != nil {
		s.Severity = map[finding.Code]Level{}
		for code, name := range j.Severity {
			level, ok := levels[name]
			if !ok || !knownCode(code) {
				bad = fmt.Errorf("settings: severity %q for %q: want a known code and error, warning, info, hint or off", name, code)
				continue
			}
			s.Severity[finding.Code(code)] = level
		}
	}
	return s, bad
}

func knownCode(code string) bool {
	switch finding.Code(code) {
	case finding.UnusedCapability, finding.NarrowableCapability:
		return true
	}
	return finding.DefaultSeverity(finding.Code(code)) != finding.Hint
}

// severity returns the severity a finding is shown with, or false when its
// code is turned off.
func (s Settings) severity(f finding.Finding) (finding.Severity, bool) {
	level, ok := s.Severity[f.Code]
	switch {
	case !ok:
		return f.Severity, true
	case level == Off:
		return 0, false
	}
	return finding.Severity(level), true
}

// sameAnalysis reports whether t needs no new analysis after s: only
// severities differ.
func (s Settings) sameAnalysis(t Settings) bool {
	return s.Trusted == t.Trusted && s.AnalyzeDependencies == t.AnalyzeDependencies && slices.Equal(s.Features, t.Features) &&
		s.SandboxCargo == t.SandboxCargo
}

type didChangeConfigurationParams struct {
	Settings json.RawMessage `json:"settings"`
}

func (s *server) didChangeConfiguration(_ context.Context, params json.RawMessage) (any, error) {
	var p didChangeConfigurationParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	// Clients send either the whole settings tree or our section alone.
	section := p.Settings
	var tree map[string]json.RawMessage
	if json.Unmarshal(p.Settings, &tree) == nil {
		if sub, ok := tree["cargoCaps"]; ok {
			section = sub
		}
	}
	// What the section does not say stays: a client that sends null, or
	// leaves out `trusted`, must not make an untrusted workspace trusted.
	s.mu.Lock()
	prev := s.settings
	next, err := prev.with(section)
	s.settings = next
	s.mu.Unlock()
	s.log.Info("settings changed", "settings", next)
	if prev.sameAnalysis(next) {
		s.republish()
	} else {
		s.reload()
	}
	return nil, err
}

func (s *server) currentSettings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings
}
