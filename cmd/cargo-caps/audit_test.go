package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

// carry is the workspace of the audit carry-over tests: memscan and steady
// audited at 2.5.0 and 1.0.0 (old.lock), locked at 2.6.0 and 1.0.1.
const carry = "../../testdata/workspaces/audit-carry/"

// TestAuditCarriesOver records both audits from the command line on a copy
// of the workspace at the old versions, then moves the lockfile on: the
// reformatted crate keeps its audit, the one with one changed site gets
// `audit-stale` naming exactly that site, and recording again clears it.
func TestAuditCarriesOver(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")
	if out, err := exec.Command("cp", "-r", carry, ws).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	root := filepath.Join(ws, "Cargo.toml")
	text, err := os.ReadFile(root)
	if err != nil {
		t.Fatal(err)
	}
	before, _, _ := strings.Cut(string(text), "\n# Both audits")
	testfs.Write(t, root, before+"\n")
	if err := os.Remove(filepath.Join(ws, "caps-audits.lock")); err != nil {
		t.Fatal(err)
	}
	lock := func(name string) {
		t.Helper()
		text, err := os.ReadFile(filepath.Join(carry, name))
		if err != nil {
			t.Fatal(err)
		}
		testfs.Write(t, filepath.Join(ws, "Cargo.lock"), string(text))
	}
	lock("old.lock")
	for _, args := range [][]string{{"memscan"}, {"steady@1.0.0", "unsafe"}} {
		code, out, errOut := runCLI(t, append([]string{"audit", "--manifest-path", root, "--no-cargo"}, args...)...)
		if code != 0 {
			t.Fatalf("audit %v: exit %d: %s%s", args, code, out, errOut)
		}
	}
	got, _ := os.ReadFile(filepath.Join(ws, "caps-audits.lock"))
	want, _ := os.ReadFile(filepath.Join(carry, "caps-audits.lock"))
	if string(got) != string(want) {
		t.Errorf("caps-audits.lock differs from the workspace's:\n%s", got)
	}
	manifest, _ := os.ReadFile(root)
	if !strings.Contains(string(manifest), "[workspace.metadata.capabilities.audited]\nmemscan = [\"unsafe\"]\n\"steady@1.0.0\" = [\"unsafe\"]\n") {
		t.Errorf("the audited entries are not in Cargo.toml:\n%s", manifest)
	}

	lock("Cargo.lock")
	code, out, errOut := runCLI(t, "check", "--manifest-path", root, "--no-cargo")
	if code != 1 {
		t.Fatalf("check at the new versions: exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "warning[audit-stale]"); n != 1 ||
		!strings.Contains(out, "1 of 3 `unsafe` sites of memscan 2.6.0 is changed since your audit of 2.5.0") ||
		!strings.Contains(out, "changed since the audit: `unsafe block` in memscan::last") ||
		strings.Count(out, "since the audit") != 1 ||
		strings.Contains(out, "dependency `steady`") {
		t.Errorf("want one audit-stale naming memscan::last only, steady still audited:\n%s", out)
	}

	// steady@1.0.0 is pinned, but its record holds 1.0.1's one site: it carries over.
	code, out, errOut = runCLI(t, "audit", "--manifest-path", root, "--no-cargo", "memscan", "unsafe")
	if code != 0 || !strings.Contains(out, "recorded the audit of memscan 2.6.0 for unsafe: 3 site(s)") {
		t.Fatalf("re-recording: exit %d: %s%s", code, out, errOut)
	}
	if after, _ := os.ReadFile(root); string(after) != string(manifest) {
		t.Errorf("re-recording an audit whose entry stands changed Cargo.toml:\n%s", after)
	}
	code, out, _ = runCLI(t, "check", "--manifest-path", root, "--no-cargo")
	if code != 0 || strings.Contains(out, "audit-stale") {
		t.Errorf("after re-recording: exit %d:\n%s", code, out)
	}
}

func TestAuditUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		out  string
	}{
		{[]string{"audit"}, "audit takes a crate"},
		{[]string{"audit", "memscan", "--no-deps"}, "which --no-deps does not analyse"},
		{[]string{"audit", "memscan", "unsafee", "--manifest-path", carry + "Cargo.toml"}, `unknown capability "unsafee" (did you mean "unsafe"?)`},
		{[]string{"audit", "nosuch", "--no-cargo", "--manifest-path", carry + "Cargo.toml"}, `no crate named "nosuch"`},
		{[]string{"audit", "memscan@9.9.9", "--no-cargo", "--manifest-path", carry + "Cargo.toml"}, "memscan 9.9.9 is not in this workspace's graph (it has 2.6.0)"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(out+errOut, tc.out) {
			t.Errorf("%v: exit %d, output lacks %q:\n%s%s", tc.args, code, tc.out, out, errOut)
		}
	}
}

// TestAuditStaleJSON holds `check --format json` on the workspace as
// committed (audits recorded at the old versions, Cargo.lock at the new) to
// its golden: one audit-stale with the one changed site, steady audited.
func TestAuditStaleJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "check", "--manifest-path", carry+"Cargo.toml", "--no-cargo", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	matchGolden(t, out, carry, "testdata/audit-carry.json")
}

// TestAuditStaleReport holds `report` (text, --sites and JSON) on the same
// workspace to its golden: of memscan's `unsafe`, whose audit is stale, only
// the changed site is to read, and the report says the audit still covers
// the other two.
func TestAuditStaleReport(t *testing.T) {
	var out strings.Builder
	for _, args := range [][]string{{}, {"--sites"}, {"--format", "json"}} {
		code, stdout, errOut := runCLI(t, append([]string{"report", "--manifest-path", carry + "Cargo.toml", "--no-cargo"}, args...)...)
		if code != 0 {
			t.Fatalf("report %v: exit %d: %s", args, code, errOut)
		}
		fmt.Fprintf(&out, "## %s\n%s", strings.Join(append([]string{"report"}, args...), " "), stdout)
	}
	matchGolden(t, out.String(), carry, "testdata/audit-carry-report.txt")
}
