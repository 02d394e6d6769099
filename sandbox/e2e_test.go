package sandbox_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/sandbox"
)

// The end-to-end tests run the real cargo-caps binary, real cargo and real
// bubblewrap on testdata/fixture, with a temporary HOME. Outside CI they skip
// when bwrap or cargo is missing; under CI=true they fail.
func needTools(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := exec.LookPath("cargo"); err != nil {
		missing = append(missing, "cargo")
	}
	if err := sandbox.Available(); err != nil {
		missing = append(missing, err.Error())
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI needs the build sandbox's tools: %s", strings.Join(missing, "; "))
	}
	t.Skipf("skipping the build-sandbox end-to-end test: %s", strings.Join(missing, "; "))
}

var binary string

// cargoCaps builds the command once per test binary.
func cargoCaps(t *testing.T) string {
	t.Helper()
	if binary != "" {
		return binary
	}
	dir, err := os.MkdirTemp("", "cargo-caps-e2e-bin-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "cargo-caps")
	if b, err := exec.Command("go", "build", "-o", out, "../cmd/cargo-caps").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	binary = out
	return out
}

// fixture is one copy of testdata/fixture with its own home and target dir.
type fixture struct {
	t                *testing.T
	dir, home, cargo string
	target           string
	port             int
	connections      *atomic.Int32
	env              []string // more variables for the commands it runs
}

func newFixture(t *testing.T) *fixture { return newFixtureAt(t, false) }

// newFixtureAt places the workspace and its target dir inside the home when
// underHome, as most developers keep them.
func newFixtureAt(t *testing.T, underHome bool) *fixture {
	needTools(t)
	root := t.TempDir()
	f := &fixture{t: t, dir: filepath.Join(root, "ws"), home: filepath.Join(root, "home"), target: filepath.Join(root, "target"),
		cargo: cargoCaps(t), connections: &atomic.Int32{}}
	if underHome {
		f.dir, f.target = filepath.Join(f.home, "src", "ws"), filepath.Join(f.home, "src", "ws", "target")
	}
	if err := os.MkdirAll(f.home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(f.dir, os.DirFS("testdata/fixture")); err != nil {
		t.Fatal(err)
	}
	f.write(filepath.Join(f.home, "secret.txt"), "s3cret-token")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.connections.Add(1)
			c.Close()
		}
	}()
	f.port = ln.Addr().(*net.TCPAddr).Port
	for _, pkg := range []string{"leaky", "app"} {
		f.write(filepath.Join(f.dir, pkg, "port.txt"), fmt.Sprint(f.port))
	}
	return f
}

