// Package policy applies the semantics of SPEC §3 to declarations (manifest),
// per-crate uses (analyzer) and the resolved graph (graph), and returns
// findings and per-crate reports. It is a pure function of its inputs: no
// I/O, no caching, nothing of editors or output formats.
package policy

import (
	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/graph"
)

// UseRecord is one capability use in a workspace member's own code, allowed
// or not (JSON `uses`). Its Use's Context and Gates say where it runs.
type UseRecord struct {
	Crate, Version, CrateDir string
	analyzer.Use
	// Gate is the feature condition of normal code as the JSON `context`
	// writes it after `feature:` (`tls`, `all(tls, not(std))`); "" when none.
	Gate string
	// Feature is a feature whose request, given this use's capability,
	// would allow the use (a gate, or a member of an all(..) gate); "" when
	// no one feature would (not(..), any(..), ungated code).
	Feature string
}

// ContextName is where the use runs as JSON's `context` says it: normal,
// test, build, example or feature:<gate>.
func (u UseRecord) ContextName() string {
	if u.Gate != "" {
		return "feature:" + u.Gate
	}
	return u.Context.String()
}

// CrateReport is what policy concluded about one crate (JSON `crates`).
type CrateReport struct {
	ID          graph.ID
	Name        string
	Version     string
	Dir         string
	Member      bool
	Uses        caps.Set // needed by its own normal code
	Allowed     caps.Set // Ceil ∪ Audited (for members: Own)
	Beyond      caps.Set // Uses that Allowed does not cover
	Audited     caps.Set
	Pure        bool // own code needs nothing beyond env-readonly, and it was fully analysed
	PureTree    bool // Pure for it and all it reaches through normal edges
	BuildScript bool
	ProcMacro   bool
	Unanalysed  int // ranges of its normal code the analyser could not see
	Lines       int
	// TreeUses is what it and its normal-dependency subtree use; TreeSize counts that subtree's crates (itself included).
	TreeUses caps.Set
	TreeSize int
	// Paths are shortest chains from each member that reaches it: member → … → this crate.
	Paths [][]string
	// Vetted are the cargo vet certifications that audit it, part of Audited.
	Vetted []VetAudit
	// Sites are its own compiled normal-context uses, each with the
	// function or item holding it (review.go).
	Sites []analyzer.Use
	// ToRead is what its ReviewSites ask a reviewer to read.
	ToRead Reading
	// StaleAudits are its capabilities whose audit's record lacks some of
	// their sites (audit-stale): only those sites are left to read.
	StaleAudits []StaleAudit
	// Missing says why its sources were not on disk; "" when they were.
	Missing string
	Reach   Reach
}

// StaleAudit is an audit of one capability that no longer holds every site
// of the crate's version: Unrecorded are the new and changed sites (those
// its audit-stale finding names), Covered how many the record still holds.
type StaleAudit struct {
	Cap        caps.Capability
	Versions   []string // the versions the record was made for
	Unrecorded []analyzer.Use
	Covered    int
}

// VetAudit is a cargo vet certification of a crate version for a criterion
// that [workspace.metadata.capabilities.vet] maps to capabilities.
type VetAudit struct {
	Caps caps.Set
	By   string // `cargo vet: safe-to-deploy, imported from mozilla`
}

// Result is everything policy concluded, in deterministic order.
type Result struct {
	Findings []finding.Finding
	Uses     []UseRecord
	Crates   []CrateReport
	Targets  []string // the target triples the graph was built for; empty: every platform
}

// NeedsReview reports whether a person must read a dependency: it is not
// pure and uses something no audit accepted.
func (c CrateReport) NeedsReview() bool {
	return !c.Member && !c.Pure && (!c.Uses.Minus(c.Audited).IsEmpty() || c.Unanalysed > 0)
}
