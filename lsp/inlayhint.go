package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"

	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/span"
)

// inlayHintParams and inlayHint are LSP 3.17's, which go.lsp.dev/protocol
// (3.15) lacks.
type inlayHintParams struct {
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
	Range protocol.Range `json:"range"`
}

type inlayHint struct {
	Position    protocol.Position       `json:"position"`
	Label       string                  `json:"label"`
	Tooltip     *protocol.MarkupContent `json:"tooltip,omitempty"`
	PaddingLeft bool                    `json:"paddingLeft,omitempty"`
}

// inlayHint shows, at the end of each dependency entry of a Cargo.toml, what
// that dependency and its subtree use, and after the capability array which
// declared values are not needed.
func (s *server) inlayHint(_ context.Context, params json.RawMessage) (any, error) {
	var p inlayHintParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	hints := []inlayHint{}
	path, ok := pathOf(p.TextDocument.URI)
	if !ok {
		return hints, nil
	}
	v := s.viewOf(path)
	if v.w == nil {
		return hints, nil
	}
	m := v.w.Manifest(path)
	if m == nil {
		return hints, nil
	}
	for _, h := range manifestHints(v, m) {
		if within16(p.Range, h.Position) {
			hints = append(hints, h)
		}
	}
	return hints, nil
}

func manifestHints(v view, m *manifest.Manifest) []inlayHint {
	var out []inlayHint
	for _, dep := range m.Dependencies {
		r := dependencyReport(v, m, dep)
		if r == nil {
			continue
		}
		label := fmt.Sprintf("%s · %s", minimal(r.TreeUses), crates(r.TreeSize))
		switch {
		case r.PureTree:
			label = "pure"
		case r.TreeSize == 1:
			label = minimal(r.TreeUses).String()
		}
		out = append(out, inlayHint{
			Position:    lineEnd(m.Index, dep.Range.End),
			Label:       label,
			Tooltip:     &protocol.MarkupContent{Kind: protocol.Markdown, Value: dependencyHover(v, r)},
			PaddingLeft: true,
		})
	}
	if h, ok := unusedHint(v, m); ok {
		out = append(out, h)
	}
	return out
}

// unusedHint says, after the capability array, which declared values the
// crate does not need (from the unused- and narrowable-capability findings).
func unusedHint(v view, m *manifest.Manifest) (inlayHint, bool) {
	if m.Package == nil || m.Package.CapabilityArray == (span.Range{}) {
		return inlayHint{}, false
	}
	var unused, narrowable caps.Set
	for _, f := range v.w.Result.Findings {
		if f.File != m.Path || !f.HasCap || f.Range.Start < m.Package.CapabilityArray.Start || f.Range.End > m.Package.CapabilityArray.End {
			continue
		}
		switch f.Code {
		case finding.UnusedCapability:
			unused = unused.Add(f.Capability)
		case finding.NarrowableCapability:
			narrowable = narrowable.Add(f.Capability)
		}
	}
	var parts []string
	if !unused.IsEmpty() {
		parts = append(parts, "unused: "+unused.String())
	}
	if !narrowable.IsEmpty() {
		parts = append(parts, "narrowable: "+narrowable.String())
	}
	if len(parts) == 0 {
		return inlayHint{}, false
	}
	return inlayHint{Position: lineEnd(m.Index, m.Package.CapabilityArray.End), Label: strings.Join(parts, " · "), PaddingLeft: true}, true
}

// lineEnd is the position at the end of the line holding the byte before
// off: where a hint after an entry that ends at off goes.
func lineEnd(idx *span.Index, off int) protocol.Position {
	line := idx.LineOf(max(0, off-1))
	return protocol.Position{Line: uint32(line), Character: uint32(len(utf16.Encode([]rune(idx.LineText(line)))))}
}

// within16 reports whether pos lies in r (inclusive: hints at a range's end
// are still on screen).
func within16(r protocol.Range, pos protocol.Position) bool {
	before := func(a, b protocol.Position) bool {
		return a.Line < b.Line || a.Line == b.Line && a.Character <= b.Character
	}
	return before(r.Start, pos) && before(pos, r.End)
}
