package project

import (
	"context"
	"testing"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
)

// TestThreeDependencies: a member allowing nothing, with tempfile, regex and
// serde_json, gets one dependency finding per entry (it got 30 before
// grouping, 23 of them on `tempfile = "3"`), each naming the crates
// responsible and at most three sample sites per capability.
func TestThreeDependencies(t *testing.T) {
	needRegistry(t)
	w, err := Load(context.Background(), "../testdata/workspaces/three-deps/Cargo.toml", Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	byEntry := map[string]finding.Finding{}
	for _, f := range w.Result.Findings {
		if f.Severity != finding.Error {
			continue
		}
		if f.Code != finding.DependencyCapability || len(f.Chain) < 2 {
			t.Errorf("unexpected error: %s %s", f.Code, f.Message)
			continue
		}
		if _, dup := byEntry[f.Chain[1]]; dup {
			t.Errorf("a second finding on %s: %s", f.Chain[1], f.Message)
		}
		byEntry[f.Chain[1]] = f
	}
	if len(byEntry) != 3 || byEntry["tempfile"].Code == "" || byEntry["regex"].Code == "" || byEntry["serde_json"].Code == "" {
		t.Fatalf("findings by entry = %v", byEntry)
	}
	if tf := byEntry["tempfile"]; !tf.Capabilities.Has(caps.Unsafe) || !tf.Capabilities.Has(caps.FS) || tf.Capability != caps.Unsafe {
		t.Errorf("tempfile's finding lists %s (first %s)", tf.Capabilities, tf.Capability)
	}
	for entry, f := range byEntry {
		sites := map[caps.Capability]int{}
		for _, c := range f.Causes {
			if c.Chain[1] != entry || !c.Capabilities.SubsetOf(f.Capabilities) {
				t.Errorf("%s: cause %s with chain %v uses %s", entry, c.Crate, c.Chain, c.Capabilities)
			}
			for _, s := range c.Sites {
				sites[s.Capability]++
			}
		}
		for _, cp := range f.Capabilities.List() {
			if sites[cp] == 0 || sites[cp] > 3 {
				t.Errorf("%s: %d sample sites of %s", entry, sites[cp], cp)
			}
		}
		if len(f.Related) == 0 {
			t.Errorf("%s: no related sites", entry)
		}
	}
}
