package manifest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
)

// BuildGrant is one entry of [workspace.metadata.capabilities.build]: what a
// crate's build-time code (its build script, its proc-macros, its compile-time
// reads) may do inside the build sandbox.
type BuildGrant struct {
	Crate   string
	Version string // "" for every version; else a version or a prefix of one ("0.12")
	Caps    caps.Set
	Range   span.Range
}

// Matches reports whether the grant is for package name at version. Names
// compare with `-` and `_` alike: rustc only knows a crate's `_` spelling.
func (g BuildGrant) Matches(name, version string) bool {
	norm := func(s string) string { return strings.ReplaceAll(s, "-", "_") }
	if norm(g.Crate) != norm(name) {
		return false
	}
	return g.Version == "" || g.Version == version || strings.HasPrefix(version, g.Version+".")
}

// BuildGrants returns what the workspace grants name@version's build-time
// code, implied capabilities included; version "" matches every grant of the name.
func (w *Workspace) BuildGrants(name, version string) caps.Set {
	var s caps.Set
	if w == nil {
		return s
	}
	for _, g := range w.Build {
		if g.Matches(name, version) || version == "" && g.Matches(name, g.Version) {
			s = s.Union(g.Caps)
		}
	}
	return s.Close()
}

// buildGrant reads one key under [workspace.metadata.capabilities.build];
// rest starts with "build".
func (r *reader) buildGrant(it item, rest []string) {
	w := r.m.Workspace
	switch len(rest) {
	case 1:
		if it.ent == nil {
			w.BuildTable = it.tbl.header
		}
		r.table(it)
	case 2:
		g := BuildGrant{Caps: r.capSet(it)}
		g.Crate, g.Version, g.Range = crateEntry(it, rest[1])
		w.Build = append(w.Build, g)
	default:
		r.mistyped(it, 5, fmt.Sprintf("workspace.metadata.capabilities.build.%s must be an array", rest[1]))
	}
}

// runSandboxed reads `run-sandboxed = [...]` of [workspace.metadata.capabilities].
func (r *reader) runSandboxed(it item) {
	vals, ok := r.capList(it, FormA)
	if !ok {
		return
	}
	var s caps.Set
	for _, v := range vals {
		s = s.Add(v.Cap)
	}
	r.m.Workspace.RunSandboxed = &s
}

// GrantBuild grants crate's build-time code c in the workspace root manifest
// m. It returns nil for a manifest without [workspace], or when an entry for
// the crate (any version) already grants c.
func GrantBuild(m *Manifest, crate string, c caps.Capability) []Edit {
	if m.Workspace == nil || crate == "" {
		return nil
	}
	key := crate
	for _, g := range m.Workspace.Build {
		if g.Crate == crate {
			if g.Caps.Close().Has(c) {
				return nil
			}
			if g.Version != "" {
				key = crate + "@" + g.Version // widen the entry the user wrote
			}
			break
		}
	}
	return m.editor().addTo(append(slices.Clone(workspaceCaps), "build", key), c.String())
}
