package lsp

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/policy"
)

// firstSites is how many sites of each capability a dependency's hover links
// to: enough to start reading, short enough to stay a hover.
const firstSites = 3

// reviewHover is what a reviewer must read of a dependency (`cargo-caps
// report --sites` for one crate): the sites of capabilities no audit
// accepted, counted, with the first of each capability as links into the
// crate's sources (file URI with line), most powerful capability first.
func reviewHover(v view, r *policy.CrateReport) string {
	if r.Member {
		return "" // its own code is judged by diagnostics, not reviewed as a dependency
	}
	sites := r.ReviewSites()
	switch {
	case r.Missing != "":
		return fmt.Sprintf("Review: unknown, its sources are not on disk (%s).", r.Missing)
	case r.Pure:
		return "Review: none, it is pure."
	case !r.NeedsReview() && !r.Uses.IsEmpty():
		return "Review: none, an audit accepted what it uses."
	case !r.NeedsReview():
		return "Review: no capability use to read."
	case len(sites) == 0:
		return fmt.Sprintf("Review: read it whole (%d lines): the analyser could not see all of it.", r.Lines)
	}
	read := policy.ReadingOf(sites)
	var b strings.Builder
	fmt.Fprintf(&b, "Review: %s in %s (%d of %d lines to read)",
		count(read.Sites, "site"), count(read.Functions, "function"), read.Lines, r.Lines)
	var perCap []string
	byCap := map[caps.Capability][]analyzer.Use{}
	for _, c := range caps.All {
		for _, u := range sites {
			if u.Cap == c {
				byCap[c] = append(byCap[c], u)
			}
		}
		if n := len(byCap[c]); n > 0 {
			perCap = append(perCap, fmt.Sprintf("`%s` %d", c, n))
		}
	}
	fmt.Fprintf(&b, ": %s", strings.Join(perCap, " · "))
	shown := 0
	for _, c := range caps.All {
		for _, u := range byCap[c][:min(firstSites, len(byCap[c]))] {
			line := v.tx.index(u.File).Pos(u.Range.Start).Line
			file := u.File
			if rel, err := filepath.Rel(r.Dir, u.File); err == nil {
				file = filepath.ToSlash(rel)
			}
			fmt.Fprintf(&b, "\n- `%s` [%s:%d](%s#L%d) `%s` in `%s`", c, file, line, uriOf(u.File), line, u.API, u.Site.Function)
			shown++
		}
	}
	if more := len(sites) - shown; more > 0 {
		fmt.Fprintf(&b, "\n\n%s more: `cargo-caps report --sites`, or the editor's capability review", count(more, "site"))
	}
	return b.String()
}

// count says n of a thing in English: "1 site", "2 sites".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
