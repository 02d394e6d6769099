package analyzer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/span"
	"github.com/cargo-caps/cargo-caps/srcread"
)

// backstop makes silence impossible (SPEC §4): after the targets' module
// trees are followed, every `mod` declaration the analyser did not follow
// — one written inside a macro whose body was scanned as tokens, or one
// where items are not collected — and every `.rs` file of the package that
// no followed `mod` reached is an Unanalysed finding; such a file is still
// analysed, as a module tree of its own, so its uses count. Files under the
// directories of other targets (tests/, benches/, examples/, src/bin/,
// build.rs) count only when a target of that kind was analysed, in its
// context; target/, hidden directories (.git/) and nested packages (their
// own Cargo.toml) are not the package's.
func (a *crateAnalysis) backstop() {
	a.strayFiles()
	for _, f := range a.analysed {
		a.unfollowedMods(f, f.syn)
		for _, exps := range f.expansionsInOrder() {
			for _, e := range exps {
				if e.syn != nil { // a data-only body has no `mod`
					a.unfollowedMods(f, e.syn)
				}
			}
		}
	}
}

// unfollowedMods reports the `mod x;` declarations of s (file f's own
// syntax or a macro body of it) that were not followed.
func (a *crateAnalysis) unfollowedMods(f *sourceFile, s *syntax) {
	for i := range s.nodes {
		n := &s.nodes[i]
		switch {
		case n.kind == kModItem && s.child(int32(i), fBody) < 0 && !a.followed[nodeRef{s, int32(i)}]:
			name := "mod"
			if nm := s.child(int32(i), fName); nm >= 0 {
				name = "mod " + s.text(nm)
			}
			a.unanalysed(f.path, span.Range{Start: int(n.start), End: int(n.end)}, "`"+name+";` is not followed: the analyser follows `mod` among a module's items only", f.module.state)
		case n.kind == kOther && n.end-n.start == 3 && string(s.src[n.start:n.end]) == "mod" && n.parent >= 0 && s.nodes[n.parent].kind == kTokenTree:
			name := n.nextSibling
			if name < 0 || s.nodes[name].kind != kIdentifier {
				continue
			}
			semi := s.nodes[name].nextSibling
			if semi < 0 || s.text(semi) != ";" {
				continue
			}
			macro, expanded := enclosingMacro(f, s, int32(i))
			if expanded {
				continue
			}
			a.unanalysed(f.path, span.Range{Start: int(n.start), End: int(s.nodes[semi].end)}, "`mod "+s.text(name)+";` declared inside macro `"+macro+"`, not expanded", f.module.state)
		}
	}
}

// enclosingMacro names the macro invocation or macro_rules! definition
// whose token tree holds node i, and says whether its body was parsed as
// items (its `mod`s followed).
func enclosingMacro(f *sourceFile, s *syntax, i int32) (string, bool) {
	for p := s.nodes[i].parent; p >= 0; p = s.nodes[p].parent {
		switch s.nodes[p].kind {
		case kMacroInvocation:
			_, expanded := f.expansions[nodeRef{s, p}]
			name := "?"
			if m := s.child(p, fMacro); m >= 0 {
				name = s.text(m) + "!"
			}
			return name, expanded
		case kMacroDefinition:
			name := "?"
			if m := s.child(p, fName); m >= 0 {
				name = s.text(m) + "!"
			}
			return name, false
		}
	}
	return "?", false
}

// strayFiles reports the package's `.rs` files that nothing reached, and
// analyses each as a module tree of its own: shallower files first, so that
// a stray parent's tree takes in its children (src/x.rs before src/x/y.rs).
func (a *crateAnalysis) strayFiles() {
	if a.crate.Dir == "" {
		return
	}
	root, err := a.dir.RealDir(a.crate.Dir)
	if err != nil {
		return
	}
	var stray []string // slash-separated, relative to the package
	// WalkDir from the real root descends no symlink, so an entry that is
	// no symlink itself is at its real path: only links need resolving
	// to be matched with the files analysed.
	links := map[string]bool{}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if path != root && (rel == "target" || strings.HasPrefix(d.Name(), ".") || isFile(filepath.Join(path, "Cargo.toml"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(rel, ".rs") && !a.accounted[path] {
			stray = append(stray, rel)
			if d.Type()&fs.ModeSymlink != 0 {
				links[rel] = true
			}
		}
		return nil
	})
	slices.SortStableFunc(stray, func(x, y string) int { return strings.Count(x, "/") - strings.Count(y, "/") })
	for _, rel := range stray {
		path := filepath.Join(root, filepath.FromSlash(rel))
		real := path
		if links[rel] {
			real, _ = filepath.EvalSymlinks(path)
		}
		if a.seen[real] || a.seen[path] {
			continue
		}
		ctx, ok := a.strayContext(rel)
		if !ok {
			continue
		}
		file := filepath.Join(a.crate.Dir, filepath.FromSlash(rel))
		why := "file not reached by any `mod` the analyser could follow: " + rel
		var refused *srcread.Refused
		if _, err := a.dir.Resolve(file); errors.As(err, &refused) {
			// Not a file of the package one may open (a link to /dev/zero, a
			// FIFO): the finding goes where no reader of findings opens it.
			a.unanalysed(a.manifestPath(), span.Range{}, why+" ("+refused.Reason+")", state{ctx: ctx})
			continue
		}
		// What a reviewer reading the file would count is counted: its code
		// is analysed as a module tree of its own (names its real parent
		// would give it are not seen, hence the finding).
		a.unanalysed(file, span.Range{}, why+" (analysed as a module of its own)", state{ctx: ctx})
		a.analyseTree(file, ctx, strayRoot)
	}
}

// strayContext is the context of an unreached file at rel (slash-separated,
// relative to the package), and whether it counts at all: files in the
// places of other targets count only when such a target was analysed.
func (a *crateAnalysis) strayContext(rel string) (Context, bool) {
	switch {
	case strings.HasPrefix(rel, "tests/"), strings.HasPrefix(rel, "benches/"):
		return Test, a.analysedK[TestTarget] || a.analysedK[Bench]
	case strings.HasPrefix(rel, "examples/"):
		return Example, a.analysedK[ExampleTarget]
	case rel == "build.rs":
		return Build, a.analysedK[BuildScript]
	case strings.HasPrefix(rel, "src/bin/"):
		return Normal, a.analysedK[Bin]
	}
	return Normal, true
}

// entry is path with its directory's symlinks resolved: how the backstop's
// walk of the package meets it. Each directory is resolved once per
// analysis (a.dir remembers it: every component costs a system call).
func (a *crateAnalysis) entry(path string) string {
	real, err := a.dir.RealDir(filepath.Dir(path))
	if err != nil {
		return filepath.Clean(path)
	}
	return filepath.Join(real, filepath.Base(path))
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
