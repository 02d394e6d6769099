package lsp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"go.lsp.dev/jsonrpc2"

	"github.com/cargo-caps/cargo-caps/policy"
	"github.com/cargo-caps/cargo-caps/render"
)

type reportParams struct {
	Format string `json:"format"` // "text" (default) or "json"
}

type reportResult struct {
	Text string `json:"text"`
}

// report answers cargoCaps/report: the reviewer's list over every loaded
// workspace, as `cargo-caps report` prints it, or as `report --format json`
// writes it (what the editors' review views, quickfix list and status read).
func (s *server) report(_ context.Context, params json.RawMessage) (any, error) {
	var p reportParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	if p.Format != "" && p.Format != "text" && p.Format != "json" {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "format must be text or json, not %q", p.Format)
	}
	merged := &policy.Result{}
	views := s.views()
	// Places are computed in the texts the findings were computed from.
	src := &render.Sources{Read: func(path string) ([]byte, error) {
		for _, v := range views {
			if doc := v.tx.snapshot[path]; doc != nil {
				return doc.Text, nil
			}
		}
		return readDisk(path)
	}}
	for _, v := range views {
		merged.Findings = append(merged.Findings, v.w.Result.Findings...)
		merged.Uses = append(merged.Uses, v.w.Result.Uses...)
		merged.Crates = append(merged.Crates, v.w.Result.Crates...)
		for _, t := range v.w.Result.Targets {
			if !slices.Contains(merged.Targets, t) {
				merged.Targets = append(merged.Targets, t)
			}
		}
	}
	review := policy.NewReview(merged)
	var b strings.Builder
	var err error
	if p.Format == "json" {
		err = render.ReviewJSON(&b, review, src)
	} else {
		err = render.ReviewText(&b, review)
	}
	if err != nil {
		return nil, err
	}
	return reportResult{Text: b.String()}, nil
}
