package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// EnvConfig carries Config from `cargo-caps build` to the wrapper processes
// cargo starts: cargo passes its environment on to rustc and build scripts.
const EnvConfig = "CARGO_CAPS_BUILD"

// Config is what the wrappers need to know about the build.
type Config struct {
	Grants    []manifest.BuildGrant
	Workspace string   // the workspace root: its sources are read even under a hidden home
	UserEnv   []string // names of the variables the user's environment held (cargo's own are the rest)
	Explain   bool     // trace refused system calls with strace
	Denials   string   // directory the wrappers write Denial records into
	// Run, when set, runs test and program binaries sandboxed too, with these grants.
	Run *caps.Set
}

// The kinds of sandboxed code a Denial names.
const (
	kindBuildScript = "build script"
	kindProcMacro   = "proc-macro"
	kindCompileTime = "compile-time read"
	kindProgram     = "test or program binary"
)

// Denial is one build-time program the sandbox stopped, as a wrapper recorded it.
type Denial struct {
	Kind     string // kindBuildScript, …
	Crate    string // the package whose code was stopped
	Version  string
	Granted  caps.Set // what its grants already allowed
	Attempts []Attempt
	Code     int // the exit status
	// Passed is true for a program that succeeded without what it tried
	// (a variable it reads was withheld): it may have built differently.
	Passed bool
}

// grantsFor is the union of the grants for each package (name, version).
func (c Config) grantsFor(pkgs ...[2]string) caps.Set {
	var s caps.Set
	for _, p := range pkgs {
		for _, g := range c.Grants {
			if g.Matches(p[0], p[1]) {
				s = s.Union(g.Caps)
			}
		}
	}
	return s.Close()
}

func configFromEnv() Config {
	var c Config
	if v := os.Getenv(EnvConfig); v != "" {
		_ = json.Unmarshal([]byte(v), &c) // a garbled config sandboxes with no grants
	}
	return c
}

// Build runs `cargo args…` with this executable as RUSTC_WRAPPER, so that
// rustc and every build script run sandboxed, and returns cargo's exit
// status and what the sandbox stopped.
func Build(ctx context.Context, cargo string, args []string, cfg Config, stdout, stderr io.Writer) (int, []Denial, error) {
	self, err := os.Executable()
	if err != nil {
		return 2, nil, err
	}
	if cfg.Denials, err = os.MkdirTemp("", "cargo-caps-denials-"); err != nil {
		return 2, nil, err
	}
	defer os.RemoveAll(cfg.Denials)
	env := os.Environ()
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); ok {
			cfg.UserEnv = append(cfg.UserEnv, k)
		}
	}
	blob, err := json.Marshal(cfg)
	if err != nil {
		return 2, nil, err
	}
	// A RUSTC_WRAPPER the user set (sccache) is replaced: it would run outside the sandbox.
	env = append(env, "RUSTC_WRAPPER="+self, EnvConfig+"="+string(blob))
	if cfg.Run != nil {
		// cargo runs tests, benchmarks and `cargo run` through a target's runner.
		host, err := hostTriple(ctx)
		if err != nil {
			return 2, nil, err
		}
		runner := "CARGO_TARGET_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(host)) + "_RUNNER"
		env = append(env, runner+"="+self+" "+ProgramCommand)
	}
	cmd := exec.CommandContext(ctx, cargo, args...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, stdout, stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return 2, nil, fmt.Errorf("cannot run cargo: %w", err)
		}
		code = exit.ExitCode()
	}
	return code, readDenials(cfg.Denials), nil
}

func readDenials(dir string) []Denial {
	entries, _ := os.ReadDir(dir)
	var out []Denial
	for _, e := range entries {
		var d Denial
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && json.Unmarshal(b, &d) == nil {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b Denial) int { return strings.Compare(a.key(), b.key()) })
	// Every crate that expands a stopped proc-macro stops it again.
	return slices.CompactFunc(out, func(a, b Denial) bool { return a.key() == b.key() })
}

