// Package testfs lays out the files and symlinks a test needs on disk,
// failing the test on any error, so that tests of hostile layouts (links out
// of a workspace, into devices) read as the layout they build.
package testfs

import (
	"os"
	"path/filepath"
	"testing"
)

// Write writes text to path (mode 0644), creating its directories.
func Write(t testing.TB, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Link makes path a symlink to target, creating path's directories.
func Link(t testing.TB, target, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}
