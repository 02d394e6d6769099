package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/audits"
	"github.com/cargo-caps/cargo-caps/caps"
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
	if r.NewManifest != nil {
		if err := replaceFile(r.Manifest.Path, r.NewManifest); err != nil {
			return 2, err
		}
	}
	lockPath := filepath.Join(w.Root, audits.FileName)
	if err := replaceFile(lockPath, r.NewLock); err != nil {
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

// replaceFile writes text to path through a temporary file renamed over it:
// a reader never sees half a lockfile, and a symlink at path is replaced,
// not followed.
func replaceFile(path string, text []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	mode := os.FileMode(0o644)
	if st, err := os.Lstat(path); err == nil && st.Mode().IsRegular() {
		mode = st.Mode().Perm()
	}
	if _, err := tmp.Write(text); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
