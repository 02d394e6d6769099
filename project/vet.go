package project

import (
	"errors"
	"path/filepath"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/vet"
)

// vetDir is where cargo vet keeps its store by default: supply-chain/ next to
// Cargo.lock, at the workspace root.
func (w *Workspace) vetDir() string { return filepath.Join(w.Root, "supply-chain") }

func (w *Workspace) readVet() { w.vet, w.vetErr = vet.Load(w.vetDir()) }

func (w *Workspace) isVetFile(path string) bool { return filepath.Dir(path) == w.vetDir() }

// vetFindings reports a cargo vet file that could not be read: its audits
// then count for nothing, which the user must know.
func (w *Workspace) vetFindings() []finding.Finding {
	if w.vetErr == nil {
		return nil
	}
	loc := finding.Location{File: w.vetDir()}
	var ve *vet.Error
	if errors.As(w.vetErr, &ve) {
		loc.File = ve.Path
	}
	f := finding.New(finding.ManifestSyntax, loc, "cargo vet audits not read, so none count: "+w.vetErr.Error())
	f.CrateDir = w.Root
	return []finding.Finding{f}
}
