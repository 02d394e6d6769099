package render

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/policy"
)

// Review is the reviewer's list (`cargo-caps report`): which dependencies a
// person must read and why, which need no review, and which run at build time.
type Review struct {
	NeedReview []policy.CrateReport // most powerful first
	Pure       []policy.CrateReport
	BuildTime  []policy.CrateReport // build scripts and proc-macros: need a build sandbox
	Audited    []policy.CrateReport // used capabilities all accepted by an audit
	Total      int                  // dependencies (workspace members are not counted)
	Lines      int                  // lines of code in NeedReview
	Targets    []string             // target triples the graph was built for; empty: every platform
}

// NewReview sorts a result's dependencies into the reviewer's lists.
func NewReview(res *policy.Result) Review {
	r := Review{Targets: res.Targets}
	for _, c := range res.Crates {
		if c.Member {
			continue
		}
		r.Total++
		switch {
		case c.NeedsReview():
			r.NeedReview = append(r.NeedReview, c)
			r.Lines += c.Lines
		case c.Pure:
			r.Pure = append(r.Pure, c)
		default:
			r.Audited = append(r.Audited, c)
		}
		if c.BuildScript || c.ProcMacro {
			r.BuildTime = append(r.BuildTime, c)
		}
	}
	sort.SliceStable(r.NeedReview, func(i, j int) bool {
		a, b := r.NeedReview[i], r.NeedReview[j]
		if pa, pb := power(a.Uses), power(b.Uses); pa != pb {
			return pa < pb
		}
		if a.Uses.Len() != b.Uses.Len() {
			return a.Uses.Len() > b.Uses.Len()
		}
		return a.Lines > b.Lines
	})
	return r
}

// power ranks a set by its most powerful member (lower is more powerful).
func power(s caps.Set) int {
	for i, c := range caps.All {
		if s.Has(c) {
			return i
		}
	}
	return len(caps.All)
}

// Summary is the one-line verdict.
func (r Review) Summary() string {
	need, pure := "need", "are"
	if len(r.NeedReview) == 1 {
		need = "needs"
	}
	if len(r.Pure) == 1 {
		pure = "is"
	}
	return fmt.Sprintf("%d of %s %s review (%d lines of code); %s %s pure",
		len(r.NeedReview), crates(r.Total), need, r.Lines, crates(len(r.Pure)), pure)
}

// crates counts crates in English: "1 crate", "2 crates".
func crates(n int) string {
	if n == 1 {
		return "1 crate"
	}
	return fmt.Sprintf("%d crates", n)
}

// Platforms says which platforms' dependencies count.
func (r Review) Platforms() string {
	if len(r.Targets) == 0 {
		return "Targets: every platform counts (no --target, no [workspace.metadata.capabilities] targets)"
	}
	return "Targets: " + strings.Join(r.Targets, ", ")
}

// ReviewText writes the review for people.
func ReviewText(w io.Writer, r Review) error {
	var b strings.Builder
	fmt.Fprintln(&b, r.Platforms())
	fmt.Fprintln(&b, r.Summary())
	fmt.Fprintln(&b, "\nNeed review (most powerful first):")
	for _, c := range r.NeedReview {
		uses := c.Uses.String()
		if uses == "" {
			uses = "(unknown)"
		}
		fmt.Fprintf(&b, "  %-28s %-28s %7d lines", c.Name+" "+c.Version, uses, c.Lines)
		if c.Unanalysed > 0 {
			fmt.Fprintf(&b, "  (%d unanalysed)", c.Unanalysed)
		}
		fmt.Fprintln(&b)
		if len(c.Paths) > 0 {
			fmt.Fprintf(&b, "      via %s\n", strings.Join(c.Paths[0], " → "))
		}
	}
	if len(r.Audited) > 0 {
		fmt.Fprintln(&b, "\nAccepted by an audit:")
		for _, c := range r.Audited {
			fmt.Fprintf(&b, "  %-28s %s\n", c.Name+" "+c.Version, c.Uses)
			for _, v := range c.Vetted {
				fmt.Fprintf(&b, "      %s: %s\n", v.Caps, v.By)
			}
		}
	}
	fmt.Fprintln(&b, "\nPure (no review needed for capabilities):")
	names := make([]string, 0, len(r.Pure))
	for _, c := range r.Pure {
		names = append(names, c.Name+" "+c.Version)
	}
	fmt.Fprintf(&b, "  %s\n", orNone(strings.Join(names, ", ")))
	fmt.Fprintln(&b, "\nRun at build time (need a build sandbox, outside the model):")
	if len(r.BuildTime) == 0 {
		fmt.Fprintln(&b, "  (none)")
	}
	for _, c := range r.BuildTime {
		kind := "build script"
		if c.ProcMacro {
			kind = "proc-macro"
		}
		fmt.Fprintf(&b, "  %-28s %s\n", c.Name+" "+c.Version, kind)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type jsonReviewCrate struct {
	Name         string     `json:"name"`
	Version      string     `json:"version"`
	Capabilities []string   `json:"capabilities"`
	Lines        int        `json:"lines"`
	Unanalysed   int        `json:"unanalysed"`
	BuildScript  bool       `json:"build_script"`
	ProcMacro    bool       `json:"proc_macro"`
	Paths        [][]string `json:"paths"`
	AuditedBy    []string   `json:"audited_by,omitempty"` // cargo vet certifications that audit it
}

// ReviewJSON writes the review as one JSON object.
func ReviewJSON(w io.Writer, r Review) error {
	list := func(cs []policy.CrateReport) []jsonReviewCrate {
		out := []jsonReviewCrate{}
		for _, c := range cs {
			paths := c.Paths
			if paths == nil {
				paths = [][]string{}
			}
			jc := jsonReviewCrate{Name: c.Name, Version: c.Version, Capabilities: c.Uses.Names(),
				Lines: c.Lines, Unanalysed: c.Unanalysed, BuildScript: c.BuildScript, ProcMacro: c.ProcMacro, Paths: paths}
			for _, v := range c.Vetted {
				jc.AuditedBy = append(jc.AuditedBy, v.By)
			}
			out = append(out, jc)
		}
		return out
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"version": 1, "targets": targetList(r.Targets), "summary": r.Summary(), "crates": r.Total, "review_lines": r.Lines,
		"need_review": list(r.NeedReview), "audited": list(r.Audited), "pure": list(r.Pure), "build_time": list(r.BuildTime),
	})
}

// targetList is never nil, so JSON shows [] for every platform.
func targetList(ts []string) []string {
	if ts == nil {
		return []string{}
	}
	return ts
}
