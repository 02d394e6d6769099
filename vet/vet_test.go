package vet

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func store(t *testing.T, files map[string]string) *Store {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCertified covers what the check txtar does not: delta cycles, deltas
// that lead away, criteria written as arrays, the reason string.
func TestCertified(t *testing.T) {
	s := store(t, map[string]string{"audits.toml": `
[[audits.a]]
criteria = ["safe-to-run"]
version = "1.0.0"
[[audits.a]]
criteria = "safe-to-run"
delta = "1.0.0 -> 1.1.0"
[[audits.a]]
criteria = "safe-to-run"
delta = "1.1.0 -> 1.0.0"
[[audits.a]]
criteria = "safe-to-run"
delta = "2.0.0 -> 2.1.0"
[[audits.a]]
violation = "<3.0"
criteria = "safe-to-run"
`})
	for _, c := range []struct {
		version, criterion string
		want               bool
	}{
		{"1.0.0", SafeToRun, true},
		{"1.1.0", SafeToRun, true},
		{"1.1.0", SafeToDeploy, false}, // safe-to-run does not imply safe-to-deploy
		{"2.1.0", SafeToRun, false},    // a chain with no fully audited start
		{"1.2.0", SafeToRun, false},
	} {
		if _, got := s.Certified("a", c.version, c.criterion); got != c.want {
			t.Errorf("a@%s %s = %v, want %v", c.version, c.criterion, got, c.want)
		}
	}
	if cert, _ := s.Certified("a", "1.1.0", SafeToRun); cert.String() != "cargo vet: safe-to-run (audit of 1.0.0, deltas to 1.1.0)" {
		t.Errorf("certification reads %q", cert)
	}
	if _, ok := (*Store)(nil).Certified("a", "1.0.0", SafeToRun); ok {
		t.Error("no store certifies nothing")
	}
}

func TestLoadErrors(t *testing.T) {
	if s, err := Load(filepath.Join(t.TempDir(), "supply-chain")); s != nil || err != nil {
		t.Errorf("a missing store = %v, %v", s, err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "imports.lock"), []byte("[[audits.x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ve *Error
	if _, err := Load(dir); !errors.As(err, &ve) || ve.Path != filepath.Join(dir, "imports.lock") {
		t.Errorf("a malformed file = %v", err)
	}
}
