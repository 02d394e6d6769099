// Package analyzer finds capability uses in one crate's Rust sources (SPEC §1
// and §4): it parses with tree-sitter, follows `mod` declarations from each
// target's root file, resolves names through `use` items per module scope,
// classifies paths, methods and macros with the API table, and reports what it
// could not see as Unanalysed. Its output depends only on the crate's files and
// the table. It knows nothing of manifests' policy, the dependency graph or editors.
package analyzer

import (
	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
)

// Context says when the code holding a use runs (SPEC §3.6, JSON `context`).
type Context int

const (
	Normal  Context = iota
	Test            // tests/, benches/, #[cfg(test)], #[test]
	Build           // build.rs
	Example         // examples/
)

func (c Context) String() string {
	return [...]string{"normal", "test", "build", "example"}[c]
}

// CfgOp is the operator of a cfg predicate.
type CfgOp int

const (
	CfgFeature CfgOp = iota // feature = "Name"
	CfgAll
	CfgAny
	CfgNot
	CfgOther // any other predicate (unix, target_os = …): grants nothing
)

// Cfg is a cfg predicate from #[cfg(...)] / #![cfg(...)] on an enclosing item,
// module, block or statement.
type Cfg struct {
	Op   CfgOp
	Name string // the feature name for CfgFeature; the source text for CfgOther
	Args []Cfg  // for All, Any, Not
}

// Use is one place in the crate's own code that needs a capability.
type Use struct {
	Cap     caps.Capability
	API     string // the classified API as the table names it: "std::fs::write", "unsafe block", "extern block"
	File    string // absolute path
	Range   span.Range
	Context Context
	// Gates are the cfg predicates of the enclosing code that mention a
	// feature, outermost first; all of them hold where the use runs.
	Gates []Cfg
	// Cfgs are all the cfg predicates of the enclosing code, of any kind
	// (`windows`, `target_os = "macos"`, features): all of them hold where
	// the use is compiled, so code no listed target compiles is not counted.
	Cfgs []Cfg
	// Site is the function or item holding the use (sites.go).
	Site Site
}

// Unanalysed is code the analyser could not see (SPEC §4).
type Unanalysed struct {
	File   string
	Range  span.Range
	Reason string // one line for people: "parse error", "module file not found: src/foo.rs", …
	// Context is when the unseen code would run: unseen test code does not
	// make a crate's own code less pure. Parse errors take their file's context.
	Context Context
	// Gates are the feature cfg predicates of the enclosing code, as a Use's:
	// code under a feature that is off is not compiled, so not unseen.
	// Cfgs are all its cfg predicates, as a Use's.
	Gates, Cfgs []Cfg
}

// TargetKind is the kind of a cargo target.
type TargetKind int

const (
	Lib TargetKind = iota
	Bin
	TestTarget
	Bench
	ExampleTarget
	BuildScript
)

// Target is one cargo target: its kind and root source file (absolute).
type Target struct {
	Kind TargetKind
	Path string
}

// Summary is what the analyser found in one crate's code.
type Summary struct {
	Uses       []Use
	Unanalysed []Unanalysed
	Files      []string // every file analysed, absolute
	Lines      int      // lines of code in those files
	// ForbidsUnsafe is true when the lib root says #![forbid(unsafe_code)].
	ForbidsUnsafe bool
	// Exports are the lib's public re-exports of classified APIs, for the
	// crates that depend on it (apis.Table.WithExports).
	Exports []apis.Export
}
