package sandbox

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/span"
)

// Workspace is the part of a cargo workspace the sandbox reports against.
type Workspace struct {
	Root    *manifest.Manifest   // the workspace root manifest: build grants
	Members []*manifest.Manifest // where denials are shown: the dependency's entry
	// BuildDir is where cargo keeps build scripts (`build_directory`).
	BuildDir string
}

// LoadWorkspace asks `cargo metadata --no-deps` for the workspace of
// manifestPath ("" for the current directory) and reads its manifests.
func LoadWorkspace(ctx context.Context, cargo, manifestPath string) (*Workspace, error) {
	args := []string{"metadata", "--no-deps", "--format-version", "1"}
	if manifestPath != "" {
		args = append(args, "--manifest-path", manifestPath)
	}
	cmd := exec.CommandContext(ctx, cargo, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("cargo metadata: %w", err)
	}
	var meta struct {
		WorkspaceRoot  string `json:"workspace_root"`
		BuildDirectory string `json:"build_directory"`
		TargetDir      string `json:"target_directory"`
		Packages       []struct {
			ManifestPath string `json:"manifest_path"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(out, &meta); err != nil {
		return nil, fmt.Errorf("cargo metadata: %w", err)
	}
	read := func(path string) (*manifest.Manifest, error) {
		text, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return manifest.Parse(path, text), nil
	}
	w := &Workspace{BuildDir: cmp.Or(meta.BuildDirectory, meta.TargetDir)}
	if w.Root, err = read(filepath.Join(meta.WorkspaceRoot, "Cargo.toml")); err != nil {
		return nil, err
	}
	for _, p := range meta.Packages {
		if m, err := read(p.ManifestPath); err == nil {
			w.Members = append(w.Members, m)
		}
	}
	return w, nil
}

// Config is the wrappers' configuration for this workspace.
func (w *Workspace) Config(explain bool) Config {
	c := Config{Workspace: filepath.Dir(w.Root.Path), Explain: explain}
	if w.Root.Workspace != nil {
		c.Grants, c.Run = w.Root.Workspace.Build, w.Root.Workspace.RunSandboxed
	}
	return c
}

// Findings turns denials into build-denied findings (SPEC §5) on the entry
// of a member manifest that depends on the stopped crate, else on the
// workspace root's grants table.
func (w *Workspace) Findings(ds []Denial) []finding.Finding {
	var out []finding.Finding
	for _, d := range ds {
		f := finding.New(finding.BuildDenied, w.place(d.Crate), d.message())
		if d.Passed {
			f.Severity = finding.Warning
		}
		for _, a := range d.Attempts {
			if a.Grantable {
				f = f.WithCap(a.Grant)
				break
			}
		}
		f.Crate = d.Crate
		f.CrateVersion = d.Version
		out = append(out, f)
	}
	return out
}

// place is where a denial of crate shows.
func (w *Workspace) place(crate string) finding.Location {
	same := func(a, b string) bool { return strings.ReplaceAll(a, "-", "_") == strings.ReplaceAll(b, "-", "_") }
	for _, m := range w.Members {
		for _, d := range m.Dependencies {
			if same(d.Package, crate) {
				return finding.Location{File: m.Path, Range: d.KeyRange}
			}
		}
	}
	for _, m := range w.Members {
		if m.Package != nil && same(m.Package.Name, crate) {
			return finding.Location{File: m.Path, Range: m.Package.NameRange}
		}
	}
	loc := finding.Location{File: w.Root.Path}
	if ws := w.Root.Workspace; ws != nil && ws.BuildTable != (span.Range{}) {
		loc.Range = ws.BuildTable
	}
	return loc
}

func (d Denial) message() string {
	var b strings.Builder
	if len(d.Attempts) == 0 {
		// Nothing in its output points at the sandbox: it may have failed for its own reasons.
		return fmt.Sprintf("the %s of `%s` failed inside the build sandbox (exit status %d) and its output does not say why; "+
			"if it needs more than the sandbox allows, rerun with --explain (strace) to see what it tried", d.Kind, d.Crate, d.Code)
	}
	if d.Passed {
		fmt.Fprintf(&b, "the %s of `%s` passed without what the sandbox withheld", d.Kind, d.Crate)
	} else {
		fmt.Fprintf(&b, "the sandbox stopped the %s of `%s`", d.Kind, d.Crate)
	}
	if !d.Granted.IsEmpty() {
		fmt.Fprintf(&b, " (granted %s)", d.Granted)
	}
	var grants []string
	for i, a := range d.Attempts {
		sep := "; "
		if i == 0 {
			sep = ": it tried to "
		}
		b.WriteString(sep + a.What)
		if a.Grantable && !strings.Contains(strings.Join(grants, ","), `"`+a.Grant.String()+`"`) {
			grants = append(grants, `"`+a.Grant.String()+`"`)
		}
	}
	switch {
	case len(grants) > 0 && d.Kind == kindProgram:
		fmt.Fprintf(&b, "; to allow it, grant it in the workspace root: [workspace.metadata.capabilities] run-sandboxed = [%s]",
			strings.Join(grants, ", "))
	case len(grants) > 0:
		fmt.Fprintf(&b, "; to allow it, grant it in the workspace root: [workspace.metadata.capabilities.build] %s = [%s]",
			tomlKey(d.Crate), strings.Join(grants, ", "))
	}
	return b.String()
}

func tomlKey(s string) string {
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == "" {
		return s
	}
	return fmt.Sprintf("%q", s)
}
