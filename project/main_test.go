package project

import (
	"os"
	"testing"

	"github.com/cargo-caps/cargo-caps/analyzer"
)

// TestMain runs the tests and benchmarks on the allocator the binary uses
// (cmd/cargo-caps points tree-sitter at libc's malloc first thing).
func TestMain(m *testing.M) {
	analyzer.UseLibcAllocator()
	os.Exit(m.Run())
}
