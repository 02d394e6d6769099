package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

var update = flag.Bool("update", false, "rewrite testdata goldens")

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

const demo = "../../examples/demo/Cargo.toml"

// sites is the workspace of the site-level diff tests (testdata/workspaces/README.md).
const sites = "../../testdata/workspaces/diff-sites/"

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // a substring of stdout or stderr
	}{
		{[]string{"check", "--manifest-path", demo}, 1, "error[undeclared-capability]: `std::fs::write` needs `fs`"},
		{[]string{"check", "--manifest-path", demo, "--format", "yaml"}, 2, "--format must be text, json or sarif"},
		{[]string{"check", "--manifest-path", "/nonexistent/Cargo.toml"}, 2, "no manifest at /nonexistent/Cargo.toml"},
		{[]string{"check", "--manifest-path", demo, "--package", "nope"}, 2, `no workspace member named "nope"`},
		{[]string{"check", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"report", "--manifest-path", demo}, 0, "1 of 2 crates needs review"},
		{[]string{"diff", "../../testdata/workspaces/diff/old.lock", "../../testdata/workspaces/diff/new.lock"}, 1, "foo 0.1.0 → 0.2.0 gained `process`"},
		{[]string{"diff", "only-one.lock"}, 2, "diff takes two lockfiles"},
		{[]string{"diff", sites + "old.lock", sites + "new.lock"}, 0, "/diff-sites/vendor/spawner-1.1.0/src/lib.rs:9  std::process::Command::new  in spawner::phone_home"},
		{[]string{"diff", sites + "old.lock", sites + "new.lock", "--fail-on", "sites"}, 1, "/diff-sites/vendor/rawbuf-0.1.1/src/lib.rs:5  unsafe block  in rawbuf::first"},
		{[]string{"diff", sites + "old.lock", sites + "new.lock", "--fail-on", "lines"}, 2, "--fail-on must be capabilities or sites"},
		{[]string{"diff", sites + "old.lock", sites + "missing-new.lock"}, 2, "spawner 1.0.0 → 1.2.0: UNKNOWN (sources of spawner 1.2.0 not found"},
		{[]string{"diff", sites + "missing-old.lock", sites + "old.lock"}, 2, "spawner 0.9.0 → 1.0.0: UNKNOWN (sources of spawner 0.9.0 not found"},
		{[]string{"version"}, 0, "cargo-caps"},
		{[]string{"cargo"}, 2, "cargo-caps cargo needs a cargo command"},
		{[]string{"cargo", "--no-sandbox", "--explain"}, 2, "cargo-caps cargo needs a cargo command"},
		{[]string{"check", "--help"}, 0, "Flags of check"},
		{[]string{"report", "-h"}, 0, "Flags of report"},
		{[]string{"diff", "--help"}, 0, "Flags of diff"},
		{[]string{"lsp", "--help"}, 0, "Flags of lsp"},
		{[]string{"init", "--help"}, 0, "Flags of init"},
		{[]string{"init", "--manifest-path", demo, "--no-deps"}, 2, "init grants each dependency what it uses: it needs them analysed (drop --no-deps)"},
		{[]string{"check", "--help"}, 0, "-fix"},
		{[]string{"check", "--manifest-path", demo, "-p", "nope"}, 2, `no workspace member named "nope"`},
		{[]string{"check", "--manifest-path", demo, "--features", "nosuchfeat"}, 2, `the package app does not contain the feature "nosuchfeat" (it declares no features)`},
		{[]string{"check", "--manifest-path", "../../examples/demo"}, 2, "must be a path to a Cargo.toml file, not the directory ../../examples/demo (try --manifest-path ../../examples/demo/Cargo.toml)"},
		{[]string{"check", "--manifest-path", demo, "--no-deps"}, 1, "in 1 crate(s)"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.out) {
			t.Errorf("%v: exit %d, want %d; output lacks %q:\n%s%s", tc.args, code, tc.code, tc.out, out, errOut)
		}
	}
}

