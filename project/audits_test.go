package project

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
)

// TestAuditLockUpdate: an editor's unsaved caps-audits.lock counts, and
// Update re-reads it: the audit re-recorded in the buffer clears audit-stale.
func TestAuditLockUpdate(t *testing.T) {
	root, err := filepath.Abs("../testdata/workspaces/audit-carry")
	if err != nil {
		t.Fatal(err)
	}
	lockPath := filepath.Join(root, "caps-audits.lock")
	var buffer []byte // the lockfile as the editor holds it; nil: not open
	read := func(path string) ([]byte, error) {
		if path == lockPath && buffer != nil {
			return buffer, nil
		}
		return os.ReadFile(path)
	}
	w, err := Load(context.Background(), filepath.Join(root, "Cargo.toml"), Options{NoCargo: true, NoCache: true, Read: read})
	if err != nil {
		t.Fatal(err)
	}
	if n := countCode(w.Result.Findings, finding.AuditStale); n != 1 {
		t.Fatalf("%d audit-stale findings at the new versions, want 1", n)
	}
	r, err := w.RecordAudit("memscan", "", caps.Of(caps.Unsafe), false)
	if err != nil {
		t.Fatal(err)
	}
	if r.NewManifest != nil || string(r.OldLock) == string(r.NewLock) {
		t.Fatalf("re-recording: manifest changed %v, lock unchanged %v", r.NewManifest != nil, string(r.OldLock) == string(r.NewLock))
	}
	buffer = r.NewLock
	next, err := w.Update(context.Background(), []string{lockPath})
	if err != nil {
		t.Fatal(err)
	}
	if n := countCode(next.Result.Findings, finding.AuditStale); n != 0 {
		t.Errorf("%d audit-stale findings after re-recording in the buffer, want 0", n)
	}
	buffer = []byte("version = 99\n")
	broken, err := next.Update(context.Background(), []string{lockPath})
	if err != nil {
		t.Fatal(err)
	}
	if n := countCode(broken.Result.Findings, finding.ManifestSyntax); n != 1 {
		t.Errorf("%d manifest-syntax findings for an unreadable lockfile, want 1: %v", n, broken.Result.Findings)
	}
	if _, err := broken.RecordAudit("memscan", "", 0, true); err == nil {
		t.Error("recording over an unreadable lockfile: no error")
	}
}

func countCode(fs []finding.Finding, c finding.Code) int {
	n := 0
	for _, f := range fs {
		if f.Code == c {
			n++
		}
	}
	return n
}
