package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// completionContext is what a cursor in Cargo.toml is writing, read from
// the table header above it and the line before it (a half-typed manifest
// does not parse, so the TOML tree cannot say).
type completionContext int

const (
	completeNothing       completionContext = iota
	completeCapability                      // an element of a capability list
	completeDependencyKey                   // a key of [package.metadata.capabilities.dependencies]
	completeFeatureKey                      // a key of [package.metadata.capabilities.features]
	completeAuditedCrate                    // a key of [workspace.metadata.capabilities.audited]
)

// capabilityTables are the tables whose values are capability lists, and
// what a key in each names.
var capabilityTables = map[string]completionContext{
	"package.metadata.capabilities.dependencies": completeDependencyKey,
	"package.metadata.capabilities.features":     completeFeatureKey,
	"workspace.metadata.capabilities.audited":    completeAuditedCrate,
}

// cursorContext reads what the cursor at byte off of text is writing.
func cursorContext(text []byte, off int) completionContext {
	before := string(text[:off])
	lineStart := strings.LastIndexByte(before, '\n') + 1
	line := before[lineStart:]
	table := ""
	for _, l := range strings.Split(before[:lineStart], "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "[") && !strings.HasPrefix(l, "[[") {
			table = strings.Trim(strings.TrimSpace(strings.SplitN(l, "#", 2)[0]), "[] ")
		}
	}
	if strings.Contains(line, "#") {
		return completeNothing // in a comment
	}
	key, value, inValue := strings.Cut(line, "=")
	key = strings.Trim(strings.TrimSpace(key), `"'`)
	if !inValue {
		return capabilityTables[table]
	}
	if !strings.Contains(value, "[") || strings.Contains(value, "]") {
		return completeNothing
	}
	switch {
	case (table == "package.metadata.capabilities" || table == "workspace.metadata.capabilities") && key == "capability":
		return completeCapability
	case capabilityTables[table] != completeNothing:
		return completeCapability
	}
	return completeNothing
}

type completionParams struct {
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
	Position protocol.Position `json:"position"`
}

// completion answers textDocument/completion in Cargo.toml: capability
// names in capability lists (the package's, feature grants, dependency
// grants), the manifest's dependency keys and feature names as keys of the
// grant tables, and the workspace's dependency crates (name@version) as
// keys of `audited`.
func (s *server) completion(_ context.Context, params json.RawMessage) (any, error) {
	var p completionParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	path, ok := pathOf(p.TextDocument.URI)
	if !ok || filepath.Base(path) != "Cargo.toml" {
		return []protocol.CompletionItem{}, nil
	}
	doc := s.docs.get(path)
	if doc == nil {
		return []protocol.CompletionItem{}, nil
	}
	off := doc.Index.Offset(int(p.Position.Line), int(p.Position.Character))
	var items []protocol.CompletionItem
	add := func(label, detail string, kind protocol.CompletionItemKind) {
		items = append(items, protocol.CompletionItem{Label: label, Detail: detail, Kind: kind})
	}
	switch cursorContext(doc.Text, off) {
	case completeCapability:
		for _, c := range caps.All {
			add(c.String(), "capability", protocol.CompletionItemKindEnumMember)
		}
	case completeDependencyKey:
		m := manifest.Parse(path, doc.Text)
		var keys []string
		for _, d := range m.Dependencies {
			if d.Kind == manifest.Normal {
				keys = append(keys, d.Key)
			}
		}
		for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
			add(k, "dependency", protocol.CompletionItemKindModule)
		}
	case completeFeatureKey:
		m := manifest.Parse(path, doc.Text)
		for _, f := range slices.Sorted(maps.Keys(m.Features)) {
			add(f, "feature", protocol.CompletionItemKindProperty)
		}
	case completeAuditedCrate:
		if v := s.viewOf(path); v.w != nil {
			var names []string
			for _, c := range v.w.Graph.Crates {
				if !c.Member {
					names = append(names, fmt.Sprintf("%q", c.Name+"@"+c.Version))
				}
			}
			for _, n := range slices.Compact(slices.Sorted(slices.Values(names))) {
				add(n, "crate", protocol.CompletionItemKindModule)
			}
		}
	}
	if items == nil {
		items = []protocol.CompletionItem{}
	}
	return items, nil
}
