// Package sandbox runs cargo's build-time code — build scripts, and rustc
// with the proc-macros it loads — under bubblewrap (`bwrap`), held to the
// capabilities [workspace.metadata.capabilities.build] grants the crate
// (SPEC §3.6), and reads what a stopped command tried from its output and,
// with --explain, from strace. It knows nothing of analysis, policy or how
// findings are shown: it hands back Denials.
package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
)

// Policy is what one sandboxed command may see and do.
type Policy struct {
	// Grants are the build grants of the crates whose code runs (closed under implication).
	Grants caps.Set
	// Home is the user's home directory, replaced by an empty read-only
	// directory unless fs-readonly (then shown read-only) or fs (writable).
	Home string
	// Expose are paths the command must read even under the hidden home or
	// the private /tmp: the toolchain, cargo's registry sources, the
	// workspace and package sources.
	Expose []string
	// PackageDir is the crate's directory: read-only, writable with fs.
	PackageDir string
	// Writable are the outputs it must write: OUT_DIR, rustc's --out-dir.
	Writable []string
	// Dir is the working directory.
	Dir string
	// Env is the environment to pass; with env-readonly it is passed whole,
	// else only the variables Keep accepts.
	Env  []string
	Keep func(name string) bool
	// Trace, when set, is a host directory strace writes its log into
	// (--explain); it is made writable inside the sandbox.
	Trace string
}

// traceFile is strace's log inside Policy.Trace.
const traceFile = "strace.log"

// Args returns the bwrap command line that runs argv under p. Later mounts
// win over earlier ones, so the order below is the policy.
func (p Policy) Args(argv []string) []string {
	a := []string{"--die-with-parent", "--new-session", "--unshare-all"}
	if p.Grants.Has(caps.Net) {
		a = append(a, "--share-net")
	}
	if os.Geteuid() == 0 {
		// Root keeps its capabilities inside by default and could remount / read-write.
		a = append(a, "--cap-drop", "ALL")
	}
	a = append(a, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp")
	hidden := []string{"/tmp"} // private: what the caller keeps in /tmp is not the sandbox's
	hideHome := p.Home != "" && p.Home != "/" && !p.Grants.Has(caps.FSReadonly)
	switch {
	case hideHome:
		a = append(a, "--tmpfs", p.Home)
		hidden = append(hidden, p.Home)
	case p.Grants.Has(caps.FS) && p.Home != "":
		a = append(a, "--bind", p.Home, p.Home)
	}
	expose := p.Expose
	if !hideHome && !p.Grants.Has(caps.FS) && p.Home != "" {
		expose = append(slices.Clone(expose), p.Home) // a home under /tmp
	}
	for _, e := range expose {
		if e != "" && slices.ContainsFunc(hidden, func(h string) bool { return within(e, h) }) && exists(e) {
			a = append(a, "--ro-bind", e, e)
		}
	}
	if p.Grants.Has(caps.FS) && p.PackageDir != "" {
		a = append(a, "--bind", p.PackageDir, p.PackageDir)
	}
	for _, w := range append(slices.Clone(p.Writable), p.Trace) {
		if w != "" && exists(w) {
			a = append(a, "--bind", w, w)
		}
	}
	if hideHome {
		// After the binds: bwrap creates their mount points in the empty home first.
		a = append(a, "--remount-ro", p.Home)
	}
	a = append(a, "--clearenv")
	for _, kv := range p.Env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" && (p.Grants.Has(caps.EnvReadonly) || p.Keep == nil || p.Keep(k)) {
			a = append(a, "--setenv", k, v)
		}
	}
	a = append(a, "--setenv", envInside, "1")
	if p.Dir != "" {
		a = append(a, "--chdir", p.Dir)
	}
	a = append(a, "--")
	if p.Trace != "" {
		strace, err := exec.LookPath("strace")
		if err != nil {
			strace = "strace"
		}
		a = append(a, strace, "-f", "-qq", "-e", "trace=%file,%network", "-e", "status=failed",
			"-o", filepath.Join(p.Trace, traceFile))
	}
	return append(a, argv...)
}

// envInside marks a process already inside a sandbox: a build script that
// runs $RUSTC (autocfg probes) reaches the wrapper again, which must not nest.
const envInside = "CARGO_CAPS_SANDBOXED"

// Inside reports whether this process runs inside a cargo-caps sandbox.
func Inside() bool { return os.Getenv(envInside) != "" }

// Outcome is how a sandboxed command ended.
type Outcome struct {
	Code   int    // its exit status (-1 when it could not start)
	Output []byte // the tail of what it wrote to stdout and stderr, for Explain
	Trace  []byte // strace's log, with Policy.Trace
}

// outputTail bounds what Run keeps of a command's output.
const outputTail = 1 << 20

// Run runs argv under p, passing its output through unchanged.
func Run(p Policy, argv []string, stdin io.Reader, stdout, stderr io.Writer) Outcome {
	var kept tail
	cmd := exec.Command("bwrap", p.Args(argv)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, io.MultiWriter(stdout, &kept), io.MultiWriter(stderr, &kept)
	err := cmd.Run()
	out := Outcome{Output: kept.buf.Bytes()}
	if p.Trace != "" {
		out.Trace, _ = os.ReadFile(filepath.Join(p.Trace, traceFile))
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		out.Code = exit.ExitCode()
	default:
		fmt.Fprintf(stderr, "cargo-caps: cannot run bwrap: %v\n", err)
		out.Code = -1
	}
	return out
}

// tail keeps the last outputTail bytes written to it.
type tail struct{ buf bytes.Buffer }

func (t *tail) Write(b []byte) (int, error) {
	t.buf.Write(b)
	if over := t.buf.Len() - outputTail; over > 0 {
		t.buf.Next(over)
	}
	return len(b), nil
}

// Available reports why the sandbox cannot run here, or nil: not Linux, no
// bwrap on PATH, or bwrap unable to create its namespaces (user namespaces off).
func Available() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("the build sandbox needs Linux (bubblewrap); this is %s", runtime.GOOS)
	}
	if _, err := exec.LookPath("bwrap"); err != nil {
		return errors.New("bwrap (bubblewrap) is not installed: install it (Debian: apt-get install bubblewrap)")
	}
	probe := Policy{}.Args([]string{"true"})
	if out, err := exec.Command("bwrap", probe...).CombinedOutput(); err != nil {
		return fmt.Errorf("bwrap cannot create a sandbox here (are user namespaces enabled? sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces): %s",
			strings.TrimSpace(string(out)))
	}
	return nil
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
