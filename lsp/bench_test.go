package lsp

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sitter "github.com/tree-sitter/go-tree-sitter"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/span"
)

// bigRustFile returns a 10,000-line Rust file: structs, impls and matches,
// with a file read every 50 blocks so the file always has diagnostics.
func bigRustFile() string {
	var b strings.Builder
	for i := 0; strings.Count(b.String(), "\n") < 10000; i++ {
		read := ""
		if i%50 == 0 {
			read = "\n        let _ = std::fs::read_to_string(&self.name);"
		}
		fmt.Fprintf(&b, `// block %d
pub struct Item%d { pub name: String, pub size: usize }

impl Item%d {
    pub fn new(name: &str) -> Self {
        Item%d { name: name.to_string(), size: name.len() * %d }
    }

    pub fn describe(&self) -> String {%s
        match self.size %% 3 {
            0 => format!("{} is small", self.name),
            1 => format!("{} is medium", self.name),
            _ => format!("{} is large", self.name),
        }
    }
}
`, i, i, i, i, i, read)
	}
	return b.String()
}

// singleCharEdits returns n LSP changes that alternately insert an `x` at
// the end of a `// block` comment spread over the file and delete it again.
func singleCharEdits(text string, n int) []map[string]any {
	var comments []int // lines
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "// block ") {
			comments = append(comments, i)
		}
	}
	var out []map[string]any
	for j := 0; j < n; j++ {
		line := comments[(j/2*37)%len(comments)]
		col := len(fmt.Sprintf("// block %d", slices.Index(comments, line)))
		if j%2 == 0 {
			out = append(out, map[string]any{"range": rng(line, col, line, col), "text": "x"})
		} else {
			out = append(out, map[string]any{"range": rng(line, col, line, col+1), "text": ""})
		}
	}
	return out
}

// BenchmarkDidChangeToDiagnostics measures, over 200 single-character edits
// per iteration, the latency from didChange on a 10,000-line Rust file to
// the publishDiagnostics of that version, once the opened buffer is parsed.
func BenchmarkDidChangeToDiagnostics(b *testing.B) {
	text := bigRustFile()
	timeEdits(b, text, singleCharEdits(text, 200))
}

// BenchmarkTypeInBody is BenchmarkDidChangeToDiagnostics for code typed
// into function bodies a character at a time — `let n = self.size + 1;` and
// a newline, at the start of ten `describe` bodies spread over the file —
// so that half the versions do not parse (`let n = self.`): each keystroke
// as a person types it, through the states with parse errors.
func BenchmarkTypeInBody(b *testing.B) {
	text := bigRustFile()
	var bodies []int // lines
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "    pub fn describe(&self) -> String {") {
			bodies = append(bodies, i)
		}
	}
	var edits []map[string]any
	for k := range 10 {
		line := bodies[k*len(bodies)/10] + 1 + k // the body's first line (each body typed before added one), as a new line before it
		for col, r := range "        let n = self.size + 1;\n" {
			edits = append(edits, map[string]any{"range": rng(line, col, line, col), "text": string(r)})
		}
	}
	timeEdits(b, text, edits)
}

// timeEdits opens text as the lib of a one-crate workspace and reports the
// latency percentiles from each of edits, sent as an incremental didChange,
// to the publishDiagnostics of its version. The edits are applied once per
// iteration of b, so they must undo themselves when b.N > 1.
func timeEdits(b *testing.B, text string, edits []map[string]any) {
	dir := bigWorkspace(b, text)
	s := &session{client: startServer(b, nil), dir: dir}
	s.initialize(map[string]any{
		"workspaceFolders":      []map[string]string{{"uri": fileURI(dir), "name": "big"}},
		"initializationOptions": map[string]any{"trusted": false},
		"capabilities":          map[string]any{"workspace": map[string]any{"inlayHint": map[string]any{"refreshSupport": true}}},
	})
	s.analysed()
	s.open("src/lib.rs", 1)
	uri := fileURI(s.path("src/lib.rs"))
	version := int32(1)
	edit := func(e map[string]any) time.Duration {
		version++
		start := time.Now()
		s.notify("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": uri, "version": version},
			"contentChanges": []map[string]any{e},
		})
		v := version
		_, s.mark = s.waitFrom(s.mark, "textDocument/publishDiagnostics", func(raw json.RawMessage) bool {
			var p publishParams
			return json.Unmarshal(raw, &p) == nil && p.Version != nil && *p.Version == v && len(p.Diagnostics) > 0
		})
		return time.Since(start)
	}
	// Untimed, an edit and its undoing: the first edit of the opened
	// buffer waits for the buffer's first parse, which is the opening's
	// cost, not a keystroke's.
	for _, e := range singleCharEdits(text, 2) {
		edit(e)
	}
	var latencies []time.Duration
	b.ResetTimer()
	for range b.N {
		for _, e := range edits {
			latencies = append(latencies, edit(e))
		}
	}
	b.StopTimer()
	reportPercentiles(b, latencies)
}

