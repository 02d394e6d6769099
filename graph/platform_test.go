package graph

import (
	"testing"
)

func TestPlatformMatches(t *testing.T) {
	linux := Platform{Triple: "x86_64-unknown-linux-gnu", Cfg: map[string][]string{
		"unix": {""}, "target_family": {"unix"}, "target_os": {"linux"}, "target_arch": {"x86_64"},
		"target_pointer_width": {"64"}, "target_endian": {"little"}, "target_env": {"gnu"},
	}}
	cases := map[string]bool{
		"cfg(unix)":                     true,
		"cfg(windows)":                  false,
		`cfg(target_os = "linux")`:      true,
		`cfg(not(target_os = "linux"))`: false,
		`cfg(any(target_os = "android", target_os = "linux"))`: true,
		`cfg(all(unix, not(target_arch = "wasm32")))`:          true,
		`cfg(all(unix, target_arch = "wasm32"))`:               false,
		`cfg(any(rustix_use_libc, miri))`:                      false,
		`cfg(all())`:                                           true,
		`cfg(any())`:                                           false,
		`cfg(any(windows, unix,))`:                             true,
		"x86_64-unknown-linux-gnu":                             true,
		"x86_64-pc-windows-gnu":                                false,
		// Malformed: never matches.
		`cfg(unix`: false, `cfg(target_os = linux)`: false, `cfg(not(unix, windows))`: false,
		`cfg(unix) extra`: false, `cfg()x`: false, `cfg(target_os = "linux)`: false, `cfg(,)`: false,
	}
	for target, want := range cases {
		if got := linux.Matches(target); got != want {
			t.Errorf("Matches(%q) = %v, want %v", target, got, want)
		}
	}
	for target, want := range map[string]bool{"": true, "cfg(windows) or cfg(unix)": true, "cfg(windows)": false} {
		if got := (Edge{Target: target}).Applies(linux); got != want {
			t.Errorf("Applies(%q) = %v", target, got)
		}
	}
}

// TestPlatformOnRealGraph: on Linux, tokio-app's Windows-only crates drop out.
func TestPlatformOnRealGraph(t *testing.T) {
	needDebian(t, "tokio-app")
	g, err := Load(testWorkspace("tokio-app"), Options{NoCargo: true})
	if err != nil {
		t.Fatal(err)
	}
	linux := Platform{Triple: "x86_64-unknown-linux-gnu", Cfg: map[string][]string{"unix": {""}, "target_family": {"unix"},
		"target_os": {"linux"}, "target_arch": {"x86_64"}, "target_pointer_width": {"64"}, "target_endian": {"little"}, "target_env": {"gnu"}}}
	for _, name := range []string{"tokio", "mio", "socket2"} {
		for _, e := range one(t, g, name).Deps {
			if e.Key == "winapi" && e.Applies(linux) {
				t.Errorf("%s → winapi (%s) applies on Linux", name, e.Target)
			}
			if e.Key == "libc" && !e.Applies(linux) {
				t.Errorf("%s → libc (%s) does not apply on Linux", name, e.Target)
			}
		}
	}
}

// FuzzPlatformMatches: any [target.X] key evaluates without panicking.
func FuzzPlatformMatches(f *testing.F) {
	for _, s := range []string{`cfg(all(unix, not(target_os = "linux")))`, `cfg(any(a, b,))`, "x86_64-unknown-linux-gnu", `cfg(`} {
		f.Add(s)
	}
	h := TriplePlatform("x86_64-unknown-linux-gnu")
	f.Fuzz(func(t *testing.T, target string) {
		h.Matches(target)
		(Edge{Target: target}).Applies(h)
		normalizePlatform(target)
	})
}
