package lsp

import "github.com/cargo-caps/cargo-caps/project"

// readDisk reads a file from disk as the session does (project.ReadDisk).
func readDisk(path string) ([]byte, error) { return project.ReadDisk(path) }
