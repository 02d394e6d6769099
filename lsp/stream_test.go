package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// echo is a test method that answers its params.
var echo = map[string]method{"test/echo": {run: func(_ *server, _ context.Context, params json.RawMessage) (any, error) {
	return params, nil
}}}

// call7 is the valid request each framing case sends after its bad frame:
// its answer shows that the session resynchronised.
const call7 = `{"jsonrpc":"2.0","id":7,"method":"test/echo","params":{"after":"the bad frame"}}`

// lost is a request whose answer must never come: its frame is the bad one.
const lost = `{"jsonrpc":"2.0","id":1,"method":"test/echo","params":{"lost":true}}`

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

// TestFraming writes each kind of bad frame, then a valid request, byte for
// byte: the bad frame is an error in the log, the valid request is answered,
// and the session goes on.
func TestFraming(t *testing.T) {
	tests := []struct {
		name, bad string
		logged    string // in the server's log; "" for frames that are not errors
	}{
		{"content-length too short", "Content-Length: 10\r\n\r\n" + lost, "skipping malformed message"},
		// Without resynchronisation the body would swallow call7 and wait
		// for 1000 more bytes that never come.
		{"content-length too long", "Content-Length: 1000\r\n\r\n" + lost, "its Content-Length was too long"},
		{"content-length too long, ending inside the next header", fmt.Sprintf("Content-Length: %d\r\n\r\n", len(lost)+9) + lost, "runs into what follows"},
		{"content-length too long, no line break after the header", "Content-Length: 1000\n\n" + lost, "its Content-Length was too long"},
		{"content-length missing", "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + lost, "without a Content-Length"},
		{"no header at all", lost, "skipping bytes that are not an LSP header"},
		{"content-length 0", "Content-Length: 0\r\n\r\n" + lost, "bad header"},
		{"content-length -5", "Content-Length: -5\r\n\r\n" + lost, "bad header"},
		{"content-length abc", "Content-Length: abc\r\n\r\n" + lost, "bad header"},
		{"content-length 99999999999", "Content-Length: 99999999999\r\n\r\n" + lost, "bad header"},
		{"content-length over the cap", fmt.Sprintf("Content-Length: %d\r\n\r\n", maxMessage+1) + lost, "bad header"},
		{"junk line between messages", "hello\r\n", "skipping bytes that are not an LSP header"},
		{"a long junk line", strings.Repeat("x", 300_000) + "\r\n", "skipping bytes that are not an LSP header"},
		{"headers without a body", "Content-Type: x\r\n\r\n", "without a Content-Length"},
		{"stray blank lines", "\r\n\r\n", ""},
		// A body may hold the text of a header, escaped: that is no frame.
		{"a header's text inside a body", frame(`{"jsonrpc":"2.0","method":"test/note","params":"Content-Length: 5\r\n\r\nxx"}`), ""},
		{"a body with raw line breaks", frame("{\"jsonrpc\":\"2.0\",\n\"method\":\"test/note\",\r\n\"params\":{}}\n"), ""},
		{"lower-case header name", "content-length: 1000\r\n\r\n" + lost, "its Content-Length was too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := startRaw(t, echo)
			rc.send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}`)
			rc.read()
			start := time.Now()
			if _, err := io.WriteString(rc.w, tt.bad+frame(call7)); err != nil {
				t.Fatal(err)
			}
			for {
				resp := rc.read()
				if string(resp["id"]) == "1" {
					t.Fatalf("the bad frame's request was answered: %v", resp)
				}
				if string(resp["id"]) == "7" {
					if string(resp["result"]) != `{"after":"the bad frame"}` {
						t.Errorf("answer %v", resp)
					}
					break
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("resynchronising took %v", d)
			}
			log := rc.logs.String()
			if tt.logged != "" && (!strings.Contains(log, tt.logged) || !strings.Contains(log, "level=ERROR")) {
				t.Errorf("log does not hold %q:\n%s", tt.logged, log)
			}
			if tt.logged == "" && (strings.Contains(log, "level=ERROR") || strings.Contains(log, "skipping")) {
				t.Errorf("a valid frame was logged as bad:\n%s", log)
			}
			select {
			case err := <-rc.out:
				t.Fatalf("the session ended: %v", err)
				rc.out <- err
			default:
			}
		})
	}
}

// The same bytes through a real pipe, as `cargo-caps lsp` reads stdin: the
// whole batch of bad frames arrives at once and every valid request after
// one is answered.
func TestFramingOverAPipe(t *testing.T) {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- serve(context.Background(), stdio{inR, outW}, slog.New(slog.DiscardHandler), echo)
	}()
	var batch bytes.Buffer
	batch.WriteString(frame(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}`))
	bad := []string{"Content-Length: 10\r\n\r\n" + lost, "Content-Length: 1000\r\n\r\n" + lost, "Content-Length: 0\r\n\r\n",
		"Content-Length: -5\r\n\r\n", "Content-Length: abc\r\n\r\n", "Content-Length: 99999999999\r\n\r\n", lost}
	for i, b := range bad {
		batch.WriteString(b)
		batch.WriteString(frame(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"test/echo","params":%d}`, 100+i, i)))
	}
	go func() { inW.Write(batch.Bytes()) }()
	// The answers come in any order: the echoes run concurrently.
	answered := map[string]json.RawMessage{}
	r := &rawClient{t: t, r: bufio.NewReader(outR)}
	deadline := time.AfterFunc(20*time.Second, func() { outR.Close() })
	defer deadline.Stop()
	for len(answered) < len(bad)+1 {
		resp := r.readFrom()
		if string(resp["id"]) == "1" {
			t.Fatalf("a bad frame's request was answered: %v", resp)
		}
		if resp["result"] != nil {
			answered[string(resp["id"])] = resp["result"]
		}
	}
	for i := range bad {
		if got := string(answered[fmt.Sprint(100+i)]); got != fmt.Sprint(i) {
			t.Errorf("request %d after bad frame %q: %q", 100+i, bad[i], got)
		}
	}
	inW.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop when its input closed")
	}
}

// stdio joins a pipe's two ends as cmd/cargo-caps does stdin and stdout.
type stdio struct {
	r *os.File
	w *os.File
}

func (s stdio) Read(b []byte) (int, error)  { return s.r.Read(b) }
func (s stdio) Write(b []byte) (int, error) { return s.w.Write(b) }
func (s stdio) Close() error                { s.r.Close(); return s.w.Close() }

// Every id comes back exactly as sent: strings (the empty one and one that
// looks like an internal marker too) and numbers, integer and not.
func TestIDsEchoedAsSent(t *testing.T) {
	rc := startRaw(t, echo)
	rc.send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}`)
	if resp := rc.read(); string(resp["id"]) != "0" {
		t.Errorf("initialize id 0 came back as %s", resp["id"])
	}
	for _, id := range []string{`""`, `"\u0000number:5"`, `"\u0000id:5"`, `"5"`, `"x"`, `"é"`,
		`5`, `0`, `-1`, `2147483647`, `3000000000`, `-3000000000`, `1.5`, `2.0`, `1e3`, `-0`, `0.1`} {
		rc.send(`{"jsonrpc":"2.0","id":` + id + `,"method":"test/echo","params":[1]}`)
		resp := rc.read()
		if !sameJSON(resp["id"], id) || string(resp["result"]) != "[1]" {
			t.Errorf("id %s came back as %s (%v)", id, resp["id"], resp)
		}
		// Unknown methods answer with an error: its id too.
		rc.send(`{"jsonrpc":"2.0","id":` + id + `,"method":"no/such"}`)
		if resp := rc.read(); !sameJSON(resp["id"], id) || resp["error"] == nil {
			t.Errorf("the error for id %s came back with id %s", id, resp["id"])
		}
	}
}

// sameJSON reports whether got is the JSON text want, up to string escapes
// (the same string, however spelt) but not number spelling (2.0 is not 2).
func sameJSON(got json.RawMessage, want string) bool {
	var gs, ws string
	if json.Unmarshal(got, &gs) == nil && json.Unmarshal([]byte(want), &ws) == nil {
		return gs == ws
	}
	return string(got) == want
}
