package render

import (
	"encoding/json"
	"io"
	"path/filepath"
	"sort"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/policy"
)

// ruleHelp describes each diagnostic code for SARIF rule metadata.
var ruleHelp = map[finding.Code]string{
	finding.UndeclaredCapability: "The crate's own code uses a capability its Cargo.toml does not declare.",
	finding.DependencyCapability: "A dependency uses a capability the depending crate does not allow it.",
	finding.PureViolation:        "A pure-and-safe-only crate, or something it reaches, needs more than env-readonly.",
	finding.UnknownCapability:    "A capability name in Cargo.toml is not one of the seven.",
	finding.ManifestSyntax:       "The capability declaration in Cargo.toml is malformed.",
	finding.IneffectiveGrant:     "A grant to a dependency of a capability the granting crate lacks has no effect.",
	finding.CargoIncompatible:    "Form B `cap:` feature values make cargo reject the manifest.",
	finding.UnusedCapability:     "A declared capability is not used by the crate or its dependencies.",
	finding.NarrowableCapability: "A declared capability is wider than what is used (fs where fs-readonly suffices).",
	finding.Unanalysed:           "Code cargo-caps could not see: it is not known to be clean.",
	finding.BuildTimeCode:        "Code that runs at build time, outside the capability model.",
	finding.BuildDenied:          "The build sandbox stopped a build script or proc-macro doing what the workspace does not grant it.",
	finding.AuditStale:           "An audited crate's locked version has sites the audit did not review (caps-audits.lock).",
}

// SARIF writes findings as a SARIF 2.1.0 log with rule ids = diagnostic codes;
// paths are relative to root so code scanning can map them to the repository.
func SARIF(w io.Writer, res *policy.Result, src *Sources, root string) error {
	codes := make([]string, 0, len(ruleHelp))
	for c := range ruleHelp {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	rules := []map[string]any{}
	for _, c := range codes {
		rules = append(rules, map[string]any{
			"id":                   c,
			"shortDescription":     map[string]string{"text": ruleHelp[finding.Code(c)]},
			"defaultConfiguration": map[string]string{"level": sarifLevel(finding.DefaultSeverity(finding.Code(c)))},
		})
	}
	results := []map[string]any{}
	for _, f := range res.Findings {
		p := src.place(f.File, root, f.Range)
		region := map[string]int{"startLine": p.Line, "startColumn": p.Column, "endLine": p.EndLine, "endColumn": p.EndColumn}
		result := map[string]any{
			"ruleId":  string(f.Code),
			"level":   sarifLevel(f.Severity),
			"message": map[string]string{"text": f.Message},
			"locations": []any{map[string]any{"physicalLocation": map[string]any{
				"artifactLocation": map[string]string{"uri": filepath.ToSlash(p.File), "uriBaseId": "%SRCROOT%"},
				"region":           region,
			}}},
		}
		if len(f.Related) > 0 {
			result["relatedLocations"] = sarifRelated(f.Related, src, root)
		}
		if len(f.Fixes) > 0 {
			result["fixes"] = sarifFixes(f.Fixes, src, root)
		}
		results = append(results, result)
	}
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "cargo-caps", "informationUri": "https://github.com/cargo-caps/cargo-caps", "rules": rules,
			}},
			"results": results,
			// Columns as rustc counts them (SARIF's default is UTF-16 code units).
			"columnKind": "unicodeCodePoints",
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // `Vec<u8>` and `<T as Trait>::f` read as written
	return enc.Encode(log)
}

// sarifFixes writes fixes as SARIF 2.1.0 fix objects: each edit a
// replacement of a deleted region (lines and columns, and the exact bytes)
// by inserted content; an empty region is an insertion.
func sarifFixes(fixes []finding.Fix, src *Sources, root string) []any {
	out := []any{}
	for _, fix := range fixes {
		changes := []any{}
		for _, c := range fix.Changes {
			replacements := []any{}
			for _, e := range c.Edits {
				p := src.place(c.File, root, e.Range)
				replacements = append(replacements, map[string]any{
					"deletedRegion": map[string]int{"startLine": p.Line, "startColumn": p.Column, "endLine": p.EndLine, "endColumn": p.EndColumn,
						"byteOffset": e.Range.Start, "byteLength": e.Range.End - e.Range.Start},
					"insertedContent": map[string]string{"text": e.NewText},
				})
			}
			changes = append(changes, map[string]any{"artifactLocation": sarifArtifact(relative(c.File, root)), "replacements": replacements})
		}
		out = append(out, map[string]any{"description": map[string]string{"text": fix.Title}, "artifactChanges": changes})
	}
	return out
}

// sarifArtifact locates a file relative to %SRCROOT%, or by its absolute
// path (a registry crate), which SARIF viewers can open.
func sarifArtifact(file string) map[string]any {
	if filepath.IsAbs(file) {
		return map[string]any{"uri": "file://" + filepath.ToSlash(file)}
	}
	return map[string]any{"uri": filepath.ToSlash(file), "uriBaseId": "%SRCROOT%"}
}

// sarifRelated lists a finding's sample sites; a site outside the workspace
// (a registry crate) keeps its absolute path, which SARIF viewers can open.
func sarifRelated(related []finding.Related, src *Sources, root string) []any {
	out := []any{}
	for i, r := range related {
		p := src.place(r.File, root, r.Range)
		out = append(out, map[string]any{
			"id":      i,
			"message": map[string]string{"text": r.Message},
			"physicalLocation": map[string]any{
				"artifactLocation": sarifArtifact(p.File),
				"region":           map[string]int{"startLine": p.Line, "startColumn": p.Column, "endLine": p.EndLine, "endColumn": p.EndColumn},
			},
		})
	}
	return out
}

func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.Error:
		return "error"
	case finding.Warning:
		return "warning"
	}
	return "note"
}
