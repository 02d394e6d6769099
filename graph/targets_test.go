package graph

import "testing"

// TestTriplePlatform: the cfg values a triple sets, as [target.X] keys see them.
func TestTriplePlatform(t *testing.T) {
	for _, c := range []struct {
		triple, target string
		want           bool
	}{
		{"x86_64-unknown-linux-gnu", "cfg(unix)", true},
		{"x86_64-unknown-linux-gnu", "cfg(windows)", false},
		{"x86_64-unknown-linux-gnu", `cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))`, true},
		{"x86_64-unknown-linux-gnu", "x86_64-unknown-linux-gnu", true},
		{"x86_64-pc-windows-msvc", "cfg(windows)", true},
		{"x86_64-pc-windows-msvc", `cfg(target_env = "msvc")`, true},
		{"x86_64-pc-windows-gnu", "cfg(unix)", false},
		{"aarch64-apple-darwin", `cfg(target_os = "macos")`, true},
		{"aarch64-apple-darwin", `cfg(target_arch = "aarch64")`, true},
		{"aarch64-linux-android", `cfg(target_os = "android")`, true},
		{"i686-unknown-linux-gnu", `cfg(target_arch = "x86")`, true},
		{"wasm32-unknown-unknown", `cfg(target_family = "wasm")`, true},
		{"wasm32-unknown-unknown", "cfg(unix)", false},
		{"thumbv7em-none-eabihf", "cfg(unix)", false},
		{"thumbv7em-none-eabihf", `cfg(target_os = "none")`, true},
		{"x86_64-unknown-freebsd", "cfg(unix)", true},
	} {
		if got := TriplePlatform(c.triple).Matches(c.target); got != c.want {
			t.Errorf("%s matches %s = %v, want %v", c.triple, c.target, got, c.want)
		}
	}
}
