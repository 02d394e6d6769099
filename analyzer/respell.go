package analyzer

import "bytes"

// respell returns text as the parser is given it: spellings that
// tree-sitter-rust 0.24 rejects respelt, at the same length, as ones it
// reads with the same meaning for the analyser, so every offset stays true.
// text is not modified; it is returned itself when nothing is respelt.
//
//   - `try!(…)` (2015 edition) → `tr_!(…)` (see renameTryMacro);
//   - `unsafe extern "C" {` (Rust 2024) → `       extern "C" {`: an extern
//     block is already a use of `unsafe`, with or without the keyword;
//   - `safe fn` / `safe static` inside such a block → `     fn`: the
//     block, not the item, is what counts.
//
// Respelling rather than a regenerated grammar keeps the grammar the
// pinned tree-sitter-rust release (and flat_cgo.go's walk over its
// internals) as they are.
func respell(text []byte) []byte {
	out := renameTryMacro(text)
	copied := len(out) > 0 && len(text) > 0 && &out[0] != &text[0]
	blank := func(at, n int) {
		if !copied {
			out, copied = bytes.Clone(out), true
		}
		for k := at; k < at+n; k++ {
			out[k] = ' '
		}
	}
	// One scan for `safe` meets every `unsafe` too, as the `safe` in it.
	for i := 0; ; {
		j := bytes.Index(out[i:], []byte("safe"))
		if j < 0 {
			break
		}
		j += i
		i = j + len("safe")
		kw := "safe"
		if j >= 2 && out[j-2] == 'u' && out[j-1] == 'n' {
			j, kw = j-2, "unsafe"
		}
		if j > 0 && (isIdentByte(out[j-1]) || out[j-1] == '$' || out[j-1] == '#') {
			continue
		}
		if kw == "unsafe" && unsafeExternBlock(out[i:]) || kw == "safe" && safeItem(out[i:]) {
			blank(j, len(kw))
		}
	}
	return out
}

// unsafeExternBlock reports whether rest, what follows an `unsafe`, is
// ` extern "ABI" {` (the ABI optional).
func unsafeExternBlock(rest []byte) bool {
	rest, ok := word(rest, "extern")
	if !ok {
		return false
	}
	rest = bytes.TrimLeft(rest, " \t\r\n")
	if len(rest) > 0 && rest[0] == '"' {
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 {
			return false
		}
		rest = bytes.TrimLeft(rest[end+2:], " \t\r\n")
	}
	return len(rest) > 0 && rest[0] == '{'
}

// safeItem reports whether rest, what follows a `safe`, is ` fn` or ` static`.
func safeItem(rest []byte) bool {
	_, fn := word(rest, "fn")
	_, static := word(rest, "static")
	return fn || static
}

// word skips whitespace (at least one byte) and then w as a whole word.
func word(rest []byte, w string) ([]byte, bool) {
	trimmed := bytes.TrimLeft(rest, " \t\r\n")
	if len(trimmed) == len(rest) || !bytes.HasPrefix(trimmed, []byte(w)) {
		return rest, false
	}
	after := trimmed[len(w):]
	if len(after) > 0 && isIdentByte(after[0]) {
		return rest, false
	}
	return after, true
}
