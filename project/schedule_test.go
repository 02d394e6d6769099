package project

import (
	"slices"
	"testing"

	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// TestSchedule: a crate is handed out after its normal dependencies, never
// after a dev-dependency it need not wait for; members first among the
// ready; a cycle (which cargo refuses) is broken rather than waited on.
func TestSchedule(t *testing.T) {
	crate := func(id string, member bool, deps map[string]manifest.DepKind) *graph.Crate {
		c := &graph.Crate{ID: graph.ID(id), Name: id, Member: member}
		for to, kind := range deps {
			c.Deps = append(c.Deps, graph.Edge{To: graph.ID(to), Key: to, Kind: kind})
		}
		return c
	}
	run := func(crates []*graph.Crate) []string {
		s := newSchedule(crates)
		var order []string
		for len(order) < len(crates) {
			c := s.next(false) // one at a time: each is done before the next
			if c == nil {
				t.Fatalf("nothing ready after %v", order)
			}
			order = append(order, string(c.ID))
			s.done(c)
		}
		return order
	}
	got := run([]*graph.Crate{
		crate("app", true, map[string]manifest.DepKind{"mid": manifest.Normal, "tool": manifest.Dev}),
		crate("tool", false, map[string]manifest.DepKind{"app": manifest.Normal}),
		crate("mid", false, map[string]manifest.DepKind{"low": manifest.Normal}),
		crate("low", false, nil),
		crate("lib", true, nil),
	})
	if want := []string{"lib", "low", "mid", "app", "tool"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
	got = run([]*graph.Crate{
		crate("a", false, map[string]manifest.DepKind{"b": manifest.Normal}),
		crate("b", false, map[string]manifest.DepKind{"a": manifest.Normal}),
		crate("c", false, map[string]manifest.DepKind{"b": manifest.Normal}),
	})
	if len(got) != 3 || got[2] != "c" {
		t.Errorf("cycle: order = %v, want c last", got)
	}
	s := newSchedule([]*graph.Crate{crate("x", false, map[string]manifest.DepKind{"y": manifest.Normal}), crate("y", false, nil)})
	if c := s.next(true); c == nil || c.ID != "y" {
		t.Fatalf("first = %v, want y", c)
	}
	if c := s.next(true); c != nil {
		t.Errorf("x handed out while y runs")
	}
}
