package render

import (
	"fmt"
	"io"

	"github.com/cargo-caps/cargo-caps/finding"
)

// Fixed reports what `check --fix` wrote, rustc-style, one fix per entry
// with where its edits begin in the text before; then the automatic fixes
// still offered after the last round, and a summary line. Paths are relative to base.
func Fixed(w io.Writer, applied []finding.Applied, left []finding.Fix, base string) error {
	files := map[string]bool{}
	for _, a := range applied {
		if _, err := fmt.Fprintf(w, "fixed[%s]: %s\n", a.Code, a.Title); err != nil {
			return err
		}
		for _, p := range a.At {
			files[p.File] = true
			if _, err := fmt.Fprintf(w, " --> %s:%d:%d\n", relative(p.File, base), p.Line, p.Column); err != nil {
				return err
			}
		}
	}
	for _, f := range left {
		if _, err := fmt.Fprintf(w, "not fixed: %s: still offered after the last round (its edits kept overlapping others'); apply it by hand or in the editor\n", f.Title); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "cargo-caps: applied %d fix(es) to %d file(s)\n\n", len(applied), len(files))
	return err
}

// Baseline reports what `init` wrote per member, or why it left one alone.
func Baseline(w io.Writer, steps []finding.BaselineStep, base string) error {
	wrote := 0
	for _, s := range steps {
		var err error
		if s.Fix == nil {
			_, err = fmt.Fprintf(w, "left alone: `%s` %s\n", s.Member, s.Why)
		} else {
			wrote++
			_, err = fmt.Fprintf(w, "init: %s\n --> %s\n", s.Fix.Title, relative(s.Fix.Changes[0].File, base))
		}
		if err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "cargo-caps: wrote %d manifest(s), left %d member(s) alone\n", wrote, len(steps)-wrote)
	return err
}
