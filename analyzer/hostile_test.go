package analyzer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

// Hostile packages: files that are not the package's own, or not files,
// are reported and never read (issue 10). txtar cannot hold symlinks or
// FIFOs, so these packages are built here.
func TestHostileFiles(t *testing.T) {
	tmp := t.TempDir()
	pkg := filepath.Join(tmp, "pkg")
	testfs.Write(t, filepath.Join(tmp, "secret.txt"), "SECRET-MARKER")
	testfs.Write(t, filepath.Join(tmp, "outdir/mod.rs"), "pub fn f() { std::fs::remove_dir_all(\"/\"); }")
	testfs.Write(t, filepath.Join(tmp, "outdir/x.rs"), "pub fn f() { std::fs::remove_dir_all(\"/\"); }")
	testfs.Write(t, filepath.Join(pkg, "src/lib.rs"), `mod secret;
mod environ;
mod zero;
mod fifo;
mod linked;
#[path = "linked/x.rs"]
mod via;
mod big;
mod alias;
pub fn f() {
    include!("inc.rs");
    let _ = include_str!("data.txt");
    let _ = include_bytes!("own.txt");
}
`)
	testfs.Write(t, filepath.Join(pkg, "src/real.rs"), "pub fn f() { std::env::args(); }")
	testfs.Write(t, filepath.Join(pkg, "src/own.txt"), "fine")
	testfs.Link(t, "../../secret.txt", filepath.Join(pkg, "src/secret.rs"))
	testfs.Link(t, "/proc/self/environ", filepath.Join(pkg, "src/environ.rs"))
	testfs.Link(t, "/dev/zero", filepath.Join(pkg, "src/zero.rs"))
	testfs.Link(t, "../../outdir", filepath.Join(pkg, "src/linked"))
	testfs.Link(t, "real.rs", filepath.Join(pkg, "src/alias.rs"))
	testfs.Link(t, "../../secret.txt", filepath.Join(pkg, "src/inc.rs"))
	testfs.Link(t, "../../secret.txt", filepath.Join(pkg, "src/data.txt"))
	if err := syscall.Mkfifo(filepath.Join(pkg, "src/fifo.rs"), 0o644); err != nil {
		t.Fatal(err)
	}
	big, err := os.Create(filepath.Join(pkg, "src/big.rs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(17 << 20); err != nil { // sparse
		t.Fatal(err)
	}
	big.Close()

	done := make(chan Summary)
	go func() {
		done <- AnalyzeCrate(Crate{Name: "hostile", Dir: pkg, Targets: []Target{{Kind: Lib, Path: filepath.Join(pkg, "src/lib.rs")}}})
	}()
	var sum Summary
	select {
	case sum = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the analysis blocks (on the FIFO?)")
	}
	got := describe(sum)
	want := []string{
		"lib.rs:1 unanalysed: module file src/secret.rs not read: symlink leaves the package",
		"lib.rs:2 unanalysed: module file src/environ.rs not read: symlink leaves the package",
		"lib.rs:3 unanalysed: module file src/zero.rs not read: symlink leaves the package",
		"lib.rs:4 unanalysed: module file src/fifo.rs not read: not a regular file",
		"lib.rs:5 unanalysed: module file src/linked/mod.rs not read: symlink leaves the package",
		"lib.rs:7 unanalysed: module file src/linked/x.rs not read: symlink leaves the package",
		"lib.rs:8 unanalysed: module file src/big.rs not read: larger than 8 MB",
		`lib.rs:11 fs-readonly include!("inc.rs")`,
		"lib.rs:11 unanalysed: include! of a file outside the package is not analysed",
		`lib.rs:12 fs-readonly include_str!("data.txt")`,
		"alias.rs:1 env-readonly std::env::args", // a symlink inside the package is the package's
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	for _, f := range sum.Files {
		if !strings.HasPrefix(f, pkg) || strings.Contains(f, "secret") {
			t.Errorf("analysed %s", f)
		}
	}
}

// A target root is read through the same guard: one that is a symlink out
// of the package, or a device, is reported on the manifest that names it.
func TestHostileTargetRoots(t *testing.T) {
	tmp := t.TempDir()
	pkg := filepath.Join(tmp, "pkg")
	testfs.Write(t, filepath.Join(tmp, "secret.rs"), "pub fn f() { std::fs::write(\"x\", \"\"); }")
	testfs.Write(t, filepath.Join(pkg, "Cargo.toml"), "[package]\nname = \"p\"\n")
	testfs.Link(t, "../../secret.rs", filepath.Join(pkg, "src/lib.rs"))
	sum := AnalyzeCrate(Crate{Name: "p", Dir: pkg, Targets: []Target{
		{Kind: Lib, Path: filepath.Join(pkg, "src/lib.rs")},
		{Kind: Bin, Path: "/dev/urandom"},
	}})
	got := describe(sum)
	want := []string{
		"Cargo.toml:1 unanalysed: target root /dev/urandom not read: outside the package",
		"Cargo.toml:1 unanalysed: target root src/lib.rs not read: symlink leaves the package",
	}
	if !slices.Equal(got, want) || len(sum.Files) != 0 {
		t.Errorf("got %q (files %q), want %q", got, sum.Files, want)
	}
}

// A chain of files each declaring the next twice is exponential unless each
// file is in the module tree once; each repeated declaration is reported.
func TestDoublingChain(t *testing.T) {
	const levels = 18
	pkg := t.TempDir()
	for i := 0; i < levels; i++ {
		text := "pub fn f() { std::env::args(); }\n"
		if i+1 < levels {
			text = fmt.Sprintf("#[path = \"l%d.rs\"]\nmod a;\n#[path = \"l%d.rs\"]\nmod b;\n", i+1, i+1) + text
		}
		name := fmt.Sprintf("src/l%d.rs", i)
		if i == 0 {
			name = "src/lib.rs"
		}
		testfs.Write(t, filepath.Join(pkg, name), text)
	}
	start := time.Now()
	sum := AnalyzeCrate(Crate{Name: "chain", Dir: pkg, Targets: []Target{{Kind: Lib, Path: filepath.Join(pkg, "src/lib.rs")}}})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if len(sum.Files) != levels || len(sum.Uses) != levels || len(sum.Unanalysed) != levels-1 {
		t.Errorf("%d files, %d uses, %d unanalysed; want %d, %d, %d", len(sum.Files), len(sum.Uses), len(sum.Unanalysed), levels, levels, levels-1)
	}
}

// tree-sitter's error recovery is quadratic on long runs of `#`, `'` or `"`
// around one NUL or invalid UTF-8 byte; the parse stops at its budget.
func TestParseBudget(t *testing.T) {
	defer func(b time.Duration) { parseBudget = b }(parseBudget)
	parseBudget = 300 * time.Millisecond
	pkg := t.TempDir()
	half := bytes.Repeat([]byte{'"'}, 61<<10)
	testfs.Write(t, filepath.Join(pkg, "src/lib.rs"), string(half)+"\x00"+string(half))
	start := time.Now()
	sum := AnalyzeCrate(Crate{Name: "slow", Dir: pkg, Targets: []Target{{Kind: Lib, Path: filepath.Join(pkg, "src/lib.rs")}}})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v with a budget of %v", d, parseBudget)
	}
	if got := describe(sum); !slices.Equal(got, []string{"lib.rs:1 unanalysed: parse exceeded 300ms"}) {
		t.Errorf("got %q", got)
	}
	if s := ParseSyntax(append(append(half, 0xff), half...)); s.syn.failed != "parse exceeded 300ms" {
		t.Errorf("ParseSyntax: %q", s.syn.failed)
	}
}

// describe lists a summary's findings as "file:line what", sorted.
func describe(sum Summary) []string {
	var out []string
	line := func(file string, at int) string {
		text, _ := os.ReadFile(file)
		if at > len(text) {
			at = len(text)
		}
		return fmt.Sprintf("%s:%d", filepath.Base(file), bytes.Count(text[:at], []byte{'\n'})+1)
	}
	for _, u := range sum.Uses {
		out = append(out, line(u.File, u.Range.Start)+" "+useMarker(u))
	}
	for _, u := range sum.Unanalysed {
		out = append(out, line(u.File, u.Range.Start)+" unanalysed: "+u.Reason)
	}
	slices.Sort(out)
	return out
}
