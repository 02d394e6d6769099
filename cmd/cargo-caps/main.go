// Command cargo-caps holds Rust crates to the capabilities they declare in
// Cargo.toml. It only turns flags into calls: check, report, diff, lsp, and
// the sandboxed cargo commands (build, test, run, cargo CMD).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/fixes"
	"github.com/cargo-caps/cargo-caps/policy"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/render"
	"github.com/cargo-caps/cargo-caps/sandbox"
)

const usage = `cargo-caps: hold Rust crates to the capabilities they declare in Cargo.toml

Usage:
  cargo-caps check  [--manifest-path P] [-p|--package NAME] [--workspace] [--format text|json|sarif] [--fix] [--no-cargo] [--no-cache] [--no-deps] [--features a,b] [--target TRIPLE]…
        --fix applies the fixes that need no review (Form B migration, narrowing, removing unused declarations)
  cargo-caps init   [--manifest-path P] [--no-cargo] [--no-cache] [--features a,b] [--target TRIPLE]…
        declare for each member what it uses today and grant each direct dependency what it uses (the baseline)
  cargo-caps report [--manifest-path P] [--format text|json] [--sites] [--no-cargo] [--no-cache] [--target TRIPLE]…
  cargo-caps diff   OLD_LOCK NEW_LOCK [--manifest-path P] [--format text|json] [--fail-on capabilities|sites]
  cargo-caps audit  CRATE[@VERSION] [CAP…] [--manifest-path P] [--no-cargo] [--target TRIPLE]…
        record that you reviewed CRATE (every capability it uses, or CAP…): the "audited" entry
        in the root Cargo.toml and the reviewed sites' fingerprints in caps-audits.lock
  cargo-caps lsp    (language server over stdio)
  cargo-caps build|test|run [--no-sandbox] [--explain] [cargo args…]
  cargo-caps cargo CMD      [--no-sandbox] [--explain] [cargo args…]   (any cargo command: check, clippy, doc, bench…)
        run cargo with build scripts and proc-macros in the build sandbox (bubblewrap),
        held to [workspace.metadata.capabilities.build]; exit status is cargo's
  cargo-caps version

Exit status: 0 no error finding, 1 error findings (or, for diff, a capability gained; with --fail-on sites, a site added or changed),
2 bad usage or failure to analyse (for diff: a crate whose sources are not on disk).
`

// commands are the first arguments cargo-caps answers to; anything else,
// under `cargo-caps build`, is cargo calling its RUSTC_WRAPPER.
var commands = map[string]bool{"caps": true, "check": true, "init": true, "report": true, "diff": true, "audit": true, "lsp": true, "build": true, "test": true,
	"run": true, "cargo": true, sandbox.BuildScriptCommand: true, sandbox.ProgramCommand: true, "version": true, "--version": true, "help": true, "-h": true, "--help": true}

// Version is the release version, stamped at build time.
var Version = "0.1.0-dev"

// errUsage marks bad command lines (exit 2 with the usage text).
var errUsage = errors.New("bad usage")

