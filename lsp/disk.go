package lsp

import "github.com/cargo-caps/cargo-caps/srcread"

// readDisk reads a file from disk the way the analysis does: only a regular
// file of at most srcread.MaxBytes, opened without blocking. A FIFO or device
// that a watched-file event or a finding names must not stall the server.
func readDisk(path string) ([]byte, error) {
	return srcread.NewDir("", "").Read(path)
}
