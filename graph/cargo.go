package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/manifest"
)

// metadata is the part of `cargo metadata --format-version 1` we read.
type metadata struct {
	Packages         []metaPackage `json:"packages"`
	WorkspaceMembers []string      `json:"workspace_members"`
	WorkspaceRoot    string        `json:"workspace_root"`
	Resolve          *struct {
		Nodes []metaNode `json:"nodes"`
	} `json:"resolve"`
}

type metaPackage struct {
	Name         string              `json:"name"`
	Version      string              `json:"version"`
	ID           string              `json:"id"`
	Source       *string             `json:"source"`
	Dependencies []metaDependency    `json:"dependencies"`
	Targets      []metaTarget        `json:"targets"`
	Features     map[string][]string `json:"features"`
	ManifestPath string              `json:"manifest_path"`
}

type metaDependency struct {
	Name     string  `json:"name"`
	Rename   *string `json:"rename"`
	Kind     *string `json:"kind"`
	Optional bool    `json:"optional"`
	Target   *string `json:"target"`
}

type metaTarget struct {
	Name    string   `json:"name"`
	Kind    []string `json:"kind"`
	SrcPath string   `json:"src_path"`
}

type metaNode struct {
	ID       string   `json:"id"`
	Features []string `json:"features"`
	Deps     []struct {
		Name     string `json:"name"` // the extern crate name: the key with '-' as '_'
		Pkg      string `json:"pkg"`
		DepKinds []struct {
			Kind   *string `json:"kind"`
			Target *string `json:"target"`
		} `json:"dep_kinds"`
	} `json:"deps"`
}

// loadCargo runs cargo metadata in the manifest's directory, so that the
// workspace's own .cargo/config.toml (source replacement) applies.
func loadCargo(ctx context.Context, manifestPath string, cargo []string) (*Graph, error) {
	abs, err := filepath.Abs(manifestPath)
	if err != nil {
		return nil, err
	}
	if len(cargo) == 0 {
		cargo = []string{"cargo"}
	}
	args := append(slices.Clone(cargo[1:]), "metadata", "--format-version", "1", "--offline", "--manifest-path", abs)
	cmd := exec.CommandContext(ctx, cargo[0], args...)
	cmd.Dir = filepath.Dir(abs)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := cargoError(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("cargo metadata failed for %s: %s (run with --no-cargo to read Cargo.lock instead)", abs, msg)
	}
	var md metadata
	if err := json.Unmarshal(stdout.Bytes(), &md); err != nil {
		return nil, fmt.Errorf("cargo metadata for %s: unreadable output: %v", abs, err)
	}
	return fromMetadata(&md)
}

// fromMetadata maps cargo's packages and resolve nodes to crates and edges.
func fromMetadata(md *metadata) (*Graph, error) {
	if md.Resolve == nil {
		return nil, fmt.Errorf("cargo metadata: no resolve graph")
	}
	pkgs := make(map[string]*metaPackage, len(md.Packages))
	var keys []pkgKey
	keyOf := map[string]pkgKey{}
	for i := range md.Packages {
		p := &md.Packages[i]
		pkgs[p.ID] = p
		k := pkgKey{p.Name, p.Version, p.ID}
		if p.Source != nil {
			k.source = *p.Source
		}
		keys = append(keys, k)
		keyOf[p.ID] = k
	}
	ids := assignIDs(keys)
	members := map[string]bool{}
	g := &Graph{WorkspaceRoot: md.WorkspaceRoot, Crates: map[ID]*Crate{}}
	for _, m := range md.WorkspaceMembers {
		members[m] = true
	}
	for _, n := range md.Resolve.Nodes {
		p := pkgs[n.ID]
		if p == nil {
			return nil, fmt.Errorf("cargo metadata: resolve node %s has no package", n.ID)
		}
		c := &Crate{
			ID:           ids[keyOf[n.ID]],
			Name:         p.Name,
			Version:      p.Version,
			ManifestPath: p.ManifestPath,
			Dir:          filepath.Dir(p.ManifestPath),
			Member:       members[n.ID],
			Registry:     p.Source != nil,
			Features:     append([]string{}, n.Features...),
		}
		if p.Source != nil {
			c.Source = *p.Source
		}
		sort.Strings(c.Features)
		for _, t := range p.Targets {
			kind, procMacro := targetKind(t.Kind)
			c.ProcMacro = c.ProcMacro || procMacro
			if kind == analyzer.BuildScript {
				c.BuildScript = t.SrcPath
			}
			if kind == analyzer.Lib {
				c.LibName = strings.ReplaceAll(t.Name, "-", "_")
			}
			c.Targets = append(c.Targets, analyzer.Target{Kind: kind, Path: t.SrcPath})
		}
		sortTargets(c.Targets)
		for _, d := range n.Deps {
			to := pkgs[d.Pkg]
			if to == nil {
				return nil, fmt.Errorf("cargo metadata: dependency %s of %s has no package", d.Pkg, n.ID)
			}
			// Several dep_kinds of one kind differ only in platform: one edge.
			platforms := map[manifest.DepKind][]string{}
			everywhere := map[manifest.DepKind]bool{}
			var kinds []manifest.DepKind
			for _, dk := range d.DepKinds {
				k := depKind(dk.Kind)
				if _, seen := platforms[k]; !seen {
					kinds = append(kinds, k)
					platforms[k] = nil
				}
				if dk.Target == nil {
					everywhere[k] = true
				} else {
					platforms[k] = append(platforms[k], *dk.Target)
				}
			}
			for _, k := range kinds {
				e := Edge{To: ids[keyOf[d.Pkg]], Key: to.Name, Kind: k}
				if !everywhere[k] {
					e.Target = joinPlatforms(platforms[k])
				}
				for _, decl := range declared(p, to.Name, d.Name, k, platforms[k], everywhere[k]) {
					if decl.Rename != nil {
						e.Key = *decl.Rename
					}
					e.Optional = e.Optional || decl.Optional
				}
				if e.Optional {
					e.EnabledBy = enabledBy(p.Features, e.Key)
				}
				c.Deps = append(c.Deps, e)
			}
		}
		sortEdges(c.Deps)
		g.Crates[c.ID] = c
		if c.Member {
			g.Members = append(g.Members, c.ID)
		}
	}
	sortMembers(g)
	return g, nil
}

