package finding

import "github.com/cargo-caps/cargo-caps/span"

// Fix is one way to resolve a finding, as go/analysis's SuggestedFix: edits
// to one or more files, each against the text the finding was computed
// from. The language server offers it as a code action, `check` prints it
// as a help line and in SARIF, `check --fix` applies it when Automatic.
type Fix struct {
	Title     string
	Kind      FixKind
	Preferred bool
	// Automatic fixes change nothing any code may do: a Form B migration, a
	// narrowing, a removal of an unused declaration. `check --fix` applies
	// them without review; every other fix widens what someone may do.
	Automatic bool
	Changes   []FileChange
}

// FixKind says where an editor lists a fix.
type FixKind int

const (
	QuickFix FixKind = iota // for one finding
	Source                  // for the whole crate (declare what it uses, forbid unsafe)
)

// FileChange is the edits of a fix in one file. Base is the SHA-256 of the
// text the edits' byte ranges point into: whoever applies them first checks
// that the file still holds it.
type FileChange struct {
	File  string
	Base  [32]byte
	Edits []Edit
	// Create says the file does not exist yet (the first caps-audits.lock):
	// Base is the empty text's, and whoever applies it first checks that the
	// file is still absent.
	Create bool
}

// Edit replaces the bytes of Range with NewText.
type Edit struct {
	Range   span.Range
	NewText string
}

// Applied is a fix that was written (`check --fix`): the code of the finding
// it fixed, its title, and where its first edit in each file begins in the
// text before.
type Applied struct {
	Code  Code
	Title string
	At    []Place
}

// Place is a file and a 1-based line and column (rustc's) in it.
type Place struct {
	File string
	span.Pos
}

// BaselineStep is what `init` does to one member: the fix that declares its
// baseline, or why it is left alone.
type BaselineStep struct {
	Member string
	Fix    *Fix
	Why    string // when Fix is nil
}
