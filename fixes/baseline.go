package fixes

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/span"
)

// Baseline is `cargo-caps init`, the onboarding step (as capsec's `init` or
// cackle's generated config): each member that declares nothing gets the
// declaration of what it and its dependencies use today, and a grant for
// each direct normal dependency of what that dependency's tree uses. Then
// `check` passes at once and any new capability fails. A member that
// declares something already is the person's choice and is left alone. A
// member manifest that does not parse is an error, and then nothing is
// written anywhere.
func Baseline(w *project.Workspace) ([]finding.BaselineStep, error) {
	var steps []finding.BaselineStep
	for _, id := range w.Graph.Members {
		member := w.Graph.Crates[id]
		m := w.Manifest(member.ManifestPath)
		if m == nil || m.Package == nil {
			return nil, fmt.Errorf("%s: the manifest was not read; nothing was written", member.ManifestPath)
		}
		if err := parses(m); err != nil {
			return nil, err
		}
		if m.Package.Declared {
			steps = append(steps, finding.BaselineStep{Member: member.Name, Why: "declares its capabilities already"})
			continue
		}
		fix, err := baseline(w, member, m)
		if err != nil {
			return nil, err
		}
		steps = append(steps, finding.BaselineStep{Member: member.Name, Fix: fix})
	}
	return steps, nil
}

// baseline is the fix that declares what member (which declares nothing)
// and its dependencies use, and limits each direct normal dependency to what
// its tree uses: two sets of edits in turn, the second computed on the text
// the first gives, expressed as edits of the manifest as read.
func baseline(w *project.Workspace, member *graph.Crate, m *manifest.Manifest) (*finding.Fix, error) {
	r := report(w, member.ID)
	if r == nil {
		return nil, fmt.Errorf("%s: crate %s was not analysed; nothing was written", member.ManifestPath, member.Name)
	}
	uses := r.TreeUses.Union(r.Uses)
	features := featureRequests(w, member, uses)
	for _, l := range features {
		if l.Key == "" { // gated so that no one feature's request would do
			uses = uses.Union(l.Caps)
		}
	}
	features = slices.DeleteFunc(features, func(l manifest.Limit) bool { return l.Key == "" })
	var limits []manifest.Limit
	for _, e := range member.Deps {
		d := report(w, e.To)
		if e.Kind != manifest.Normal || d == nil {
			continue
		}
		grant := fewest(d.TreeUses.Union(d.Uses))
		if i := slices.IndexFunc(limits, func(l manifest.Limit) bool { return l.Key == e.Key }); i >= 0 {
			limits[i].Caps = fewest(limits[i].Caps.Union(grant)) // one key, several platforms
			continue
		}
		limits = append(limits, manifest.Limit{Key: e.Key, Caps: grant})
	}
	// Each step on the text the one before gives, joined into edits of the
	// manifest as read.
	steps := []func(*manifest.Manifest) []manifest.Edit{
		func(m *manifest.Manifest) []manifest.Edit { return manifest.DeclareCapabilities(m, uses) },
		func(m *manifest.Manifest) []manifest.Edit { return manifest.RequestForFeatures(m, features) },
		func(m *manifest.Manifest) []manifest.Edit { return manifest.LimitDependencies(m, limits) },
	}
	text, at := m.Text, m
	var edits []finding.Edit
	joined := true
	for _, step := range steps {
		e := step(at)
		text = manifest.Apply(text, e)
		at = manifest.Parse(m.Path, text)
		if err := parses(at); err != nil {
			return nil, err
		}
		edits, joined = compose(edits, e)
		if !joined {
			break
		}
	}
	if !joined || string(manifest.Apply(m.Text, edits)) != string(text) {
		edits = []finding.Edit{difference(m.Text, text)}
	}
	title := fmt.Sprintf("Declare what `%s` uses: %s", member.Name, setOrNothing(uses))
	if len(features) > 0 {
		names := make([]string, len(features))
		for i, l := range features {
			names[i] = "`" + l.Key + "`"
		}
		title += fmt.Sprintf("; request for features %s what their code uses", strings.Join(names, ", "))
	}
	if len(limits) > 0 {
		title += fmt.Sprintf("; grant each of its %d direct dependencies what it uses", len(limits))
	}
	fix := &finding.Fix{
		Title:   title,
		Kind:    finding.Source,
		Changes: []finding.FileChange{changeIn(m.Path, m.Text, edits)},
	}
	if !Writable(w.Root, *fix) {
		return nil, fmt.Errorf("%s: its real path is outside the workspace; nothing was written", m.Path)
	}
	return fix, nil
}

