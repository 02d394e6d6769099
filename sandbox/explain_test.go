package sandbox

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/caps"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/explain/*.txtar")

// TestExplain runs testdata/explain/*.txtar: a policy (home, package,
// grants, withheld variables), what the stopped command printed and
// strace's log, and the attempts Explain must read from them.
func TestExplain(t *testing.T) {
	files, _ := filepath.Glob("testdata/explain/*.txtar")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := map[string][]byte{}
			for _, f := range ar.Files {
				sections[f.Name] = f.Data
			}
			var p Policy
			var hidden []string
			for _, line := range strings.Split(string(sections["policy"]), "\n") {
				key, value, _ := strings.Cut(line, " ")
				switch key {
				case "home":
					p.Home = value
				case "package":
					p.PackageDir = value
				case "expose":
					p.Expose = append(p.Expose, value)
				case "hidden":
					hidden = strings.Fields(value)
				case "grants":
					for _, name := range strings.Fields(value) {
						c, ok := caps.Parse(name)
						if !ok {
							t.Fatalf("bad capability %q", name)
						}
						p.Grants = p.Grants.Add(c)
					}
					p.Grants = p.Grants.Close()
				}
			}
			var b strings.Builder
			for _, a := range Explain(p, sections["output"], sections["trace"], hidden) {
				grantable := "no grant opens it"
				if a.Grantable {
					grantable = "grant " + a.Grant.String()
				}
				fmt.Fprintf(&b, "%s — %s\n", a.What, grantable)
			}
			got := b.String()
			if *update {
				for i := range ar.Files {
					if ar.Files[i].Name == "want" {
						ar.Files[i].Data = []byte(got)
					}
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if got != string(sections["want"]) {
				t.Errorf("got:\n%s\nwant:\n%s", got, sections["want"])
			}
		})
	}
}

// TestArgs checks the policy's shape on the bwrap command line: what each
// grant opens, and that later mounts (which win) come after earlier ones.
func TestArgs(t *testing.T) {
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".rustup"), 0o755); err != nil {
		t.Fatal(err)
	}
	base := Policy{Home: home, PackageDir: "/src/pkg", Expose: []string{home + "/.rustup", "/etc"},
		Env: []string{"PATH=/bin", "SECRET=x"}, Keep: func(n string) bool { return n == "PATH" }}
	has := func(args []string, seq ...string) bool {
		for i := range args {
			if i+len(seq) <= len(args) && slices.Equal(args[i:i+len(seq)], seq) {
				return true
			}
		}
		return false
	}
	index := func(args []string, seq ...string) int {
		for i := range args {
			if i+len(seq) <= len(args) && slices.Equal(args[i:i+len(seq)], seq) {
				return i
			}
		}
		return -1
	}
	none := base.Args([]string{"x"})
	for _, seq := range [][]string{{"--unshare-all"}, {"--ro-bind", "/", "/"}, {"--tmpfs", home}, {"--ro-bind", home + "/.rustup", home + "/.rustup"},
		{"--remount-ro", home}, {"--clearenv"}, {"--setenv", "PATH", "/bin"}, {"--", "x"}} {
		if !has(none, seq...) {
			t.Errorf("no grants: missing %q in %q", seq, none)
		}
	}
	for _, seq := range [][]string{{"--share-net"}, {"--setenv", "SECRET", "x"}, {"--bind", "/src/pkg", "/src/pkg"}, {"--ro-bind", "/etc", "/etc"}} {
		if has(none, seq...) {
			t.Errorf("no grants: unexpected %q", seq)
		}
	}
	if index(none, "--ro-bind", home+"/.rustup", home+"/.rustup") > index(none, "--remount-ro", home) {
		t.Error("the home is made read-only before the toolchain is bound into it")
	}
	grant := func(cs ...caps.Capability) []string {
		p := base
		p.Grants = caps.Of(cs...).Close()
		return p.Args([]string{"x"})
	}
	if a := grant(caps.Net); !has(a, "--share-net") {
		t.Errorf("net: %q", a)
	}
	if a := grant(caps.EnvReadonly); !has(a, "--setenv", "SECRET", "x") {
		t.Errorf("env-readonly: %q", a)
	}
	if a := grant(caps.FSReadonly); has(a, "--tmpfs", home) || has(a, "--bind", "/src/pkg", "/src/pkg") {
		t.Errorf("fs-readonly: %q", a)
	}
	if a := grant(caps.FS); !has(a, "--bind", home, home) || !has(a, "--bind", "/src/pkg", "/src/pkg") {
		t.Errorf("fs: %q", a)
	}
}

func TestWithheldReads(t *testing.T) {
	out := []byte("cargo:rerun-if-env-changed=OPENSSL_DIR\ncargo::rerun-if-env-changed=PKG_CONFIG_PATH\n" +
		"cargo:rerun-if-env-changed=CARGO_CFG_UNIX\ncargo:rerun-if-env-changed=OPENSSL_DIR\ncargo:warning=OPENSSL_LIB_DIR\n")
	got := WithheldReads(out, []string{"OPENSSL_DIR", "PKG_CONFIG_PATH", "OPENSSL_LIB_DIR"})
	if len(got) != 2 || !strings.Contains(got[0].What, "OPENSSL_DIR") || !strings.Contains(got[1].What, "PKG_CONFIG_PATH") {
		t.Errorf("got %v", got)
	}
	if got := WithheldReads(out, nil); len(got) != 0 {
		t.Errorf("nothing withheld: got %v", got)
	}
}
