package lsp

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// TestHovers asks for the hover at each `hover: FILE LINE CHARACTER` of a
// testdata/hover case's comment (LSP positions); want/hovers holds the texts.
func TestHovers(t *testing.T) {
	for _, file := range caseFiles(t, "hover") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			s := openCase(t, file)
			var b strings.Builder
			for _, line := range strings.Split(string(s.ar.Comment), "\n") {
				spec, ok := strings.CutPrefix(line, "hover: ")
				if !ok {
					continue
				}
				var rel string
				var pos protocol.Position
				if _, err := fmt.Sscanf(spec, "%s %d %d", &rel, &pos.Line, &pos.Character); err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				var h *protocol.Hover
				if err := s.call("textDocument/hover", map[string]any{
					"textDocument": map[string]any{"uri": fileURI(s.path(rel))}, "position": pos,
				}, &h); err != nil {
					t.Fatalf("hover %s: %v", spec, err)
				}
				fmt.Fprintf(&b, "## %s\n", spec)
				if h == nil {
					b.WriteString("(none)\n")
					continue
				}
				if h.Range != nil && (pos.Line < h.Range.Start.Line || pos.Line > h.Range.End.Line) {
					t.Errorf("%s: hover range %s does not hold the position", spec, fmtRange(*h.Range))
				}
				fmt.Fprintf(&b, "%s %s\n%s\n", fmtRange(*h.Range), h.Contents.Kind, h.Contents.Value)
			}
			s.golden("hovers", b.String())
		})
	}
}

func TestHoverBeforeAnalysisIsEmpty(t *testing.T) {
	c := startServer(t, nil)
	c.initialize(map[string]any{})
	var h json.RawMessage
	if err := c.call("textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": fileURI(filepath.Join(t.TempDir(), "x.rs"))}, "position": protocol.Position{},
	}, &h); err != nil || len(h) != 0 && string(h) != "null" {
		t.Errorf("hover outside any workspace: %s, %v; want null", h, err)
	}
}
