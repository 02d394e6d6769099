package fixes

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// TestComposeRegistry writes a baseline (a declaration, then a grant for
// every normal dependency on the text that gives) into every manifest of
// Debian's crate sources: the composed edits of the manifest as read must
// give exactly the two steps' text, and it must stay valid.
func TestComposeRegistry(t *testing.T) {
	manifests, _ := filepath.Glob("/usr/share/cargo/registry/*/Cargo.toml")
	if len(manifests) == 0 {
		t.Skip("no crate sources under /usr/share/cargo/registry (apt-get install librust-tokio-dev …)")
	}
	composed := 0
	for _, path := range manifests {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := manifest.Parse(path, text)
		if m.Package == nil {
			continue
		}
		first := manifest.DeclareCapabilities(m, caps.Of(caps.FS, caps.Net))
		declared := manifest.Apply(text, first)
		m1 := manifest.Parse(path, declared)
		var limits []manifest.Limit
		for _, d := range m1.Dependencies {
			if d.Kind == manifest.Normal {
				limits = append(limits, manifest.Limit{Key: d.Key, Caps: caps.Of(caps.Net)})
			}
		}
		second := manifest.LimitDependencies(m1, limits)
		want := manifest.Apply(declared, second)
		if err := parses(manifest.Parse(path, want)); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if edits, ok := compose(first, second); ok {
			composed++
			if got := manifest.Apply(text, edits); string(got) != string(want) {
				t.Errorf("%s: composed edits give\n%s\nwant\n%s", path, got, want)
			}
		}
	}
	t.Logf("%d manifests, %d as composed edits (the rest as one edit)", len(manifests), composed)
}
