package analyzer

import (
	"testing"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// BenchmarkFlatten copies already-parsed trees of the real crates into Go:
// the part of analysis between parsing and the walk.
func BenchmarkFlatten(b *testing.B) {
	files := loadReal(b)
	p := newParser()
	defer p.Close()
	trees := make([]*sitter.Tree, len(files))
	for i, f := range files {
		trees[i] = parseText(p, f.text, nil)
	}
	defer func() {
		for _, t := range trees {
			t.Close()
		}
	}()
	b.SetBytes(totalBytes(files))
	nodes := 0
	defer reportCPU(b)()
	for range b.N {
		nodes = 0
		for i, t := range trees {
			nodes += len(flatten(t, files[i].text, files[i].text).nodes)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*nodes), "ns/node")
}
