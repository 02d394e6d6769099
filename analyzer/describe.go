package analyzer

import (
	"strings"

	"github.com/cargo-caps/cargo-caps/apis"
)

// Describe says, for hovers, what the use's API does and what it needs:
// "std::fs::write creates, writes, … files by path: needs fs",
// "an unsafe block: needs unsafe". t is the table the use was found with
// (nil = apis.Builtin()).
func (u Use) Describe(t *apis.Table) string {
	if t == nil {
		t = apis.Builtin()
	}
	if d := t.Describe(u.API); d != "" {
		if e, ok := t.Lookup(apis.APIPath(u.API)); ok && e.Cap != u.Cap { // OpenOptions::open with read(true) only, libc::open O_RDONLY
			return strings.TrimSuffix(d, e.Cap.String()) + u.Cap.String() + " here"
		}
		return d
	}
	what := u.API
	switch {
	case u.API == "unsafe block", u.API == "unsafe fn", u.API == "unsafe impl", u.API == "unsafe trait":
		what = "an " + u.API + " (the unsafe keyword)"
	case u.API == "extern block":
		what = "an extern block: foreign functions (FFI)"
	case strings.HasPrefix(u.API, "#["):
		what = u.API + " changes linking or symbol names"
	case strings.HasPrefix(u.API, "env!"), strings.HasPrefix(u.API, "option_env!"):
		what = u.API + " reads an environment variable at compile time"
	case strings.HasPrefix(u.API, "include"):
		what = u.API + " reads a file outside the package at compile time"
	case strings.HasSuffix(u.API, "asm!"):
		what = u.API + " writes machine code"
	}
	return what + ": needs " + u.Cap.String()
}
