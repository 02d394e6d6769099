package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/finding"
)

// Settings are the user's choices for a session. The editors send the same
// object as initializationOptions and as the `cargoCaps` section of
// workspace/didChangeConfiguration:
//
//	{"trusted": true, "features": ["tls"], "severity": {"unused-capability": "off"},
//	 "analyzeDependencies": true}
//
// A key left out keeps its value (at initialize: its default). The object
// may also come wrapped as {"cargoCaps": {…}} (the shape of a whole settings
// tree), at initialize too.
type Settings struct {
	// Trusted workspaces may run cargo; untrusted ones are read from
	// Cargo.lock and manifests only (SPEC §6). A client that does not say
	// gets untrusted: cargo runs only when the user chose to trust, as in
	// VS Code's restricted mode.
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
	return Settings{AnalyzeDependencies: true}
}

var levels = map[string]Level{
	"error": Level(finding.Error), "warning": Level(finding.Warning),
	"info": Level(finding.Info), "hint": Level(finding.Hint), "off": Off,
}

// settingKeys are the keys of the settings object.
var settingKeys = []string{"trusted", "features", "severity", "analyzeDependencies", "sandboxCargo"}

// section is the name of the settings object inside a whole settings tree.
const section = "cargoCaps"

// with returns s changed by the settings object raw, and what in raw it
// could not take, for the user to hear of. What raw does not say stays; a
// value of the wrong kind or an unknown key is skipped and reported. A
// {"cargoCaps": {…}} wrapper is taken off; beside keys of their own it is
// ambiguous, reported, and both count, where they disagree on `trusted`
// untrusted.
func (s Settings) with(raw json.RawMessage) (Settings, []string) {
	if text := strings.TrimSpace(string(raw)); text == "" || text == "null" || text == "[]" { // [] is Lua's empty table
		return s, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return s, []string{fmt.Sprintf("settings are not an object: %v", err)}
	}
	inner, wrapped := obj[section]
	if !wrapped {
		return s.withObject(obj)
	}
	delete(obj, section)
	var sub map[string]json.RawMessage
	if err := json.Unmarshal(inner, &sub); err != nil {
		return s, []string{fmt.Sprintf("settings: %s is not an object: %v", section, err)}
	}
	if !hasSettingKey(obj) {
		maps.Copy(obj, sub) // keys beside the wrapper are reported as unknown
		return s.withObject(obj)
	}
	next, problems := s.withObject(obj)
	next, more := next.withObject(sub)
	problems = append(problems, more...)
	outer, inSub := trustedIn(obj), trustedIn(sub)
	if outer != nil && inSub != nil && *outer != *inSub {
		next.Trusted = false
	}
	return next, append([]string{fmt.Sprintf("settings hold both their own keys and a %q section: both are read, the section's win, and `trusted` holds only where both say so (trusted=%v)", section, next.Trusted)}, problems...)
}

func hasSettingKey(obj map[string]json.RawMessage) bool {
	for k := range obj {
		if isSettingKey(k) {
			return true
		}
	}
	return false
}

// isSettingKey matches keys as encoding/json matches fields: case aside.
func isSettingKey(k string) bool {
	return slices.ContainsFunc(settingKeys, func(known string) bool { return strings.EqualFold(k, known) })
}

// trustedIn returns the `trusted` value an object states, nil for none.
func trustedIn(obj map[string]json.RawMessage) *bool {
	for k, raw := range obj {
		var b bool
		if strings.EqualFold(k, "trusted") && string(raw) != "null" && json.Unmarshal(raw, &b) == nil {
			return &b
		}
	}
	return nil
}

// statesTrust reports whether a settings object (or its cargoCaps section)
// says whether the workspace is trusted.
func statesTrust(raw json.RawMessage) bool {
	var obj, sub map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return false
	}
	if inner, ok := obj[section]; ok && json.Unmarshal(inner, &sub) == nil && trustedIn(sub) != nil {
		return true
	}
	return trustedIn(obj) != nil
}

