package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/audits"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/fixes"
	"github.com/cargo-caps/cargo-caps/policy"
)

// audit records that a person reviewed a dependency: `cargo-caps audit
// CRATE[@VERSION] [CAP…]` writes the `audited` entry in the workspace root
// manifest and the reviewed sites' fingerprints in caps-audits.lock.
func audit(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	var l loadFlags
	l.register(fs)
	var positional []string
	for len(args) > 0 { // flags may come after the crate and capabilities
		if err := parseFlags(fs, args); err != nil {
			return 2, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) == 0 {
		return 2, fmt.Errorf("%w: audit takes a crate: CRATE[@VERSION] [CAP…]", errUsage)
	}
	if l.noDeps {
		return 2, fmt.Errorf("%w: audit records a dependency's sites, which --no-deps does not analyse", errUsage)
	}
	crate, version, _ := strings.Cut(positional[0], "@")
	var cs caps.Set
	for _, name := range positional[1:] {
		c, ok := caps.Parse(name)
		if !ok {
			hint := ""
			if s := caps.DidYouMean(name); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			return 2, fmt.Errorf("%w: unknown capability %q%s", errUsage, name, hint)
		}
		cs = cs.Add(c)
	}
	w, err := l.load(ctx)
	if err != nil {
		return 2, err
	}
	r, err := w.RecordAudit(crate, version, cs, true)
	if err != nil {
		return 2, err
	}
	// Both files or neither, each still holding what was analysed and
	// inside the workspace, as every fix is written.
	lockPath := filepath.Join(w.Root, audits.FileName)
	var changes []finding.FileChange
	if r.NewManifest != nil {
		if c, ok := fixes.Rewrite(r.Manifest.Path, r.Manifest.Text, r.NewManifest); ok {
			changes = append(changes, c)
		}
	}
	if c, ok := fixes.Rewrite(lockPath, r.OldLock, r.NewLock); ok {
		changes = append(changes, c)
	}
	if _, err := fixes.Write(w.Root, changes); err != nil {
		return 2, err
	}
	for _, c := range r.Crates {
		var sites []analyzer.Use
		for _, u := range c.Sites {
			if r.Caps.Close().Has(u.Cap) {
				sites = append(sites, u)
			}
		}
		read := policy.ReadingOf(sites)
		fmt.Fprintf(stdout, "recorded the audit of %s %s for %s: %d site(s) in %d function(s), %d lines\n",
			c.Name, c.Version, r.Caps.Close(), read.Sites, read.Functions, read.Lines)
	}
	fmt.Fprintf(stdout, "wrote %s", lockPath)
	if r.NewManifest != nil {
		fmt.Fprintf(stdout, " and the `audited` entry in %s", r.Manifest.Path)
	}
	fmt.Fprintln(stdout)
	return 0, nil
}
