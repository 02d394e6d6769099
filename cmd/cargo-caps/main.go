// Command cargo-caps holds Rust crates to the capabilities they declare in
// Cargo.toml. It only turns flags into calls: check, report, diff, lsp.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/policy"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/render"
)

const usage = `cargo-caps: hold Rust crates to the capabilities they declare in Cargo.toml

Usage:
  cargo-caps check  [--manifest-path P] [--package NAME] [--format text|json|sarif] [--no-cargo] [--no-cache] [--no-deps] [--features a,b]
  cargo-caps report [--manifest-path P] [--format text|json] [--sites] [--no-cargo] [--no-cache]
  cargo-caps diff   OLD_LOCK NEW_LOCK [--manifest-path P] [--format text|json] [--fail-on capabilities|sites]
  cargo-caps lsp    (language server over stdio)
  cargo-caps version

Exit status: 0 no error finding, 1 error findings (or, for diff, a capability gained; with --fail-on sites, a site added or changed),
2 bad usage or failure to analyse (for diff: a crate whose sources are not on disk).
`

// Version is the release version, stamped at build time.
var Version = "0.1.0-dev"

// errUsage marks bad command lines (exit 2 with the usage text).
var errUsage = errors.New("bad usage")

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	// Invoked as a cargo subcommand (`cargo caps check`), cargo passes "caps" first.
	if args[0] == "caps" {
		args = args[1:]
		if len(args) == 0 {
			fmt.Fprint(stderr, usage)
			return 2
		}
	}
	var code int
	var err error
	switch args[0] {
	case "check":
		code, err = check(ctx, args[1:], stdout)
	case "report":
		code, err = report(ctx, args[1:], stdout)
	case "diff":
		code, err = diff(ctx, args[1:], stdout)
	case "lsp":
		code, err = serveLSP(ctx, args[1:])
	case "version", "--version":
		fmt.Fprintln(stdout, "cargo-caps", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	if err != nil {
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "cargo-caps: %v\n\n%s", err, usage)
		} else {
			fmt.Fprintf(stderr, "cargo-caps: %v\n", err)
		}
		return 2
	}
	return code
}

// loadFlags are the flags every analysing command shares.
type loadFlags struct {
	manifestPath string
	noCargo      bool
	noCache      bool
	noDeps       bool
	features     string
}

func (l *loadFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.manifestPath, "manifest-path", "", "path to Cargo.toml (default: the one in the current directory or above)")
	fs.BoolVar(&l.noCargo, "no-cargo", false, "never run cargo: read Cargo.lock and manifests (untrusted workspaces)")
	fs.BoolVar(&l.noCache, "no-cache", false, "neither read nor write the on-disk analysis cache")
	fs.BoolVar(&l.noDeps, "no-deps", false, "analyse workspace members only")
	fs.StringVar(&l.features, "features", "", "comma-separated features to assume enabled for workspace members")
}

func (l *loadFlags) load(ctx context.Context) (*project.Workspace, error) {
	path := l.manifestPath
	if path == "" {
		var err error
		if path, err = findManifest(); err != nil {
			return nil, err
		}
	}
	opts := project.Options{NoCargo: l.noCargo, NoCache: l.noCache, NoDeps: l.noDeps}
	opts.Features = splitList(l.features)
	return project.Load(ctx, path, opts)
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// findManifest looks for Cargo.toml in the current directory and its parents.
func findManifest() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "Cargo.toml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no Cargo.toml in this directory or any parent; pass --manifest-path")
		}
		dir = parent
	}
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 && fs.Name() != "diff" {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func check(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	var l loadFlags
	l.register(fs)
	pkg := fs.String("package", "", "report only on this workspace member")
	format := fs.String("format", "text", "output format: text, json or sarif")
	if err := parseFlags(fs, args); err != nil {
		return 2, err
	}
	if *format != "text" && *format != "json" && *format != "sarif" {
		return 2, fmt.Errorf("%w: --format must be text, json or sarif, not %q", errUsage, *format)
	}
	w, err := l.load(ctx)
	if err != nil {
		return 2, err
	}
	res := w.Result
	if *pkg != "" {
		if res, err = project.ForPackage(w, *pkg); err != nil {
			return 2, err
		}
	}
	src := &render.Sources{}
	if *format == "text" {
		src.Base, _ = os.Getwd()
	}
	switch *format {
	case "json":
		err = render.JSON(stdout, res, src)
	case "sarif":
		err = render.SARIF(stdout, res, src, w.Root)
	default:
		err = render.Text(stdout, res, src)
	}
	if err != nil {
		return 2, err
	}
	for _, f := range res.Findings {
		if f.Severity == finding.Error {
			return 1, nil
		}
	}
	return 0, nil
}

func report(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var l loadFlags
	l.register(fs)
	format := fs.String("format", "text", "output format: text or json")
	sites := fs.Bool("sites", false, "list every site to read, as file:line, by crate and capability")
	if err := parseFlags(fs, args); err != nil {
		return 2, err
	}
	if *format != "text" && *format != "json" {
		return 2, fmt.Errorf("%w: --format must be text or json, not %q", errUsage, *format)
	}
	w, err := l.load(ctx)
	if err != nil {
		return 2, err
	}
	review := render.NewReview(w.Result)
	src := &render.Sources{}
	switch {
	case *format == "json":
		return 0, render.ReviewJSON(stdout, review, src)
	case *sites:
		src.Base, _ = os.Getwd()
		return 0, render.ReviewSitesText(stdout, review, src)
	}
	return 0, render.ReviewText(stdout, review)
}

func diff(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	var l loadFlags
	l.register(fs)
	format := fs.String("format", "text", "output format: text or json")
	failOn := fs.String("fail-on", "capabilities", "exit 1 when a crate gains capabilities, or (sites) when any site is added or changed")
	// Flags may come after the two lockfiles.
	var locks []string
	for len(args) > 0 {
		if err := parseFlags(fs, args); err != nil {
			return 2, err
		}
		if fs.NArg() == 0 {
			break
		}
		locks = append(locks, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(locks) != 2 {
		return 2, fmt.Errorf("%w: diff takes two lockfiles: OLD_LOCK NEW_LOCK", errUsage)
	}
	if *failOn != "capabilities" && *failOn != "sites" {
		return 2, fmt.Errorf("%w: --fail-on must be capabilities or sites, not %q", errUsage, *failOn)
	}
	path := l.manifestPath
	if path == "" {
		path = filepath.Join(filepath.Dir(locks[1]), "Cargo.toml")
	}
	changes, err := project.Diff(ctx, path, locks[0], locks[1], project.Options{NoCache: l.noCache})
	if err != nil {
		return 2, err
	}
	src := &render.Sources{}
	if *format == "json" {
		err = render.DiffJSON(stdout, changes, src)
	} else {
		src.Base, _ = os.Getwd()
		err = render.DiffText(stdout, changes, src)
	}
	if err != nil {
		return 2, err
	}
	code := 0
	for _, c := range changes {
		switch {
		case c.Status == policy.Unknown:
			return 2, nil // blind: neither clean nor a gain
		case !c.Gained.IsEmpty(), *failOn == "sites" && c.Sites.Any():
			code = 1
		}
	}
	return code, nil
}
