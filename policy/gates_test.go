package policy

import (
	"testing"

	"github.com/cargo-caps/cargo-caps/analyzer"
)

// A use record's gate is data for presenters: the JSON context's condition,
// and the one feature a quick-fix may widen (none where one would not do).
func TestUseGates(t *testing.T) {
	feature := func(n string) analyzer.Cfg { return analyzer.Cfg{Op: analyzer.CfgFeature, Name: n} }
	op := func(o analyzer.CfgOp, args ...analyzer.Cfg) analyzer.Cfg { return analyzer.Cfg{Op: o, Args: args} }
	for _, c := range []struct {
		gates         []analyzer.Cfg
		gate, feature string
	}{
		{nil, "", ""},
		{[]analyzer.Cfg{feature("tls")}, "tls", "tls"},
		{[]analyzer.Cfg{op(analyzer.CfgNot, feature("std")), feature("tls")}, "all(not(std), tls)", "tls"},
		{[]analyzer.Cfg{op(analyzer.CfgAll, op(analyzer.CfgNot, feature("std")), feature("io"))}, "all(not(std), io)", "io"},
		{[]analyzer.Cfg{op(analyzer.CfgAny, feature("io"))}, "any(io)", "io"},
		// Negative: no one feature's request covers these.
		{[]analyzer.Cfg{op(analyzer.CfgAny, feature("a"), feature("b"))}, "any(a, b)", ""},
		{[]analyzer.Cfg{op(analyzer.CfgNot, feature("std"))}, "not(std)", ""},
	} {
		if got := gateOf(c.gates); got != c.gate {
			t.Errorf("gateOf(%v) = %q, want %q", c.gates, got, c.gate)
		}
		if got := grantFeature(c.gates); got != c.feature {
			t.Errorf("grantFeature(%v) = %q, want %q", c.gates, got, c.feature)
		}
	}
	u := UseRecord{Use: analyzer.Use{Context: analyzer.Test}}
	if got := u.ContextName(); got != "test" {
		t.Errorf("ContextName = %q", got)
	}
	if u.Gate = "tls"; u.ContextName() != "feature:tls" {
		t.Errorf("ContextName = %q", u.ContextName())
	}
}