// featureRequests is, per feature, what the member's code gated by it uses
// beyond base (key "" for code gated so that no one feature would do).
func featureRequests(w *project.Workspace, member *graph.Crate, base caps.Set) []manifest.Limit {
	var out []manifest.Limit
	for _, u := range w.Result.Uses {
		if u.Crate != member.Name || u.CrateDir != member.Dir || u.Use.Context != analyzer.Normal || len(u.Gates) == 0 || base.Close().Has(u.Cap) {
			continue
		}
		feature := gateFeature(u.Gates)
		i := slices.IndexFunc(out, func(l manifest.Limit) bool { return l.Key == feature })
		if i < 0 {
			out, i = append(out, manifest.Limit{Key: feature}), len(out)
		}
		out[i].Caps = fewest(out[i].Caps.Add(u.Cap))
	}
	return out
}

// parses returns an error naming the first syntax finding of m.
func parses(m *manifest.Manifest) error {
	for _, f := range m.Findings {
		if f.Code == finding.ManifestSyntax {
			pos := m.Index.Pos(f.Range.Start)
			return fmt.Errorf("%s:%d:%d: %s; fix the manifest first: nothing was written", m.Path, pos.Line, pos.Column, f.Message)
		}
	}
	return nil
}

// compose expresses edits second, made on the text first gives, as edits
// of the text before first, beside first's own; false when one of second
// touches text first wrote (then difference joins them).
func compose(first, second []finding.Edit) ([]finding.Edit, bool) {
	type seg struct{ start0, end0, start1, end1 int }
	sorted := slices.Clone(first)
	slices.SortStableFunc(sorted, func(a, b finding.Edit) int { return a.Range.Start - b.Range.Start })
	var segs []seg
	delta := 0
	for _, e := range sorted {
		start1 := e.Range.Start + delta
		segs = append(segs, seg{e.Range.Start, e.Range.End, start1, start1 + len(e.NewText)})
		delta += len(e.NewText) - (e.Range.End - e.Range.Start)
	}
	out := slices.Clone(first)
	for _, e := range second {
		shift := 0
		for _, sg := range segs {
			if sg.start1 <= e.Range.Start && e.Range.Start < sg.end1 || e.Range.Start < sg.end1 && sg.start1 < e.Range.End {
				return nil, false
			}
			if sg.end1 <= e.Range.Start {
				shift = sg.end1 - sg.end0
			}
		}
		out = append(out, finding.Edit{Range: span.Range{Start: e.Range.Start - shift, End: e.Range.End - shift}, NewText: e.NewText})
	}
	return out, true
}

// difference is the one edit that turns from into to: what lies between
// their common start and common end, never inside a character (an editor
// places the edit by UTF-16 position).
func difference(from, to []byte) finding.Edit {
	p := 0
	for p < len(from) && p < len(to) && from[p] == to[p] {
		p++
	}
	for p > 0 && p < len(from) && !utf8.RuneStart(from[p]) {
		p--
	}
	s := 0
	for s < len(from)-p && s < len(to)-p && from[len(from)-1-s] == to[len(to)-1-s] {
		s++
	}
	for s > 0 && !utf8.RuneStart(from[len(from)-s]) {
		s--
	}
	return finding.Edit{Range: span.Range{Start: p, End: len(from) - s}, NewText: string(to[p : len(to)-s])}
}

// Rewrite is the change that turns file's text old into new by one edit of
// the bytes that differ; a nil old is a file to create. False when the two
// texts are the same.
func Rewrite(file string, old, new []byte) (finding.FileChange, bool) {
	if old != nil && string(old) == string(new) {
		return finding.FileChange{}, false
	}
	c := changeIn(file, old, []finding.Edit{difference(old, new)})
	c.Create = old == nil
	return c, true
}

// changeIn is edits to file, whose text they point into is text.
func changeIn(file string, text []byte, edits []finding.Edit) finding.FileChange {
	return finding.FileChange{File: file, Base: sha256.Sum256(text), Edits: edits}
}
