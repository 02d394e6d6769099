package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

// FuzzHostilePackage builds whole packages — a manifest and a small module
// tree of files, symlinks, #[path]s, include!s and FIFOs, with a secret file
// beside the package and a secret in the environment — and checks that no
// output of `check` (text, JSON, SARIF) holds a byte of either secret
// (issue 10), and that `check --fix` and `init` change no file outside the
// package. The markers are random per process, so no input can spell them.
func FuzzHostilePackage(f *testing.F) {
	fileMarker, envMarker := randomMarker(), randomMarker()
	os.Setenv("CARGO_CAPS_FUZZ_SECRET", envMarker)
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "pub fn f() { std::env::args(); }")
	f.Add([]byte{8, 3, 3, 0}, "mod m0 { fn g( }")
	f.Add([]byte{2, 2, 7, 6}, "#![forbid(unsafe_code)]\nunsafe extern \"C\" { safe fn f(); }")
	f.Fuzz(func(t *testing.T, plan []byte, code string) {
		if len(plan) > 16 || len(code) > 4096 {
			return
		}
		tmp := t.TempDir()
		pkg := filepath.Join(tmp, "pkg")
		secret := fmt.Sprintf("pub fn leak() { std::fs::write(%q, \"\"); } // %s\n%s (((\n", fileMarker, fileMarker, fileMarker)
		testfs.Write(t, filepath.Join(tmp, "secret.rs"), secret)
		testfs.Write(t, filepath.Join(tmp, "outside/mod.rs"), secret)
		manifest := "[package]\nname = \"fuzzed\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"
		lib := code + "\n"
		for i, step := range plan {
			name := fmt.Sprintf("m%d", i)
			file := filepath.Join(pkg, "src", name+".rs")
			switch step % 12 {
			case 0:
				lib += "mod " + name + ";\n"
				mustLink(t, "../../secret.rs", file)
			case 1:
				lib += "mod " + name + ";\n"
				mustLink(t, "/proc/self/environ", file)
			case 2:
				lib += "#[path = \"up" + name + "/secret.rs\"]\nmod " + name + ";\n"
				mustLink(t, "../..", filepath.Join(pkg, "src", "up"+name))
			case 3:
				lib += "mod " + name + ";\n"
				testfs.Write(t, file, code)
			case 4:
				lib += "pub fn i" + name + "() { include!(\"" + name + ".rs\"); let _ = include_str!(\"" + name + ".rs\"); }\n"
				mustLink(t, "../../secret.rs", file)
			case 5:
				mustLink(t, "../../secret.rs", file) // stray: reached by no mod
			case 6:
				lib += "mod " + name + ";\n"
				mustLink(t, "lib.rs", file)
			case 7:
				lib += "#[cfg(any())]\n#[path = \"lib.rs\"]\nmod " + name + ";\n"
			case 8:
				manifest += "[lib]\npath = \"src/root.rs\"\n"
				mustLink(t, "../../secret.rs", filepath.Join(pkg, "src/root.rs"))
			case 9:
				lib += "mod " + name + ";\n"
				mustLink(t, "/dev/zero", file)
			case 10:
				lib += "mod " + name + ";\n"
				os.MkdirAll(filepath.Dir(file), 0o755)
				if err := syscall.Mkfifo(file, 0o644); err != nil && !os.IsExist(err) {
					t.Fatal(err)
				}
			case 11:
				lib += "mod " + name + ";\n"
				mustLink(t, "../../outside", filepath.Join(pkg, "src", name))
			}
		}
		if strings.Count(manifest, "[lib]") > 1 {
			return // a duplicate table: one root link is enough
		}
		testfs.Write(t, filepath.Join(pkg, "Cargo.toml"), manifest)
		testfs.Write(t, filepath.Join(pkg, "src/lib.rs"), lib)
		for _, args := range [][]string{{"--format", "text"}, {"--format", "json"}, {"--format", "sarif"}, {"--fix"}, {"init"}} {
			command := []string{"check", "--manifest-path", filepath.Join(pkg, "Cargo.toml"), "--no-cargo", "--no-cache"}
			if args[0] == "init" {
				command[0], args = "init", nil
			}
			format := strings.Join(args, " ")
			var out, errOut bytes.Buffer
			run(context.Background(), append(command, args...), &out, &errOut)
			all := out.String() + errOut.String()
			for _, m := range []string{fileMarker, envMarker} {
				if strings.Contains(all, m) {
					t.Fatalf("%s output holds a secret:\n%s", format, all)
				}
			}
			// check --fix and init write only inside the package.
			for _, p := range []string{filepath.Join(tmp, "secret.rs"), filepath.Join(tmp, "outside/mod.rs")} {
				if data, _ := os.ReadFile(p); string(data) != secret {
					t.Fatalf("%s %s changed %s", command[0], format, p)
				}
			}
		}
	})
}

func randomMarker() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "SECRET" + hex.EncodeToString(b)
}

// mustLink links path to target unless a name drawn twice made path already.
func mustLink(t *testing.T, target, path string) {
	t.Helper()
	if _, err := os.Lstat(path); err == nil {
		return
	}
	testfs.Link(t, target, path)
}
