package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/cargo-caps/cargo-caps/policy"
)

// DiffText writes one line per changed crate, gains first and loud.
func DiffText(w io.Writer, changes []policy.Change) error {
	var b strings.Builder
	gained := 0
	for _, c := range changes {
		from, to := orNone(c.OldVersion), orNone(c.NewVersion)
		switch {
		case !c.Gained.IsEmpty():
			gained++
			fmt.Fprintf(&b, "%s %s → %s gained %s", c.Name, from, to, quoted(c.Gained.Names()))
			if !c.Lost.IsEmpty() {
				fmt.Fprintf(&b, ", lost %s", quoted(c.Lost.Names()))
			}
			b.WriteString("\n")
		case !c.Lost.IsEmpty():
			fmt.Fprintf(&b, "%s %s → %s lost %s\n", c.Name, from, to, quoted(c.Lost.Names()))
		default:
			fmt.Fprintf(&b, "%s %s → %s: same capabilities (%s)\n", c.Name, from, to, orNone(c.New.String()))
		}
	}
	fmt.Fprintf(&b, "%d crate(s) changed version; %d gained capabilities\n", len(changes), gained)
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

// DiffJSON writes the changes as JSON.
func DiffJSON(w io.Writer, changes []policy.Change) error {
	type change struct {
		Name       string   `json:"name"`
		OldVersion string   `json:"old_version"`
		NewVersion string   `json:"new_version"`
		Gained     []string `json:"gained"`
		Lost       []string `json:"lost"`
		Uses       []string `json:"uses"`
	}
	out := []change{}
	for _, c := range changes {
		out = append(out, change{c.Name, c.OldVersion, c.NewVersion, c.Gained.Names(), c.Lost.Names(), c.New.Names()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"version": 1, "changes": out})
}
