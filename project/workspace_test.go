package project

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/policy"
)

const tokioApp = "../testdata/workspaces/tokio-app/Cargo.toml"

func needRegistry(t testing.TB) {
	if _, err := os.Stat("/usr/share/cargo/registry"); err != nil {
		t.Skip("Debian's crate sources are not installed (see .ci/run)")
	}
}

// TestTokioApp pins down known facts of a real workspace resolved offline
// from Debian's crate sources (testdata/workspaces/README.md describes it).
func TestTokioApp(t *testing.T) {
	needRegistry(t)
	cacheDir := t.TempDir()
	w, err := Load(context.Background(), tokioApp, Options{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	crates := map[string]policy.CrateReport{}
	for _, c := range w.Result.Crates {
		crates[c.Name] = c
	}
	// Which crates open sockets: the network stack, and nothing else of note.
	for _, name := range []string{"mio", "socket2", "tokio"} {
		if !crates[name].Uses.Has(caps.Net) {
			t.Errorf("%s should use net; uses %s", name, crates[name].Uses)
		}
	}
	for _, name := range []string{"serde_json", "http", "bytes", "memchr", "itoa"} {
		if crates[name].Uses.Has(caps.Net) || crates[name].Uses.Has(caps.FS) || crates[name].Uses.Has(caps.Process) {
			t.Errorf("%s should do no I/O; uses %s", name, crates[name].Uses)
		}
	}
	// Crates with no unsafe and no I/O come out pure.
	for _, name := range []string{"cfg-if", "fnv", "httpdate", "tower-service"} {
		if c := crates[name]; !c.Pure || !c.PureTree {
			t.Errorf("%s should be pure (uses %s, unanalysed %d)", name, c.Uses, c.Unanalysed)
		}
	}
	if crates["tokio"].Pure || crates["tokio"].PureTree {
		t.Error("tokio is not pure")
	}

	byCode := func(code finding.Code, crate string) []finding.Finding {
		var out []finding.Finding
		for _, f := range w.Result.Findings {
			if f.Code == code && f.Crate == crate {
				out = append(out, f)
			}
		}
		return out
	}
	// The restricted root: its own fs write is the only undeclared use.
	own := byCode(finding.UndeclaredCapability, "app")
	if len(own) != 1 || own[0].Capability != caps.FS || own[0].API != "std::fs::write" || !strings.HasSuffix(own[0].File, "app/src/main.rs") {
		t.Errorf("app's own findings = %+v", own)
	}
	deps := byCode(finding.DependencyCapability, "app")
	// has looks into the crates responsible for each grouped finding.
	has := func(fs []finding.Finding, crate string, c caps.Capability) bool {
		return slices.ContainsFunc(fs, func(f finding.Finding) bool {
			return slices.ContainsFunc(f.Causes, func(cause finding.Cause) bool {
				return cause.Crate == crate && cause.Capabilities.Has(c)
			})
		})
	}
	// One finding per (member, direct dependency entry, code).
	entries := map[string]bool{}
	for _, f := range w.Result.Findings {
		if f.Code == finding.DependencyCapability || f.Code == finding.PureViolation {
			key := fmt.Sprint(f.Code, f.File, f.Range)
			if entries[key] {
				t.Errorf("two %s findings on one entry: %s", f.Code, f.Message)
			}
			entries[key] = true
		}
	}
	if !has(deps, "tokio", caps.FS) || has(deps, "tokio", caps.Net) {
		t.Error("app allows tokio net, not fs")
	}
	// The audit accepts memchr's unsafe, for memchr only.
	if has(deps, "memchr", caps.Unsafe) || !crates["memchr"].Allowed.Has(caps.Unsafe) {
		t.Error("memchr's audited unsafe was reported")
	}
	// netlib grants reqwest only net: reqwest's environment reads are outside it.
	netlib := byCode(finding.DependencyCapability, "netlib")
	if !has(netlib, "reqwest", caps.EnvReadonly) || has(netlib, "url", caps.Net) {
		t.Errorf("netlib's grant to reqwest is not applied")
	}
	// featlib's feature `disk` requests fs and enables the optional tempfile:
	// tempfile's fs is allowed there, its environment reads are not.
	featlib := byCode(finding.DependencyCapability, "featlib")
	if has(featlib, "tempfile", caps.FS) || !has(featlib, "tempfile", caps.EnvReadonly) {
		t.Errorf("featlib's feature-gated optional dependency: %+v", featlib)
	}
	// purelib is pure-and-safe-only: serde_json's unsafe breaks it, with the chain.
	pure := byCode(finding.PureViolation, "purelib")
	if !has(pure, "serde_json", caps.Unsafe) {
		t.Errorf("purelib: no pure-violation for serde_json: %+v", pure)
	}
	// remove_dir_all 0.7 re-exports std's on unix; tempfile, which calls
	// it, uses fs through it. (tokio, reqwest and the rest of this tree
	// re-export no classified API: their public paths are their own items.)
	// The same from the disk cache.
	warm, err := Load(context.Background(), tokioApp, Options{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []*Workspace{w, warm} {
		for id, s := range w.Summaries {
			name := w.Graph.Crates[id].Name
			wantExports := map[string]bool{"remove_dir_all": true}[name]
			if hasIt := slices.Contains(s.Exports, apis.Export{Path: "remove_dir_all", API: "std::fs::remove_dir_all"}); hasIt != wantExports || !wantExports && len(s.Exports) > 0 {
				t.Errorf("%s's exports = %v", name, s.Exports)
			}
			if name == "tempfile" && !slices.ContainsFunc(s.Uses, func(u analyzer.Use) bool {
				return u.Cap == caps.FS && u.API == "remove_dir_all::remove_dir_all → std::fs::remove_dir_all"
			}) {
				t.Error("tempfile's call of remove_dir_all::remove_dir_all is not an fs use")
			}
		}
	}
	// Build-time code is information on the entry, never a violation.
	if len(byCode(finding.BuildTimeCode, "featlib")) == 0 {
		t.Error("featlib's build-dependency autocfg is not reported as build-time code")
	}
	for _, f := range w.Result.Findings {
		if f.Severity == finding.Error && len(f.Chain) > 1 && slices.Contains([]string{"autocfg", "tokio-macros", "serde_derive"}, f.Chain[len(f.Chain)-1]) {
			t.Errorf("build-time crate reported as a violation: %s", f.Message)
		}
	}
}

// TestLockfileModeMatchesCargo: reading Cargo.lock without running cargo
// gives the same crates and the same findings as cargo metadata.
func TestLockfileModeMatchesCargo(t *testing.T) {
	needRegistry(t)
	ctx := context.Background()
	cache := t.TempDir()
	viaCargo, err := Load(ctx, tokioApp, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	viaLock, err := Load(ctx, tokioApp, Options{CacheDir: cache, NoCargo: true})
	if err != nil {
		t.Fatal(err)
	}
	summary := func(w *Workspace) (crates, findings []string) {
		for _, c := range w.Result.Crates {
			crates = append(crates, c.Name+"@"+c.Version+" "+c.Uses.String())
		}
		for _, f := range w.Result.Findings {
			findings = append(findings, string(f.Code)+" "+f.Crate+" "+strings.Join(f.Chain, ">")+" "+f.Capability.String())
		}
		return crates, findings
	}
	c1, f1 := summary(viaCargo)
	c2, f2 := summary(viaLock)
	if !slices.Equal(c1, c2) {
		t.Errorf("crates differ:\ncargo: %v\nlock:  %v", c1, c2)
	}
	if !slices.Equal(f1, f2) {
		t.Errorf("findings differ:\ncargo: %v\nlock:  %v", f1, f2)
	}
}

// TestDiff: two lockfiles of one workspace, where foo 0.1.0 → 0.2.0 starts
// spawning processes.
func TestDiff(t *testing.T) {
	dir := "../testdata/workspaces/diff/"
	changes, err := Diff(context.Background(), dir+"Cargo.toml", dir+"old.lock", dir+"new.lock", Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 {
		t.Fatalf("changes = %+v, want foo only", changes)
	}
	c := changes[0]
	if c.Name != "foo" || c.OldVersion != "0.1.0" || c.NewVersion != "0.2.0" || c.Gained != caps.Of(caps.Process) {
		t.Errorf("change = %+v (gained %s)", c, c.Gained)
	}
	same, err := Diff(context.Background(), dir+"Cargo.toml", dir+"new.lock", dir+"new.lock", Options{NoCache: true})
	if err != nil || len(same) != 0 {
		t.Errorf("a lockfile against itself: %+v, %v", same, err)
	}
}
