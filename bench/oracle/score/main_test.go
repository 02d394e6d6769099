package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A workspace of one member, clippy's findings on it and cargo-caps' uses:
// each oracle finding below is either found (a covering capability on a line
// of its span that names the API or the unsafe token) or missed.
func TestScoreMatchesByCrateFileLineAndCoveringCapability(t *testing.T) {
	ws := t.TempDir()
	write(t, ws, "Cargo.toml", "[workspace]\nmembers = [\"crates/demo-1.0.0\"]\n")
	write(t, ws, "crates/demo-1.0.0/Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n")
	write(t, ws, "Cargo.lock", "version = 3\n[[package]]\nname = \"demo\"\nversion = \"1.0.0\"\n")
	write(t, ws, "crates/demo-1.0.0/src/lib.rs", strings.Join([]string{
		/* 1 */ "pub fn a(p: &std::path::Path) -> bool {",
		/* 2 */ "    p",
		/* 3 */ "        .exists()",
		/* 4 */ "}",
		/* 5 */ "#[inline]",
		/* 6 */ "pub",
		/* 7 */ "unsafe fn b() {}",
		/* 8 */ "fn c() { std::fs::write(\"x\", \"y\").ok(); }",
		/* 9 */ "fn d() { std::fs::OpenOptions::new().read(true).open(\"x\").ok(); }",
		/* 10 */ "fn e() { std::fs::File::open(\"x\").ok(); }",
		/* 11 */ "fn f() { std::fs::write(\"x\", \"y\").ok(); }",
	}, "\n"))
	disallowed := func(api string, from, to int) string {
		return clippyLine(t, "clippy::disallowed_methods", "use of a disallowed method `"+api+"`", reasonPrefix+api, from, to)
	}
	clippy := strings.Join([]string{
		disallowed("std::path::Path::exists", 2, 3),                                   // found at line 3, where `exists` is written
		clippyLine(t, "unsafe_code", "declaration of an `unsafe` function", "", 6, 7), // found at line 7, the `unsafe` token
		disallowed("std::fs::write", 8, 8),                                            // missed: cargo-caps says fs-readonly, which does not cover fs
		disallowed("std::fs::OpenOptions::open", 9, 9),                                // found: fs-readonly suffices for a read-only open
		disallowed("std::fs::File::open", 10, 10),                                     // found: fs covers fs-readonly
		disallowed("std::fs::write", 11, 11),                                          // missed: cargo-caps reports it one line off
		disallowed("std::fs::write", 11, 11),                                          // the same finding again (a second target): counted once
		clippyLine(t, "clippy::needless_return", "unneeded `return`", "", 1, 1),       // not ours
	}, "\n")
	write(t, ws, "clippy.jsonl", clippy)
	write(t, ws, "caps.json", `{"version": 1, "findings": [], "crates": [{"name": "demo", "version": "1.0.0", "pure": false, "unanalysed": 0}],
	  "uses": [
	    {"crate": "demo", "crate_version": "1.0.0", "capability": "fs-readonly", "file": "src/lib.rs", "line": 3},
	    {"crate": "demo", "crate_version": "1.0.0", "capability": "unsafe", "file": "src/lib.rs", "line": 7},
	    {"crate": "demo", "crate_version": "1.0.0", "capability": "fs-readonly", "file": "src/lib.rs", "line": 8},
	    {"crate": "demo", "crate_version": "1.0.0", "capability": "fs-readonly", "file": "src/lib.rs", "line": 9},
	    {"crate": "demo", "crate_version": "1.0.0", "capability": "fs", "file": "src/lib.rs", "line": 10},
	    {"crate": "demo", "crate_version": "1.0.0", "capability": "fs", "file": "src/lib.rs", "line": 12},
	    {"crate": "other", "crate_version": "1.0.0", "capability": "fs", "file": "src/lib.rs", "line": 11}
	  ]}`)
	report, misses := filepath.Join(ws, "report.md"), filepath.Join(ws, "misses.tsv")
	if err := score(ws, filepath.Join(ws, "clippy.jsonl"), filepath.Join(ws, "caps.json"), report, misses); err != nil {
		t.Fatal(err)
	}
	text := read(t, report)
	if !strings.Contains(text, "oracle uses: 6; found by cargo-caps: 4; **recall 0.667**") {
		t.Errorf("report:\n%s", text)
	}
	var missed []string
	for _, l := range strings.Split(strings.TrimSpace(read(t, misses)), "\n")[1:] {
		f := strings.Split(l, "\t")
		missed = append(missed, f[2]+" "+f[3])
	}
	if got, want := strings.Join(missed, ", "), "8 fs, 11 fs"; got != want {
		t.Errorf("misses: %s, want %s", got, want)
	}
}

func TestExpandPrefixListsTheCratesFunctionsOfThatPrefix(t *testing.T) {
	reg := t.TempDir()
	write(t, reg, "rustix-0.35.12/src/net/send_recv.rs", "pub fn connect(x: u8) {}\npub(crate) fn connect_v4() {}\nfn bind() {}\n")
	write(t, reg, "rustix-extra-1.0.0/src/lib.rs", "pub fn connect_other() {}\n") // another crate
	got, err := expandPrefix(reg, "rustix::net::connect*")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "rustix::net::connect rustix::net::connect_v4" {
		t.Errorf("got %v", got)
	}
}

func clippyLine(t *testing.T, code, message, note string, from, to int) string {
	t.Helper()
	m := map[string]any{
		"reason": "compiler-message",
		"target": map[string]any{"kind": []string{"lib"}},
		"message": map[string]any{
			"message":  message,
			"code":     map[string]any{"code": code},
			"spans":    []any{map[string]any{"file_name": "crates/demo-1.0.0/src/lib.rs", "line_start": from, "line_end": to, "is_primary": true}},
			"children": []any{map[string]any{"message": note}},
		},
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFeaturesLeavesOutWhatAStableToolchainCannotBuild(t *testing.T) {
	ws := t.TempDir()
	write(t, ws, "Cargo.toml", "[workspace]\nmembers = [\"crates/demo-1.0.0\"]\n")
	write(t, ws, "crates/demo-1.0.0/Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n"+
		"[features]\ndefault = [\"json\"]\njson = []\nnightly = []\nnightly_simd = []\nrustc-dep-of-std = []\n__doctest = []\ndocs = []\nunstable = []\n")
	var b strings.Builder
	if err := writeFeatures(&b, ws); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(b.String()); got != "demo/default,demo/json,demo/unstable" {
		t.Errorf("got %q", got)
	}
}
