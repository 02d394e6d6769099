package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/policy"
	"github.com/cargo-caps/cargo-caps/span"
)

func capabilityHover(c caps.Capability) string {
	text := fmt.Sprintf("**`%s`** — a crate with it may %s.", c, c.Meaning())
	if e := c.Info().Escalation; e != "" {
		text += "\n\nEscalation: " + e
	}
	return text
}

type positionParams struct {
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
	Position protocol.Position `json:"position"`
}

// offset returns the byte offset of an editor position in the text the
// editor has now.
func (s *server) offset(path string, pos protocol.Position) int {
	var idx *span.Index
	if doc := s.docs.get(path); doc != nil {
		idx = doc.Index
	} else {
		idx = newTexts(nil).index(path)
	}
	return idx.Offset(int(pos.Line), int(pos.Character))
}

// hover explains what is under the cursor: a capability name or a
// dependency key in Cargo.toml, a flagged API in Rust code.
func (s *server) hover(_ context.Context, params json.RawMessage) (any, error) {
	var p positionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	path, ok := pathOf(p.TextDocument.URI)
	if !ok {
		return nil, nil
	}
	v := s.viewOf(path)
	if v.w == nil {
		return nil, nil
	}
	off := s.offset(path, p.Position)
	var text string
	var at span.Range
	if m := v.w.Manifest(path); m != nil {
		text, at = manifestHover(v, m, off)
	} else {
		text, at = rustHover(v, path, off)
	}
	if text == "" {
		return nil, nil
	}
	r := lspRange(v.tx.index(path), at)
	return protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: text}, Range: &r}, nil
}

func manifestHover(v view, m *manifest.Manifest, off int) (string, span.Range) {
	for _, val := range capabilityValues(m) {
		if val.Range.Contains(off) {
			return capabilityHover(val.Cap), val.Range
		}
	}
	for _, dep := range m.Dependencies {
		if dep.KeyRange.Contains(off) {
			if r := dependencyReport(v, m, dep); r != nil {
				return dependencyHover(v, r), dep.KeyRange
			}
		}
	}
	if m.Workspace != nil {
		for _, a := range m.Workspace.Audited {
			if !a.Range.Contains(off) {
				continue
			}
			// What the audited crate does, for each version in the graph the entry covers.
			var parts []string
			for i := range v.w.Result.Crates {
				if r := &v.w.Result.Crates[i]; r.Name == a.Crate && (a.Version == "" || a.Version == r.Version) {
					parts = append(parts, dependencyHover(v, r))
				}
			}
			if len(parts) == 0 {
				parts = append(parts, fmt.Sprintf("No crate `%s` in this workspace's graph: the audit has no effect.", a.Crate))
			}
			return strings.Join(parts, "\n\n---\n\n"), a.Range
		}
	}
	return "", span.Range{}
}

// capabilityValues lists every capability name written in m.
func capabilityValues(m *manifest.Manifest) []manifest.Value {
	if m.Package == nil {
		return nil
	}
	out := append([]manifest.Value(nil), m.Package.Capabilities...)
	for _, vs := range m.Package.FeatureCaps {
		out = append(out, vs...)
	}
	for _, vs := range m.Package.DepCaps {
		out = append(out, vs...)
	}
	return out
}

// dependencyReport finds the crate a dependency entry of m resolved to.
func dependencyReport(v view, m *manifest.Manifest, dep manifest.Dependency) *policy.CrateReport {
	member := v.w.Member(m.Path)
	if member == nil {
		return nil
	}
	var to graph.ID
	for _, e := range member.Deps {
		if e.Key == dep.Key && e.Kind == dep.Kind {
			to = e.To
			break
		}
	}
	for i := range v.w.Result.Crates {
		if r := &v.w.Result.Crates[i]; r.ID == to {
			return r
		}
	}
	return nil
}

func codeList(s caps.Set) string {
	if s.IsEmpty() {
		return "nothing"
	}
	return "`" + strings.Join(minimal(s).Names(), "` `") + "`"
}

// minimal leaves out what the rest of s implies: `fs`, not `fs fs-readonly`.
func minimal(s caps.Set) caps.Set {
	for _, c := range s.List() {
		if d, ok := c.Implies(); ok {
			s = s.Remove(d)
		}
	}
	return s
}

func dependencyHover(v view, r *policy.CrateReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** %s — its own code uses %s", r.Name, r.Version, codeList(r.Uses))
	if r.Pure {
		b.WriteString(" (pure)")
	}
	fmt.Fprintf(&b, "; with its dependencies %s · %s", codeList(r.TreeUses), crates(r.TreeSize))
	if r.PureTree {
		b.WriteString(", all pure")
	}
	fmt.Fprintf(&b, "\n\nAllowed: %s", codeList(r.Allowed))
	if !r.Beyond.IsEmpty() {
		fmt.Fprintf(&b, " · uses beyond that: %s", codeList(r.Beyond))
	}
	if !r.Audited.IsEmpty() {
		fmt.Fprintf(&b, " · audited: %s", codeList(r.Audited))
	}
	for _, v := range r.Vetted {
		fmt.Fprintf(&b, "\n\n%s audited by %s", codeList(v.Caps), v.By)
	}
	var notes []string
	if r.BuildScript {
		notes = append(notes, "has a build script (runs at build time, outside the model)")
	}
	if r.ProcMacro {
		notes = append(notes, "is a proc-macro (runs in the compiler, outside the model)")
	}
	if r.Unanalysed > 0 {
		notes = append(notes, "has "+count(r.Unanalysed, "place")+" the analyser could not see")
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, "\n\nIt %s.", strings.Join(notes, "; "))
	}
	if len(r.Paths) > 0 {
		b.WriteString("\n\nReached through:")
		for _, p := range r.Paths {
			fmt.Fprintf(&b, "\n- %s", strings.Join(p, " → "))
		}
	}
	if review := reviewHover(v, r); review != "" {
		b.WriteString("\n\n" + review)
	}
	return b.String()
}

func rustHover(v view, path string, off int) (string, span.Range) {
	for _, u := range v.w.Result.Uses {
		if u.File != path || !u.Range.Contains(off) {
			continue
		}
		text := fmt.Sprintf("`%s` needs **`%s`**: a crate with it may %s.", u.API, u.Cap, u.Cap.Meaning())
		switch {
		case u.Gate != "":
			text += fmt.Sprintf("\n\nUnder feature `%s`: it may use what the crate declares and what `%s` requests.", u.Gate, u.Gate)
		case u.Context != analyzer.Normal:
			text += fmt.Sprintf("\n\nThis is %s code, outside the model: reported, never a violation.", u.Context)
		}
		if e := u.Cap.Info().Escalation; e != "" {
			text += "\n\nEscalation: " + e
		}
		return text, u.Range
	}
	return "", span.Range{}
}

func crates(n int) string { return count(n, "crate") }
