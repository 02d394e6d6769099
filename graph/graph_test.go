package graph

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/manifest"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/lock/*.txtar")

// dump prints a graph deterministically, with paths under root as $ROOT.
func dump(g *Graph, root string) string {
	var b strings.Builder
	rel := func(p string) string {
		if r, err := filepath.Rel(root, p); err == nil && filepath.IsLocal(r) {
			return "$ROOT/" + filepath.ToSlash(r)
		}
		return p
	}
	fmt.Fprintf(&b, "root %s\nmembers %v\n", rel(g.WorkspaceRoot), g.Members)
	for _, w := range g.Warnings {
		fmt.Fprintf(&b, "warning %s\n", w)
	}
	targetNames := map[analyzer.TargetKind]string{analyzer.Lib: "lib", analyzer.Bin: "bin", analyzer.TestTarget: "test",
		analyzer.Bench: "bench", analyzer.ExampleTarget: "example", analyzer.BuildScript: "build"}
	kindNames := map[manifest.DepKind]string{manifest.Normal: "normal", manifest.Dev: "dev", manifest.Build: "build"}
	for _, c := range g.Sorted() {
		fmt.Fprintf(&b, "crate %s", c.ID)
		for _, f := range []struct {
			on   bool
			name string
		}{{c.Member, "member"}, {c.Registry, "registry"}, {c.ProcMacro, "proc-macro"}} {
			if f.on {
				b.WriteString(" " + f.name)
			}
		}
		b.WriteString("\n")
		if c.ManifestPath != "" {
			fmt.Fprintf(&b, "  manifest %s\n", rel(c.ManifestPath))
		}
		if c.Missing != "" {
			fmt.Fprintf(&b, "  missing %s\n", strings.ReplaceAll(c.Missing, root, "$ROOT"))
		}
		if len(c.Features) > 0 {
			fmt.Fprintf(&b, "  features %s\n", strings.Join(c.Features, " "))
		}
		for _, t := range c.Targets {
			fmt.Fprintf(&b, "  %s %s\n", targetNames[t.Kind], rel(t.Path))
		}
		if c.BuildScript != "" {
			fmt.Fprintf(&b, "  build-script %s\n", rel(c.BuildScript))
		}
		for _, e := range c.Deps {
			fmt.Fprintf(&b, "  -> %s key=%s %s", e.To, e.Key, kindNames[e.Kind])
			if e.Target != "" {
				fmt.Fprintf(&b, " target=%s", e.Target)
			}
			if e.Optional {
				fmt.Fprintf(&b, " optional enabled-by=%v", e.EnabledBy)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func haveCargo(t testing.TB) {
	if _, err := exec.LookPath("cargo"); err != nil {
		t.Skip("cargo is not installed")
	}
}

// TestLockfileCases runs each testdata/lock/*.txtar workspace in lockfile
// mode and compares the graph with the archive's `want` file. A comment line
// `cargo: same` also checks that cargo metadata gives the identical graph.
func TestLockfileCases(t *testing.T) {
	files, _ := filepath.Glob("testdata/lock/*.txtar")
	if len(files) == 0 {
		t.Fatal("no test cases")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			var want string
			for _, f := range ar.Files {
				if f.Name == "want" {
					want = string(f.Data)
					continue
				}
				p := filepath.Join(root, f.Name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g, err := Load(filepath.Join(root, "Cargo.toml"), Options{NoCargo: true, CargoHome: filepath.Join(root, "cargo-home")})
			if err != nil {
				t.Fatal(err)
			}
			got := dump(g, root)
			if *update {
				writeWant(t, file, ar, got)
			} else if got != want {
				t.Errorf("lockfile mode:\n%s\nwant:\n%s", got, want)
			}
			if strings.Contains(string(ar.Comment), "cargo: same") {
				haveCargo(t)
				cg, err := Load(filepath.Join(root, "Cargo.toml"), Options{})
				if err != nil {
					t.Fatal(err)
				}
				if cgot := dump(cg, root); cgot != got {
					t.Errorf("cargo mode differs from lockfile mode:\n%s\nlockfile mode:\n%s", cgot, got)
				}
			}
		})
	}
}

func writeWant(t *testing.T, file string, ar *txtar.Archive, got string) {
	var files []txtar.File
	for _, f := range ar.Files {
		if f.Name != "want" {
			files = append(files, f)
		}
	}
	ar.Files = append(files, txtar.File{Name: "want", Data: []byte(got)})
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}