func TestJSONContract(t *testing.T) {
	code, out, _ := runCLI(t, "check", "--manifest-path", demo, "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Version  int
		Findings []map[string]any
		Uses     []map[string]any
		Crates   []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || len(doc.Findings) == 0 || len(doc.Uses) == 0 || len(doc.Crates) != 3 {
		t.Fatalf("unexpected document: %s", out)
	}
	var write map[string]any
	for _, f := range doc.Findings {
		if f["code"] == "undeclared-capability" {
			write = f
		}
	}
	want := map[string]any{"severity": "error", "capability": "fs", "crate": "app", "crate_version": "0.1.0",
		"file": "src/main.rs", "line": 9.0, "column": 5.0, "end_line": 9.0, "end_column": 19.0, "api": "std::fs::write"}
	for k, v := range want {
		if write[k] != v {
			t.Errorf("finding[%q] = %v, want %v", k, write[k], v)
		}
	}
	for _, u := range doc.Uses {
		for _, k := range []string{"crate", "crate_version", "capability", "file", "line", "column", "api", "context"} {
			if _, ok := u[k]; !ok {
				t.Errorf("use lacks %q: %v", k, u)
			}
		}
	}
	for _, c := range doc.Crates {
		for _, k := range []string{"name", "version", "uses", "allowed", "pure", "pure_tree", "build_script", "proc_macro", "unanalysed"} {
			if _, ok := c[k]; !ok {
				t.Errorf("crate lacks %q: %v", k, c)
			}
		}
	}
}

func TestSARIF(t *testing.T) {
	_, out, _ := runCLI(t, "check", "--manifest-path", demo, "--format", "sarif")
	var log struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "cargo-caps" {
		t.Fatalf("not a SARIF 2.1.0 log: %s", out)
	}
	found := false
	for _, r := range log.Runs[0].Results {
		loc := r.Locations[0].PhysicalLocation
		if r.RuleID == "undeclared-capability" && loc.ArtifactLocation.URI == "app/src/main.rs" && loc.Region.StartLine == 9 {
			found = r.Level == "error"
		}
	}
	if !found {
		t.Errorf("no error result at app/src/main.rs:9: %s", out)
	}
}

// Inside a member's directory, check covers that package, as cargo does;
// --workspace covers them all.
func TestCheckInMemberDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../examples/demo")); err != nil {
		t.Fatal(err)
	}
	// A second member, clean: the package in whose directory check runs.
	write := func(rel, text string) { testfs.Write(t, filepath.Join(dir, rel), text) }
	root, err := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	write("Cargo.toml", strings.Replace(string(root), `members = ["app"]`, `members = ["app", "clean"]`, 1))
	write("clean/Cargo.toml", "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
	lock, err := os.ReadFile(filepath.Join(dir, "Cargo.lock"))
	if err != nil {
		t.Fatal(err)
	}
	write("Cargo.lock", string(lock)+"\n[[package]]\nname = \"clean\"\nversion = \"0.1.0\"\n")
	write("clean/src/lib.rs", "pub fn f() -> u8 { 1 }\n")
	t.Chdir(filepath.Join(dir, "clean"))
	if code, out, errOut := runCLI(t, "check", "--no-cargo"); code != 0 || strings.Contains(out, "app") {
		t.Errorf("check in clean/: exit %d, want 0 with nothing of app:\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "check", "--no-cargo", "--workspace"); code != 1 || !strings.Contains(out, "std::fs::write") {
		t.Errorf("check --workspace in clean/: exit %d, want 1 with app's finding:\n%s%s", code, out, errOut)
	}
	t.Chdir(dir)
	if code, out, errOut := runCLI(t, "check", "--no-cargo"); code != 1 {
		t.Errorf("check at the root: exit %d, want 1:\n%s%s", code, out, errOut)
	}
}

// TestDiffJSON holds the JSON of a site-level diff to its golden: a site
// added in a crate that already had `process`, a site changed, a crate
// added, a reformatted function unchanged.
func TestDiffJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "diff", sites+"old.lock", sites+"new.lock", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	matchGolden(t, out, sites, "testdata/diff-sites.json")
}

// matchGolden holds out, with the workspace dir ws written as $WS, to the
// golden file (rewritten with -update).
func matchGolden(t *testing.T, out, ws, golden string) {
	t.Helper()
	abs, err := filepath.Abs(ws)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(out, abs+string(filepath.Separator), "$WS/")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update):\n%s", golden, got)
	}
}