func (f *fixture) write(path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// grant adds one line to the fixture's [workspace.metadata.capabilities.build].
func (f *fixture) grant(line string) {
	path := filepath.Join(f.dir, "Cargo.toml")
	f.write(path, f.read(path)+line+"\n")
}

func (f *fixture) read(path string) string {
	text, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(text)
}

// build runs `cargo-caps build` with the features and returns its exit status and output.
func (f *fixture) build(extra ...string) (int, string) {
	f.t.Helper()
	return f.run("build", extra...)
}

// run runs `cargo-caps CMD --offline extra…`.
func (f *fixture) run(command string, extra ...string) (int, string) {
	f.t.Helper()
	return f.exec(f.cargo, append([]string{command, "--offline"}, extra...)...)
}

// exec runs a program in the fixture with its home and target dir.
func (f *fixture) exec(program string, args ...string) (int, string) {
	f.t.Helper()
	home, _ := os.UserHomeDir()
	cmd := exec.Command(program, args...)
	cmd.Dir = f.dir
	cmd.Env = append(os.Environ(), "HOME="+f.home, "CARGO_TARGET_DIR="+f.target, "CAPS_TEST_SECRET=hunter2-env")
	cmd.Env = append(cmd.Env, f.env...)
	// The toolchain stays where it is; only HOME moves.
	if os.Getenv("RUSTUP_HOME") == "" {
		cmd.Env = append(cmd.Env, "RUSTUP_HOME="+filepath.Join(home, ".rustup"))
	}
	if os.Getenv("CARGO_HOME") == "" {
		cmd.Env = append(cmd.Env, "CARGO_HOME="+filepath.Join(home, ".cargo"))
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String()
	} else if err != nil {
		f.t.Fatal(err)
	}
	return 0, out.String()
}

func (f *fixture) exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// attempt is one thing build-time code tries: the feature that makes it
// try, the grant that allows it, and how the test sees that it happened.
type attempt struct {
	feature, grant string
	happened       func(f *fixture, output string) bool
	// denial is what the finding says with --explain (strace) or from the error text.
	denial string
}

// explained is the part of a denial only strace can tell; "" without strace.
func (a attempt) explained() string {
	if _, err := exec.LookPath("strace"); err != nil {
		return ""
	}
	return a.denial
}

var attempts = []attempt{
	{"home-write", "fs", func(f *fixture, _ string) bool { return f.exists(filepath.Join(f.home, "marker-home")) }, "home/marker-"},
	{"home-read", "fs-readonly", func(_ *fixture, out string) bool { return strings.Contains(out, "s3cret-token") }, "secret.txt"},
	{"net", "net", func(f *fixture, _ string) bool { return f.connections.Load() > 0 }, "connect to"},
	{"env", "env-readonly", func(_ *fixture, out string) bool { return strings.Contains(out, "hunter2-env") }, "CAPS_TEST_SECRET"},
	{"src-write", "fs", func(f *fixture, _ string) bool { return f.exists(filepath.Join(f.dir, "leaky", "marker-src")) }, "-src (EROFS)"},
}

func TestBuildScriptDeniedThenGranted(t *testing.T) {
	for _, a := range attempts {
		t.Run(a.feature, func(t *testing.T) {
			f := newFixture(t)
			code, out := f.build("--explain", "--features", a.feature)
			if code == 0 {
				t.Fatalf("the build passed, want the sandbox to stop leaky's build script:\n%s", out)
			}
			if a.happened(f, out) {
				t.Fatalf("leaky's build script did %s under the sandbox:\n%s", a.feature, out)
			}
			want := fmt.Sprintf(`leaky = ["%s"]`, a.grant)
			for _, s := range []string{"error[build-denied]: the sandbox stopped the build script of `leaky`", want, a.explained(), "app/Cargo.toml:8:1"} {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			f.grant(want)
			if code, out := f.build("--features", a.feature); code != 0 || !a.happened(f, out) {
				t.Fatalf("with the grant %s: exit %d, happened %v:\n%s", want, code, a.happened(f, out), out)
			}
		})
	}
}

func TestProcMacroDenied(t *testing.T) {
	f := newFixture(t)
	for _, a := range attempts {
		t.Run(a.feature, func(t *testing.T) {
			code, out := f.build("--explain", "--features", "macro-"+a.feature)
			if code == 0 {
				t.Fatalf("the build passed, want the sandbox to stop leak!:\n%s", out)
			}
			for _, marker := range []string{filepath.Join(f.home, "marker-macro-home"), filepath.Join(f.dir, "app", "marker-macro-src")} {
				if f.exists(marker) {
					t.Fatalf("leak! wrote %s under the sandbox", marker)
				}
			}
			if f.connections.Load() > 0 {
				t.Fatal("leak! reached the listener under the sandbox")
			}
			want := fmt.Sprintf(`leaky-macro = ["%s"]`, a.grant)
			for _, s := range []string{"error[build-denied]: the sandbox stopped the proc-macro of `leaky-macro`", want, a.explained()} {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
	f.grant(`leaky-macro = ["net"]`)
	if code, out := f.build("--features", "macro-net"); code != 0 || f.connections.Load() == 0 {
		t.Fatalf("with the grant: exit %d, connections %d:\n%s", code, f.connections.Load(), out)
	}
}

// Without --explain the error text alone names what was stopped.
func TestDeniedFromErrorText(t *testing.T) {
	f := newFixture(t)
	code, out := f.build("--features", "net")
	if code == 0 || !strings.Contains(out, `Connection refused`) || !strings.Contains(out, `leaky = ["net"]`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestCleanBuildPassesAndRunsWrapped(t *testing.T) {
	f := newFixture(t)
	if code, out := f.build(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	scripts, _ := filepath.Glob(filepath.Join(f.target, "debug", "build", "leaky-*", "build-script-build"))
	if len(scripts) != 1 {
		t.Fatalf("build scripts %q", scripts)
	}
	text, _ := os.ReadFile(scripts[0])
	if !strings.Contains(string(text), sandbox.BuildScriptCommand) {
		t.Errorf("the build script was not replaced by its wrapper:\n%s", text)
	}
	// A second run is fresh: cargo's caching is unchanged.
	start := time.Now()
	if code, out := f.build(); code != 0 || strings.Contains(out, "Compiling") {
		t.Fatalf("second build, exit %d:\n%s", code, out)
	}
	t.Logf("fresh rebuild in %v", time.Since(start))
}

// With run-sandboxed, `cargo-caps test` runs the test binaries in the
// sandbox too, held to its grants; without it they run as cargo runs them.
func TestTestBinaries(t *testing.T) {
	f := newFixture(t)
	if code, out := f.run("test", "--test", "connect"); code != 0 || f.connections.Load() != 1 {
		t.Fatalf("without run-sandboxed: exit %d, connections %d:\n%s", code, f.connections.Load(), out)
	}
	f.grant("[workspace.metadata.capabilities]\nrun-sandboxed = []")
	code, out := f.run("test", "--test", "connect")
	if code == 0 || f.connections.Load() != 1 {
		t.Fatalf("run-sandboxed = []: exit %d, connections %d:\n%s", code, f.connections.Load(), out)
	}
	if want := `the sandbox stopped the test or program binary of ` + "`app`"; !strings.Contains(out, want) || !strings.Contains(out, `run-sandboxed = ["net"]`) {
		t.Errorf("output lacks %q and the grant:\n%s", want, out)
	}
	f.write(filepath.Join(f.dir, "Cargo.toml"), strings.Replace(f.read(filepath.Join(f.dir, "Cargo.toml")), "run-sandboxed = []", `run-sandboxed = ["net"]`, 1))
	if code, out := f.run("test", "--test", "connect"); code != 0 || f.connections.Load() != 2 {
		t.Fatalf(`run-sandboxed = ["net"]: exit %d, connections %d:\n%s`, code, f.connections.Load(), out)
	}
}

// A build script plain cargo linked before, run again without relinking
// (its package changed), runs sandboxed: cargo-caps wraps it first.
func TestBuiltByPlainCargo(t *testing.T) {
	f := newFixture(t)
	if code, out := f.exec("cargo", "build", "--offline", "--features", "env"); code != 0 || !strings.Contains(out, "hunter2-env") {
		t.Fatalf("plain cargo: exit %d:\n%s", code, out)
	}
	f.write(filepath.Join(f.dir, "leaky", "src", "lib.rs"), "pub const VALUE: u32 = 2;\n")
	code, out := f.build("--features", "env")
	if code == 0 || strings.Contains(out, "hunter2-env") || !strings.Contains(out, `leaky = ["env-readonly"]`) {
		t.Fatalf("want the rerun build script stopped: exit %d:\n%s", code, out)
	}
}

// A workspace inside the hidden home is still read, its outputs written,
// and its package directory opened by `fs`.
func TestWorkspaceUnderHome(t *testing.T) {
	f := newFixtureAt(t, true)
	if code, out := f.build(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	marker := filepath.Join(f.dir, "leaky", "marker-src")
	if code, out := f.build("--features", "src-write"); code == 0 || f.exists(marker) || !strings.Contains(out, `leaky = ["fs"]`) {
		t.Fatalf("want the write stopped: exit %d:\n%s", code, out)
	}
	f.grant(`leaky = ["fs"]`)
	if code, out := f.build("--features", "src-write"); code != 0 || !f.exists(marker) {
		t.Fatalf("with fs: exit %d:\n%s", code, out)
	}
}

// CargoCommand runs a language server's `cargo metadata` sandboxed: the
// rustc a workspace's .cargo/config.toml names (cargo metadata runs it) cannot
// write the home, and the graph still loads.
func TestCargoMetadataSandboxed(t *testing.T) {
	f := newFixture(t)
	if code, out := f.exec("cargo", "generate-lockfile", "--offline"); code != 0 {
		t.Fatalf("generate-lockfile: %s", out)
	}
	rustc := filepath.Join(f.dir, "evil-rustc")
	f.write(rustc, "#!/bin/sh\necho pwned > \"$HOME/marker-rustc\" 2>/dev/null\nexec rustc \"$@\"\n")
	if err := os.Chmod(rustc, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(f.dir, ".cargo"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.write(filepath.Join(f.dir, ".cargo", "config.toml"), fmt.Sprintf("[build]\nrustc = %q\n", rustc))
	// The toolchain stays where it is; only HOME moves.
	realHome, _ := os.UserHomeDir()
	if os.Getenv("RUSTUP_HOME") == "" {
		t.Setenv("RUSTUP_HOME", filepath.Join(realHome, ".rustup"))
	}
	if os.Getenv("CARGO_HOME") == "" {
		t.Setenv("CARGO_HOME", filepath.Join(realHome, ".cargo"))
	}
	t.Setenv("HOME", f.home)
	g, err := graph.Load(filepath.Join(f.dir, "Cargo.toml"), graph.Options{Cargo: sandbox.CargoCommand(f.dir)})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Crates) < 3 {
		t.Errorf("graph has %d crates", len(g.Crates))
	}
	if f.exists(filepath.Join(f.home, "marker-rustc")) {
		t.Error("the workspace's rustc wrote into the home from a sandboxed cargo metadata")
	}
	// The control: unsandboxed, it does.
	if _, err := graph.Load(filepath.Join(f.dir, "Cargo.toml"), graph.Options{}); err != nil || !f.exists(filepath.Join(f.home, "marker-rustc")) {
		t.Errorf("unsandboxed cargo metadata did not run the workspace's rustc (err %v): the test proves nothing", err)
	}
}

// A build script that passes without a variable it declares it reads
// (rerun-if-env-changed) is warned about: it may have built another way.
func TestWithheldOptionalVariable(t *testing.T) {
	f := newFixture(t)
	f.env = []string{"CAPS_TEST_OPTIONAL=opt-in"}
	code, out := f.build()
	if code != 0 || strings.Contains(out, "configured with opt-in") ||
		!strings.Contains(out, "warning[build-denied]: the build script of `leaky` passed without what the sandbox withheld") ||
		!strings.Contains(out, "CAPS_TEST_OPTIONAL") || !strings.Contains(out, `leaky = ["env-readonly"]`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	f.grant(`leaky = ["env-readonly"]`)
	// cargo reruns a build script that passed only when it thinks it must: here, a new value.
	f.env = []string{"CAPS_TEST_OPTIONAL=opt-in-2"}
	if code, out := f.build(); code != 0 || !strings.Contains(out, "configured with opt-in-2") || strings.Contains(out, "build-denied") {
		t.Fatalf("with env-readonly: exit %d:\n%s", code, out)
	}
}

func TestRefusesWithoutBwrap(t *testing.T) {
	needTools(t)
	bin := cargoCaps(t)
	// A PATH with cargo but no bwrap.
	dir := t.TempDir()
	cargo, _ := exec.LookPath("cargo")
	if err := os.Symlink(cargo, filepath.Join(dir, "cargo")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "build")
	cmd.Dir = "testdata/fixture"
	cmd.Env = append(os.Environ(), "PATH="+dir)
	out, err := cmd.CombinedOutput()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() != 2 || !strings.Contains(string(out), "bwrap") || !strings.Contains(string(out), "--no-sandbox") {
		t.Fatalf("want exit 2 naming bwrap and --no-sandbox, got %v:\n%s", err, out)
	}
}
