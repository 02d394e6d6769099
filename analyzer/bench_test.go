package analyzer

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cargo-caps/cargo-caps/internal/cpuclock"
)

const registry = "/usr/share/cargo/registry"

// realCrates are the Debian crate sources the benchmarks and real-code
// tests read (SPEC §6).
var realCrates = []string{"tokio-1.", "reqwest-", "clap-4.", "clap_builder-"}

type realFile struct {
	path string
	text []byte
}

// loadReal reads every .rs file of the real crates, or skips.
func loadReal(tb testing.TB) []realFile {
	entries, err := os.ReadDir(registry)
	if err != nil {
		tb.Skipf("Debian crate sources not installed at %s (apt-get install librust-tokio-dev librust-reqwest-dev librust-clap-dev)", registry)
	}
	var files []realFile
	for _, e := range entries {
		for _, prefix := range realCrates {
			if !strings.HasPrefix(e.Name(), prefix) {
				continue
			}
			root := filepath.Join(registry, e.Name())
			_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".rs") {
					if text, err := os.ReadFile(p); err == nil {
						files = append(files, realFile{p, text})
					}
				}
				return nil
			})
		}
	}
	if len(files) == 0 {
		tb.Skipf("none of %v under %s", realCrates, registry)
	}
	return files
}

func totalBytes(files []realFile) int64 {
	var n int64
	for _, f := range files {
		n += int64(len(f.text))
	}
	return n
}

// analyseAlone analyses one file as the root of a crate of its own, so every
// file is parsed and walked exactly once (its `mod` files are not followed;
// no package directory, so the backstop does not walk the file's directory
// for the files it did not reach: that is once per crate in a real load).
func analyseAlone(f realFile) Summary {
	return AnalyzeCrate(Crate{
		Name:    "bench",
		Targets: []Target{{Kind: Lib, Path: f.path}},
		Read: func(p string) ([]byte, error) {
			if p == f.path {
				return f.text, nil
			}
			return nil, errors.New("not loaded")
		},
	})
}

// BenchmarkAnalyzeReal parses and analyses every file of tokio, reqwest and clap.
func BenchmarkAnalyzeReal(b *testing.B) {
	files := loadReal(b)
	b.SetBytes(totalBytes(files))
	defer reportCPU(b)()
	for range b.N {
		for _, f := range files {
			analyseAlone(f)
		}
	}
}

// BenchmarkAnalyzeParseOnly only parses the same files: the baseline for the
// analysis/parse ratio.
func BenchmarkAnalyzeParseOnly(b *testing.B) {
	files := loadReal(b)
	b.SetBytes(totalBytes(files))
	p := newParser()
	defer p.Close()
	defer reportCPU(b)()
	for range b.N {
		for _, f := range files {
			p.Parse(f.text, nil).Close()
		}
	}
}

// BenchmarkAnalyzeRatio measures the analysis/parse ratio so that busy
// neighbours hardly move it: each op parses (as BenchmarkAnalyzeParseOnly)
// and then analyses (as BenchmarkAnalyzeReal) every file in turn, and the
// ratio is of the sums over the files of each one's least CPU time over
// the ops. Run it with -benchtime 5x.
func BenchmarkAnalyzeRatio(b *testing.B) {
	files := loadReal(b)
	p := newParser()
	defer p.Close()
	leastParse := make([]time.Duration, len(files))
	leastAnalyse := make([]time.Duration, len(files))
	for i := range files {
		leastParse[i], leastAnalyse[i] = math.MaxInt64, math.MaxInt64
	}
	b.ResetTimer()
	for range b.N {
		for i, f := range files {
			start := cpuclock.Now()
			p.Parse(f.text, nil).Close()
			parsed := cpuclock.Now()
			analyseAlone(f)
			leastParse[i] = min(leastParse[i], parsed-start)
			leastAnalyse[i] = min(leastAnalyse[i], cpuclock.Now()-parsed)
		}
	}
	var parse, analyse time.Duration
	for i := range files {
		parse += leastParse[i]
		analyse += leastAnalyse[i]
	}
	b.ReportMetric(float64(parse.Milliseconds()), "parse-cpu-ms")
	b.ReportMetric(float64(analyse.Milliseconds()), "analyse-cpu-ms")
	b.ReportMetric(float64(analyse)/float64(parse), "ratio")
}

// reportCPU resets the timer and returns a function that reports the
// process's CPU time per op: on a shared machine wall time measures the
// neighbours too, CPU time mostly this process.
func reportCPU(b *testing.B) func() {
	b.ResetTimer()
	start := cpuclock.Now()
	return func() {
		b.ReportMetric(float64((cpuclock.Now()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

// TestRealCrates analyses real crates end to end: no panic, ranges inside
// their files, and the capabilities every reviewer would expect of them.
func TestRealCrates(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	entries, err := os.ReadDir(registry)
	if err != nil {
		t.Skipf("Debian crate sources not installed at %s", registry)
	}
	want := map[string][]string{ // crate dir prefix → capabilities its lib must show
		"mio-":        {"net", "unsafe"},
		"socket2-":    {"net", "unsafe"},
		"tempfile-":   {"fs"},
		"tokio-1.":    {"unsafe", "fs", "net", "process"},
		"which-":      {"fs-readonly", "env-readonly"},
		"serde_json-": {"unsafe"},
		"clap-4.":     {"env-readonly"}, // `env` feature: arguments from environment variables
		"reqwest-":    {"env-readonly"}, // proxies from HTTP_PROXY and friends
	}
	for _, e := range entries {
		for prefix, caps := range want {
			if !strings.HasPrefix(e.Name(), prefix) {
				continue
			}
			dir := filepath.Join(registry, e.Name())
			t.Run(e.Name(), func(t *testing.T) {
				sum := AnalyzeCrate(Crate{Name: e.Name(), Dir: dir, Targets: []Target{{Kind: Lib, Path: filepath.Join(dir, "src/lib.rs")}}})
				found := map[string]int{}
				for _, u := range sum.Uses {
					found[u.Cap.String()]++
					text, _ := os.ReadFile(u.File)
					if u.Range.Start < 0 || u.Range.End > len(text) || u.Range.Start > u.Range.End {
						t.Errorf("%s: range %v outside the file", u.File, u.Range)
					}
				}
				for _, c := range caps {
					if found[c] == 0 {
						t.Errorf("no %s use found; found %v", c, found)
					}
				}
				t.Logf("%d files, %d lines, uses %v, %d unanalysed", len(sum.Files), sum.Lines, found, len(sum.Unanalysed))
			})
		}
	}
}
