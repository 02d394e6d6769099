package fixes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/span"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// maxPasses bounds the rounds of `check --fix`: a fix skipped because it
// overlaps another is offered again, computed on the changed text, in the
// next round.
const maxPasses = 4

// Automatic applies the automatic fixes of w's findings that keep selects,
// round after round (re-evaluating the workspace in between), and returns
// the workspace after them, what was written, and the automatic fixes still
// offered after the last round (their edits kept overlapping; none, usually).
func Automatic(ctx context.Context, w *project.Workspace, keep func(finding.Finding) bool) (*project.Workspace, []finding.Applied, []finding.Fix, error) {
	var applied []finding.Applied
	for pass := 0; pass < maxPasses; pass++ {
		offered, codes := automatic(w, keep)
		picked, _ := Select(offered)
		if len(picked) == 0 {
			break
		}
		var fixes []finding.Fix
		for _, i := range picked {
			fixes = append(fixes, offered[i])
		}
		before, err := Write(w.Root, Merge(fixes))
		if err != nil {
			return w, applied, nil, err
		}
		for _, i := range picked {
			applied = append(applied, finding.Applied{Code: codes[i], Title: offered[i].Title, At: places(offered[i], before)})
		}
		var changed []string
		for path := range before {
			changed = append(changed, path)
		}
		slices.Sort(changed)
		if w, err = w.Update(ctx, changed); err != nil {
			return w, applied, nil, err
		}
	}
	offered, _ := automatic(w, keep)
	var left []finding.Fix
	for _, f := range offered {
		if !slices.ContainsFunc(left, func(l finding.Fix) bool { return same(l, f) }) {
			left = append(left, f)
		}
	}
	return w, applied, left, nil
}

// automatic lists the automatic fixes of w's findings that keep selects,
// with the code of the finding each fixes.
func automatic(w *project.Workspace, keep func(finding.Finding) bool) ([]finding.Fix, []finding.Code) {
	var offered []finding.Fix
	var codes []finding.Code
	for _, f := range w.Result.Findings {
		if !keep(f) {
			continue
		}
		for _, fix := range For(w, f) {
			if fix.Automatic {
				offered, codes = append(offered, fix), append(codes, f.Code)
			}
		}
	}
	return offered, codes
}

// Write applies changes to the files they name, all or none: each file must
// be a regular file whose real path lies inside root and must still hold
// the text the changes were computed from. It returns the text each file
// held before, by path.
func Write(root string, changes []finding.FileChange) (map[string][]byte, error) {
	before := map[string][]byte{}
	after := map[string][]byte{}
	dir := srcread.NewDir(root, "workspace")
	for _, c := range changes {
		if !Writable(root, finding.Fix{Changes: []finding.FileChange{c}}) {
			return nil, fmt.Errorf("%s: its real path is outside the workspace; nothing was written", c.File)
		}
		var text []byte
		var err error
		if c.Create {
			if Absent(c.File) != nil {
				return nil, fmt.Errorf("%s: %w (it was absent); nothing was written", c.File, ErrStale)
			}
		} else if text, err = dir.Read(c.File); err != nil {
			return nil, fmt.Errorf("%w; nothing was written", err)
		}
		out, err := Apply(text, c)
		if err != nil {
			return nil, fmt.Errorf("%w; nothing was written", err)
		}
		before[c.File], after[c.File] = text, out
	}
	for _, c := range changes {
		write := replace
		if c.Create {
			write = create
		}
		if err := write(c.File, after[c.File]); err != nil {
			return before, err
		}
	}
	return before, nil
}

// replace writes text to the real file at path through a new file renamed
// over it, so a reader never sees half of it; the file keeps its mode.
func replace(path string, text []byte) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(real)
	if err != nil {
		return err
	}
	return throughTemp(real, text, info.Mode().Perm(), os.Rename)
}

// Absent is nil when nothing is at path, as a file a change creates must be.
func Absent(path string) error {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s exists", path)
	}
	return nil
}

// create writes a new file at path, failing if one appeared meanwhile.
func create(path string, text []byte) error {
	return throughTemp(path, text, 0o644, os.Link)
}

// throughTemp writes text with mode perm to a temporary file beside path,
// then puts it in place with put (rename over, or link to a new name).
func throughTemp(path string, text []byte, perm os.FileMode, put func(from, to string) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cargo-caps-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(text); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return put(tmp.Name(), path)
}

// places is where fix's first edit in each file begins, in the text before.
func places(fix finding.Fix, before map[string][]byte) []finding.Place {
	var out []finding.Place
	for _, c := range fix.Changes {
		first := c.Edits[0].Range.Start
		for _, e := range c.Edits {
			first = min(first, e.Range.Start)
		}
		out = append(out, finding.Place{File: c.File, Pos: span.NewIndex(before[c.File]).Pos(first)})
	}
	return out
}
