// Package caps is the capability model of SPEC §1: the seven capability names,
// what each implies, and sets of them with a stable order for output.
// It knows nothing of manifests, Rust code or editors.
package caps

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/cargo-caps/cargo-caps/suggest"
)

// Capability is one of the seven capabilities a crate can declare.
type Capability uint8

// The capabilities, in the order output lists them: most powerful first.
const (
	Unsafe Capability = iota
	Process
	FS
	Net
	Env
	FSReadonly
	EnvReadonly
	count
)

var names = [count]string{
	Unsafe:      "unsafe",
	Process:     "process",
	FS:          "fs",
	Net:         "net",
	Env:         "env",
	FSReadonly:  "fs-readonly",
	EnvReadonly: "env-readonly",
}

// All lists every capability in output order.
var All = []Capability{Unsafe, Process, FS, Net, Env, FSReadonly, EnvReadonly}

func (c Capability) String() string {
	if c < count {
		return names[c]
	}
	return fmt.Sprintf("Capability(%d)", uint8(c))
}

// Parse returns the capability with the given name.
func Parse(name string) (Capability, bool) {
	for c, n := range names {
		if n == name {
			return Capability(c), true
		}
	}
	return 0, false
}

// Implies returns the capability c implies, if any (fs ⇒ fs-readonly, env ⇒ env-readonly).
func (c Capability) Implies() (Capability, bool) {
	switch c {
	case FS:
		return FSReadonly, true
	case Env:
		return EnvReadonly, true
	}
	return 0, false
}

// Set is a set of capabilities.
type Set uint8

// Everything is the set of all seven capabilities (a crate that declares nothing).
const Everything Set = 1<<count - 1

// Of returns the set holding exactly cs.
func Of(cs ...Capability) Set {
	var s Set
	for _, c := range cs {
		s |= 1 << c
	}
	return s
}

func (s Set) Has(c Capability) bool    { return s&(1<<c) != 0 }
func (s Set) Add(c Capability) Set     { return s | 1<<c }
func (s Set) Remove(c Capability) Set  { return s &^ (1 << c) }
func (s Set) Union(t Set) Set          { return s | t }
func (s Set) Intersect(t Set) Set      { return s & t }
func (s Set) Minus(t Set) Set          { return s &^ t }
func (s Set) IsEmpty() bool            { return s == 0 }
func (s Set) Len() int                 { return bits.OnesCount8(uint8(s)) }
func (s Set) SubsetOf(t Set) bool      { return s&^t == 0 }
func (s Set) Covers(c Capability) bool { return s.Close().Has(c) }

// Close adds everything the members of s imply.
func (s Set) Close() Set {
	for _, c := range All {
		if s.Has(c) {
			if d, ok := c.Implies(); ok {
				s = s.Add(d)
			}
		}
	}
	return s
}

// List returns the members of s in output order.
func (s Set) List() []Capability {
	out := make([]Capability, 0, s.Len())
	for _, c := range All {
		if s.Has(c) {
			out = append(out, c)
		}
	}
	return out
}

// Names returns the members' names in output order; never nil, so JSON shows [].
func (s Set) Names() []string {
	out := []string{}
	for _, c := range s.List() {
		out = append(out, c.String())
	}
	return out
}

func (s Set) String() string { return strings.Join(s.Names(), " ") }

// PureAllowed is what a pure crate may need (SPEC §3.5): reading the environment only.
var PureAllowed = Of(EnvReadonly)

// DidYouMean returns the capability name closest to a misspelt one, or "" when
// none is close enough to be a plausible typo.
func DidYouMean(name string) string {
	lower := strings.ToLower(strings.TrimSpace(name))
	best, bestDist := suggest.Closest(lower, names[:])
	if bestDist <= max(2, len(lower)/3) {
		return best
	}
	// Words people write for a capability that are far from its name.
	readonly := strings.Contains(lower, "read") || strings.HasSuffix(lower, "ro")
	for _, hint := range []struct {
		words []string
		cap   Capability
	}{
		{[]string{"file", "disk", "dir", "path"}, FS},
		{[]string{"net", "sock", "tcp", "udp", "http", "dns"}, Net},
		{[]string{"env", "var", "cwd"}, Env},
		{[]string{"proc", "spawn", "exec", "cmd", "command", "fork", "shell"}, Process},
		{[]string{"unsafe", "ffi", "extern", "raw"}, Unsafe},
	} {
		for _, w := range hint.words {
			if strings.Contains(lower, w) {
				if d, ok := hint.cap.Implies(); ok && readonly {
					return d.String()
				}
				return hint.cap.String()
			}
		}
	}
	return ""
}
