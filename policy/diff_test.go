package policy

import (
	"testing"

	"github.com/cargo-caps/cargo-caps/caps"
)

func TestDiff(t *testing.T) {
	before := &Result{Crates: []CrateReport{
		{Name: "app", Version: "0.1.0", Member: true, Uses: caps.Of(caps.FS)},
		{Name: "serde_json", Version: "1.0.86", Uses: caps.Of(caps.Unsafe)},
		{Name: "log", Version: "0.4.17", Uses: caps.Of(caps.Unsafe)},
		{Name: "gone", Version: "1.0.0", Uses: caps.Of(caps.Net)},
		{Name: "dup", Version: "1.0.0"},
		{Name: "dup", Version: "2.0.0", Uses: caps.Of(caps.FS)},
	}}
	after := &Result{Crates: []CrateReport{
		{Name: "app", Version: "0.2.0", Member: true, Uses: caps.Of(caps.Process)}, // members are not dependencies
		{Name: "serde_json", Version: "1.0.87", Uses: caps.Of(caps.Unsafe, caps.Process)},
		{Name: "log", Version: "0.4.17", Uses: caps.Of(caps.Unsafe)}, // same version: not listed
		{Name: "new", Version: "0.1.0", Uses: caps.Of(caps.EnvReadonly)},
		{Name: "dup", Version: "1.0.0"},
		{Name: "dup", Version: "2.1.0", Uses: caps.Of(caps.FS, caps.Net)},
	}}
	got := Diff(before, after)
	want := []Change{
		{Name: "dup", OldVersion: "1.0.0, 2.0.0", NewVersion: "1.0.0, 2.1.0", Old: caps.Of(caps.FS), New: caps.Of(caps.FS, caps.Net), Gained: caps.Of(caps.Net)},
		{Name: "gone", OldVersion: "1.0.0", Old: caps.Of(caps.Net), Lost: caps.Of(caps.Net)},
		{Name: "new", NewVersion: "0.1.0", New: caps.Of(caps.EnvReadonly), Gained: caps.Of(caps.EnvReadonly)},
		{Name: "serde_json", OldVersion: "1.0.86", NewVersion: "1.0.87", Old: caps.Of(caps.Unsafe), New: caps.Of(caps.Unsafe, caps.Process), Gained: caps.Of(caps.Process)},
	}
	if len(got) != len(want) {
		t.Fatalf("Diff = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
