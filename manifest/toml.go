package manifest

// A small lossless TOML reader. BurntSushi/toml decides whether a text is
// valid TOML and where the first error is; this reader exists for what it
// cannot give: the byte range of every key, value and array element, and a
// best-effort reading past errors (a half-typed line is skipped, an unclosed
// array ends where the next statement starts).

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cargo-caps/cargo-caps/span"
)

// maxDepth bounds nesting of arrays and inline tables, so hostile input
// cannot exhaust the stack; TooDeep holds BurntSushi/toml to it too.
const maxDepth = 64

// TooDeep returns the offset of the first `[` or `{` that opens a value
// nested more than maxDepth arrays and inline tables deep. BurntSushi/toml
// allocates quadratically in the depth (8,000 levels take gigabytes), so
// no text that nests deeper may reach it. The scan is linear: it skips
// strings, comments and table header lines and counts brackets.
func TooDeep(text []byte) (int, bool) {
	depth := 0
	lineStart := true // only blanks since the last newline
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\n':
			lineStart = true
			continue
		case c == ' ' || c == '\t' || c == '\r':
			continue
		case c == '#':
			i = endOfLine(text, i) - 1
		case c == '"' || c == '\'':
			i = stringEnd(text, i) - 1
		case c == '[' && depth == 0 && lineStart:
			i = endOfLine(text, i) - 1 // a table header: nothing may follow it on its line
		case c == '[' || c == '{':
			if depth++; depth > maxDepth {
				return i, true
			}
		case (c == ']' || c == '}') && depth > 0:
			depth--
		}
		lineStart = false
	}
	return 0, false
}

func endOfLine(text []byte, i int) int {
	if nl := bytes.IndexByte(text[i:], '\n'); nl >= 0 {
		return i + nl
	}
	return len(text)
}

// stringEnd returns the offset after the string starting at i: basic and
// literal, single- and multi-line (whose closing quotes may be five). An unterminated one-line string ends at
// its line's end, as TOML has it.
func stringEnd(text []byte, i int) int {
	q := text[i]
	if bytes.HasPrefix(text[i:], []byte{q, q, q}) {
		for j := i + 3; j < len(text); j++ {
			switch {
			case q == '"' && text[j] == '\\':
				j++
			case bytes.HasPrefix(text[j:], []byte{q, q, q}):
				// Up to two more quotes end the string's content.
				end := j + 3
				for end < len(text) && end < j+5 && text[end] == q {
					end++
				}
				return end
			}
		}
		return len(text)
	}
	for j := i + 1; j < len(text); j++ {
		switch {
		case text[j] == '\n':
			return j
		case q == '"' && text[j] == '\\':
			j++
		case text[j] == q:
			return j + 1
		}
	}
	return len(text)
}

type valueKind int

const (
	vInvalid valueKind = iota
	vString
	vBool
	vArray
	vTable // inline table
	vOther // number, date: never meaningful to us
)

func (k valueKind) String() string {
	return [...]string{"invalid value", "string", "boolean", "array", "table", "value"}[k]
}

// segment is one part of a dotted key as written.
type segment struct {
	name string
	rng  span.Range
}

// value is one TOML value as written.
type value struct {
	kind  valueKind
	rng   span.Range // whole value; for arrays and tables brackets included
	str   string     // decoded string
	quote byte       // '"' or '\'' for strings
	b     bool
	elems []*value // array elements

	entries []*entry // inline table entries
	closed  bool     // arrays and inline tables: the closing bracket was found
}

// entry is one `key = value`.
type entry struct {
	key  []segment
	val  *value
	rng  span.Range // key start through value end
	line span.Range // whole lines it occupies, newline included; zero inside inline tables
}

// table is a [header] table, an [[array]] table, or the root table (no header).
type table struct {
	key     []segment
	array   bool
	header  span.Range // `[` through `]`; zero for the root
	line    span.Range // the header's whole line
	entries []*entry
}

func (t *table) names() []string { return names(t.key) }

// end returns the offset after the table's last line holding its header or an entry.
func (t *table) end() int {
	if n := len(t.entries); n > 0 {
		return t.entries[n-1].line.End
	}
	return t.line.End
}

func names(segs []segment) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = s.name
	}
	return out
}

// document is a whole TOML text as read.
type document struct {
	text   []byte
	tables []*table // the root table first, then in file order
}

type parser struct {
	src []byte
	pos int
	cut bool // an array or inline table stopped where the next statement starts
}