func (d Denial) key() string {
	k := d.Crate + "\x00" + d.Kind
	for _, a := range d.Attempts {
		k += "\x00" + a.What
	}
	return k
}

func (c Config) record(d Denial) {
	if c.Denials == "" {
		return
	}
	b, _ := json.Marshal(d)
	f, err := os.CreateTemp(c.Denials, "denial-*.json")
	if err != nil {
		return
	}
	f.Write(b)
	f.Close()
}

// rustcArgs is what the wrapper reads of one rustc command line.
type rustcArgs struct {
	crate, extra, outDir, incremental string
	crateTypes                        []string
	macros                            [][2]string // proc-macro crates it loads: package name, version
	libDirs                           []string
	probe                             bool // cargo asking rustc about itself: no crate code runs
}

func parseRustc(args []string) rustcArgs {
	var r rustcArgs
	value := func(i *int, flag string) (string, bool) {
		a := args[*i]
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v, true
		}
		if a == flag && *i+1 < len(args) {
			*i++
			return args[*i], true
		}
		return "", false
	}
	for i := 0; i < len(args); i++ {
		if v, ok := value(&i, "--crate-name"); ok {
			r.crate = v
		} else if v, ok := value(&i, "--crate-type"); ok {
			r.crateTypes = append(r.crateTypes, v)
		} else if v, ok := value(&i, "--out-dir"); ok {
			r.outDir = v
		} else if v, ok := value(&i, "-L"); ok {
			_, dir, found := strings.Cut(v, "=")
			if !found {
				dir = v
			}
			r.libDirs = append(r.libDirs, dir)
		} else if v, ok := value(&i, "--extern"); ok {
			if _, path, found := strings.Cut(v, "="); found && strings.HasSuffix(path, ".so") {
				r.macros = append(r.macros, macroPackage(path))
			}
		} else if v, ok := value(&i, "-C"); ok {
			if x, ok := strings.CutPrefix(v, "extra-filename="); ok {
				r.extra = x
			} else if x, ok := strings.CutPrefix(v, "incremental="); ok {
				r.incremental = x
			}
		} else if args[i] == "-vV" || args[i] == "-V" || args[i] == "--version" {
			r.probe = true
		}
	}
	r.probe = r.probe || r.crate == "" || r.crate == "___"
	return r
}

// macroSidecar names the package of a proc-macro library the wrapper built
// (the file name knows only the crate's `_` spelling). It lives outside
// rustc's --out-dir, which sandboxed code may write: a macro must not name
// itself after a granted package.
func macroSidecar(lib string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(lib)), ".cargo-caps", filepath.Base(lib)+".package")
}

// macroPackage is the package a proc-macro library was built from: the
// sidecar's, while the library is the one the wrapper saw rustc write.
func macroPackage(lib string) [2]string {
	if b, err := os.ReadFile(macroSidecar(lib)); err == nil {
		if f := strings.Fields(string(b)); len(f) == 3 && f[2] == fileHash(lib) {
			return [2]string{f[0], f[1]}
		}
		return [2]string{} // replaced since it was built: no package's grants
	}
	// Built by plain cargo: only the file name says what it is.
	name := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(lib), ".so"), "lib")
	if i := strings.LastIndex(name, "-"); i > 0 {
		name = name[:i]
	}
	return [2]string{name, ""}
}

