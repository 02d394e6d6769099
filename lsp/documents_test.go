package lsp

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
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