// declared finds the dependent's [dependencies]-like entries behind a
// resolved dependency: same package, kind, extern crate name and platform.
// There are several when [target.X.dependencies] tables repeat it.
func declared(p *metaPackage, pkgName, externName string, kind manifest.DepKind, platforms []string, everywhere bool) []*metaDependency {
	var out []*metaDependency
	for i := range p.Dependencies {
		d := &p.Dependencies[i]
		key := d.Name
		if d.Rename != nil {
			key = *d.Rename
		}
		onPlatform := everywhere && d.Target == nil
		for _, pl := range platforms {
			onPlatform = onPlatform || d.Target != nil && *d.Target == pl
		}
		if onPlatform && d.Name == pkgName && depKind(d.Kind) == kind && strings.ReplaceAll(key, "-", "_") == externName {
			out = append(out, d)
		}
	}
	return out
}

func depKind(k *string) manifest.DepKind {
	switch {
	case k == nil:
		return manifest.Normal
	case *k == "dev":
		return manifest.Dev
	case *k == "build":
		return manifest.Build
	}
	return manifest.Normal
}

// targetKind maps cargo's target kinds; every library crate type is a Lib.
func targetKind(kinds []string) (kind analyzer.TargetKind, procMacro bool) {
	for _, k := range kinds {
		switch k {
		case "bin":
			return analyzer.Bin, false
		case "test":
			return analyzer.TestTarget, false
		case "bench":
			return analyzer.Bench, false
		case "example":
			return analyzer.ExampleTarget, false
		case "custom-build":
			return analyzer.BuildScript, false
		case "proc-macro":
			return analyzer.Lib, true
		}
	}
	return analyzer.Lib, false
}

func joinPlatforms(ps []string) string {
	sort.Strings(ps)
	out := ps[:0]
	for i, p := range ps {
		if i == 0 || p != ps[i-1] {
			out = append(out, p)
		}
	}
	return strings.Join(out, " or ")
}

// sortMembers orders members by name, then version, as cargo lists them.
func sortMembers(g *Graph) {
	sort.Slice(g.Members, func(i, j int) bool {
		a, b := g.Crates[g.Members[i]], g.Crates[g.Members[j]]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
}

// cargoError makes cargo's stderr one line: from its first "error:" on,
// without the source snippet it draws under a location.
func cargoError(stderr string) string {
	var parts []string
	started := false
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		started = started || strings.HasPrefix(line, "error")
		if !started || line == "" || strings.HasPrefix(line, "|") || strings.HasPrefix(line, "^") ||
			strings.Contains(line, " | ") || strings.HasSuffix(line, " |") {
			continue
		}
		parts = append(parts, line)
	}
	if len(parts) == 0 {
		return strings.Join(strings.Fields(stderr), " ")
	}
	return strings.TrimPrefix(strings.Join(parts, " "), "error: ")
}
