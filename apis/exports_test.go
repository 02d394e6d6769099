package apis

import (
	"slices"
	"testing"

	"github.com/cargo-caps/cargo-caps/caps"
)

func TestWithExports(t *testing.T) {
	base := Builtin()
	if base.WithExports(nil) != base || base.WithExports(map[string][]Export{"dep": nil}) != base {
		t.Error("no exports should give the table itself")
	}
	tb := base.WithExports(map[string][]Export{
		"dep":    {{Path: "save", API: "std::fs::write"}, {Path: "Command", API: "std::process::Command"}},
		"my-dep": {{Path: "sys::fs", API: "std::fs"}},
	})
	for _, tc := range []struct {
		path, shown string
		cap         caps.Capability
	}{
		{"dep::save", "dep::save → std::fs::write", caps.FS},
		{"dep::Command::new", "dep::Command::new → std::process::Command::new", caps.Process},
		{"my_dep::sys::fs::read", "my_dep::sys::fs::read → std::fs::read", caps.FSReadonly},
		{"std::fs::write", "std::fs::write", caps.FS},
		{"dep::load", "", 0},
		{"other::save", "", 0},
	} {
		e, ok := tb.Lookup(tc.path)
		if ok != (tc.shown != "") || ok && (e.Shown(tc.path) != tc.shown || e.Cap != tc.cap) {
			t.Errorf("Lookup(%s) = %v %v, want %q %v", tc.path, e, ok, tc.shown, tc.cap)
		}
	}
	if _, ok := base.Lookup("dep::save"); ok {
		t.Error("the base table changed")
	}
	if !tb.MayClassify("save") || !tb.HasTypeNamed("Command") || base.MayClassify("save") {
		t.Error("the cheap filters do not see the exports' names")
	}
	if ty, ok := tb.Returns("dep::Command::new"); !ok || ty != "std::process::Command" {
		t.Errorf("Returns(dep::Command::new) = %q %v", ty, ok)
	}
	if got, want := base.Describe("dep::save → std::fs::write"), "dep::save → std::fs::write creates, writes, deletes, renames or re-permissions files by path: needs fs"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if got := APIPath("dep::save → std::fs::write"); got != "std::fs::write" {
		t.Errorf("APIPath = %q", got)
	}
}

func TestReexports(t *testing.T) {
	tb := Builtin().WithExports(map[string][]Export{"b": {{Path: "sys::save", API: "std::fs::write"}, {Path: "Cmd", API: "std::process::Command"}}})
	for _, tc := range []struct {
		path string
		want []Export
	}{
		{"std::fs::write", []Export{{API: "std::fs::write"}}},
		{"std::fs", []Export{{API: "std::fs"}}},
		{"std::collections::HashMap", nil},
		{"b::Cmd", []Export{{API: "std::process::Command"}}},
		{"b::sys", []Export{{Path: "::save", API: "std::fs::write"}}},
		{"b", []Export{{Path: "::Cmd", API: "std::process::Command"}, {Path: "::sys::save", API: "std::fs::write"}}},
	} {
		if got := tb.Reexports(tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("Reexports(%s) = %v, want %v", tc.path, got, tc.want)
		}
	}
	if got := tb.Children("b"); !slices.Equal(got, []string{"Cmd", "sys"}) {
		t.Errorf("Children(b) = %v", got)
	}
	if got := tb.Children("std::process"); !slices.Contains(got, "Command") || slices.Contains(got, "exit") {
		t.Errorf("Children(std::process) = %v", got)
	}
}
