package analyzer

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSplicedMatchesParse edits real files at random, as a person typing
// might (characters, words, statements, newlines, deletions, unbalanced
// brackets and quotes), and checks that every splice Spliced makes is
// exactly the syntax a full parse of the edited text gives. Each file gets
// single edits of its clean text, and a word typed a character at a time
// (through states with errors) after each `{` of a few of its lines.
func TestSplicedMatchesParse(t *testing.T) {
	files := spliceCorpus(t)
	rng := rand.New(rand.NewPCG(9, 12))
	inserts := []string{"x", "_", " ", "\n", "()", "let v = 1;", "// note", "/* c */", "}", "{", "\"", "'", "fn g() {}", "é", "中文", "🦀", ";", "::", "!", "#[inline]\n", "r#\""}
	var spliced, clean, edits, reused int
	check := func(path string, cur, spare *Syntax, next []byte, start, oldEnd, newEnd int) *Syntax {
		edits++
		got := cur.Spliced(next, start, oldEnd, newEnd, spare)
		want := ParseSyntax(next)
		if !want.syn.hasError {
			clean++
		}
		if got == nil {
			return want
		}
		spliced++
		if diff := syntaxDiff(got.syn, want.syn); diff != "" {
			t.Fatalf("%s: edit [%d,%d) → %q: spliced syntax differs from a full parse: %s", path, start, oldEnd, next[start:newEnd], diff)
		}
		return got
	}
	for _, path := range files {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		orig := ParseSyntax(text)
		for range 25 {
			next, start, oldEnd, newEnd := randomEdit(rng, text, inserts)
			check(path, orig, nil, next, start, oldEnd, newEnd)
		}
		cur, retired := orig, (*Syntax)(nil) // retired: read by nothing, its memory reusable
		for range 3 {
			from := rng.IntN(len(cur.syn.src))
			at := bytes.Index(cur.syn.src[from:], []byte("{\n"))
			if at < 0 {
				continue
			}
			at += from + 2
			for _, r := range "let typed = open(p)?;\n" {
				ins := string(r)
				next := slices.Concat(cur.syn.src[:at], []byte(ins), cur.syn.src[at:])
				got := check(path, cur, retired, next, at, at, at+len(ins))
				if retired != nil && retired.syn == nil {
					retired, reused = nil, reused+1 // taken over
				}
				if cur != orig && got != cur {
					retired = cur
				}
				cur = got
				at += len(ins)
			}
		}
	}
	t.Logf("%d of %d edits spliced, %d into a retired syntax's memory; %d of them leave the file without a parse error", spliced, edits, reused, clean)
	if reused == 0 {
		t.Error("no splice took over a retired syntax's memory")
	}
	if spliced < clean*3/4 {
		t.Errorf("only %d of the %d edits that leave a clean file spliced: the fast path is hardly taken", spliced, clean)
	}
}

