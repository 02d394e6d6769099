package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

// A package whose files link to secrets — a file outside it, the process
// environment — or to devices and FIFOs: `check` finishes, says what it did
// not read, and no byte of those files reaches any output (issue 10).
func TestHostilePackageOutput(t *testing.T) {
	const envMarker = "ENV-MARKER-7f3a9c"
	const fileMarker = "FILE-MARKER-2b8d41"
	t.Setenv("CARGO_CAPS_HOSTILE_SECRET", envMarker)
	tmp := t.TempDir()
	pkg := filepath.Join(tmp, "pkg")
	testfs.Write(t, filepath.Join(tmp, "secret.rs"), "pub fn "+fileMarker+"() {}\n// "+fileMarker+"\n")
	testfs.Write(t, filepath.Join(pkg, "Cargo.toml"), `[package]
name = "hostile"
version = "0.1.0"
edition = "2021"

[[bin]]
name = "dev"
path = "/dev/urandom"

[[bin]]
name = "fifo"
path = "src/fifo_root.rs"
`)
	testfs.Write(t, filepath.Join(pkg, "src/lib.rs"), "mod environ;\nmod secret;\nmod zero;\nmod fifo;\n#[path = \"up/secret.rs\"]\nmod via_dir;\npub fn f() {}\n")
	testfs.Link(t, "/proc/self/environ", filepath.Join(pkg, "src/environ.rs"))
	testfs.Link(t, "../../secret.rs", filepath.Join(pkg, "src/secret.rs"))
	testfs.Link(t, "/dev/zero", filepath.Join(pkg, "src/zero.rs"))
	testfs.Link(t, "../..", filepath.Join(pkg, "src/up"))
	testfs.Link(t, "../../secret.rs", filepath.Join(pkg, "src/stray.rs")) // reached by no mod: reported on the manifest, not read
	if err := syscall.Mkfifo(filepath.Join(pkg, "src/stray_fifo.rs"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, fifo := range []string{"src/fifo.rs", "src/fifo_root.rs"} {
		if err := syscall.Mkfifo(filepath.Join(pkg, fifo), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, format := range []string{"text", "json", "sarif"} {
		type result struct {
			code     int
			out, err string
		}
		done := make(chan result, 1)
		go func() {
			code, out, errOut := runCLI(t, "check", "--manifest-path", filepath.Join(pkg, "Cargo.toml"), "--no-cargo", "--no-cache", "--format", format)
			done <- result{code, out, errOut}
		}()
		var r result
		select {
		case r = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: check blocks", format)
		}
		all := r.out + r.err
		for _, m := range []string{envMarker, fileMarker} {
			if strings.Contains(all, m) {
				t.Errorf("%s output holds %s:\n%s", format, m, all)
			}
		}
		if format != "text" {
			continue
		}
		for _, want := range []string{
			"module file src/environ.rs not read: symlink leaves the package",
			"module file src/secret.rs not read: symlink leaves the package",
			"module file src/zero.rs not read: symlink leaves the package",
			"module file src/fifo.rs not read: not a regular file",
			"module file src/up/secret.rs not read: symlink leaves the package",
			"target root /dev/urandom not read: outside the package",
			"target root src/fifo_root.rs not read: not a regular file",
			"file not reached by any `mod` the analyser could follow: src/stray_fifo.rs (not a regular file)",
			"file not reached by any `mod` the analyser could follow: src/stray.rs (symlink leaves the package)",
		} {
			if !strings.Contains(r.out, want) {
				t.Errorf("text output lacks %q:\n%s", want, r.out)
			}
		}
	}
}

// Manifest-side files go through the same guard: a Cargo.lock or a
// .cargo/config.toml that links out of the workspace is not read.
func TestHostileWorkspaceFiles(t *testing.T) {
	const envMarker = "ENV-MARKER-c41e07"
	t.Setenv("CARGO_CAPS_HOSTILE_SECRET", envMarker)
	tmp := t.TempDir()
	pkg := filepath.Join(tmp, "pkg")
	testfs.Write(t, filepath.Join(tmp, "secret.toml"), "[source.x]\ndirectory = \"FILE-MARKER-93ab\"\n")
	testfs.Write(t, filepath.Join(pkg, "Cargo.toml"), "[package]\nname = \"p\"\nversion = \"0.1.0\"\n")
	testfs.Write(t, filepath.Join(pkg, "src/lib.rs"), "pub fn f() {}\n")
	testfs.Link(t, "../../secret.toml", filepath.Join(pkg, ".cargo/config.toml"))
	testfs.Link(t, "/proc/self/environ", filepath.Join(pkg, "Cargo.lock"))
	code, out, errOut := runCLI(t, "check", "--manifest-path", filepath.Join(pkg, "Cargo.toml"), "--no-cargo", "--no-cache")
	all := out + errOut
	if code != 2 || !strings.Contains(all, "Cargo.lock: symlink leaves the workspace") {
		t.Errorf("exit %d:\n%s", code, all)
	}
	for _, m := range []string{envMarker, "FILE-MARKER-93ab"} {
		if strings.Contains(all, m) {
			t.Errorf("output holds %s:\n%s", m, all)
		}
	}
}
