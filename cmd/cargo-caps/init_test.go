package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

// copyWorkspace copies testdata/workspaces/NAME (its .cargo/config.toml
// and Cargo.lock with it) to a new directory.
func copyWorkspace(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("../../testdata/workspaces", name))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestInitThenCheck: on real workspaces whose members declare nothing,
// init writes the baseline and check passes at once; a second init changes
// nothing.
func TestInitThenCheck(t *testing.T) {
	if _, err := exec.LookPath("cargo"); err != nil {
		t.Skip("no cargo")
	}
	for _, name := range []string{"diff", "diff-sites"} {
		t.Run(name, func(t *testing.T) {
			dir := copyWorkspace(t, name)
			manifest := filepath.Join(dir, "Cargo.toml")
			before := snapshot(t, dir)
			code, out, errOut := runCLI(t, "init", "--manifest-path", manifest)
			if code != 0 || !strings.Contains(out, "now finds 0 error(s)") {
				t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
			}
			initialised := snapshot(t, dir)
			changed := 0
			for rel, text := range initialised {
				if text != before[rel] {
					changed++
					if filepath.Base(rel) != "Cargo.toml" {
						t.Errorf("init wrote %s", rel)
					}
				}
			}
			if changed == 0 {
				t.Error("init wrote nothing")
			}
			if code, out, errOut := runCLI(t, "check", "--manifest-path", manifest); code != 0 {
				t.Errorf("check after init: exit %d\n%s%s", code, out, errOut)
			}
			code, out, errOut = runCLI(t, "init", "--manifest-path", manifest)
			if code != 0 || !strings.Contains(out, "wrote 0 manifest(s)") {
				t.Errorf("second init: exit %d\n%s%s", code, out, errOut)
			}
			if again := snapshot(t, dir); !maps2Equal(again, initialised) {
				t.Error("a second init changed files")
			}
		})
	}
}

// TestInitChangesNothingDeclared: members that declare their capabilities
// are the person's choice; init leaves every byte alone (and exits 1 when
// check still finds errors).
func TestInitChangesNothingDeclared(t *testing.T) {
	dir := t.TempDir()
	testfs.Write(t, filepath.Join(dir, "Cargo.toml"), "[workspace]\nmembers = [\"a\"]\n")
	testfs.Write(t, filepath.Join(dir, "a/Cargo.toml"), "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[package.metadata.capabilities]\ndefault-capability = false\n")
	testfs.Write(t, filepath.Join(dir, "a/src/lib.rs"), "pub fn f() { let _ = std::fs::read(\"x\"); }\n")
	before := snapshot(t, dir)
	code, out, errOut := runCLI(t, "init", "--no-cargo", "--manifest-path", filepath.Join(dir, "Cargo.toml"))
	if code != 1 || !strings.Contains(out, "left alone: `a` declares its capabilities already") || !strings.Contains(out, "now finds 1 error(s)") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if !maps2Equal(snapshot(t, dir), before) {
		t.Error("init changed a declared workspace")
	}
}

// TestInitChangesNothingReal: tokio-app's members all declare (one with an
// error): init writes nothing there.
func TestInitChangesNothingReal(t *testing.T) {
	if _, err := exec.LookPath("cargo"); err != nil {
		t.Skip("no cargo")
	}
	if _, err := os.Stat("/usr/share/cargo/registry/tokio-1.24.2"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("Debian's crate sources are missing (.ci/run installs librust-tokio-dev)")
		}
		t.Skip("Debian's crate sources are missing (apt-get install librust-tokio-dev)")
	}
	dir := copyWorkspace(t, "tokio-app")
	before := snapshot(t, dir)
	code, out, errOut := runCLI(t, "init", "--manifest-path", filepath.Join(dir, "Cargo.toml"))
	if code != 1 || !strings.Contains(out, "wrote 0 manifest(s), left 4 member(s) alone") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if !maps2Equal(snapshot(t, dir), before) {
		t.Error("init changed a declared workspace")
	}
}

