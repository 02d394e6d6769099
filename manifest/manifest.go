// Package manifest reads Cargo.toml text into capability declarations (both
// forms of SPEC §2) with the exact source range of every capability-related
// key and value, and computes format-preserving edits for quick-fixes.
// Malformed input becomes findings, never a panic. It knows nothing of Rust
// code, the dependency graph or editors.
package manifest

import (
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/span"
)

// Form says which syntax of SPEC §2 a declaration was written in.
type Form int

const (
	FormA Form = iota // [package.metadata.capabilities]
	FormB             // [package] keys, dependency `capability`, `cap:` feature values
)

// Value is one capability name as written, with the range of its string
// literal (quotes included); edits find the array holding it from that range.
type Value struct {
	Cap   caps.Capability
	Form  Form
	Range span.Range
}

// Manifest is one Cargo.toml as read. It is immutable once returned.
type Manifest struct {
	Path  string // absolute path
	Text  []byte
	Index *span.Index

	Package   *Package   // nil for a virtual manifest
	Workspace *Workspace // nil without a [workspace] table

	Features     map[string]Feature // [features], by name
	Dependencies []Dependency       // every dependency table, in file order

	Findings []finding.Finding // manifest-syntax, unknown-capability, cargo-incompatible, both-forms warnings

	doc   *document // the lossless reading, for edits
	items []item
}

// Package is the [package] table and its capability declaration.
type Package struct {
	Name      string
	NameRange span.Range
	Version   string

	// Declared is false when neither form says anything: the crate may use everything.
	Declared bool
	// DefaultCapability is nil when not written in the package (then the
	// workspace default, if any, applies).
	DefaultCapability      *bool
	DefaultCapabilityRange span.Range
	PureAndSafeOnly        bool
	PureRange              span.Range

	Capabilities []Value            // from both forms
	FeatureCaps  map[string][]Value // feature name → requested capabilities (both forms)
	DepCaps      map[string][]Value // dependency key → granted capabilities (both forms)

	HasFormA, HasFormB bool
	// CapabilityArray is the range of Form A's `capability = [...]` array
	// (brackets included); zero when absent. Edits insert into it.
	CapabilityArray span.Range
	// MetadataTable is the range of the [package.metadata.capabilities] header
	// line; zero when absent.
	MetadataTable span.Range
}

// Feature is one entry of [features].
type Feature struct {
	Name    string
	Range   span.Range // the key
	Enables []string   // other features and "dep:x" / "x/y" values, without cap: values
}

// DepKind is the kind of a dependency table.
type DepKind int

const (
	Normal DepKind = iota
	Dev
	Build
)

// Dependency is one entry of a [dependencies]-like table.
type Dependency struct {
	Key      string // the key in the table (the name code uses)
	Package  string // the crate's real name (`package = "..."`), else Key
	Kind     DepKind
	Target   string // `cfg(...)` or triple for [target.X.dependencies], else ""
	Optional bool
	Path     string // `path = ...` as written, else ""
	KeyRange span.Range
	Range    span.Range // the whole entry (key through value)
}

// Workspace is the [workspace] table's capability settings.
type Workspace struct {
	Members           []string
	DefaultCapability *bool
	APIs              map[caps.Capability][]string // user API extensions
	Audited           []Audit
	AuditedTable      span.Range // header of [workspace.metadata.capabilities.audited]; zero when absent
	Build             []BuildGrant
	BuildTable        span.Range // header of [workspace.metadata.capabilities.build]; zero when absent
	// RunSandboxed, when not nil, asks `cargo-caps test|run` to run the test
	// and program binaries in the sandbox too, with these grants.
	RunSandboxed *caps.Set
	Vet          []VetCriterion
	Targets      []string // target triples the dependency graph is built for; empty: every platform
}

// VetCriterion maps a cargo vet criterion to capabilities
// ([workspace.metadata.capabilities.vet]): a crate version cargo vet
// certifies for it is audited for them.
type VetCriterion struct {
	Criterion string
	Caps      caps.Set
	Range     span.Range
}

// Audit is one `audited` entry: a person reviewed this crate (optionally this
// version) and accepts these capabilities.
type Audit struct {
	Crate   string
	Version string // "" for every version
	Caps    caps.Set
	Range   span.Range
}

// Edit replaces Range (byte offsets into the manifest text) with NewText:
// the edit of a finding's fix.
type Edit = finding.Edit

// Values returns every declared capability value of the package (both
// forms: its own list, its features' and its dependencies' grants).
func (p *Package) Values() []Value {
	if p == nil {
		return nil
	}
	out := append([]Value(nil), p.Capabilities...)
	for _, vs := range p.FeatureCaps {
		out = append(out, vs...)
	}
	for _, vs := range p.DepCaps {
		out = append(out, vs...)
	}
	return out
}
