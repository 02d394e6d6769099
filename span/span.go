// Package span converts between the three ways cargo-caps names a place in a
// text: byte offsets (inside), 1-based line and Unicode-scalar column (rustc,
// CLI and JSON output), and 0-based line and UTF-16 column (LSP on the wire).
// It knows nothing of what the text is.
package span

import (
	"bytes"
	"sort"
	"unicode/utf16"
	"unicode/utf8"
)

// Range is a half-open byte range [Start, End) in one text.
type Range struct {
	Start, End int
}

// Contains reports whether byte offset off lies in r.
func (r Range) Contains(off int) bool { return r.Start <= off && off < r.End }

// Pos is a place in a text for people: 1-based line and 1-based column counted
// in Unicode scalar values, as rustc prints them.
type Pos struct {
	Line, Column int
}

// Index maps byte offsets of one text to lines and columns. Build it once per
// text version; it is immutable.
type Index struct {
	text       []byte
	lineStarts []int
}

// NewIndex indexes text. The text is retained, not copied.
func NewIndex(text []byte) *Index {
	starts := make([]int, 1, bytes.Count(text, []byte{'\n'})+1) // both scans are vectorised
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '\n')
		if j < 0 {
			return &Index{text: text, lineStarts: starts}
		}
		i += j + 1
		starts = append(starts, i)
	}
}

// Text returns the indexed text.
func (x *Index) Text() []byte { return x.text }

// Lines returns the number of lines.
func (x *Index) Lines() int { return len(x.lineStarts) }

// LineOf returns the 0-based line holding byte offset off.
func (x *Index) LineOf(off int) int {
	off = x.clamp(off)
	return sort.Search(len(x.lineStarts), func(i int) bool { return x.lineStarts[i] > off }) - 1
}

// LineStart returns the byte offset where 0-based line starts.
func (x *Index) LineStart(line int) int {
	if line < 0 {
		return 0
	}
	if line >= len(x.lineStarts) {
		return len(x.text)
	}
	return x.lineStarts[line]
}

// LineText returns 0-based line's text without its line ending.
func (x *Index) LineText(line int) string {
	start := x.LineStart(line)
	end := len(x.text)
	if line+1 < len(x.lineStarts) {
		end = x.lineStarts[line+1] - 1
	}
	if end > start && x.text[end-1] == '\r' {
		end--
	}
	if end < start {
		end = start
	}
	return string(x.text[start:end])
}

// Pos returns the rustc-style position of byte offset off.
func (x *Index) Pos(off int) Pos {
	off = x.clamp(off)
	line := x.LineOf(off)
	return Pos{Line: line + 1, Column: utf8.RuneCount(x.text[x.lineStarts[line]:off]) + 1}
}

// UTF16 returns the LSP position (0-based line, UTF-16 column) of byte offset off.
func (x *Index) UTF16(off int) (line, col int) {
	off = x.clamp(off)
	line = x.LineOf(off)
	for _, r := range string(x.text[x.lineStarts[line]:off]) {
		col += utf16.RuneLen(r)
	}
	return line, col
}

// Offset returns the byte offset of an LSP position (0-based line, UTF-16
// column). Positions past the end of a line clamp before its line break ("\r\n"
// or "\n"), past the end of the text to its end, as LSP asks.
func (x *Index) Offset(line, col int) int {
	if line < 0 {
		return 0
	}
	if line >= len(x.lineStarts) {
		return len(x.text)
	}
	start := x.lineStarts[line]
	end := len(x.text)
	if line+1 < len(x.lineStarts) {
		end = x.lineStarts[line+1] - 1 // the '\n'
		if end > start && x.text[end-1] == '\r' {
			end-- // never between '\r' and '\n'
		}
	}
	off, units := start, 0
	for off < end && units < col {
		r, size := utf8.DecodeRune(x.text[off:end])
		n := utf16.RuneLen(r)
		if n < 0 {
			n = 1
		}
		if units+n > col {
			break
		}
		units += n
		off += size
	}
	return off
}

func (x *Index) clamp(off int) int {
	if off < 0 {
		return 0
	}
	if off > len(x.text) {
		return len(x.text)
	}
	return off
}
