package fixes

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// ErrStale says a file no longer holds the text a fix was computed from.
var ErrStale = errors.New("changed since it was analysed")

// Apply returns text with c's edits applied, byte for byte as an editor
// applies a code action's edits. It refuses text other than c's base and
// edits that overlap one another.
func Apply(text []byte, c finding.FileChange) ([]byte, error) {
	if sha256.Sum256(text) != c.Base {
		return nil, fmt.Errorf("%s: %w", c.File, ErrStale)
	}
	sorted := slices.Clone(c.Edits)
	// In manifest.Apply's order: by start, an insertion before a replacement at its place.
	slices.SortStableFunc(sorted, func(a, b finding.Edit) int {
		if c := cmp.Compare(a.Range.Start, b.Range.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.Range.End-a.Range.Start, b.Range.End-b.Range.Start)
	})
	last := 0
	for _, e := range sorted {
		if e.Range.Start < last || e.Range.End < e.Range.Start || e.Range.End > len(text) {
			return nil, fmt.Errorf("%s: edits overlap or leave the text (bytes %d-%d)", c.File, e.Range.Start, e.Range.End)
		}
		last = e.Range.End
	}
	return manifest.Apply(text, c.Edits), nil
}

// Select picks, in order, the indices of the fixes that can be applied together: one whose
// edits touch bytes (or an insertion point) that an earlier pick edits in
// the same file is skipped, to be offered again on the changed text. The
// same fix offered for several findings (one Form B migration for each
// `cap:` value) is picked once.
func Select(fixes []finding.Fix) (picked, skipped []int) {
	taken := map[string][]finding.Edit{}
	for i, f := range fixes {
		if slices.ContainsFunc(picked, func(p int) bool { return same(fixes[p], f) }) {
			continue
		}
		clash := false
		for _, c := range f.Changes {
			clash = clash || overlaps(taken[c.File], c.Edits)
		}
		if clash {
			skipped = append(skipped, i)
			continue
		}
		for _, c := range f.Changes {
			taken[c.File] = append(taken[c.File], c.Edits...)
		}
		picked = append(picked, i)
	}
	return picked, skipped
}

func same(a, b finding.Fix) bool {
	return a.Title == b.Title && slices.EqualFunc(a.Changes, b.Changes, func(x, y finding.FileChange) bool {
		return x.File == y.File && x.Base == y.Base && slices.Equal(x.Edits, y.Edits)
	})
}

// Merge joins the changes of fixes file by file, in order: the changes of
// fixes Select picked, to write each file once.
func Merge(fixes []finding.Fix) []finding.FileChange {
	var out []finding.FileChange
	for _, f := range fixes {
		for _, c := range f.Changes {
			i := slices.IndexFunc(out, func(o finding.FileChange) bool { return o.File == c.File })
			if i < 0 {
				out = append(out, finding.FileChange{File: c.File, Base: c.Base})
				i = len(out) - 1
			}
			out[i].Edits = append(out[i].Edits, c.Edits...)
		}
	}
	return out
}