func fileHash(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "-"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "-"
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Rustc is the RUSTC_WRAPPER: cargo runs `cargo-caps RUSTC ARGS…`. It runs
// rustc under the sandbox, with the grants of the crate it compiles and of
// the proc-macros it loads, and puts a sandboxing wrapper in place of each
// build script rustc links.
func Rustc(argv []string, stdout, stderr io.Writer) int {
	if len(argv) == 0 {
		fmt.Fprintln(stderr, "cargo-caps: RUSTC_WRAPPER called without a rustc")
		return 2
	}
	r := parseRustc(argv[1:])
	if Inside() || r.probe {
		return execDirect(argv, stderr)
	}
	cfg := configFromEnv()
	pkg := [2]string{os.Getenv("CARGO_PKG_NAME"), os.Getenv("CARGO_PKG_VERSION")}
	p := cfg.policy()
	p.Grants = cfg.grantsFor(append([][2]string{pkg}, r.macros...)...)
	p.Writable = []string{r.outDir, r.incremental}
	p.Expose = append(p.Expose, filepath.Dir(filepath.Dir(argv[0]))) // the toolchain rustc belongs to
	p.Expose = append(p.Expose, r.libDirs...)
	p.Expose = append(p.Expose, os.Getenv("OUT_DIR")) // include!(concat!(env!("OUT_DIR"), …))
	trace := cfg.trace(&p)
	defer os.RemoveAll(trace)
	res := Run(p, argv, os.Stdin, stdout, stderr)
	if res.Code != 0 {
		attempts := Explain(p, res.Output, res.Trace, cfg.hidden())
		macroPanicked := len(r.macros) > 0 && bytes.Contains(res.Output, []byte("panicked"))
		if len(attempts) > 0 || macroPanicked {
			// The code that ran is the proc-macros', or the crate's own env!/include_str!.
			stopped, kind := r.macros, kindProcMacro
			if len(stopped) == 0 {
				stopped, kind = [][2]string{pkg}, kindCompileTime
			}
			for _, m := range stopped {
				cfg.record(Denial{Kind: kind, Crate: m[0], Version: m[1],
					Granted: cfg.grantsFor(m), Attempts: attempts, Code: res.Code})
			}
		}
		return res.Code
	}
	if slices.Contains(r.crateTypes, "proc-macro") {
		lib := filepath.Join(r.outDir, "lib"+r.crate+r.extra+".so")
		sidecar := macroSidecar(lib)
		if os.MkdirAll(filepath.Dir(sidecar), 0o755) == nil {
			_ = os.WriteFile(sidecar, []byte(pkg[0]+" "+pkg[1]+" "+fileHash(lib)+"\n"), 0o644)
		}
	}
	if r.crate == "build_script_build" && r.outDir != "" {
		if err := interpose(filepath.Join(r.outDir, r.crate+r.extra)); err != nil {
			fmt.Fprintf(stderr, "cargo-caps: cannot sandbox the build script of %s: %v\n", pkg[0], err)
			return 2
		}
	}
	return 0
}

// BuildScriptCommand is the hidden cargo-caps command a wrapped build script runs.
const BuildScriptCommand = "__build-script"

// ProgramCommand is the hidden cargo-caps command cargo runs test and
// program binaries through when the workspace sets run-sandboxed.
const ProgramCommand = "__run"

// realSuffix names a build script's own binary once its wrapper took its place.
const realSuffix = ".real"

// interpose moves the linked build script aside and writes, in its place, a
// script that runs it through `cargo-caps __build-script`.
func interpose(bin string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := os.Rename(bin, bin+realSuffix); err != nil {
		return err
	}
	script := fmt.Sprintf("#!/bin/sh\n# cargo-caps: run this build script under bubblewrap\nexec %s %s %s \"$@\"\n",
		shellQuote(self), BuildScriptCommand, shellQuote(bin+realSuffix))
	return os.WriteFile(bin, []byte(script), 0o755)
}

// WrapBuilt interposes the build scripts plain cargo linked before under
// dir (cargo's build directory): cargo may run one again without relinking
// it (a rerun-if-changed input changed), and it must not run unsandboxed.
func WrapBuilt(dir string) error {
	for _, pattern := range []string{"*/build/*/build_script_build-*", "*/*/build/*/build_script_build-*"} {
		bins, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, bin := range bins {
			if filepath.Ext(bin) != "" || !isELF(bin) {
				continue // dep-info, the .real binary, a wrapper already
			}
			if err := interpose(bin); err != nil {
				return err
			}
			// cargo runs the hardlink it made beside it, which still is the real binary.
			link := filepath.Join(filepath.Dir(bin), "build-script-build")
			if _, err := os.Stat(link); err == nil {
				if err := os.Remove(link); err != nil {
					return err
				}
				if err := os.Link(bin, link); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isELF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && string(magic) == "\x7fELF"
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// BuildScript runs a build script's real binary under the sandbox with its
// package's grants. Without a Config (a plain `cargo build` reusing a
// wrapped script) it still sandboxes, granting nothing.
func BuildScript(argv []string, stdout, stderr io.Writer) int {
	if Inside() {
		return execDirect(argv, stderr)
	}
	cfg := configFromEnv()
	pkg := [2]string{os.Getenv("CARGO_PKG_NAME"), os.Getenv("CARGO_PKG_VERSION")}
	p := cfg.policy()
	p.Grants = cfg.grantsFor(pkg)
	p.Writable = []string{os.Getenv("OUT_DIR")}
	p.Expose = append(p.Expose, filepath.Dir(argv[0]))
	if rustc := os.Getenv("RUSTC"); filepath.IsAbs(rustc) {
		p.Expose = append(p.Expose, filepath.Dir(filepath.Dir(rustc)))
	}
	trace := cfg.trace(&p)
	defer os.RemoveAll(trace)
	res := Run(p, argv, os.Stdin, stdout, stderr)
	switch {
	case res.Code != 0:
		cfg.record(Denial{Kind: kindBuildScript, Crate: pkg[0], Version: pkg[1],
			Granted: p.Grants, Attempts: Explain(p, res.Output, res.Trace, cfg.hidden()), Code: res.Code})
	case !p.Grants.Has(caps.EnvReadonly):
		// It passed, but may have built differently: a variable it said it reads was withheld.
		if withheld := WithheldReads(res.Output, cfg.hidden()); len(withheld) > 0 {
			cfg.record(Denial{Kind: kindBuildScript, Crate: pkg[0], Version: pkg[1], Granted: p.Grants, Attempts: withheld, Passed: true})
		}
	}
	return res.Code
}

// Program is the runner of test and program binaries: it runs argv under
// the sandbox with the workspace's run-sandboxed grants. A failure is a
// denial only when its output shows the sandbox refused something.
func Program(argv []string, stdout, stderr io.Writer) int {
	if len(argv) == 0 || Inside() {
		return execDirect(argv, stderr)
	}
	cfg := configFromEnv()
	p := cfg.policy()
	if cfg.Run != nil {
		p.Grants = cfg.Run.Close()
	}
	p.Writable = []string{os.Getenv("CARGO_TARGET_TMPDIR")}
	if abs, err := filepath.Abs(argv[0]); err == nil {
		p.Expose = append(p.Expose, filepath.Dir(abs))
	}
	trace := cfg.trace(&p)
	defer os.RemoveAll(trace)
	res := Run(p, argv, os.Stdin, stdout, stderr)
	if res.Code != 0 {
		if attempts := Explain(p, res.Output, res.Trace, cfg.hidden()); len(attempts) > 0 {
			cfg.record(Denial{Kind: kindProgram, Crate: os.Getenv("CARGO_PKG_NAME"), Version: os.Getenv("CARGO_PKG_VERSION"),
				Granted: p.Grants, Attempts: attempts, Code: res.Code})
		}
	}
	return res.Code
}

// CargoCommand is the command line that runs cargo (its arguments to be
// appended) in the build sandbox with no grants, in the workspace at dir:
// for a language server's `cargo metadata`, which runs the rustc a
// workspace's .cargo/config.toml names.
func CargoCommand(dir string) []string {
	p := Config{Workspace: dir}.policy()
	p.Dir = dir
	// cargo metadata rewrites an outdated lockfile in place; it cannot create a missing one.
	p.Writable = []string{filepath.Join(dir, "Cargo.lock")}
	return append([]string{"bwrap"}, p.Args([]string{"cargo"})...)
}

// hostTriple asks rustc for the host target, whose runner cargo uses.
func hostTriple(ctx context.Context) (string, error) {
	rustc := os.Getenv("RUSTC")
	if rustc == "" {
		rustc = "rustc"
	}
	out, err := exec.CommandContext(ctx, rustc, "-vV").Output()
	if err != nil {
		return "", fmt.Errorf("rustc -vV: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if host, ok := strings.CutPrefix(line, "host: "); ok {
			return strings.TrimSpace(host), nil
		}
	}
	return "", errors.New("rustc -vV names no host")
}

// policy is the part of a Policy every wrapper shares.
func (c Config) policy() Policy {
	home, _ := os.UserHomeDir()
	dir, _ := os.Getwd()
	p := Policy{Home: home, PackageDir: os.Getenv("CARGO_MANIFEST_DIR"), Dir: dir, Env: os.Environ(), Keep: c.keep}
	p.Expose = []string{c.Workspace, p.PackageDir}
	cargoHome := os.Getenv("CARGO_HOME")
	if cargoHome == "" && home != "" {
		cargoHome = filepath.Join(home, ".cargo")
	}
	if cargoHome != "" {
		// Registry and git sources and installed tools; not credentials or config.
		p.Expose = append(p.Expose, filepath.Join(cargoHome, "registry"), filepath.Join(cargoHome, "git"), filepath.Join(cargoHome, "bin"))
	}
	rustupHome := os.Getenv("RUSTUP_HOME")
	if rustupHome == "" && home != "" {
		rustupHome = filepath.Join(home, ".rustup")
	}
	if rustupHome != "" {
		p.Expose = append(p.Expose, rustupHome)
	}
	return p
}

// trace turns on strace for p with --explain when strace is installed; it
// returns the log's directory for the caller to remove.
func (c Config) trace(p *Policy) string {
	if !c.Explain {
		return ""
	}
	if _, err := exec.LookPath("strace"); err != nil {
		return ""
	}
	dir, err := os.MkdirTemp("", "cargo-caps-trace-")
	if err == nil {
		p.Trace = dir
	}
	return dir
}

// cargoVars are the variables cargo sets for build scripts and rustc that a
// user may also have set: they pass even though the user's names are withheld.
var cargoVars = []string{"PATH", "HOME", "OUT_DIR", "TARGET", "HOST", "NUM_JOBS", "OPT_LEVEL", "DEBUG", "PROFILE",
	"RUSTC", "RUSTDOC", "RUSTC_LINKER", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "RUSTFLAGS", "RUSTDOCFLAGS",
	"RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "RUST_BACKTRACE", EnvConfig}

// keep says whether a variable passes without env-readonly: every variable
// cargo added (not in the user's environment) and cargo's own names — but
// not registry credentials (CARGO_REGISTRY_TOKEN, CARGO_REGISTRIES_*).
// Without a Config, only cargo's own names pass.
func (c Config) keep(name string) bool {
	switch {
	case strings.HasPrefix(name, "CARGO_REGISTRY_") || strings.HasPrefix(name, "CARGO_REGISTRIES_"):
		return false
	case c.UserEnv != nil && !slices.Contains(c.UserEnv, name), slices.Contains(cargoVars, name),
		strings.HasPrefix(name, "CARGO_"), strings.HasPrefix(name, "DEP_"):
		return true
	}
	return false
}

// hidden are the user's variables a sandbox without env-readonly withholds.
func (c Config) hidden() []string {
	var out []string
	for _, n := range c.UserEnv {
		if !c.keep(n) {
			out = append(out, n)
		}
	}
	return out
}

// execDirect replaces this process with argv: inside a sandbox already, or
// for cargo's questions to rustc about itself.
func execDirect(argv []string, stderr io.Writer) int {
	path, err := exec.LookPath(argv[0])
	if err == nil {
		err = syscall.Exec(path, argv, os.Environ())
	}
	fmt.Fprintf(stderr, "cargo-caps: cannot run %s: %v\n", argv[0], err)
	return 2
}
