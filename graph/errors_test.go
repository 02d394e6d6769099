package graph

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoLockfileYet: a workspace never built has no Cargo.lock; lockfile
// mode locks its path packages as cargo would and leaves each registry
// dependency unresolved, saying why, instead of failing.
func TestNoLockfileYet(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"Cargo.toml":       "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\nlocal = { path = \"local\" }\n",
		"src/lib.rs":       "",
		"local/Cargo.toml": "[package]\nname = \"local\"\nversion = \"0.2.0\"\n",
		"local/src/lib.rs": "",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g, err := Load(filepath.Join(dir, "Cargo.toml"), Options{NoCargo: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range g.Sorted() {
		got = append(got, c.Name+" "+c.Version+" missing="+strings.Fields(c.Missing + " -")[0])
	}
	want := []string{"app 0.1.0 missing=-", "local 0.2.0 missing=-", "serde 0.0.0-unlocked missing=serde"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("crates = %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "Cargo.lock")); err == nil {
		t.Error("lockfile mode wrote a Cargo.lock")
	}
}

// TestErrors: input that cannot be resolved is one clear error, never a panic.
func TestErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		opts  Options
		want  string
	}{
		{"cargo fails", map[string]string{"Cargo.toml": "[package]\nname = \n"}, Options{},
			"cargo metadata failed"},
		{"no manifest", map[string]string{}, Options{NoCargo: true}, "reading manifest"},
		{"bad manifest", map[string]string{"Cargo.toml": "[package\n"}, Options{NoCargo: true}, "reading manifest"},
		{"no such lockfile", map[string]string{"Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\n"},
			Options{Lockfile: "/nonexistent/Cargo.lock"}, "lockfile mode needs a Cargo.lock"},
		{"bad lockfile", map[string]string{"Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\n", "Cargo.lock": "[[package]\n"},
			Options{NoCargo: true}, "Cargo.lock"},
		// 16,000 nested inline tables: BurntSushi/toml would allocate O(n²).
		{"deep lockfile", map[string]string{"Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
			"Cargo.lock": "x = " + strings.Repeat("{a=", 16000) + "1" + strings.Repeat("}", 16000) + "\n"},
			Options{NoCargo: true}, "nested too deep"},
		{"stale lockfile", map[string]string{"Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
			"Cargo.lock": "version = 3\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n"}, Options{NoCargo: true}, "out of date"},
		{"dangling lock dependency", map[string]string{"Cargo.toml": "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
			"Cargo.lock": "version = 3\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"zzz\"]\n"}, Options{NoCargo: true},
			`dependency "zzz" matches 0 locked packages`},
		{"member without package", map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"m\"]\n", "m/Cargo.toml": "[lib]\n"},
			Options{NoCargo: true}, "no [package] table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.opts.NoCargo && c.opts.Lockfile == "" {
				haveCargo(t)
			}
			dir := t.TempDir()
			for name, text := range c.files {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(filepath.Join(dir, "Cargo.toml"), c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if !c.opts.NoCargo && c.opts.Lockfile == "" && !strings.Contains(err.Error(), "--no-cargo") {
				t.Errorf("error %v does not suggest --no-cargo", err)
			}
		})
	}
}

func TestCargoError(t *testing.T) {
	cases := map[string]string{
		"error: string values must be quoted, expected literal string\n --> Cargo.toml:2:8\n  |\n2 | name = \n  |        ^\n":                    "string values must be quoted, expected literal string --> Cargo.toml:2:8",
		"    Blocking waiting for file lock on package cache\nerror: no matching package named `zz` found\nlocation searched: crates.io index\n": "no matching package named `zz` found location searched: crates.io index",
		"something odd\n  happened\n": "something odd happened",
		"":                            "",
	}
	for in, want := range cases {
		if got := cargoError(in); got != want {
			t.Errorf("cargoError(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadContextCancelled(t *testing.T) {
	haveCargo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadContext(ctx, testWorkspace("diff"), Options{}); err != context.Canceled {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestReqMatches(t *testing.T) {
	cases := []struct {
		req, version string
		want         bool
	}{
		{"1", "1.9.0", true}, {"1", "2.0.0", false}, {"^1.2", "1.1.0", false}, {"1.2.3", "1.2.4", true},
		{"0.3", "0.3.9", true}, {"0.3", "0.4.0", false}, {"0.0.3", "0.0.4", false}, {"~1.2", "1.3.0", false},
		{"~1.2", "1.2.9", true}, {"=1.2.3", "1.2.3", true}, {"=1.2.3", "1.2.4", false}, {">=0.1.0, <0.3.0", "0.2.0", true},
		{">=0.1.0, <0.3.0", "0.3.0", false}, {"*", "7.0.0", true}, {"1.*", "1.4.0", true}, {"> 1", "1.5.0", false},
		{"<= 1.2", "1.2.7", true}, {"", "3.0.0", true}, {"=1.0.0-alpha.5", "1.0.0-alpha.5", true},
	}
	for _, c := range cases {
		if got := reqMatches(c.req, c.version); got != c.want {
			t.Errorf("reqMatches(%q, %q) = %v", c.req, c.version, got)
		}
	}
}

func TestNormalizePlatform(t *testing.T) {
	cases := map[string]string{
		`cfg(any(target_arch="x86",target_arch = "x86_64" ,))`: `cfg(any(target_arch = "x86", target_arch = "x86_64"))`,
		`cfg(unix)`:             `cfg(unix)`,
		`x86_64-pc-windows-gnu`: `x86_64-pc-windows-gnu`,
		`cfg(a = "b, c=d")`:     `cfg(a = "b, c=d")`,
		`cfg(not(windows) `:     `cfg(not(windows)`,
		`cfg(a = "unterminated`: `cfg(a = "unterminated`,
	}
	for in, want := range cases {
		if got := normalizePlatform(in); got != want {
			t.Errorf("normalizePlatform(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnabledBy(t *testing.T) {
	features := map[string][]string{
		"default": {"tls"}, "tls": {"dep:rustls", "log/std"}, "json": {"serde_json"}, "serde_json": {"dep:serde_json"},
		"weak": {"rustls?/x"}, "full": {"json", "weak"},
	}
	for key, want := range map[string]string{"rustls": "default tls", "serde_json": "full json serde_json", "log": "default tls", "none": ""} {
		if got := strings.Join(enabledBy(features, key), " "); got != want {
			t.Errorf("enabledBy(%s) = %q, want %q", key, got, want)
		}
	}
}
