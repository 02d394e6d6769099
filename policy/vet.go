package policy

import (
	"github.com/cargo-caps/cargo-caps/graph"
)

// vetAudits are the cargo vet certifications of c's version for the criteria
// the workspace maps to capabilities: each audits c for its capabilities.
func (e *evaluation) vetAudits(c *graph.Crate) []VetAudit {
	if e.in.Vet == nil || e.in.Root == nil || e.in.Root.Workspace == nil {
		return nil
	}
	var out []VetAudit
	for _, m := range e.in.Root.Workspace.Vet {
		if cert, ok := e.in.Vet.Certified(c.Name, c.Version, m.Criterion); ok && !m.Caps.IsEmpty() {
			out = append(out, VetAudit{Caps: m.Caps, By: cert.String()})
		}
	}
	return out
}