// BenchmarkReparse compares, over the same 200 single-character edits of
// the 10,000-line file, the document store's incremental reparse (Tree.Edit
// and the old tree) with parsing each version afresh.
func BenchmarkReparse(b *testing.B) {
	text := []byte(bigRustFile())
	changes := editChanges(text)
	path := filepath.Join(b.TempDir(), "lib.rs")
	for _, mode := range []string{"incremental", "full"} {
		b.Run(mode, func(b *testing.B) {
			var latencies []time.Duration
			for range b.N {
				doc := &document{Overlay: project.NewOverlay(path, 1, text)}
				var parsed *sitter.Tree // the last full parse, closed when replaced
				for i, ch := range changes {
					start := time.Now()
					if mode == "incremental" {
						doc = applyChanges(doc, int32(i+2), []contentChange{ch})
						doc.Syntax()
					} else {
						next, _, _ := applyChange(doc.Text, doc.Index, ch)
						tree := analyzer.ParseRust(next, nil)
						doc = &document{Overlay: &project.Overlay{Path: path, Text: next, Index: span.NewIndex(next)}}
						if parsed != nil {
							parsed.Close()
						}
						parsed = tree
					}
					latencies = append(latencies, time.Since(start))
				}
				if parsed != nil {
					parsed.Close()
				}
			}
			reportPercentiles(b, latencies)
		})
	}
}

// BenchmarkAnalyseAfterEdit measures what the didChange path costs without
// the JSON-RPC and policy around it: applying each of the 200 edits to the
// buffer and analysing the crate again, with the buffer's syntax handed to
// the analyser (analyzer.Crate.Parse) and the crate's Memo, as the session
// does, or with the analyser parsing and walking afresh.
func BenchmarkAnalyseAfterEdit(b *testing.B) {
	text := []byte(bigRustFile())
	changes := editChanges(text)
	dir := b.TempDir()
	path := filepath.Join(dir, "src", "lib.rs")
	for _, mode := range []string{"incremental", "full"} {
		b.Run(mode, func(b *testing.B) {
			var latencies []time.Duration
			for range b.N {
				doc := &document{Overlay: project.NewOverlay(path, 1, text)}
				memo := &analyzer.Memo{}
				for i, ch := range changes {
					start := time.Now()
					doc = applyChanges(doc, int32(i+2), []contentChange{ch})
					crate := analyzer.Crate{Name: "big", Dir: dir, Targets: []analyzer.Target{{Kind: analyzer.Lib, Path: path}},
						Read: func(string) ([]byte, error) { return doc.Text, nil }}
					done := func() {}
					if mode == "incremental" { // as the session does: the buffer's syntax, borrowed, and the crate's memo
						crate.Memo = memo
						crate.Parse = func(string, []byte) *analyzer.Syntax {
							s, giveBack := doc.Borrow()
							done = giveBack
							return s
						}
					}
					if sum := analyzer.AnalyzeCrate(crate); len(sum.Uses) == 0 {
						b.Fatal("no uses found")
					}
					done()
					latencies = append(latencies, time.Since(start))
				}
			}
			reportPercentiles(b, latencies)
		})
	}
}

// editChanges is the 200 single-character edits of text as the server
// receives them.
func editChanges(text []byte) []contentChange {
	var changes []contentChange
	for _, e := range singleCharEdits(string(text), 200) {
		raw, _ := json.Marshal(e)
		var ch contentChange
		json.Unmarshal(raw, &ch)
		changes = append(changes, ch)
	}
	return changes
}

// reportPercentiles reports the median and 99th percentile of latencies.
func reportPercentiles(b *testing.B, latencies []time.Duration) {
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
}