func main() {
	// tree-sitter allocates per node: straight to libc, not through a Go
	// callback each time, unless CARGO_CAPS_TS_ALLOCATOR=go asks for
	// go-tree-sitter's default (to compare, or to debug).
	if os.Getenv("CARGO_CAPS_TS_ALLOCATOR") != "go" {
		analyzer.UseLibcAllocator()
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// cargo runs its RUSTC_WRAPPER as `cargo-caps RUSTC ARGS…` during `cargo-caps build`.
	if os.Getenv(sandbox.EnvConfig) != "" && len(args) > 0 && !commands[args[0]] {
		return sandbox.Rustc(args, stdout, stderr)
	}
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
		code, err = check(ctx, args[1:], stdout, stderr)
	case "init":
		code, err = initBaseline(ctx, args[1:], stdout)
	case "report":
		code, err = report(ctx, args[1:], stdout)
	case "diff":
		code, err = diff(ctx, args[1:], stdout)
	case "audit":
		code, err = audit(ctx, args[1:], stdout)
	case "lsp":
		code, err = serveLSP(ctx, args[1:])
	case "build", "test", "run":
		code, err = sandboxedCargo(ctx, args, stderr)
	case "cargo":
		code, err = sandboxedCargo(ctx, args[1:], stderr)
	case sandbox.BuildScriptCommand:
		return sandbox.BuildScript(args[1:], stdout, stderr)
	case sandbox.ProgramCommand:
		return sandbox.Program(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "cargo-caps", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	var help helpText
	if errors.As(err, &help) {
		fmt.Fprint(stdout, help)
		return 0
	}
	if err != nil {
		if errors.Is(err, errUsage) {
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
	targets      repeated
	found        string // the manifest found from the current directory, when --manifest-path was not given
}

// cwdMember is the member whose manifest was found from the current
// directory (cargo's default package there), "" at the workspace root or
// with --manifest-path.
func (l *loadFlags) cwdMember(w *project.Workspace) string {
	if l.found == "" {
		return ""
	}
	for _, id := range w.Graph.Members {
		if c := w.Graph.Crates[id]; c.ManifestPath == l.found && filepath.Dir(l.found) != w.Root {
			return c.Name
		}
	}
	return ""
}

// checkFeatures rejects, as cargo does, a --features name that no selected
// member (pkg, or every member) declares: a misspelt feature must not pass
// silently as "nothing enabled".
func checkFeatures(w *project.Workspace, pkg string, features []string) error {
	for _, f := range features {
		if strings.Contains(f, "/") {
			continue // dep/feat: a dependency's feature, cargo's to check
		}
		var names, selected []string
		found := false
		for _, id := range w.Graph.Members {
			c := w.Graph.Crates[id]
			if pkg != "" && c.Name != pkg {
				continue
			}
			selected = append(selected, c.Name)
			m := w.Manifests[c.ManifestPath]
			if m == nil {
				continue
			}
			for name := range m.Features {
				names = append(names, name)
				found = found || name == f
			}
			for _, d := range m.Dependencies {
				found = found || d.Optional && d.Key == f // an optional dependency is a feature of its name
			}
		}
		if !found && len(selected) > 0 {
			slices.Sort(names)
			known := "it declares no features"
			if len(names) > 0 {
				known = "its features: " + strings.Join(slices.Compact(names), ", ")
			}
			return fmt.Errorf("%w: the package %s does not contain the feature %q (%s)", errUsage, strings.Join(selected, ", "), f, known)
		}
	}
	return nil
}

// membersOnly is res with the crate reports of members only (--no-deps:
// dependencies were not analysed, and are not counted).
func membersOnly(res *policy.Result) *policy.Result {
	out := *res
	out.Crates = slices.DeleteFunc(slices.Clone(res.Crates), func(c policy.CrateReport) bool { return !c.Member })
	return &out
}

// repeated is a flag that may be given several times (--target A --target B).
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func (l *loadFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.manifestPath, "manifest-path", "", "path to Cargo.toml (default: the one in the current directory or above)")
	fs.BoolVar(&l.noCargo, "no-cargo", false, "never run cargo: read Cargo.lock and manifests (untrusted workspaces)")
	fs.BoolVar(&l.noCache, "no-cache", false, "neither read nor write the on-disk analysis cache")
	fs.BoolVar(&l.noDeps, "no-deps", false, "analyse workspace members only")
	fs.StringVar(&l.features, "features", "", "comma-separated features to assume enabled for workspace members")
	fs.Var(&l.targets, "target", "a target triple to build the graph for (repeatable; default: the workspace's `targets`, else every platform)")
}

func (l *loadFlags) load(ctx context.Context) (*project.Workspace, error) {
	path := l.manifestPath
	if path == "" {
		var err error
		if path, err = findManifest(); err != nil {
			return nil, err
		}
		l.found = path
	} else if info, err := os.Stat(path); err == nil && info.IsDir() {
		// cargo's own words: the flag names a file.
		return nil, fmt.Errorf("%w: the manifest-path must be a path to a Cargo.toml file, not the directory %s (try --manifest-path %s)",
			errUsage, path, filepath.Join(path, "Cargo.toml"))
	}
	opts := project.Options{NoCargo: l.noCargo, NoCache: l.noCache, NoDeps: l.noDeps}
	opts.Features, opts.Targets = splitList(l.features), l.targets
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

// helpText is the answer to a subcommand's -h/--help: its usage, on stdout,
// exit 0.
type helpText string

func (h helpText) Error() string { return string(h) }

func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s\nFlags of %s:\n", usage, fs.Name())
		fs.SetOutput(&b)
		fs.PrintDefaults()
		return helpText(b.String())
	} else if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 && fs.Name() != "diff" && fs.Name() != "audit" {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func check(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	var l loadFlags
	l.register(fs)
	pkg := fs.String("package", "", "report only on this workspace member (default: the member whose directory you are in, as cargo does)")
	fs.StringVar(pkg, "p", "", "shorthand for --package")
	workspace := fs.Bool("workspace", false, "the whole workspace, even inside a member's directory")
	format := fs.String("format", "text", "output format: text, json or sarif")
	fix := fs.Bool("fix", false, "apply the fixes that need no review (Form B migration, narrowing, removing unused declarations) and report what changed")
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
	if *pkg == "" && !*workspace {
		*pkg = l.cwdMember(w)
	}
	if err := checkFeatures(w, *pkg, splitList(l.features)); err != nil {
		return 2, err
	}
	if *fix {
		// The report goes where it does not spoil a JSON or SARIF document.
		out := stdout
		if *format != "text" {
			out = stderr
		}
		if w, err = applyFixes(ctx, w, *pkg, out); err != nil {
			return 2, err
		}
	}
	res := w.Result
	if l.noDeps {
		res = membersOnly(res)
	}
	if *pkg != "" {
		if res, err = project.ForPackage(w, *pkg); err != nil {
			return 2, err
		}
	}
	res = fixes.Attach(w, res)
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
	if err := checkFeatures(w, "", splitList(l.features)); err != nil {
		return 2, err
	}
	review := policy.NewReview(w.Result)
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
