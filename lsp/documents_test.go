package lsp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"weak"

	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/span"
)

// textOf is a test method that returns the server's text of an open buffer.
var textOf = map[string]method{"test/text": {run: func(s *server, _ context.Context, params json.RawMessage) (any, error) {
	var p documentParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	path, _ := pathOf(p.TextDocument.URI)
	if doc := s.docs.get(path); doc != nil {
		return map[string]any{"text": string(doc.Text), "version": doc.Version}, nil
	}
	return nil, nil
}}}

func rng(l1, c1, l2, c2 int) map[string]any {
	return map[string]any{"start": map[string]int{"line": l1, "character": c1}, "end": map[string]int{"line": l2, "character": c2}}
}

func TestIncrementalSync(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		changes []map[string]any
		want    string
	}{
		{"insert ascii", "fn main() {}\n", []map[string]any{{"range": rng(0, 11, 0, 11), "text": "x();"}}, "fn main() {x();}\n"},
		// "é" is one UTF-16 unit and two bytes; "𝕏" is two units and four bytes.
		{"after non-ascii", "let é = \"𝕏\"; // ok\n", []map[string]any{{"range": rng(0, 12, 0, 13), "text": "!"}}, "let é = \"𝕏\"! // ok\n"},
		{"replace a surrogate pair", "a𝕏b\n", []map[string]any{{"range": rng(0, 1, 0, 3), "text": "Y"}}, "aYb\n"},
		{"across lines", "one\ntwo\nthree\n", []map[string]any{{"range": rng(0, 2, 2, 1), "text": "E\nT"}}, "onE\nThree\n"},
		{"crlf", "a\r\nb\r\n", []map[string]any{{"range": rng(1, 0, 1, 1), "text": "c"}}, "a\r\nc\r\n"},
		{"past the end of a line clamps", "ab\ncd\n", []map[string]any{{"range": rng(0, 99, 0, 99), "text": "!"}}, "ab!\ncd\n"},
		{"past the end of a crlf line clamps before the \\r", "ab\r\ncd\r\n", []map[string]any{{"range": rng(0, 3, 0, 99), "text": "!"}}, "ab!\r\ncd\r\n"},
		{"a crlf line's end to past the end of the text", "ab\r\ncd\r\n", []map[string]any{{"range": rng(1, 7, 9, 0), "text": "!"}}, "ab\r\ncd!"},
		{"past the end of the text", "ab", []map[string]any{{"range": rng(5, 0, 5, 0), "text": "!"}}, "ab!"},
		{"each change sees the previous", "é\n", []map[string]any{
			{"range": rng(0, 1, 0, 1), "text": "𝕏"},
			{"range": rng(0, 3, 0, 3), "text": "z"},
			{"range": rng(0, 0, 0, 1), "text": ""},
		}, "𝕏z\n"},
		{"whole text", "old", []map[string]any{{"text": "new"}}, "new"},
		{"reversed range", "abcd", []map[string]any{{"range": rng(0, 3, 0, 1), "text": "-"}}, "a-d"},
	}
	c := startServer(t, textOf)
	c.initialize(map[string]any{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uri := fileURI(filepath.Join(t.TempDir(), "lib.rs"))
			c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "rust", "version": 1, "text": tt.text}})
			c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2 + i}, "contentChanges": tt.changes})
			var got struct {
				Text    string
				Version int
			}
			if err := c.call("test/text", map[string]any{"textDocument": map[string]any{"uri": uri}}, &got); err != nil {
				t.Fatal(err)
			}
			if got.Text != tt.want || got.Version != 2+i {
				t.Errorf("got %q v%d, want %q v%d", got.Text, got.Version, tt.want, 2+i)
			}
		})
	}
}

func TestChangeOfUnopenedDocumentIsHarmless(t *testing.T) {
	c := startServer(t, textOf)
	c.initialize(map[string]any{})
	uri := fileURI(filepath.Join(t.TempDir(), "lib.rs"))
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2}, "contentChanges": []map[string]any{{"text": "x"}}})
	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": "untitled:1", "version": 2}, "contentChanges": []map[string]any{{"text": "x"}}})
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	if err := c.call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
}

