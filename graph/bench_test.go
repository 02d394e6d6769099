package graph

import (
	"testing"
)

// BenchmarkLoad resolves the real workspaces both ways: cargo mode runs
// `cargo metadata`, lockfile mode reads Cargo.lock and every manifest.
func BenchmarkLoad(b *testing.B) {
	needDebian(b, "tokio-app", "debian-all")
	haveCargo(b)
	for _, ws := range []string{"tokio-app", "debian-all"} {
		for _, mode := range []struct {
			name string
			opts Options
		}{{"cargo", Options{}}, {"lockfile", Options{NoCargo: true}}} {
			b.Run(ws+"/"+mode.name, func(b *testing.B) {
				var crates int
				for b.Loop() {
					g, err := Load(testWorkspace(ws), mode.opts)
					if err != nil {
						b.Fatal(err)
					}
					crates = len(g.Crates)
				}
				b.ReportMetric(float64(crates), "crates")
			})
		}
	}
}
