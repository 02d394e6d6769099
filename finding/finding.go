// Package finding defines what every stage reports to the user: a Finding with
// its diagnostic code (SPEC §5), severity, place, related places and fixes
// (fix.go: edits to files, as the fixes package computes them). Manifest
// reading, analysis and policy produce findings; the CLI and the language
// server only render them. It knows nothing of how findings are computed.
package finding

import (
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
)

// Code is a diagnostic code of SPEC §5.
type Code string

const (
	UndeclaredCapability Code = "undeclared-capability"
	DependencyCapability Code = "dependency-capability"
	PureViolation        Code = "pure-violation"
	UnknownCapability    Code = "unknown-capability"
	ManifestSyntax       Code = "manifest-syntax"
	IneffectiveGrant     Code = "ineffective-grant"
	CargoIncompatible    Code = "cargo-incompatible"
	UnusedCapability     Code = "unused-capability"
	NarrowableCapability Code = "narrowable-capability"
	Unanalysed           Code = "unanalysed"
	BuildTimeCode        Code = "build-time-code"
	BuildDenied          Code = "build-denied"
	// AuditStale: an audited crate's locked version has sites the audit's
	// record in caps-audits.lock does not hold (new or changed code).
	AuditStale Code = "audit-stale"
)

// Codes lists every code in SPEC §5's order: what a severity setting may
// name (the VS Code extension's enum is generated from it, internal/gendocs).
var Codes = []Code{
	UndeclaredCapability, DependencyCapability, PureViolation, UnknownCapability, ManifestSyntax,
	IneffectiveGrant, CargoIncompatible, UnusedCapability, NarrowableCapability, Unanalysed,
	BuildTimeCode, BuildDenied, AuditStale,
}

// Severity orders findings; only Error makes `check` exit 1.
type Severity int

const (
	Hint Severity = iota
	Info
	Warning
	Error
)

func (s Severity) String() string {
	return [...]string{"hint", "info", "warning", "error"}[s]
}

// DefaultSeverity is the severity SPEC §5 gives each code.
func DefaultSeverity(c Code) Severity {
	switch c {
	case UndeclaredCapability, DependencyCapability, PureViolation, UnknownCapability, ManifestSyntax, BuildDenied:
		return Error
	case IneffectiveGrant, CargoIncompatible, Unanalysed, AuditStale:
		return Warning
	case BuildTimeCode:
		return Info
	}
	return Hint
}

// Location is a range in one file. File is an absolute path; Range holds byte
// offsets into the text the finding was computed from.
type Location struct {
	File  string
	Range span.Range
}

// Related is a secondary place shown with a finding: a link of a chain, a
// sample use site in a dependency.
type Related struct {
	Location
	Message string
}

// Finding is one diagnostic.
type Finding struct {
	Code     Code
	Severity Severity
	Location
	Message string

	Capability   caps.Capability // meaningful when HasCap
	HasCap       bool
	Crate        string   // the crate whose file holds the finding
	CrateVersion string   // its version
	CrateDir     string   // its directory; File is shown relative to it
	API          string   // the classified API, for use-site findings
	Chain        []string // member → … → the crate that uses, for dependency findings
	Links        []Link   // Chain's crates with their ids and manifest entries
	Related      []Related
	Unnecessary  bool // an unused declaration: LSP tag Unnecessary
	// BuildUses and BuildGranted, on build-time-code findings: what the
	// crate's build-time code uses by static analysis, and what
	// [workspace.metadata.capabilities.build] grants it in the build sandbox.
	BuildUses, BuildGranted caps.Set

	// Capabilities and Causes describe a dependency finding grouped per
	// direct dependency entry: every capability beyond the member's limits
	// (Capability is the most powerful of them) and the crates responsible.
	Capabilities caps.Set
	Causes       []Cause

	// Fixes are the ways to resolve it, the preferred first; the fixes
	// package fills them in after policy (policy does not compute edits).
	Fixes []Fix
}

// Cause is one crate responsible for a grouped dependency finding.
type Cause struct {
	Crate, Version, Dir string
	Capabilities        caps.Set // what it uses beyond the member's limits
	Chain               []string // member → … → this crate
	Links               []Link   // Chain's crates with their ids and manifest entries
	Sites               []Site   // sample use sites, at most three per capability per finding
}

// Link is one crate of a chain, by graph id, with the entry in the previous
// crate's Cargo.toml that depends on it (zero for the chain's first crate,
// and when no entry names it).
type Link struct {
	Crate, Name, Version string // Crate is the graph id
	Entry                Location
}

// Site is one use of a capability in a dependency's code, with the item
// holding it as the analyser names it: what a reviewer reads, and what
// caps-audits.lock records by fingerprint.
type Site struct {
	Location
	Capability  caps.Capability
	API         string
	Function    string // the item's path (`memchr::memchr`, `<Buf as Drop>::drop`)
	Lines       int    // the item's lines
	Fingerprint string // of the item's tokens
}

// New returns a finding with the code's default severity.
func New(code Code, loc Location, message string) Finding {
	return Finding{Code: code, Severity: DefaultSeverity(code), Location: loc, Message: message}
}

// WithCap returns f about capability c.
func (f Finding) WithCap(c caps.Capability) Finding {
	f.Capability, f.HasCap = c, true
	return f
}
