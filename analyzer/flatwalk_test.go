package analyzer

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestFlatWalkFailsClosed: the fast walk runs only for the tree-sitter the
// headers describe; another version, or none recorded, takes the cursor.
func TestFlatWalkFailsClosed(t *testing.T) {
	for _, tc := range []struct {
		linked string
		fast   bool
	}{
		{headersVersion, true},
		{"v0.25.1", false},
		{"v0.24.0", false},
		{"", false}, // no build info, or a replace by a local directory
	} {
		if fast, why := flatWalkFor(tc.linked); fast != tc.fast || why == "" {
			t.Errorf("linked %q: fast %v (%s), want %v", tc.linked, fast, why, tc.fast)
		}
	}
	if fast, why := FlatWalk(); !fast {
		t.Errorf("the test binary, built with go.mod's go-tree-sitter, does not walk fast: %s", why)
	}
}

// TestHeadersVersionIsTheReadmes: headersVersion is the version
// third_party/tree-sitter/README.md says the headers come from, and go.mod's.
func TestHeadersVersionIsTheReadmes(t *testing.T) {
	for _, file := range []string{"../third_party/tree-sitter/README.md", "../go.mod"} {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), treeSitterModule+"` "+headersVersion) && !strings.Contains(string(text), treeSitterModule+" "+headersVersion) {
			t.Errorf("%s does not name %s %s", file, treeSitterModule, headersVersion)
		}
	}
}

// TestCursorFallback: with the fast walk off, syntax is copied through the
// public cursor, the same nodes, and an edited buffer's copy (Reparsed,
// which then shares nothing) equals a fresh one; analyses agree.
func TestCursorFallback(t *testing.T) {
	text := []byte("mod a {\n    pub fn f(x: u8) -> u8 { let y = x + 1; g(y, \"s\") }\n}\nfn h() { let _ = std::fs::read(\"x\"); unsafe { (); } }\nfn broken( {\n")
	tree := ParseRust(text, nil)
	defer tree.Close()
	fast := NewSyntax(tree, text)
	defer func(f func() bool) { flatWalk = f }(flatWalk)
	flatWalk = func() bool { return false }
	slow := NewSyntax(tree, text)
	if !slices.Equal(fast.syn.nodes, slow.syn.nodes) || len(fast.syn.missing) != len(slow.syn.missing) {
		t.Fatalf("cursor copy differs: %d nodes, fast %d", len(slow.syn.nodes), len(fast.syn.nodes))
	}
	if slow.ptrs != nil {
		t.Error("the cursor copy keeps subtree pointers")
	}
	next, newTree := reparse(tree, text, 10, 12, "fn ")
	defer newTree.Close()
	if got := slow.Reparsed(newTree, next); !sameSyntax(got, NewSyntax(newTree, next)) {
		t.Error("a reparsed cursor copy differs from a fresh one")
	}
	if fresh := ParseSyntax(text); !slices.Equal(fresh.syn.nodes, fast.syn.nodes) {
		t.Error("ParseSyntax through the cursor differs from the fast copy")
	}
}
