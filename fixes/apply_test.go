package fixes

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/internal/testfs"
	"github.com/cargo-caps/cargo-caps/span"
)

func edit(start, end int, text string) finding.Edit {
	return finding.Edit{Range: span.Range{Start: start, End: end}, NewText: text}
}

func change(file, base string, edits ...finding.Edit) finding.FileChange {
	return finding.FileChange{File: file, Base: sha256.Sum256([]byte(base)), Edits: edits}
}

func TestApply(t *testing.T) {
	const text = `capability = ["fs", "net"]`
	for _, tc := range []struct {
		name  string
		c     finding.FileChange
		on    string
		want  string
		error string
	}{
		{"replace and insert", change("m", text, edit(15, 17, "fs-readonly"), edit(26, 26, " # narrowed")), text,
			`capability = ["fs-readonly", "net"] # narrowed`, ""},
		{"insertion before a replacement at its place", change("m", text, edit(20, 25, ""), edit(20, 20, `"env"`)), text,
			`capability = ["fs", "env"]`, ""},
		{"stale", change("m", text, edit(0, 1, "")), text + " ", "", "changed since it was analysed"},
		{"overlapping", change("m", text, edit(14, 18, ""), edit(16, 20, "")), text, "", "overlap"},
		{"past the end", change("m", text, edit(20, 99, "")), text, "", "overlap or leave the text"},
	} {
		got, err := Apply([]byte(tc.on), tc.c)
		switch {
		case tc.error != "" && (err == nil || !strings.Contains(err.Error(), tc.error)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.error)
		case tc.error == "" && (err != nil || string(got) != tc.want):
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestSelect(t *testing.T) {
	narrow := finding.Fix{Title: "narrow", Changes: []finding.FileChange{change("a", "x", edit(1, 3, "y"))}}
	clash := finding.Fix{Title: "clash", Changes: []finding.FileChange{change("a", "x", edit(2, 4, ""))}}
	samePoint := finding.Fix{Title: "same point", Changes: []finding.FileChange{change("a", "x", edit(1, 1, "z"))}}
	touching := finding.Fix{Title: "touching", Changes: []finding.FileChange{change("a", "x", edit(3, 3, "z"))}}
	elsewhere := finding.Fix{Title: "other file", Changes: []finding.FileChange{change("b", "x", edit(1, 3, ""))}}
	picked, skipped := Select([]finding.Fix{narrow, clash, narrow, samePoint, touching, elsewhere})
	if want := []int{0, 4, 5}; !slices.Equal(picked, want) {
		t.Errorf("picked %v, want %v", picked, want)
	}
	if want := []int{1, 3}; !slices.Equal(skipped, want) { // the repeated fix is neither
		t.Errorf("skipped %v, want %v", skipped, want)
	}
}

// TestWrite: all files or none; a file that changed since, or whose real
// path leaves the root, stops the whole write.
func TestWrite(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a.toml"), filepath.Join(root, "b.toml")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(t.TempDir(), "c.toml")
	testfs.Write(t, outside, "old")
	link := filepath.Join(root, "link.toml")
	testfs.Link(t, outside, link)
	read := func(p string) string { data, _ := os.ReadFile(p); return string(data) }

	if _, err := Write(root, []finding.FileChange{change(a, "old", edit(0, 3, "new")), change(b, "stale", edit(0, 1, ""))}); !errors.Is(err, ErrStale) {
		t.Errorf("stale second file: %v", err)
	}
	if _, err := Write(root, []finding.FileChange{change(a, "old", edit(0, 3, "new")), change(link, "old", edit(0, 3, "new"))}); err == nil || !strings.Contains(err.Error(), "outside the workspace") {
		t.Errorf("symlink out: %v", err)
	}
	if read(a) != "old" || read(outside) != "old" {
		t.Fatalf("a refused write changed files: %q %q", read(a), read(outside))
	}
	before, err := Write(root, []finding.FileChange{change(a, "old", edit(3, 3, "er"))})
	if err != nil || read(a) != "older" || string(before[a]) != "old" {
		t.Fatalf("write: %v, %q", err, read(a))
	}
	if info, _ := os.Stat(a); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the file's own 0600", info.Mode().Perm())
	}
}

// TestWriteCreate: a change that creates a file writes it where nothing
// was, and refuses, writing nothing, where a file appeared since.
func TestWriteCreate(t *testing.T) {
	root := t.TempDir()
	lock, a := filepath.Join(root, "caps-audits.lock"), filepath.Join(root, "a.toml")
	testfs.Write(t, a, "old")
	create := change(lock, "", edit(0, 0, "version = 1\n"))
	create.Create = true
	if _, err := Write(root, []finding.FileChange{change(a, "old", edit(0, 3, "new")), create}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(lock); string(data) != "version = 1\n" {
		t.Errorf("created %q", data)
	}
	if _, err := Write(root, []finding.FileChange{change(a, "new", edit(0, 3, "newer")), create}); !errors.Is(err, ErrStale) {
		t.Errorf("creating over an existing file: %v", err)
	}
	if data, _ := os.ReadFile(a); string(data) != "new" {
		t.Errorf("a refused write changed a.toml: %q", data)
	}
	outside := t.TempDir()
	testfs.Link(t, outside, filepath.Join(root, "out"))
	escape := change(filepath.Join(root, "out", "x.lock"), "", edit(0, 0, "x"))
	escape.Create = true
	if _, err := Write(root, []finding.FileChange{escape}); err == nil || !strings.Contains(err.Error(), "outside the workspace") {
		t.Errorf("creating through a symlink out: %v", err)
	}
}

func TestDifference(t *testing.T) {
	from, to := "[package]\nname = \"a\"\n", "[package]\nname = \"a\"\n\n[x]\ny = 1\n"
	e := difference([]byte(from), []byte(to))
	if got := from[:e.Range.Start] + e.NewText + from[e.Range.End:]; got != to || e.Range.Start != len(from) {
		t.Errorf("%+v gives %q", e, got)
	}
	for _, tc := range []struct{ old, new string }{
		{"abc", "abXc"}, {"", "new"}, {"same", "same"}, {"aé", "aè"}, {"x\n", "x\ny\n"},
	} {
		e := difference([]byte(tc.old), []byte(tc.new))
		if got := tc.old[:e.Range.Start] + e.NewText + tc.old[e.Range.End:]; got != tc.new {
			t.Errorf("%q → %q: edit %+v gives %q", tc.old, tc.new, e, got)
		}
	}
	if e := difference([]byte("aé"), []byte("aè")); e.Range.Start != 1 || e.Range.End != 3 {
		t.Errorf("the edit splits a character: %+v", e.Range)
	}
}
