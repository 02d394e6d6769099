package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/fixes"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/render"
)

// applyFixes is `check --fix`: the automatic fixes of pkg's findings (every
// member's when pkg is ""), written and reported to out.
func applyFixes(ctx context.Context, w *project.Workspace, pkg string, out io.Writer) (*project.Workspace, error) {
	keep := func(f finding.Finding) bool { return pkg == "" || f.Crate == pkg }
	w, applied, left, err := fixes.Automatic(ctx, w, keep)
	base, _ := os.Getwd()
	if rerr := render.Fixed(out, applied, left, base); err == nil {
		err = rerr
	}
	return w, err
}

// initBaseline is `cargo-caps init`: the baseline declaration of every
// member that declares nothing, then the check of the result (exit 1 when
// errors remain: a member that declared something already, say).
func initBaseline(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	var l loadFlags
	l.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return 2, err
	}
	if l.noDeps {
		return 2, fmt.Errorf("%w: init grants each dependency what it uses: it needs them analysed (drop --no-deps)", errUsage)
	}
	w, err := l.load(ctx)
	if err != nil {
		return 2, err
	}
	if err := checkFeatures(w, "", splitList(l.features)); err != nil {
		return 2, err
	}
	steps, err := fixes.Baseline(w)
	if err != nil {
		return 2, err
	}
	var changes []finding.FileChange
	for _, s := range steps {
		if s.Fix != nil {
			changes = append(changes, s.Fix.Changes...)
		}
	}
	before, err := fixes.Write(w.Root, changes)
	if err != nil {
		return 2, err
	}
	base, _ := os.Getwd()
	if err := render.Baseline(stdout, steps, base); err != nil {
		return 2, err
	}
	var changed []string
	for path := range before {
		changed = append(changed, path)
	}
	if w, err = w.Update(ctx, changed); err != nil {
		return 2, err
	}
	errs := 0
	for _, f := range w.Result.Findings {
		if f.Severity == finding.Error {
			errs++
		}
	}
	fmt.Fprintf(stdout, "cargo-caps: `cargo-caps check` now finds %d error(s)\n", errs)
	if errs > 0 {
		return 1, nil
	}
	return 0, nil
}