// TestInitRefuses: a member manifest that does not parse, or one that is a
// symlink out of the workspace, is an error naming it, and no file changes
// (not even the other member's, which init could have written).
func TestInitRefuses(t *testing.T) {
	for name, setup := range map[string]func(t *testing.T, dir string){
		"malformed": func(t *testing.T, dir string) {
			testfs.Write(t, filepath.Join(dir, "bad/Cargo.toml"), "[package]\nname = \"bad\"\nversion = \"0.1.0\"\n[dependencies\nx = 1\n")
		},
		"wrong-type": func(t *testing.T, dir string) {
			testfs.Write(t, filepath.Join(dir, "bad/Cargo.toml"), "[package]\nname = \"bad\"\nversion = \"0.1.0\"\n\n[package.metadata.capabilities]\ncapability = \"fs\"\n")
		},
		"symlink-out": func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "Cargo.toml")
			testfs.Write(t, outside, "[package]\nname = \"bad\"\nversion = \"0.1.0\"\n")
			testfs.Link(t, outside, filepath.Join(dir, "bad/Cargo.toml"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			testfs.Write(t, filepath.Join(dir, "Cargo.toml"), "[workspace]\nmembers = [\"good\", \"bad\"]\n")
			testfs.Write(t, filepath.Join(dir, "good/Cargo.toml"), "[package]\nname = \"good\"\nversion = \"0.1.0\"\n")
			testfs.Write(t, filepath.Join(dir, "good/src/lib.rs"), "pub fn f() { let _ = std::fs::read(\"x\"); }\n")
			testfs.Write(t, filepath.Join(dir, "bad/src/lib.rs"), "pub fn g() {}\n")
			setup(t, dir)
			before := snapshot(t, dir)
			code, out, errOut := runCLI(t, "init", "--no-cargo", "--manifest-path", filepath.Join(dir, "Cargo.toml"))
			if code != 2 || !strings.Contains(errOut, "bad/Cargo.toml") {
				t.Errorf("exit %d\n%s%s", code, out, errOut)
			}
			if !maps2Equal(snapshot(t, dir), before) {
				t.Error("init changed files")
			}
		})
	}
}

// TestInitThenNewCapabilityFails: after init, a dependency that starts
// opening sockets (the patch release of the xz story) fails check.
func TestInitThenNewCapabilityFails(t *testing.T) {
	dir := t.TempDir()
	testfs.Write(t, filepath.Join(dir, "Cargo.toml"), "[package]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[dependencies]\nquiet = { path = \"quiet\" }\n")
	testfs.Write(t, filepath.Join(dir, "src/lib.rs"), "pub fn f() { quiet::g(); let _ = std::fs::read(\"x\"); }\n")
	testfs.Write(t, filepath.Join(dir, "quiet/Cargo.toml"), "[package]\nname = \"quiet\"\nversion = \"0.1.0\"\n")
	testfs.Write(t, filepath.Join(dir, "quiet/src/lib.rs"), "pub fn g() {}\n")
	manifest := filepath.Join(dir, "Cargo.toml")
	if code, out, errOut := runCLI(t, "init", "--no-cargo", "--manifest-path", manifest); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	testfs.Write(t, filepath.Join(dir, "quiet/src/lib.rs"), "pub fn g() { let _ = std::net::TcpStream::connect(\"10.0.0.1:80\"); }\n")
	code, out, errOut := runCLI(t, "check", "--no-cargo", "--manifest-path", manifest)
	if code != 1 || !strings.Contains(out, "error[dependency-capability]: dependency `quiet` uses `net`") {
		t.Errorf("check: exit %d\n%s%s", code, out, errOut)
	}
}

// TestInitFeatureGates: code under a feature goes to that feature's request
// (under all(..) one feature's is enough; under any(..) the crate's own set
// takes it), test code to nothing, and check passes.
func TestInitFeatureGates(t *testing.T) {
	dir := t.TempDir()
	testfs.Write(t, filepath.Join(dir, "Cargo.toml"), "[package]\nname = \"gt\"\nversion = \"0.1.0\"\n\n[features]\ndisk = []\nnet = []\n")
	testfs.Write(t, filepath.Join(dir, "src/lib.rs"), `pub fn f() {
    #[cfg(feature = "disk")]
    let _ = std::fs::remove_file("y");
    #[cfg(all(feature = "net", unix))]
    let _ = std::net::TcpStream::connect("x");
    #[cfg(any(feature = "net", feature = "disk"))]
    let _ = std::process::Command::new("x");
    #[cfg(test)]
    let _ = std::env::set_var("x", "y");
}
`)
	code, out, errOut := runCLI(t, "init", "--no-cargo", "--manifest-path", filepath.Join(dir, "Cargo.toml"))
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "Cargo.toml"))
	const want = `[package]
name = "gt"
version = "0.1.0"

[package.metadata.capabilities]
default-capability = false
capability = ["process"]

[package.metadata.capabilities.features]
disk = ["fs"]
net = ["net"]

[features]
disk = []
net = []
`
	if string(data) != want {
		t.Errorf("init wrote\n%s\nwant\n%s", data, want)
	}
}
