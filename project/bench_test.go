package project

import (
	"context"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	sitter "github.com/tree-sitter/go-tree-sitter"
	rust "github.com/tree-sitter/tree-sitter-rust/bindings/go"

	"github.com/cargo-caps/cargo-caps/internal/cpuclock"
)

const debianTree = "../testdata/workspaces/debian-all/Cargo.toml"

// BenchmarkTree measures the whole Debian crate tree (about 220 crates):
// cold (no cache), warm (summaries from the disk cache), and parse-only — the
// same files through tree-sitter and nothing else, with the same parallelism.
// cold-vs-parse alternates the two and reports their ratio, taken in one run
// (-benchtime 3x for three of each). bench/tree.sh adds peak RSS.
func BenchmarkTree(b *testing.B) {
	if _, err := os.Stat("/usr/share/cargo/registry"); err != nil {
		b.Skip("Debian's crate sources are not installed (see .ci/run)")
	}
	ctx := context.Background()
	for _, mode := range []struct {
		name    string
		noCargo bool
	}{{"cargo", false}, {"lockfile", true}} {
		cacheDir := b.TempDir()
		w, err := Load(ctx, debianTree, Options{NoCargo: mode.noCargo, CacheDir: cacheDir}) // fills the cache
		if err != nil {
			b.Fatal(err)
		}
		var files []string
		var size int64
		for _, s := range w.Summaries {
			for _, f := range s.Files {
				if st, err := os.Stat(f); err == nil {
					files = append(files, f)
					size += st.Size()
				}
			}
		}
		b.Run(mode.name+"/cold", func(b *testing.B) {
			b.SetBytes(size)
			for range b.N {
				if _, err := Load(ctx, debianTree, Options{NoCargo: mode.noCargo, NoCache: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode.name+"/warm", func(b *testing.B) {
			b.SetBytes(size)
			for range b.N {
				if _, err := Load(ctx, debianTree, Options{NoCargo: mode.noCargo, CacheDir: cacheDir}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// cold/parse: the two alternate, so drift in the machine's load
		// (a shared machine) falls on both alike.
		b.Run(mode.name+"/cold-vs-parse", func(b *testing.B) {
			var cold, parse, coldCPU, parseCPU time.Duration
			for range b.N {
				start, startCPU := time.Now(), cpuclock.Now()
				parseAll(b, files)
				parse += time.Since(start)
				parseCPU += cpuclock.Now() - startCPU
				start, startCPU = time.Now(), cpuclock.Now()
				if _, err := Load(ctx, debianTree, Options{NoCargo: mode.noCargo, NoCache: true}); err != nil {
					b.Fatal(err)
				}
				cold += time.Since(start)
				coldCPU += cpuclock.Now() - startCPU
			}
			b.ReportMetric(cold.Seconds()/float64(b.N), "cold-s/op")
			b.ReportMetric(parse.Seconds()/float64(b.N), "parse-s/op")
			b.ReportMetric(cold.Seconds()/parse.Seconds(), "cold/parse")
			b.ReportMetric(coldCPU.Seconds()/parseCPU.Seconds(), "cold/parse-cpu")
		})
		if mode.noCargo {
			continue
		}
		b.Run("parse-only", func(b *testing.B) {
			b.SetBytes(size)
			for range b.N {
				parseAll(b, files)
			}
		})
	}
}

func parseAll(b *testing.B, files []string) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := sitter.NewParser()
			defer p.Close()
			if err := p.SetLanguage(sitter.NewLanguage(rust.Language())); err != nil {
				b.Error(err)
				return
			}
			for f := range jobs {
				text, err := os.ReadFile(f)
				if err != nil {
					b.Error(err)
					continue
				}
				p.Parse(text, nil).Close()
			}
		}()
	}
	for _, f := range files {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
}
