// Package render presents a policy result: rustc-style text, the JSON of
// SPEC §5 and SARIF 2.1.0 for code scanning. It computes nothing about
// capabilities; it only turns byte ranges into lines and columns and writes.
package render

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/span"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// Sources reads and indexes the files findings point into; unsaved editor
// buffers can win through Read. Disk is read only through srcread, inside
// the file's package: a finding may name a file the analyser refused (a
// symlink out of the package, a FIFO), whose bytes must not reach a snippet.
type Sources struct {
	Read func(path string) ([]byte, error) // nil = disk
	// Base is where text output's paths are relative to, as rustc's are to
	// the directory it runs in; "" shows each file relative to its crate.
	Base  string
	index map[string]*span.Index
}

// Index returns the line index of path; an unreadable file yields an empty index.
func (s *Sources) Index(path string) *span.Index {
	if s.index == nil {
		s.index = map[string]*span.Index{}
	}
	if x, ok := s.index[path]; ok {
		return x
	}
	text, _ := srcread.NewDir(packageOf(path), "package").Through(s.Read)(path)
	x := span.NewIndex(text)
	s.index[path] = x
	return x
}

// packageOf is the directory of the package holding path: the nearest one
// with a Cargo.toml, else path's own directory.
func packageOf(path string) string {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(filepath.Join(dir, "Cargo.toml")); err == nil {
			return dir
		}
		if dir == filepath.Dir(dir) {
			return filepath.Dir(path)
		}
	}
}

// Place is a file and 1-based line/column range as rustc counts them.
type Place struct {
	File                             string // relative to its crate's directory when possible
	Line, Column, EndLine, EndColumn int
}

func (s *Sources) place(file, dir string, r span.Range) Place {
	x := s.Index(file)
	start, end := x.Pos(r.Start), x.Pos(r.End)
	return Place{File: relative(file, dir), Line: start.Line, Column: start.Column, EndLine: end.Line, EndColumn: end.Column}
}

// relative is file relative to dir when it lies below it, else file.
func relative(file, dir string) string {
	if dir != "" {
		if rel, err := filepath.Rel(dir, file); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(file)
}
