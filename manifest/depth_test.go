package manifest

import (
	"strings"
	"testing"
	"time"

	"github.com/cargo-caps/cargo-caps/finding"
)

// Nesting far past the limit is one manifest-syntax finding at the first
// bracket too deep, found in linear time: BurntSushi/toml never sees it
// (8,000 inline tables took it 3 GB, 16,000 ran out of memory).
func TestDeepNestingIsRejectedQuickly(t *testing.T) {
	const head = "[package]\nname = \"x\"\n"
	cases := map[string]struct{ open, close string }{
		"inline tables": {"{a = ", "}"},
		"arrays":        {"[", "]"},
		"mixed":         {"[{a = ", "}]"},
	}
	for name, c := range cases {
		for _, levels := range []int{8_000, 16_000} {
			value := strings.Repeat(c.open, levels) + "1" + strings.Repeat(c.close, levels)
			for _, line := range []string{"x = " + value, `x = ["""q""""", ` + value + "]"} {
				text := head + line + "\n"
				start := time.Now()
				m := Parse("/ws/Cargo.toml", []byte(text))
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("%s, %d levels: %v", name, levels, d)
				}
				checkRanges(t, m)
				if len(m.Findings) == 0 || m.Findings[0].Code != finding.ManifestSyntax || !strings.Contains(m.Findings[0].Message, "nested more than 64 deep") {
					t.Fatalf("%s, %d levels: findings %v", name, levels, m.Findings)
				}
				at := m.Findings[0].Range.Start
				if b := text[at]; b != '[' && b != '{' || strings.Count(text[len(head):at+1], "[")+strings.Count(text[len(head):at+1], "{") != 65 {
					t.Errorf("%s, %d levels: finding at %d (%q), want the 65th bracket", name, levels, at, text[at:min(at+10, len(text))])
				}
				if m.Package == nil || m.Package.Name != "x" {
					t.Errorf("%s, %d levels: the rest of the manifest was not read", name, levels)
				}
			}
		}
	}
}