// TestSplicedRefuses checks the edits Spliced must leave to a full parse,
// and some it must take.
func TestSplicedRefuses(t *testing.T) {
	for _, c := range []struct{ name, before, after string }{
		{"unbalanced brace", "fn a() {}\n\nfn b() {}\n", "fn a() {\n\nfn b() {}\n"},
		{"open comment", "fn a() {}\n\nfn b() {}\n", "fn a() {} /*\n\nfn b() {}\n"},
		{"token reaching the next item", "fn a() {}\nfn b() {}\n", "fn a() {}x\nfn b() {}\n"},
		{"two items in a body", "impl A {\n    fn a() {}\n}\n", "impl A {\n    fn a() {} fn c() {}\n}\n"},
		{"error elsewhere", "fn a() {}\n\nfn b( {}\n", "fn ax() {}\n\nfn b( {}\n"},
		{"line comment running on", "// one\n    // two\nfn a() {}\n", "// one    // two\nfn a() {}\n"},
		{"deleted item", "fn a() {}\n\nfn b() {}\n", "\n\nfn b() {}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start, oldEnd, newEnd := textEdit([]byte(c.before), []byte(c.after))
			if got := ParseSyntax([]byte(c.before)).Spliced([]byte(c.after), start, oldEnd, newEnd, nil); got != nil {
				t.Errorf("spliced; want a full parse")
			}
		})
	}
	// And those it must take, each exactly as a full parse.
	for _, c := range []struct{ name, before, after string }{
		{"inside a method", "impl A {\n    fn a() { f(1) }\n}\n", "impl A {\n    fn a() { f(12) }\n}\n"},
		{"a comment", "// one\nfn a() {}\n", "// one more\nfn a() {}\n"},
		{"a comment becoming a doc comment", "// one\nfn a() {}\n", "/// one\nfn a() {}\n"},
		{"a line ending in \\r", "fn a() {}\n// one\n", "fn a() {}\n// one \r\n"},
		// At the top level a macro call with `;` is a statement: the
		// whole impl is parsed again, not the call alone.
		{"macro call in a body", "impl A {\n    m!(a);\n}\n", "impl A {\n    m!(b);\n}\n"},
		{"fixing an error", "fn a() { f(1 }\n\nfn b() {}\n", "fn a() { f(1) }\n\nfn b() {}\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start, oldEnd, newEnd := textEdit([]byte(c.before), []byte(c.after))
			got := ParseSyntax([]byte(c.before)).Spliced([]byte(c.after), start, oldEnd, newEnd, nil)
			if got == nil {
				t.Fatal("not spliced")
			}
			if diff := syntaxDiff(got.syn, ParseSyntax([]byte(c.after)).syn); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// spliceCorpus is a fixed sample of the installed registry's Rust files.
func spliceCorpus(t *testing.T) []string {
	dirs, _ := filepath.Glob(filepath.Join(registry, "*"))
	if len(dirs) == 0 {
		t.Skipf("Debian crate sources not installed at %s", registry)
	}
	var files []string
	for _, d := range dirs {
		lib := filepath.Join(d, "src", "lib.rs")
		if info, err := os.Stat(lib); err == nil && info.Size() < 200_000 {
			files = append(files, lib)
		}
	}
	slices.Sort(files)
	var sample []string
	for i := 0; i < len(files); i += max(1, len(files)/30) {
		sample = append(sample, files[i])
	}
	return sample
}

// randomEdit replaces a random short range of text (on character
// boundaries) by one of inserts or by nothing.
func randomEdit(rng *rand.Rand, text []byte, inserts []string) (next []byte, start, oldEnd, newEnd int) {
	boundary := func(i int) int {
		for i > 0 && i < len(text) && text[i]&0xC0 == 0x80 {
			i--
		}
		return i
	}
	start = boundary(rng.IntN(len(text) + 1))
	oldEnd = start
	if rng.IntN(3) == 0 {
		oldEnd = boundary(min(len(text), start+1+rng.IntN(4)))
		if oldEnd < start {
			oldEnd = start
		}
	}
	ins := ""
	if oldEnd == start || rng.IntN(2) == 0 {
		ins = inserts[rng.IntN(len(inserts))]
	}
	next = slices.Concat(text[:start], []byte(ins), text[oldEnd:])
	return next, start, oldEnd, start + len(ins)
}

// textEdit is the one edit that makes after of before.
func textEdit(before, after []byte) (start, oldEnd, newEnd int) {
	for start < len(before) && start < len(after) && before[start] == after[start] {
		start++
	}
	end := 0
	for end < len(before)-start && end < len(after)-start && before[len(before)-1-end] == after[len(after)-1-end] {
		end++
	}
	return start, len(before) - end, len(after) - end
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// syntaxDiff describes the first difference between two syntaxes, or "".
func syntaxDiff(got, want *syntax) string {
	switch {
	case !bytes.Equal(got.src, want.src):
		return "texts differ"
	case !bytes.Equal(got.parsed, want.parsed):
		return "parsed texts differ"
	case got.hasError != want.hasError:
		return fmt.Sprintf("hasError %v, want %v", got.hasError, want.hasError)
	case len(got.missing) != len(want.missing):
		return fmt.Sprintf("missing %v, want %v", got.missing, want.missing)
	}
	for i := range min(len(got.nodes), len(want.nodes)) {
		if got.nodes[i] != want.nodes[i] {
			return fmt.Sprintf("node %d: %+v, want %+v (%q)", i, got.nodes[i], want.nodes[i], firstLine(want.text(int32(i))))
		}
	}
	if len(got.nodes) != len(want.nodes) {
		return fmt.Sprintf("%d nodes, want %d", len(got.nodes), len(want.nodes))
	}
	return ""
}

// BenchmarkSpliced measures a keystroke's splice in a 10,000-line file: an
// `x` typed at the end of a comment line and deleted again, over the file.
func BenchmarkSpliced(b *testing.B) {
	var text []byte
	for i := 0; bytes.Count(text, []byte("\n")) < 10000; i++ {
		text = fmt.Appendf(text, "// block %d\nimpl Item%d {\n    pub fn new(name: &str) -> Self {\n        Item%d { name: name.to_string(), size: name.len() * %d }\n    }\n}\n", i, i, i, i)
	}
	cur := ParseSyntax(text)
	var lines []int
	for i := 0; i < len(text); {
		j := bytes.Index(text[i:], []byte("// block "))
		if j < 0 {
			break
		}
		i += j
		lines = append(lines, i+bytes.IndexByte(text[i:], '\n'))
		i++
	}
	b.ResetTimer()
	for k := range b.N {
		at := lines[(k/2*37)%len(lines)]
		src := cur.syn.src
		var next []byte
		var s *Syntax
		if k%2 == 0 {
			next = slices.Concat(src[:at], []byte("x"), src[at:])
			s = cur.Spliced(next, at, at, at+1, nil)
		} else {
			next = slices.Concat(src[:at-1], src[at:])
			s = cur.Spliced(next, at-1, at, at-1, nil)
		}
		if s == nil {
			b.Fatal("not spliced")
		}
		cur = s // the deletion restores the offsets
	}
	b.ReportMetric(float64(len(cur.syn.nodes)), "nodes")
}
