package project

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/audits"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/policy"
)

// auditsPath is caps-audits.lock at the workspace root, next to Cargo.lock.
func (w *Workspace) auditsPath() string { return filepath.Join(w.Root, audits.FileName) }

func (w *Workspace) readAudits() { w.audits, w.auditsErr = audits.Read(w.Root, w.opts.Read) }

// Audits is the workspace's caps-audits.lock as read (empty when absent; nil
// when it could not be read).
func (w *Workspace) Audits() (*audits.Lock, error) { return w.audits, w.auditsErr }

// auditsFindings reports a caps-audits.lock that could not be read: no
// audit then carries over to another version, which the user must know.
func (w *Workspace) auditsFindings() []finding.Finding {
	if w.auditsErr == nil {
		return nil
	}
	f := finding.New(finding.ManifestSyntax, finding.Location{File: w.auditsPath()},
		"audit records not read, so no audit carries over to another version: "+w.auditsErr.Error())
	f.CrateDir = w.Root
	return []finding.Finding{f}
}

// AuditRecord is what recording an audit changes: the root manifest's
// `audited` entry and caps-audits.lock, as new texts beside the old.
type AuditRecord struct {
	Crates           []policy.CrateReport // the crate versions recorded
	Caps             caps.Set
	Manifest         *manifest.Manifest // the root manifest as analysed
	NewManifest      []byte             // nil when its entry already lists Caps
	OldLock, NewLock []byte             // OldLock nil when there is no lockfile yet
}

// RecordAudit records that a person reviewed crate (at version, or every
// version in the graph when version is "") for cs — every capability it
// uses when cs is empty: the `audited` entry (with entry false, only the
// lockfile: re-recording an audit whose entry stands) and, in
// caps-audits.lock, the fingerprints of the sites of those capabilities.
// Nothing is written.
func (w *Workspace) RecordAudit(crate, version string, cs caps.Set, entry bool) (*AuditRecord, error) {
	root := w.RootManifest()
	if root == nil || root.Workspace == nil {
		return nil, fmt.Errorf("%s has no [workspace] table to record audits in", filepath.Join(w.Root, "Cargo.toml"))
	}
	if w.auditsErr != nil {
		return nil, fmt.Errorf("%v (fix or remove it first: recording would overwrite it)", w.auditsErr)
	}
	r := &AuditRecord{Manifest: root, Caps: cs}
	var versions []string
	for _, c := range w.Result.Crates {
		if c.Name != crate {
			continue
		}
		versions = append(versions, c.Version)
		if version == "" || c.Version == version {
			if c.Missing != "" {
				return nil, fmt.Errorf("%s %s cannot be audited: %s", c.Name, c.Version, c.Missing)
			}
			r.Crates = append(r.Crates, c)
			if cs.IsEmpty() {
				r.Caps = r.Caps.Union(c.Uses)
			}
		}
	}
	switch {
	case len(versions) == 0:
		return nil, fmt.Errorf("no crate named %q in this workspace's graph", crate)
	case len(r.Crates) == 0:
		return nil, fmt.Errorf("%s %s is not in this workspace's graph (it has %s)", crate, version, strings.Join(versions, ", "))
	case r.Caps.IsEmpty():
		return nil, fmt.Errorf("%s uses no capability: there is nothing to audit", crate)
	}
	if entry {
		if edits := manifest.RecordAudits(root, crate, version, r.Caps); len(edits) > 0 {
			r.NewManifest = manifest.Apply(root.Text, edits)
		}
	}
	lock := w.audits
	if lock == nil {
		lock = &audits.Lock{}
	}
	if text, err := w.read(w.auditsPath()); err == nil {
		r.OldLock = text
	}
	var recs []audits.Record
	for _, c := range r.Crates {
		recs = append(recs, policy.ReviewedSites(c, r.Caps))
	}
	r.NewLock = lock.With(recs...).Format()
	return r, nil
}