// FuzzApplyChange: any change to any text applies without panic, and the
// result is the text with the UTF-16 range, clamped, replaced.
func FuzzApplyChange(f *testing.F) {
	f.Add("let é = \"𝕏\";\nx\r\n", 0, 5, 1, 1, "ab")
	f.Add("", 3, 0, 0, 0, "\n")
	f.Fuzz(func(t *testing.T, text string, l1, c1, l2, c2 int, insert string) {
		if !utf8.ValidString(text) || l1 < 0 || c1 < 0 || l2 < 0 || c2 < 0 {
			t.Skip()
		}
		idx := span.NewIndex([]byte(text))
		ch := contentChange{Range: &protocol.Range{Start: protocol.Position{Line: uint32(l1), Character: uint32(c1)}, End: protocol.Position{Line: uint32(l2), Character: uint32(c2)}}, Text: insert}
		got, gotIdx, e := applyChange([]byte(text), idx, ch)
		start, end := utf16Offset(text, l1, c1), utf16Offset(text, l2, c2)
		if end < start {
			start, end = end, start
		}
		if want := text[:start] + insert + text[end:]; string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if want := span.NewIndex(got); gotIdx.Lines() != want.Lines() || gotIdx.Offset(l1, c1) != want.Offset(l1, c1) {
			t.Errorf("the index after the change differs from a fresh one")
		}
		if int(e.StartByte) != start || int(e.OldEndByte) != end || int(e.NewEndByte) != start+len(insert) {
			t.Errorf("edit %+v for bytes %d-%d", e, start, end)
		}
	})
}

// utf16Offset is the reference conversion: the byte offset of a line and a
// UTF-16 column, clamped to the line, never inside a character.
func utf16Offset(text string, line, col int) int {
	lines := strings.SplitAfter(text, "\n")
	if line >= len(lines) {
		return len(text)
	}
	off := 0
	for _, l := range lines[:line] {
		off += len(l)
	}
	units := 0
	for i, r := range strings.TrimSuffix(lines[line], "\n") {
		n := len(utf16.Encode([]rune{r}))
		if units+n > col {
			return off + i
		}
		units += n
	}
	return off + len(strings.TrimSuffix(lines[line], "\n"))
}

// TestClosedBufferIsFreed: once a buffer is closed, as saved, nothing in
// the server holds it (its text, tree and Syntax), though the analysis read
// it while it was open.
func TestClosedBufferIsFreed(t *testing.T) {
	var held weak.Pointer[project.Overlay]
	s := openCaseWith(t, "testdata/diagnostics/own-code.txtar", map[string]method{"test/hold": {run: func(srv *server, _ context.Context, params json.RawMessage) (any, error) {
		var p documentParams
		if err := decode(params, &p); err != nil {
			return nil, err
		}
		path, _ := pathOf(p.TextDocument.URI)
		if doc := srv.docs.get(path); doc != nil {
			held = weak.Make(doc.Overlay)
		}
		return nil, nil
	}}})
	uri := fileURI(s.path("src/lib.rs"))
	s.open("src/lib.rs", 1)
	text := string(s.text("src/lib.rs")) + "// edited\n"
	s.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []map[string]any{{"text": text}}})
	s.analysedVersion("src/lib.rs", 2) // the analysis read the buffer
	if err := s.call("test/hold", map[string]any{"textDocument": map[string]any{"uri": uri}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.path("src/lib.rs"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": uri}})
	s.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	if err := s.call("test/hold", map[string]any{"textDocument": map[string]any{"uri": "file:///nothing.rs"}}, nil); err != nil {
		t.Fatal(err) // the close is handled: notifications are, in order, before the next message
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		runtime.GC()
		if held.Value() == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the closed buffer is still referenced")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
