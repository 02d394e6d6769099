package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/policy"
)

// summary is the one-line verdict.
func summary(r policy.Review) string {
	need, pure := "need", "are"
	if len(r.NeedReview) == 1 {
		need = "needs"
	}
	if len(r.Pure) == 1 {
		pure = "is"
	}
	return fmt.Sprintf("%d of %s %s review: %s in %s (%s to read); %s %s pure",
		len(r.NeedReview), crates(r.Total), need, plural(r.Reading.Sites, "site"), plural(r.Reading.Functions, "function"),
		plural(r.Reading.Lines, "line"), crates(len(r.Pure)), pure)
}

// crates counts crates in English: "1 crate", "2 crates".
func crates(n int) string { return plural(n, "crate") }

// plural counts n of a thing in English: "1 site", "2 sites".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// platforms says which platforms' dependencies count.
func platforms(r policy.Review) string {
	if len(r.Targets) == 0 {
		return "Targets: every platform counts (no --target, no [workspace.metadata.capabilities] targets)"
	}
	return "Targets: " + strings.Join(r.Targets, ", ")
}

// ReviewText writes the review for people.
func ReviewText(w io.Writer, r policy.Review) error {
	var b strings.Builder
	fmt.Fprintln(&b, platforms(r))
	fmt.Fprintln(&b, summary(r))
	fmt.Fprintf(&b, "(whole crates: %d lines of code)\n", r.Lines)
	fmt.Fprintln(&b, "\nNeed review (most powerful first):")
	for _, c := range r.NeedReview {
		uses := c.Uses.String()
		if uses == "" {
			uses = "(unknown)"
		}
		read := c.ToRead
		fmt.Fprintf(&b, "  %-28s %-28s %5d sites in %4d functions (%6d of %7d lines)",
			c.Name+" "+c.Version, uses, read.Sites, read.Functions, read.Lines, c.Lines)
		if c.Unanalysed > 0 {
			fmt.Fprintf(&b, "  (%d unanalysed)", c.Unanalysed)
		}
		fmt.Fprintln(&b)
		if len(c.Paths) > 0 {
			fmt.Fprintf(&b, "      via %s\n", strings.Join(c.Paths[0], " → "))
		}
		for _, s := range c.StaleAudits {
			fmt.Fprintf(&b, "      %s: %s to read; %s\n", s.Cap, plural(len(s.Unrecorded), "new or changed site"), stillCovers(s))
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
	Dir          string     `json:"dir"`
	Capabilities []string   `json:"capabilities"`
	Lines        int        `json:"lines"`
	Unanalysed   int        `json:"unanalysed"`
	BuildScript  bool       `json:"build_script"`
	ProcMacro    bool       `json:"proc_macro"`
	Paths        [][]string `json:"paths"`
	AuditedBy    []string   `json:"audited_by,omitempty"` // cargo vet certifications that audit it
	// For crates needing review: the sites to read and their counts.
	Sites     []jsonSite `json:"sites,omitempty"`
	SiteCount int        `json:"site_count,omitempty"`
	Functions int        `json:"functions,omitempty"`
	SiteLines int        `json:"site_lines,omitempty"`
	// Stale audits of crates needing review: what the audit still covers.
	StaleAudits []jsonStaleAudit `json:"stale_audits,omitempty"`
}

// jsonSite is one use and the item holding it, wherever the JSON names a
// site: report's sites to read, diff's sites, check's sample sites of a
// finding's crates. file is relative to its crate's directory (diff: absolute).
type jsonSite struct {
	Capability  string `json:"capability"`
	API         string `json:"api"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	Function    string `json:"function"`
	Lines       int    `json:"lines"`
	Fingerprint string `json:"fingerprint"`
}

func siteJSON(s finding.Site, dir string, src *Sources) jsonSite {
	return jsonSite{Capability: s.Capability.String(), API: s.API, File: relative(s.File, dir),
		Line: src.Index(s.File).Pos(s.Range.Start).Line, Function: s.Function, Lines: s.Lines, Fingerprint: s.Fingerprint}
}

func sitesJSON(uses []analyzer.Use, dir string, src *Sources) []jsonSite {
	out := []jsonSite{}
	for _, u := range uses {
		out = append(out, siteJSON(policy.SiteOf(u), dir, src))
	}
	return out
}

// stillCovers says what a stale audit's record still holds of its capability.
func stillCovers(s policy.StaleAudit) string {
	return fmt.Sprintf("the audit of %s still covers %d of %d", strings.Join(s.Versions, ", "), s.Covered, s.Covered+len(s.Unrecorded))
}

// jsonStaleAudit is a capability whose audit's record lacks some of its
// sites: only those are in its crate's sites and counts.
type jsonStaleAudit struct {
	Capability string   `json:"capability"`
	Versions   []string `json:"audited_versions"` // the versions the record was made for
	ToRead     int      `json:"to_read"`          // its new and changed sites
	Covered    int      `json:"covered"`          // its sites the record still holds
}

// ReviewJSON writes the review as one JSON object; src gives the sites' lines.
func ReviewJSON(w io.Writer, r policy.Review, src *Sources) error {
	list := func(cs []policy.CrateReport, withSites bool) []jsonReviewCrate {
		out := []jsonReviewCrate{}
		for _, c := range cs {
			paths := c.Paths
			if paths == nil {
				paths = [][]string{}
			}
			j := jsonReviewCrate{Name: c.Name, Version: c.Version, Dir: c.Dir, Capabilities: c.Uses.Names(),
				Lines: c.Lines, Unanalysed: c.Unanalysed, BuildScript: c.BuildScript, ProcMacro: c.ProcMacro, Paths: paths}
			for _, v := range c.Vetted {
				j.AuditedBy = append(j.AuditedBy, v.By)
			}
			if withSites {
				j.Sites = sitesJSON(c.ReviewSites(), c.Dir, src)
				j.SiteCount, j.Functions, j.SiteLines = c.ToRead.Sites, c.ToRead.Functions, c.ToRead.Lines
				for _, s := range c.StaleAudits {
					j.StaleAudits = append(j.StaleAudits, jsonStaleAudit{Capability: s.Cap.String(), Versions: s.Versions,
						ToRead: len(s.Unrecorded), Covered: s.Covered})
				}
			}
			out = append(out, j)
		}
		return out
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // `<T as Trait>::f` reads as written
	return enc.Encode(map[string]any{
		"version": 1, "targets": targetList(r.Targets), "summary": summary(r), "crates": r.Total, "review_lines": r.Lines,
		"review_sites": r.Reading.Sites, "review_functions": r.Reading.Functions, "review_site_lines": r.Reading.Lines,
		"need_review": list(r.NeedReview, true), "audited": list(r.Audited, false), "pure": list(r.Pure, false),
		"build_time": list(r.BuildTime, false),
	})
}

// targetList is never nil, so JSON shows [] for every platform.
func targetList(ts []string) []string {
	if ts == nil {
		return []string{}
	}
	return ts
}

// ReviewSitesText writes the sites of the crates needing review, by crate
// and capability, most powerful first, each as `file:line` (relative to
// src.Base when below it, else absolute) so a terminal can open it.
func ReviewSitesText(w io.Writer, r policy.Review, src *Sources) error {
	var b strings.Builder
	fmt.Fprintln(&b, platforms(r))
	fmt.Fprintln(&b, summary(r))
	for _, c := range r.NeedReview {
		sites, read := c.ReviewSites(), c.ToRead
		fmt.Fprintf(&b, "\n%s %s: %s in %s (%s)\n", c.Name, c.Version, plural(read.Sites, "site"), plural(read.Functions, "function"), plural(read.Lines, "line"))
		if c.Unanalysed > 0 {
			fmt.Fprintf(&b, "  %d ranges unanalysed: read them whole\n", c.Unanalysed)
		}
		for _, cp := range caps.All {
			var of []analyzer.Use
			for _, u := range sites {
				if u.Cap == cp {
					of = append(of, u)
				}
			}
			if len(of) == 0 {
				continue
			}
			if s := c.StaleAudit(cp); s != nil {
				fmt.Fprintf(&b, "  %s (%d new or changed; %s):\n", cp, len(of), stillCovers(*s))
			} else {
				fmt.Fprintf(&b, "  %s (%d):\n", cp, len(of))
			}
			for _, u := range of {
				fmt.Fprintf(&b, "    %s:%d  %s  in %s (%d lines)\n", relative(u.File, src.Base),
					src.Index(u.File).Pos(u.Range.Start).Line, u.API, u.Site.Function, u.Site.Lines())
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
