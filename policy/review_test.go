package policy

import (
	"reflect"
	"testing"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/span"
)

func TestReaches(t *testing.T) {
	crate := func(id graph.ID, member bool, deps ...graph.Edge) *graph.Crate {
		return &graph.Crate{ID: id, Member: member, Deps: deps}
	}
	edge := func(to graph.ID, k manifest.DepKind) graph.Edge { return graph.Edge{To: to, Kind: k} }
	g := &graph.Graph{Members: []graph.ID{"app"}, Crates: map[graph.ID]*graph.Crate{
		"app":     crate("app", true, edge("lib", manifest.Normal), edge("cc", manifest.Build), edge("testkit", manifest.Dev), edge("derive", manifest.Normal)),
		"lib":     crate("lib", false, edge("shared", manifest.Normal), edge("libtest", manifest.Dev)),
		"cc":      crate("cc", false, edge("shared", manifest.Normal), edge("jobs", manifest.Normal)),
		"derive":  {ID: "derive", ProcMacro: true},
		"testkit": crate("testkit", false, edge("jobs", manifest.Normal)),
		"shared":  crate("shared", false),
		"jobs":    crate("jobs", false),
		"libtest": crate("libtest", false),
	}}
	want := map[graph.ID]Reach{
		"app": ReachNormal, "lib": ReachNormal, "shared": ReachNormal, // also a build dep's: normal wins
		"cc": ReachBuild, "derive": ReachBuild, "jobs": ReachBuild, // build wins over dev
		"testkit": ReachDev, // a dependency's dev-dependency (libtest) is never built
	}
	if got := reaches(g); !reflect.DeepEqual(got, want) {
		t.Errorf("reaches = %v\nwant      %v", got, want)
	}
}

func TestReading(t *testing.T) {
	at := func(file string, start, from, to int) analyzer.Use {
		return analyzer.Use{File: file, Site: analyzer.Site{Range: span.Range{Start: start, End: start + 1}, StartLine: from, EndLine: to}}
	}
	uses := []analyzer.Use{
		at("a.rs", 10, 3, 10), at("a.rs", 10, 3, 10), // two uses in one fn
		at("a.rs", 50, 5, 7), // a fn nested in it: its lines are counted once
		at("a.rs", 90, 20, 21),
		at("b.rs", 10, 3, 10), // another file's lines 3–10
	}
	if got, want := ReadingOf(uses), (Reading{Sites: 5, Functions: 4, Lines: 8 + 2 + 8}); got != want {
		t.Errorf("ReadingOf = %+v, want %+v", got, want)
	}
}
