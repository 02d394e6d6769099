package span

import (
	"slices"
	"testing"
)

func TestPositions(t *testing.T) {
	text := []byte("ab\r\nλ😀x\nend")
	x := NewIndex(text)
	off := len("ab\r\nλ😀") // at 'x'
	if p := x.Pos(off); p != (Pos{Line: 2, Column: 3}) {
		t.Errorf("Pos = %+v, want 2:3", p)
	}
	if l, c := x.UTF16(off); l != 1 || c != 3 {
		t.Errorf("UTF16 = %d:%d, want 1:3", l, c)
	}
	if got := x.Offset(1, 3); got != off {
		t.Errorf("Offset(1,3) = %d, want %d", got, off)
	}
	if got := x.Offset(1, 2); got != len("ab\r\nλ") { // inside the surrogate pair: before it
		t.Errorf("Offset(1,2) = %d", got)
	}
	if got := x.Offset(0, 99); got != 2 { // clamped to the line's end, before "\r\n"
		t.Errorf("Offset(0,99) = %d, want 2", got)
	}
	if got := x.Offset(0, 3); got != 2 { // the '\r' is no column of its own
		t.Errorf("Offset(0,3) = %d, want 2", got)
	}
	if got := x.Offset(2, 99); got != len(text) { // the last line has no break
		t.Errorf("Offset(2,99) = %d, want %d", got, len(text))
	}
	if got := x.LineText(0); got != "ab" {
		t.Errorf("LineText(0) = %q", got)
	}
	if got := x.Offset(9, 0); got != len(text) {
		t.Errorf("Offset past end = %d", got)
	}
}

// Replaced gives the index a fresh one would, for edits of every shape.
func TestReplaced(t *testing.T) {
	texts := []string{"", "a", "\n", "ab\ncd\n", "one\ntwo\r\nthree", "\n\n\n", "é\n𝕏\nz"}
	inserts := []string{"", "x", "\n", "a\nb", "\n\n", "中\n文\n"}
	for _, text := range texts {
		for start := 0; start <= len(text); start++ {
			for end := start; end <= len(text); end++ {
				for _, ins := range inserts {
					next := text[:start] + ins + text[end:]
					got := NewIndex([]byte(text)).Replaced([]byte(next), start, end, []byte(ins))
					want := NewIndex([]byte(next))
					if !slices.Equal(got.lineStarts, want.lineStarts) {
						t.Fatalf("%q [%d,%d) ← %q: line starts %v, want %v", text, start, end, ins, got.lineStarts, want.lineStarts)
					}
				}
			}
		}
	}
}