// withObject reads one settings object, each key on its own: a value of
// the wrong kind costs that key only. An empty array stands for an empty
// severity table too, as Lua's {} is encoded.
func (s Settings) withObject(obj map[string]json.RawMessage) (Settings, []string) {
	var problems []string
	bad := func(k, want string, err error) {
		problems = append(problems, fmt.Sprintf("settings: %s: want %s: %v", k, want, err))
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		raw := obj[k]
		switch strings.ToLower(k) {
		case "trusted":
			if err := json.Unmarshal(raw, &s.Trusted); err != nil {
				bad(k, "true or false", err)
			}
		case "analyzedependencies":
			if err := json.Unmarshal(raw, &s.AnalyzeDependencies); err != nil {
				bad(k, "true or false", err)
			}
		case "sandboxcargo":
			if err := json.Unmarshal(raw, &s.SandboxCargo); err != nil {
				bad(k, "true or false", err)
			}
		case "features":
			var features []string
			if err := json.Unmarshal(raw, &features); err != nil {
				bad(k, "a list of feature names", err)
			} else if features != nil {
				s.Features = features
			}
		case "severity":
			if strings.TrimSpace(string(raw)) == "[]" {
				raw = json.RawMessage("{}")
			}
			var severity map[string]string
			if err := json.Unmarshal(raw, &severity); err != nil {
				bad(k, `a table of codes to "error", "warning", "info", "hint" or "off"`, err)
				continue
			}
			if severity == nil {
				continue
			}
			s.Severity = map[finding.Code]Level{}
			for _, code := range slices.Sorted(maps.Keys(severity)) {
				name := severity[code]
				level, ok := levels[name]
				if !ok || !knownCode(code) {
					problems = append(problems, fmt.Sprintf("settings: severity %q for %q: want a known code and error, warning, info, hint or off", name, code))
					continue
				}
				s.Severity[finding.Code(code)] = level
			}
		case "server":
			// The editor extensions' own: where to find this binary.
		default:
			problems = append(problems, fmt.Sprintf("settings: unknown key %q (the keys are %s)", k, strings.Join(settingKeys, ", ")))
		}
	}
	return s, problems
}

func knownCode(code string) bool {
	return slices.Contains(finding.Codes, finding.Code(code))
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
	// Clients send either the whole settings tree or our section alone;
	// the tree's other members are other programs' sections.
	own := p.Settings
	var tree map[string]json.RawMessage
	if json.Unmarshal(p.Settings, &tree) == nil {
		if sub, ok := tree[section]; ok {
			own = sub
		}
	}
	if isNull(p.Settings) && s.pullsSettings() {
		// The pull model: the notification only says that something changed.
		if a := s.currentAnalysis(); a != nil {
			a.wg.Add(1)
			go func() { defer a.wg.Done(); s.pullSettings(a.ctx) }()
		}
		return nil, nil
	}
	s.applySettings(own)
	return nil, nil
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

func (s *server) pullsSettings() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client.configuration
}

// pullSettings asks the client for the cargoCaps section
// (workspace/configuration), when it can answer, and applies it: the client
// then need not push settings at all.
func (s *server) pullSettings(ctx context.Context) {
	if !s.pullsSettings() {
		return
	}
	var result []json.RawMessage
	params := map[string]any{"items": []map[string]string{{"section": section}}}
	if _, err := s.conn.Call(ctx, "workspace/configuration", params, &result); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("workspace/configuration failed: settings stay as they are", "error", err)
		}
		return
	}
	if len(result) == 1 && !isNull(result[0]) {
		s.applySettings(result[0])
	}
}

// applySettings takes the cargoCaps section over the current settings and
// analyses again or republishes, as the change asks.
func (s *server) applySettings(own json.RawMessage) {
	// What the section does not say stays: a client that sends null, or
	// leaves out `trusted`, must not make an untrusted workspace trusted.
	s.mu.Lock()
	prev := s.settings
	next, problems := prev.with(own)
	s.settings = next
	s.mu.Unlock()
	s.warnSettings(problems)
	s.log.Info("settings changed", "settings", next)
	if prev.sameAnalysis(next) {
		s.republish()
	} else {
		s.reload()
	}
}

// warnSettings tells the user, in the log and in the editor, what of their
// settings the server could not take.
func (s *server) warnSettings(problems []string) {
	for _, p := range problems {
		s.log.Warn("cargo-caps: " + p)
		s.notify("window/showMessage", map[string]any{"type": 2, "message": "cargo-caps: " + p})
	}
}

func (s *server) currentSettings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings
}
