package graph

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/manifest"
)

const debianRegistry = "/usr/share/cargo/registry"

// needDebian skips tests on the real workspaces, which resolve against
// Debian's crate sources, when a crate their lockfiles pin is not installed
// in /usr/share/cargo/registry, saying which; in CI (CI set), where
// .ci/run must install everything they use, it fails instead.
func needDebian(t testing.TB, workspaces ...string) {
	t.Helper()
	var missing []string
	if _, err := os.Stat(debianRegistry); err != nil {
		missing = append(missing, debianRegistry)
	}
	for _, name := range workspaces {
		var lock struct {
			Package []struct{ Name, Version, Source string }
		}
		if _, err := toml.DecodeFile(filepath.Join("..", "testdata", "workspaces", name, "Cargo.lock"), &lock); err != nil {
			t.Fatal(err)
		}
		for _, p := range lock.Package {
			dir := filepath.Join(debianRegistry, p.Name+"-"+p.Version)
			if _, err := os.Stat(dir); p.Source != "" && err != nil {
				missing = append(missing, name+" needs "+dir)
			}
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "Debian's crate sources are missing (apt-get install librust-NAME-dev; .ci/run installs them): " + strings.Join(missing, ", ")
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func testWorkspace(name string) string {
	return filepath.Join("..", "testdata", "workspaces", name, "Cargo.toml")
}

// modes loads a workspace both ways.
func modes(t *testing.T, name string) map[string]*Graph {
	t.Helper()
	haveCargo(t)
	out := map[string]*Graph{}
	for mode, opts := range map[string]Options{"cargo": {}, "lockfile": {NoCargo: true}} {
		g, err := Load(testWorkspace(name), opts)
		if err != nil {
			t.Fatalf("%s mode: %v", mode, err)
		}
		out[mode] = g
	}
	return out
}

func one(t *testing.T, g *Graph, name string) *Crate {
	t.Helper()
	cs := g.Named(name)
	if len(cs) != 1 {
		t.Fatalf("%d crates named %s", len(cs), name)
	}
	return cs[0]
}

func edges(c *Crate, key string) []Edge {
	var out []Edge
	for _, e := range c.Deps {
		if e.Key == key {
			out = append(out, e)
		}
	}
	return out
}

// reachable follows normal edges from a crate.
func reachable(g *Graph, from ID) map[ID]bool {
	seen := map[ID]bool{from: true}
	queue := []ID{from}
	for len(queue) > 0 {
		c := g.Crates[queue[0]]
		queue = queue[1:]
		for _, e := range c.Deps {
			if e.Kind == manifest.Normal && !seen[e.To] {
				seen[e.To] = true
				queue = append(queue, e.To)
			}
		}
	}
	return seen
}

// TestTokioApp pins down known facts of the real workspace in both modes.
func TestTokioApp(t *testing.T) {
	needDebian(t, "tokio-app")
	for mode, g := range modes(t, "tokio-app") {
		t.Run(mode, func(t *testing.T) {
			if got := strings.Join(ids(g.Members), " "); got != "app@0.1.0 featlib@0.1.0 netlib@0.1.0 purelib@0.1.0" {
				t.Errorf("members: %s", got)
			}
			root, _ := filepath.Abs(filepath.Join("..", "testdata", "workspaces", "tokio-app"))
			if g.WorkspaceRoot != root {
				t.Errorf("root %s, want %s", g.WorkspaceRoot, root)
			}
			app, tokio := one(t, g, "app"), one(t, g, "tokio")
			if !app.Member || app.Registry || !tokio.Registry || tokio.Member {
				t.Errorf("member/registry flags: app %v/%v tokio %v/%v", app.Member, app.Registry, tokio.Member, tokio.Registry)
			}
			if tokio.ID != "tokio@1.24.2" || tokio.Dir != filepath.Join(debianRegistry, "tokio-1.24.2") {
				t.Errorf("tokio is %s in %s", tokio.ID, tokio.Dir)
			}
			// fs, net, rt from app; macros from app's dev-dependency; io-util etc. from others.
			for _, f := range []string{"fs", "net", "rt", "macros"} {
				if !slices.Contains(tokio.Features, f) {
					t.Errorf("tokio features %v lack %s", tokio.Features, f)
				}
			}
			if slices.Contains(tokio.Features, "process") {
				t.Errorf("tokio features %v: process was never asked for", tokio.Features)
			}
			if tokio.BuildScript != filepath.Join(tokio.Dir, "build.rs") {
				t.Errorf("tokio build script %q", tokio.BuildScript)
			}
			var kinds []manifest.DepKind
			for _, e := range edges(app, "tokio") {
				kinds = append(kinds, e.Kind)
			}
			if !slices.Equal(kinds, []manifest.DepKind{manifest.Normal, manifest.Dev}) {
				t.Errorf("app → tokio kinds %v, want normal and dev", kinds)
			}
			if es := edges(app, "libc"); len(es) != 1 || es[0].Target != "cfg(unix)" {
				t.Errorf("app → libc: %+v", es)
			}
			if want := []analyzer.Target{{Kind: analyzer.Bin, Path: filepath.Join(app.Dir, "src", "main.rs")}}; !slices.Equal(app.Targets, want) {
				t.Errorf("app targets %v", app.Targets)
			}

			netlib := one(t, g, "netlib")
			if es := edges(netlib, "reqwest"); len(es) != 1 || es[0].Kind != manifest.Normal || es[0].Optional {
				t.Errorf("netlib → reqwest: %+v", es)
			}
			if es := edges(netlib, "json"); len(es) != 1 || es[0].To != one(t, g, "serde_json").ID {
				t.Errorf("netlib's renamed serde_json (key json): %+v", es)
			}
			reach := reachable(g, netlib.ID)
			for _, name := range []string{"reqwest", "hyper", "tokio", "socket2", "mio"} {
				if !reach[one(t, g, name).ID] {
					t.Errorf("%s not reachable from netlib", name)
				}
			}

			featlib := one(t, g, "featlib")
			if es := edges(featlib, "tempfile"); len(es) != 1 || !es[0].Optional || !slices.Equal(es[0].EnabledBy, []string{"disk"}) {
				t.Errorf("featlib → tempfile: %+v", es)
			}
			if !slices.Equal(featlib.Features, []string{"default", "disk"}) {
				t.Errorf("featlib features %v", featlib.Features)
			}
			if es := edges(featlib, "autocfg"); len(es) != 1 || es[0].Kind != manifest.Build {
				t.Errorf("featlib → autocfg: %+v", es)
			}
			if featlib.BuildScript != filepath.Join(featlib.Dir, "build.rs") {
				t.Errorf("featlib build script %q", featlib.BuildScript)
			}

			for _, name := range []string{"tokio-macros", "serde_derive"} {
				if !one(t, g, name).ProcMacro {
					t.Errorf("%s is not flagged proc-macro", name)
				}
			}
			if one(t, g, "serde").ProcMacro {
				t.Error("serde flagged proc-macro")
			}
			// reqwest's serde_json is behind its json feature, which nobody asked for.
			if es := edges(one(t, g, "reqwest"), "serde_json"); len(es) != 0 {
				t.Errorf("reqwest → serde_json without the json feature: %+v", es)
			}
		})
	}
}

func ids(in []ID) []string {
	out := make([]string, len(in))
	for i, id := range in {
		out[i] = string(id)
	}
	return out
}

// TestLockfileModeMatchesCargo: lockfile mode reads exactly the graph cargo
// metadata reports — crates, features, targets, edges with kinds, keys,
// platforms and enabling features — on the real workspaces.
func TestLockfileModeMatchesCargo(t *testing.T) {
	for _, name := range []string{"tokio-app", "debian-all", "diff"} {
		t.Run(name, func(t *testing.T) {
			if name != "diff" {
				needDebian(t, name)
			}
			g := modes(t, name)
			root := filepath.Dir(testWorkspace(name))
			abs, _ := filepath.Abs(root)
			c, l := dump(g["cargo"], abs), dump(g["lockfile"], abs)
			if c != l {
				t.Errorf("lockfile mode differs from cargo mode\n%s", lineDiff(c, l))
			}
			if len(g["cargo"].Crates) < 3 {
				t.Errorf("only %d crates", len(g["cargo"].Crates))
			}
		})
	}
}

// lineDiff shows the lines only one side has.
func lineDiff(a, b string) string {
	inB := map[string]bool{}
	for _, l := range strings.Split(b, "\n") {
		inB[l] = true
	}
	inA := map[string]bool{}
	var out []string
	for _, l := range strings.Split(a, "\n") {
		inA[l] = true
		if !inB[l] {
			out = append(out, "cargo only:    "+l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !inA[l] {
			out = append(out, "lockfile only: "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestDiffLockfiles reads the two lockfiles of the diff workspace.
func TestDiffLockfiles(t *testing.T) {
	dir := filepath.Dir(testWorkspace("diff"))
	for lock, want := range map[string]ID{"old.lock": "foo@0.1.0", "new.lock": "foo@0.2.0"} {
		g, err := Load(testWorkspace("diff"), Options{Lockfile: filepath.Join(dir, lock)})
		if err != nil {
			t.Fatal(err)
		}
		foo := one(t, g, "foo")
		if foo.ID != want || foo.Missing != "" || len(foo.Targets) != 1 {
			t.Errorf("%s: foo is %s (missing %q, targets %v)", lock, foo.ID, foo.Missing, foo.Targets)
		}
		if es := edges(one(t, g, "diffapp"), "foo"); len(es) != 1 || es[0].To != want {
			t.Errorf("%s: diffapp → foo: %+v", lock, es)
		}
	}
}

// TestLoadFromMember: a member's manifest resolves the whole workspace.
func TestLoadFromMember(t *testing.T) {
	member := filepath.Join(filepath.Dir(testWorkspace("diff")), "diffapp", "Cargo.toml")
	for _, opts := range []Options{{NoCargo: true}, {}} {
		if !opts.NoCargo {
			haveCargo(t)
		}
		g, err := Load(member, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Members) != 1 || g.Members[0] != "diffapp@0.1.0" || len(g.Crates) != 3 {
			t.Errorf("NoCargo=%v: members %v, %d crates", opts.NoCargo, g.Members, len(g.Crates))
		}
	}
}
