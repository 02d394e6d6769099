package project

import (
	"context"
	"slices"
	"testing"
)

// TestReexportChain: in a real cargo workspace (testdata/workspaces/
// reexports: app → mid → low, both edges renamed), app's calls of what mid
// re-exports from low, which re-exports std::fs::write, are fs uses in app,
// whether the graph comes from cargo or from Cargo.lock.
func TestReexportChain(t *testing.T) {
	for _, noCargo := range []bool{false, true} {
		w, err := Load(context.Background(), "../testdata/workspaces/reexports/Cargo.toml", Options{NoCargo: noCargo, NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range w.Result.Findings {
			got = append(got, string(f.Code)+" "+f.Capability.String()+" "+f.API)
		}
		want := []string{
			"undeclared-capability fs middle::store → std::fs::write",
			"undeclared-capability fs middle::low::save → std::fs::write",
		}
		if !slices.Equal(got, want) {
			t.Errorf("noCargo=%v: findings\n%q\nwant\n%q", noCargo, got, want)
		}
	}
}
