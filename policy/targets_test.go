package policy

import (
	"testing"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/graph"
)

// TestPlatformCfg: what a triple decides, and what it leaves open (may hold).
func TestPlatformCfg(t *testing.T) {
	other := func(s string) analyzer.Cfg { return analyzer.Cfg{Op: analyzer.CfgOther, Name: s} }
	not := func(c analyzer.Cfg) analyzer.Cfg { return analyzer.Cfg{Op: analyzer.CfgNot, Args: []analyzer.Cfg{c}} }
	all := func(cs ...analyzer.Cfg) analyzer.Cfg { return analyzer.Cfg{Op: analyzer.CfgAll, Args: cs} }
	anyOf := func(cs ...analyzer.Cfg) analyzer.Cfg { return analyzer.Cfg{Op: analyzer.CfgAny, Args: cs} }
	feature := analyzer.Cfg{Op: analyzer.CfgFeature, Name: "std"}
	for _, tc := range []struct {
		triple string
		cfg    analyzer.Cfg
		want   tristate
	}{
		{"x86_64-unknown-linux-gnu", other("unix"), cfgTrue},
		{"x86_64-unknown-linux-gnu", other("windows"), cfgFalse},
		{"x86_64-unknown-linux-gnu", other(`target_os = "linux"`), cfgTrue},
		{"x86_64-unknown-linux-gnu", other(`target_os="macos"`), cfgFalse},
		{"x86_64-unknown-linux-gnu", other(`target_env = "musl"`), cfgFalse},
		{"x86_64-unknown-linux-gnu", other(`target_pointer_width = "32"`), cfgFalse},
		{"aarch64-apple-darwin", other(`target_os = "macos"`), cfgTrue},
		{"x86_64-pc-windows-msvc", all(other("windows"), other(`target_env = "msvc"`)), cfgTrue},
		// Names no triple decides may hold, whatever wraps them.
		{"x86_64-unknown-linux-gnu", other("tokio_unstable"), cfgUnknown},
		{"x86_64-unknown-linux-gnu", not(other("docsrs")), cfgUnknown},
		{"x86_64-unknown-linux-gnu", other(`target_feature = "avx2"`), cfgUnknown},
		{"x86_64-unknown-linux-gnu", other(`target_has_atomic = "64"`), cfgUnknown},
		{"x86_64-unknown-linux-gnu", other(`target_os = r"linux"`), cfgUnknown},
		// The triple's last part is no plain target_env here.
		{"armv7-unknown-linux-gnueabihf", other(`target_env = "gnu"`), cfgUnknown},
		// Three-valued: a false conjunct decides, an unknown one does not.
		{"x86_64-unknown-linux-gnu", all(other("windows"), other("loom")), cfgFalse},
		{"x86_64-unknown-linux-gnu", anyOf(other("windows"), other("loom")), cfgUnknown},
		{"x86_64-unknown-linux-gnu", anyOf(other("windows"), other("unix")), cfgTrue},
		{"x86_64-unknown-linux-gnu", not(all(other("unix"), not(other("windows")))), cfgFalse},
		{"x86_64-unknown-linux-gnu", all(feature, other("unix")), cfgFalse}, // std is off
	} {
		if got := evalCfg(tc.cfg, graph.TriplePlatform(tc.triple), map[string]bool{}); got != tc.want {
			t.Errorf("%s: cfg(%s) = %d, want %d", tc.triple, tc.cfg, got, tc.want)
		}
	}
	// With features unknown (a member's own code), a feature conjunct does not decide.
	if got := evalCfg(all(feature, other("unix")), graph.TriplePlatform("x86_64-unknown-linux-gnu"), nil); got != cfgUnknown {
		t.Errorf("features unknown: %d", got)
	}
}