func parseTOML(src []byte) *document {
	p := &parser{src: src}
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		p.pos = 3
	}
	root := &table{}
	doc := &document{text: src, tables: []*table{root}}
	cur := root
	for p.pos < len(src) {
		lineStart := p.pos
		p.skipWS()
		switch p.peek() {
		case '\n', '\r', '#', 0:
			if p.endLine() {
				continue
			}
		case '[':
			t := p.header()
			if t != nil && p.endLine() {
				t.line = span.Range{Start: lineStart, End: p.pos}
				doc.tables = append(doc.tables, t)
				cur = t
				continue
			}
			// Entries under a header that cannot be read belong to no table we know.
			cur = &table{}
		default:
			if e := p.keyval(0); e != nil {
				// Keep what was read even when junk follows it on the line.
				if !p.cut && !p.endLine() {
					p.skipLine()
				}
				p.cut = false
				e.line = span.Range{Start: lineStart, End: p.pos}
				cur.entries = append(cur.entries, e)
				continue
			}
		}
		p.cut = false
		p.pos = max(p.pos, lineStart+1)
		p.skipLine()
	}
	return doc
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) at(s string) bool { return bytes.HasPrefix(p.src[p.pos:], []byte(s)) }

func (p *parser) skipWS() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// skipLine moves past the next newline (or to the end).
func (p *parser) skipLine() {
	for p.pos < len(p.src) && p.src[p.pos] != '\n' {
		p.pos++
	}
	if p.pos < len(p.src) {
		p.pos++
	}
}

// endLine accepts trailing blanks, a comment and the newline; it reports
// whether nothing else was on the line.
func (p *parser) endLine() bool {
	p.skipWS()
	if p.peek() == '#' {
		p.skipLine()
		return true
	}
	if p.at("\r\n") {
		p.pos += 2
		return true
	}
	if p.peek() == '\n' {
		p.pos++
		return true
	}
	return p.pos >= len(p.src)
}

// skipBlank skips blanks, newlines and comments inside arrays and inline tables.
func (p *parser) skipBlank() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		case '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *parser) header() *table {
	start := p.pos
	p.pos++
	t := &table{}
	if p.peek() == '[' {
		t.array = true
		p.pos++
	}
	key, ok := p.key()
	if !ok {
		return nil
	}
	p.skipWS()
	if p.peek() != ']' {
		// A header still being typed (`[package.metadata`) is read as written.
		if c := p.peek(); c == '\n' || c == '\r' || c == '#' || c == 0 {
			t.key, t.header = key, span.Range{Start: start, End: p.pos}
			return t
		}
		return nil
	}
	p.pos++
	if t.array {
		if p.peek() != ']' {
			return nil
		}
		p.pos++
	}
	t.key, t.header = key, span.Range{Start: start, End: p.pos}
	return t
}

