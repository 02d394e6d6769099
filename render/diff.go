package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/policy"
)

// DiffText writes each crate that moved, unknowns and gains first and
// loud, with its added (+), changed (~) and removed (-) sites as `file:line`
// (relative to src.Base when below it).
func DiffText(w io.Writer, changes []policy.Change, src *Sources) error {
	var b strings.Builder
	count := map[policy.Status]int{}
	gained, sites := 0, 0
	for _, c := range changes {
		count[c.Status]++
		from, to := orNone(c.OldVersion), orNone(c.NewVersion)
		head := fmt.Sprintf("%s %s → %s", c.Name, from, to)
		switch c.Status {
		case policy.Added:
			head = fmt.Sprintf("%s %s (added)", c.Name, to)
		case policy.Removed:
			head = fmt.Sprintf("%s %s (removed)", c.Name, from)
		}
		if c.Reach == policy.ReachBuild || c.Reach == policy.ReachDev {
			head += " [" + string(c.Reach) + "-only]"
		}
		switch {
		case c.Status == policy.Unknown:
			fmt.Fprintf(&b, "%s: UNKNOWN (%s): nothing can be said of what it gained or lost\n", head, c.Reason)
		case !c.Gained.IsEmpty():
			gained++
			fmt.Fprintf(&b, "%s gained %s", head, quoted(c.Gained.Names()))
			if !c.Lost.IsEmpty() {
				fmt.Fprintf(&b, ", lost %s", quoted(c.Lost.Names()))
			}
			b.WriteString("\n")
		case !c.Lost.IsEmpty():
			fmt.Fprintf(&b, "%s lost %s\n", head, quoted(c.Lost.Names()))
		case c.New.IsEmpty():
			fmt.Fprintf(&b, "%s: no capabilities\n", head)
		default:
			fmt.Fprintf(&b, "%s: same capabilities (%s)\n", head, c.New)
		}
		if c.Sites.Any() {
			sites++
		}
		for _, s := range []struct {
			mark string
			uses []analyzer.Use
		}{{"+", c.Sites.Added}, {"~", c.Sites.Changed}, {"-", c.Sites.Removed}} {
			for _, u := range s.uses {
				fmt.Fprintf(&b, "  %s %-8s %s:%d  %s  in %s\n", s.mark, u.Cap, relative(u.File, src.Base),
					src.Index(u.File).Pos(u.Range.Start).Line, u.API, u.Site.Function)
			}
		}
	}
	fmt.Fprintf(&b, "%d crate(s) changed version, %d added, %d removed, %d unknown; %d gained capabilities; %d with sites added or changed\n",
		count[policy.Changed], count[policy.Added], count[policy.Removed], count[policy.Unknown], gained, sites)
	_, err := io.WriteString(w, b.String())
	return err
}

func quoted(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return strings.Join(out, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// DiffJSON writes the changes as JSON; site files are absolute (two
// versions of a crate live in two directories).
func DiffJSON(w io.Writer, changes []policy.Change, src *Sources) error {
	type sites struct {
		Added   []jsonSite `json:"added"`
		Changed []jsonSite `json:"changed"`
		Removed []jsonSite `json:"removed"`
	}
	type change struct {
		Name       string   `json:"name"`
		OldVersion string   `json:"old_version"`
		NewVersion string   `json:"new_version"`
		Status     string   `json:"status"`
		Reason     string   `json:"reason"`
		Reach      string   `json:"reach"` // normal, build (build-only) or dev (dev-only)
		Gained     []string `json:"gained"`
		Lost       []string `json:"lost"`
		Uses       []string `json:"uses"`
		Sites      sites    `json:"sites"`
	}
	out := []change{}
	for _, c := range changes {
		reach := string(c.Reach)
		if reach == "" {
			reach = string(policy.ReachNormal)
		}
		out = append(out, change{Name: c.Name, OldVersion: c.OldVersion, NewVersion: c.NewVersion,
			Status: string(c.Status), Reason: c.Reason, Reach: reach,
			Gained: c.Gained.Names(), Lost: c.Lost.Names(), Uses: c.New.Names(),
			Sites: sites{sitesJSON(c.Sites.Added, "", src), sitesJSON(c.Sites.Changed, "", src), sitesJSON(c.Sites.Removed, "", src)}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"version": 1, "changes": out})
}
