package policy

import (
	"reflect"
	"testing"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
)

func site(c caps.Capability, fn, fp string) analyzer.Use {
	return analyzer.Use{Cap: c, API: "api", Site: analyzer.Site{Function: fn, Fingerprint: fp}}
}

func TestDiff(t *testing.T) {
	before := &Result{Crates: []CrateReport{
		{Name: "app", Version: "0.1.0", Member: true, Uses: caps.Of(caps.FS)},
		{Name: "serde_json", Version: "1.0.86", Uses: caps.Of(caps.Unsafe)},
		{Name: "log", Version: "0.4.17", Uses: caps.Of(caps.Unsafe)},
		{Name: "gone", Version: "1.0.0", Uses: caps.Of(caps.Net), Reach: ReachBuild},
		{Name: "dup", Version: "1.0.0"},
		{Name: "dup", Version: "2.0.0", Uses: caps.Of(caps.FS)},
		{Name: "tokio", Version: "1.0.0", Uses: caps.Of(caps.Process, caps.Unsafe), Sites: []analyzer.Use{
			site(caps.Process, "tokio::spawn", "a"), site(caps.Unsafe, "tokio::raw", "b"), site(caps.Unsafe, "tokio::old", "c")}},
		{Name: "blind", Version: "1.0.0", Uses: caps.Of(caps.FS)},
		{Name: "ghost", Version: "1.0.0", Missing: "not on disk"},
	}}
	after := &Result{Crates: []CrateReport{
		{Name: "app", Version: "0.2.0", Member: true, Uses: caps.Of(caps.Process)}, // members are not dependencies
		{Name: "serde_json", Version: "1.0.87", Uses: caps.Of(caps.Unsafe, caps.Process)},
		{Name: "log", Version: "0.4.17", Uses: caps.Of(caps.Unsafe)}, // same version: not listed
		{Name: "new", Version: "0.1.0", Uses: caps.Of(caps.EnvReadonly), Reach: ReachDev},
		{Name: "dup", Version: "1.0.0"},
		{Name: "dup", Version: "2.1.0", Uses: caps.Of(caps.FS, caps.Net)},
		{Name: "tokio", Version: "1.1.0", Uses: caps.Of(caps.Process, caps.Unsafe), Sites: []analyzer.Use{
			site(caps.Process, "tokio::spawn", "a"), site(caps.Process, "tokio::phone_home", "d"), site(caps.Unsafe, "tokio::raw", "e")}},
		{Name: "blind", Version: "1.1.0", Missing: "not on disk"},
		{Name: "ghost", Version: "1.1.0", Uses: caps.Of(caps.Net)},
	}}
	got := Diff(before, after)
	want := []Change{
		{Name: "blind", OldVersion: "1.0.0", NewVersion: "1.1.0", Status: Unknown, Reason: "not on disk"},
		{Name: "dup", OldVersion: "1.0.0, 2.0.0", NewVersion: "1.0.0, 2.1.0", Status: Changed, Old: caps.Of(caps.FS), New: caps.Of(caps.FS, caps.Net), Gained: caps.Of(caps.Net)},
		{Name: "ghost", OldVersion: "1.0.0", NewVersion: "1.1.0", Status: Unknown, Reason: "not on disk"},
		{Name: "gone", OldVersion: "1.0.0", Status: Removed, Old: caps.Of(caps.Net), Lost: caps.Of(caps.Net), Reach: ReachBuild},
		{Name: "new", NewVersion: "0.1.0", Status: Added, New: caps.Of(caps.EnvReadonly), Gained: caps.Of(caps.EnvReadonly), Reach: ReachDev},
		{Name: "serde_json", OldVersion: "1.0.86", NewVersion: "1.0.87", Status: Changed, Old: caps.Of(caps.Unsafe), New: caps.Of(caps.Unsafe, caps.Process), Gained: caps.Of(caps.Process)},
		{Name: "tokio", OldVersion: "1.0.0", NewVersion: "1.1.0", Status: Changed, Old: caps.Of(caps.Process, caps.Unsafe), New: caps.Of(caps.Process, caps.Unsafe),
			Sites: SiteChanges{
				Added:   []analyzer.Use{site(caps.Process, "tokio::phone_home", "d")},
				Changed: []analyzer.Use{site(caps.Unsafe, "tokio::raw", "e")},
				Removed: []analyzer.Use{site(caps.Unsafe, "tokio::old", "c")}}},
	}
	if len(got) != len(want) {
		t.Fatalf("Diff = %+v", got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("change %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