func (p *parser) key() ([]segment, bool) {
	var segs []segment
	for {
		p.skipWS()
		start := p.pos
		var name string
		switch p.peek() {
		case '"':
			s, ok := p.basicString()
			if !ok {
				return nil, false
			}
			name = s
		case '\'':
			s, ok := p.literalString()
			if !ok {
				return nil, false
			}
			name = s
		default:
			for p.pos < len(p.src) && isBare(p.src[p.pos]) {
				p.pos++
			}
			if p.pos == start {
				return nil, false
			}
			name = string(p.src[start:p.pos])
		}
		segs = append(segs, segment{name: name, rng: span.Range{Start: start, End: p.pos}})
		p.skipWS()
		if p.peek() != '.' {
			return segs, true
		}
		p.pos++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func (p *parser) keyval(depth int) *entry {
	start := p.pos
	key, ok := p.key()
	if !ok {
		return nil
	}
	p.skipWS()
	if p.peek() != '=' {
		return nil
	}
	p.pos++
	p.skipWS()
	v := p.value(depth)
	if v == nil {
		return nil
	}
	return &entry{key: key, val: v, rng: span.Range{Start: start, End: v.rng.End}}
}

func (p *parser) value(depth int) *value {
	if depth > maxDepth {
		return nil
	}
	start := p.pos
	v := &value{}
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		var ok bool
		switch {
		case p.at(`"""`):
			v.str, ok = p.multiString(`"""`)
		case p.at(`'''`):
			v.str, ok = p.multiString(`'''`)
		case c == '"':
			v.str, ok = p.basicString()
		default:
			v.str, ok = p.literalString()
		}
		if !ok {
			return nil
		}
		v.kind, v.quote = vString, c
	case c == '[':
		p.array(v, depth)
	case c == '{':
		p.inlineTable(v, depth)
	default:
		for p.pos < len(p.src) && !strings.ContainsRune(" \t\r\n,]}#=[{", rune(p.src[p.pos])) {
			p.pos++
		}
		// A date and time may be separated by a space.
		if p.pos-start == 10 && p.pos+1 < len(p.src) && p.src[p.pos] == ' ' && isDigit(p.src[p.pos+1]) {
			p.pos++
			for p.pos < len(p.src) && !strings.ContainsRune(" \t\r\n,]}#", rune(p.src[p.pos])) {
				p.pos++
			}
		}
		word := string(p.src[start:p.pos])
		switch word {
		case "":
			return nil
		case "true", "false":
			v.kind, v.b = vBool, word == "true"
		default:
			v.kind = vOther
		}
	}
	v.rng = span.Range{Start: start, End: p.pos}
	return v
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// array reads `[ v, v, ]`. An unclosed array ends before the next line that
// reads as a statement, so the rest of the file is still read.
func (p *parser) array(v *value, depth int) {
	v.kind = vArray
	p.pos++
	for {
		p.skipBlank()
		if p.peek() == ']' {
			p.pos++
			v.closed = true
			return
		}
		if p.pos >= len(p.src) || p.statementStarts() {
			p.cut = true
			return
		}
		el := p.value(depth + 1)
		if el == nil {
			return
		}
		v.elems = append(v.elems, el)
		if p.cut {
			return
		}
		p.skipBlank()
		if p.peek() == ',' {
			p.pos++
			continue
		}
		if p.peek() == ']' {
			p.pos++
			v.closed = true
		} else {
			p.cut = p.pos >= len(p.src) || p.statementStarts()
		}
		return
	}
}

func (p *parser) inlineTable(v *value, depth int) {
	v.kind = vTable
	p.pos++
	for {
		p.skipBlank()
		if p.peek() == '}' {
			p.pos++
			v.closed = true
			return
		}
		if p.pos >= len(p.src) || p.peek() == '[' && p.statementStarts() {
			p.cut = true
			return
		}
		e := p.keyval(depth + 1)
		if e == nil {
			return
		}
		v.entries = append(v.entries, e)
		if p.cut {
			return
		}
		p.skipBlank()
		if p.peek() == ',' {
			p.pos++
			continue
		}
		if p.peek() == '}' {
			p.pos++
			v.closed = true
		} else {
			p.cut = p.pos >= len(p.src) || p.peek() == '[' && p.statementStarts()
		}
		return
	}
}

// statementStarts reports whether the current position begins a line that
// reads as a table header or `key =`, which no array element can be.
func (p *parser) statementStarts() bool {
	ls := p.pos
	for ls > 0 && (p.src[ls-1] == ' ' || p.src[ls-1] == '\t') {
		ls--
	}
	if ls > 0 && p.src[ls-1] != '\n' {
		return false
	}
	save := p.pos
	defer func() { p.pos = save }()
	if p.peek() == '[' {
		t := p.header()
		if t == nil || !p.endLine() {
			return false
		}
		first := t.key[0].name
		return first != "true" && first != "false" && first != "" && !isDigit(first[0])
	}
	if _, ok := p.key(); !ok {
		return false
	}
	p.skipWS()
	return p.peek() == '='
}

func (p *parser) basicString() (string, bool) {
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), true
		case c == '\n' || c == '\r':
			return "", false
		case c == '\\':
			if !p.escape(&b) {
				return "", false
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", false
}

// escape decodes one backslash escape at p.pos.
func (p *parser) escape(b *strings.Builder) bool {
	if p.pos+1 >= len(p.src) {
		return false
	}
	c := p.src[p.pos+1]
	p.pos += 2
	if r, ok := map[byte]byte{'b': '\b', 't': '\t', 'n': '\n', 'f': '\f', 'r': '\r', 'e': 0x1b, '"': '"', '\\': '\\'}[c]; ok {
		b.WriteByte(r)
		return true
	}
	n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
	if n == 0 || p.pos+n > len(p.src) {
		return false
	}
	code, err := strconv.ParseUint(string(p.src[p.pos:p.pos+n]), 16, 32)
	if err != nil || !utf8.ValidRune(rune(code)) {
		return false
	}
	b.WriteRune(rune(code))
	p.pos += n
	return true
}

func (p *parser) literalString() (string, bool) {
	p.pos++
	start := p.pos
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '\'':
			p.pos++
			return string(p.src[start : p.pos-1]), true
		case '\n', '\r':
			return "", false
		}
		p.pos++
	}
	return "", false
}

func (p *parser) multiString(delim string) (string, bool) {
	p.pos += 3
	if p.at("\r\n") {
		p.pos += 2
	} else if p.peek() == '\n' {
		p.pos++
	}
	var b strings.Builder
	for p.pos < len(p.src) {
		if p.at(delim) {
			// Up to two quotes just before the delimiter belong to the string.
			for i := 0; i < 2 && p.pos+3 < len(p.src) && p.src[p.pos+3] == delim[0]; i++ {
				b.WriteByte(delim[0])
				p.pos++
			}
			p.pos += 3
			return b.String(), true
		}
		c := p.src[p.pos]
		if c == '\\' && delim == `"""` {
			q := p.pos + 1
			for q < len(p.src) && (p.src[q] == ' ' || p.src[q] == '\t') {
				q++
			}
			if q < len(p.src) && (p.src[q] == '\n' || p.src[q] == '\r') {
				// A line-ending backslash trims the newline and following blanks.
				p.pos = q
				for p.pos < len(p.src) && strings.ContainsRune(" \t\r\n", rune(p.src[p.pos])) {
					p.pos++
				}
				continue
			}
			if !p.escape(&b) {
				return "", false
			}
			continue
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", false
}
