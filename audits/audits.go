// Package audits reads and writes caps-audits.lock, the workspace root's
// record of what each audit reviewed: for a crate version and the
// capabilities accepted, the fingerprint of every site (the function or
// item holding a use) the reviewer read. It is machine-written and
// committed, like Cargo.lock, so that an audit can carry over to a later
// version whose sites are unchanged. It knows nothing of manifests, the
// dependency graph or how a site's fingerprint is computed.
package audits

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/manifest"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// FileName is the lockfile's name at the workspace root.
const FileName = "caps-audits.lock"

// Version is the format version this package writes and reads.
const Version = 1

// Lock is the lockfile's content: one Record per audited crate version.
type Lock struct {
	Records []Record // sorted by crate, then version
}

// Record is one audit of one crate version: the capabilities accepted and
// the sites of those capabilities the reviewer read.
type Record struct {
	Crate, Version string
	Caps           caps.Set
	Sites          []Site // sorted, each (capability, function, fingerprint) once
}

// Site is one reviewed site. File (relative to the crate's directory) is
// for people; a site is matched by capability, function and fingerprint, so
// code that moved within or between files keeps its audit. A use outside
// any item (a crate-level attribute) has no function and no fingerprint.
type Site struct {
	Cap         caps.Capability
	Function    string
	Fingerprint string
	File        string
}

// Key is what a site is matched by.
type Key struct {
	Cap         caps.Capability
	Function    string
	Fingerprint string
}

func (s Site) Key() Key { return Key{s.Cap, s.Function, s.Fingerprint} }

// The file's shape, as Format writes it.
type fileShape struct {
	Version *int          `toml:"version"`
	Audit   []recordShape `toml:"audit"`
}

type recordShape struct {
	Crate        string      `toml:"crate"`
	Version      string      `toml:"version"`
	Capabilities []string    `toml:"capabilities"`
	Sites        []siteShape `toml:"sites"`
}

type siteShape struct {
	Capability  string `toml:"capability"`
	Function    string `toml:"function"`
	Fingerprint string `toml:"fingerprint"`
	File        string `toml:"file"`
}

// Read reads the lockfile in the workspace root dir through srcread (a
// regular file inside the workspace, at most 8 MB), asking read first when
// it is not nil (an editor's unsaved buffer). A missing file is an empty
// lock; one that cannot be read or is malformed is an error naming it.
func Read(dir string, read func(string) ([]byte, error)) (*Lock, error) {
	path := filepath.Join(dir, FileName)
	text, err := srcread.NewDir(dir, "workspace").Through(read)(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Lock{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	l, err := Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return l, nil
}

// Parse reads a lockfile's text. Anything it does not understand is an
// error: a lockfile half read would drop audits silently.
func Parse(text []byte) (*Lock, error) {
	if at, deep := manifest.TooDeep(text); deep { // BurntSushi/toml is quadratic in the depth
		return nil, fmt.Errorf("arrays and inline tables nested too deep at byte %d", at)
	}
	var f fileShape
	md, err := toml.Decode(string(text), &f)
	if err != nil {
		return nil, err
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("unknown key %q", undecoded[0].String())
	}
	switch {
	case f.Version == nil && len(f.Audit) > 0:
		return nil, errors.New("no `version`")
	case f.Version != nil && *f.Version != Version:
		return nil, fmt.Errorf("format version %d; this cargo-caps reads version %d (a newer cargo-caps wrote it?)", *f.Version, Version)
	}
	l := &Lock{}
	for i, r := range f.Audit {
		rec := Record{Crate: r.Crate, Version: r.Version}
		if r.Crate == "" || r.Version == "" {
			return nil, fmt.Errorf("audit %d: `crate` and `version` are required", i+1)
		}
		for _, name := range r.Capabilities {
			c, ok := caps.Parse(name)
			if !ok {
				return nil, fmt.Errorf("audit of %s %s: unknown capability %q", r.Crate, r.Version, name)
			}
			rec.Caps = rec.Caps.Add(c)
		}
		for _, s := range r.Sites {
			c, ok := caps.Parse(s.Capability)
			if !ok {
				return nil, fmt.Errorf("audit of %s %s: a site needs a known `capability`", r.Crate, r.Version)
			}
			rec.Sites = append(rec.Sites, Site{Cap: c, Function: s.Function, Fingerprint: s.Fingerprint, File: s.File})
		}
		l.Records = append(l.Records, rec)
	}
	return l.merged(), nil
}

// Format writes the lock in its one canonical form: sorted, every string
// quoted as TOML basic strings, one site per line.
func (l *Lock) Format() []byte {
	var b bytes.Buffer
	b.WriteString("# caps-audits.lock: the sites each audit of [workspace.metadata.capabilities.audited]\n")
	b.WriteString("# reviewed, by fingerprint. Written by cargo-caps (`cargo-caps audit`, the editor's\n")
	b.WriteString("# \"Record an audit\"); commit it, do not edit it by hand.\n")
	fmt.Fprintf(&b, "version = %d\n", Version)
	for _, r := range l.Records {
		fmt.Fprintf(&b, "\n[[audit]]\ncrate = %s\nversion = %s\ncapabilities = [", quote(r.Crate), quote(r.Version))
		for i, n := range r.Caps.Names() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(n))
		}
		b.WriteString("]\nsites = [\n")
		for _, s := range r.Sites {
			fmt.Fprintf(&b, "    { capability = %s, function = %s, fingerprint = %s, file = %s },\n",
				quote(s.Cap.String()), quote(s.Function), quote(s.Fingerprint), quote(s.File))
		}
		b.WriteString("]\n")
	}
	return b.Bytes()
}

