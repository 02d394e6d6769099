package render

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/policy"
)

// Text writes findings as rustc does: a header, the place, a source snippet
// with carets, notes for chains and sample sites, then a summary line.
func Text(w io.Writer, res *policy.Result, src *Sources) error {
	counts := map[finding.Severity]int{}
	for _, f := range res.Findings {
		counts[f.Severity]++
		if err := textFinding(w, f, src); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "cargo-caps: %d error(s), %d warning(s), %d note(s) in %d crate(s)\n",
		counts[finding.Error], counts[finding.Warning], counts[finding.Info]+counts[finding.Hint], len(res.Crates))
	return err
}

// TextFindings writes findings as Text does, without the summary line: the
// sandboxed build reports them after cargo's own output.
func TextFindings(w io.Writer, findings []finding.Finding, src *Sources) error {
	for _, f := range findings {
		if err := textFinding(w, f, src); err != nil {
			return err
		}
	}
	return nil
}

func textFinding(w io.Writer, f finding.Finding, src *Sources) error {
	level := map[finding.Severity]string{finding.Error: "error", finding.Warning: "warning", finding.Info: "note", finding.Hint: "help"}[f.Severity]
	base := src.Base
	if base == "" {
		base = f.CrateDir
	}
	p := src.place(f.File, base, f.Range)
	x := src.Index(f.File)
	line := x.LineText(p.Line - 1)
	gutter := strings.Repeat(" ", len(fmt.Sprint(p.Line)))
	var b strings.Builder
	fmt.Fprintf(&b, "%s[%s]: %s\n", level, f.Code, f.Message)
	fmt.Fprintf(&b, "%s--> %s:%d:%d\n", gutter, p.File, p.Line, p.Column)
	fmt.Fprintf(&b, "%s |\n", gutter)
	fmt.Fprintf(&b, "%d | %s\n", p.Line, strings.ReplaceAll(line, "\t", "    "))
	width := 1
	if p.EndLine == p.Line && p.EndColumn > p.Column {
		width = p.EndColumn - p.Column
	} else if p.EndLine > p.Line {
		width = max(1, utf8.RuneCountInString(line)-p.Column+1)
	}
	prefix := []rune(line)
	if p.Column-1 <= len(prefix) {
		prefix = prefix[:p.Column-1]
	}
	pad := strings.ReplaceAll(string(prefix), "\t", "    ")
	fmt.Fprintf(&b, "%s | %s%s\n", gutter, strings.Repeat(" ", utf8.RuneCountInString(pad)), strings.Repeat("^", width))
	switch {
	case len(f.Causes) > 1:
		for _, c := range f.Causes {
			fmt.Fprintf(&b, "%s = note: `%s` %s uses %s: %s\n", gutter, c.Crate, c.Version, c.Capabilities, strings.Join(c.Chain, " → "))
		}
	case len(f.Chain) > 1:
		fmt.Fprintf(&b, "%s = note: chain: %s\n", gutter, strings.Join(f.Chain, " → "))
	}
	for _, r := range f.Related {
		rp := src.place(r.File, src.Base, r.Range)
		fmt.Fprintf(&b, "%s = note: %s: %s:%d:%d\n", gutter, r.Message, rp.File, rp.Line, rp.Column)
	}
	for _, fix := range f.Fixes {
		fmt.Fprintf(&b, "%s = help: %s%s\n", gutter, fix.Title, fixWhere(fix, f, base))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// fixWhere says where a fix edits when that is not (only) the finding's file,
// and that `check --fix` applies it when it would.
func fixWhere(fix finding.Fix, f finding.Finding, base string) string {
	var files []string
	for _, c := range fix.Changes {
		if c.File != f.File {
			files = append(files, relative(c.File, base))
		}
	}
	out := ""
	if len(files) > 0 {
		out = " (in " + strings.Join(files, ", ") + ")"
	}
	if fix.Automatic {
		out += " [`cargo-caps check --fix` applies it]"
	}
	return out
}
