package analyzer

import (
	"os"
	"testing"
)

// TestMain runs the tests and benchmarks on the allocator the binary uses
// (cmd/cargo-caps points tree-sitter at libc's malloc first thing).
func TestMain(m *testing.M) {
	UseLibcAllocator()
	os.Exit(m.Run())
}
