package project

import (
	"fmt"
	"strings"

	"github.com/cargo-caps/cargo-caps/policy"
)

// ForPackage narrows the workspace's result to one member (`--package`):
// its findings and uses, and the crates it reaches.
func ForPackage(w *Workspace, name string) (*policy.Result, error) {
	var names []string
	found := false
	for _, id := range w.Graph.Members {
		c := w.Graph.Crates[id]
		names = append(names, c.Name)
		found = found || c.Name == name
	}
	if !found {
		return nil, fmt.Errorf("no workspace member named %q (members: %s)", name, strings.Join(names, ", "))
	}
	out := &policy.Result{Findings: nil, Uses: nil}
	for _, f := range w.Result.Findings {
		if f.Crate == name {
			out.Findings = append(out.Findings, f)
		}
	}
	for _, u := range w.Result.Uses {
		if u.Crate == name {
			out.Uses = append(out.Uses, u)
		}
	}
	for _, c := range w.Result.Crates {
		for _, p := range c.Paths {
			if len(p) > 0 && p[0] == name {
				out.Crates = append(out.Crates, c)
				break
			}
		}
	}
	return out, nil
}