// quote is s as a TOML basic string: Go's escapes for quotes, backslashes
// and control characters are TOML's too, and anything else is kept as is.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// With returns the lock with recs recorded (one audit, of one or more
// versions): their capabilities are taken out of every earlier record of
// their crate (a re-recorded audit replaces the old one; a record left with
// none is dropped).
func (l *Lock) With(recs ...Record) *Lock {
	out := &Lock{}
	for _, r := range l.Records {
		for _, rec := range recs {
			if r.Crate == rec.Crate {
				r = Record{Crate: r.Crate, Version: r.Version, Caps: r.Caps.Minus(rec.Caps), Sites: sitesOf(r.Sites, r.Caps.Minus(rec.Caps))}
			}
		}
		if !r.Caps.IsEmpty() {
			out.Records = append(out.Records, r)
		}
	}
	for _, rec := range recs {
		rec.Sites = sitesOf(rec.Sites, rec.Caps)
		out.Records = append(out.Records, rec)
	}
	return out.merged()
}

// merged is l sorted by crate and version, the records of one crate
// version merged, each one's sites canonical.
func (l *Lock) merged() *Lock {
	out := &Lock{}
	for _, r := range l.Records {
		i := slices.IndexFunc(out.Records, func(o Record) bool { return o.Crate == r.Crate && o.Version == r.Version })
		if i < 0 {
			out.Records = append(out.Records, Record{Crate: r.Crate, Version: r.Version})
			i = len(out.Records) - 1
		}
		out.Records[i].Caps = out.Records[i].Caps.Union(r.Caps)
		out.Records[i].Sites = append(out.Records[i].Sites, r.Sites...)
	}
	for i := range out.Records {
		out.Records[i].Sites = canonical(out.Records[i].Sites)
	}
	slices.SortFunc(out.Records, func(a, b Record) int {
		if c := strings.Compare(a.Crate, b.Crate); c != 0 {
			return c
		}
		return compareVersions(a.Version, b.Version)
	})
	return out
}

func sitesOf(sites []Site, cs caps.Set) []Site {
	var out []Site
	for _, s := range sites {
		if cs.Has(s.Cap) {
			out = append(out, s)
		}
	}
	return out
}

// canonical sorts sites and keeps each key once (the first file seen).
func canonical(sites []Site) []Site {
	slices.SortStableFunc(sites, func(a, b Site) int {
		if a.Cap != b.Cap {
			return capOrder(a.Cap) - capOrder(b.Cap)
		}
		if c := strings.Compare(a.Function, b.Function); c != 0 {
			return c
		}
		if c := strings.Compare(a.Fingerprint, b.Fingerprint); c != 0 {
			return c
		}
		return strings.Compare(a.File, b.File)
	})
	return slices.CompactFunc(sites, func(a, b Site) bool { return a.Key() == b.Key() })
}

// capOrder is a capability's place in caps.All, most powerful first.
func capOrder(c caps.Capability) int { return slices.Index(caps.All, c) }

// compareVersions orders dotted versions numerically where they are numbers
// (0.10.0 after 0.9.0), else as text.
func compareVersions(a, b string) int {
	as, bs := strings.FieldsFunc(a, isSep), strings.FieldsFunc(b, isSep)
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errX := strconv.Atoi(as[i])
		y, errY := strconv.Atoi(bs[i])
		switch {
		case errX == nil && errY == nil && x != y:
			return x - y
		case (errX != nil || errY != nil) && as[i] != bs[i]:
			return strings.Compare(as[i], bs[i])
		}
	}
	return len(as) - len(bs)
}

func isSep(r rune) bool { return r == '.' || r == '-' || r == '+' }

// Reviewed is every site key recorded for crate under a capability of cs
// (a record of `fs` holds its `fs-readonly` sites too),
// whatever version it was recorded for, and the versions those records are
// of. A crate with no record for cs (or a nil lock: none) returns nil.
func (l *Lock) Reviewed(crate string, cs caps.Set) (map[Key]bool, []string) {
	if l == nil {
		return nil, nil
	}
	var keys map[Key]bool
	var versions []string
	for _, r := range l.Records {
		if r.Crate != crate || r.Caps.Close().Intersect(cs).IsEmpty() {
			continue
		}
		if keys == nil {
			keys = map[Key]bool{}
		}
		versions = append(versions, r.Version)
		for _, s := range r.Sites {
			if cs.Has(s.Cap) {
				keys[s.Key()] = true
			}
		}
	}
	return keys, versions
}

// Recorded is the set of capabilities some record of crate accepts.
func (l *Lock) Recorded(crate string) caps.Set {
	var s caps.Set
	for _, r := range l.Records {
		if r.Crate == crate {
			s = s.Union(r.Caps)
		}
	}
	return s
}
