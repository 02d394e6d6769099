package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
	"github.com/cargo-caps/cargo-caps/span"
)

var update = flag.Bool("update", false, "rewrite golden files")

// client is the editor's end of an in-process session: a real jsonrpc2
// connection over net.Pipe to a server running serve.
type client struct {
	t    testing.TB
	conn jsonrpc2.Conn
	raw  net.Conn // the client's end, for writing malformed bytes
	logs *syncBuffer
	done chan error // what serve returned

	mu       sync.Mutex
	notes    []note // notifications and requests from the server, in order
	arrived  chan struct{}
	closed   bool
	stopOnce sync.Once
	// answer, when set, is the result of the server's request of method
	// (nil: null, as for every request without it).
	answer func(method string) any
}

type note struct {
	Method string
	Params json.RawMessage
}

// startServer starts a session; extra methods are added to the server's.
func startServer(t testing.TB, extra map[string]method) *client {
	t.Helper()
	serverEnd, clientEnd := net.Pipe()
	logs := &syncBuffer{}
	var handler slog.Handler = slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})
	if testing.Verbose() {
		handler = slog.NewTextHandler(io.MultiWriter(logs, os.Stderr), &slog.HandlerOptions{Level: slog.LevelDebug})
	}
	c := &client{t: t, raw: clientEnd, logs: logs, done: make(chan error, 1), arrived: make(chan struct{})}
	go func() { c.done <- serve(context.Background(), serverEnd, slog.New(handler), extra) }()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(clientEnd))
	c.conn.Go(context.Background(), c.handle)
	t.Cleanup(func() {
		if t.Failed() && !testing.Verbose() {
			log := logs.String()
			t.Logf("server log (end):\n%s", log[max(0, len(log)-6000):])
		}
		c.conn.Close()
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop after the client closed the connection")
		}
	})
	return c
}

// handle answers the server's requests as an editor would and records
// everything the server sends.
func (c *client) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	c.mu.Lock()
	c.notes = append(c.notes, note{Method: req.Method(), Params: append(json.RawMessage(nil), req.Params()...)})
	close(c.arrived)
	c.arrived = make(chan struct{})
	answer := c.answer
	c.mu.Unlock()
	if answer != nil {
		return reply(ctx, answer(req.Method()), nil)
	}
	return reply(ctx, nil, nil)
}

// initialize runs the handshake with the given initialize params.
func (c *client) initialize(params any) json.RawMessage {
	c.t.Helper()
	var result json.RawMessage
	if err := c.call("initialize", params, &result); err != nil {
		c.t.Fatalf("initialize: %v", err)
	}
	c.notify("initialized", map[string]any{})
	return result
}

func (c *client) call(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatalf("notify %s: %v", method, err)
	}
}

// waitFor returns the first message from the server whose method is method
// and which matches; it fails the test after a generous deadline.
func (c *client) waitFor(method string, match func(json.RawMessage) bool) json.RawMessage {
	c.t.Helper()
	params, _ := c.waitFrom(0, method, match)
	return params
}

// patience is how long waitFrom waits before it fails the test.
var patience = 30 * time.Second

// waitFrom is waitFor among the messages from the from'th on; it also
// returns the message's index.
func (c *client) waitFrom(from int, method string, match func(json.RawMessage) bool) (json.RawMessage, int) {
	c.t.Helper()
	deadline := time.After(patience)
	seen := from
	for {
		c.mu.Lock()
		notes, arrived := c.notes[min(seen, len(c.notes)):], c.arrived
		start := seen
		seen = max(seen, len(c.notes))
		c.mu.Unlock()
		for i, n := range notes {
			if n.Method == method && (match == nil || match(n.Params)) {
				return n.Params, start + i
			}
		}
		select {
		case <-arrived:
		case <-deadline:
			c.t.Fatalf("no %s from the server", method)
		}
	}
}

// received returns the messages of method received so far.
func (c *client) received(method string) []json.RawMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []json.RawMessage
	for _, n := range c.notes {
		if n.Method == method {
			out = append(out, n.Params)
		}
	}
	return out
}

// syncBuffer collects the server's log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) contains(s string) bool { return strings.Contains(b.String(), s) }

// fileURI is the URI of an absolute path as editors send it.
func fileURI(path string) string { return string(uriOf(path)) }

// session is a client on a workspace written from one txtar test case.
type session struct {
	*client
	dir  string
	file string // the txtar
	ar   *txtar.Archive
	mark int // the index of the first message from the server not yet waited for
}

// caseFiles lists the txtar cases of a feature's testdata directory.
func caseFiles(t *testing.T, dir string) []string {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if len(files) == 0 {
		t.Fatalf("no test cases in testdata/%s", dir)
	}
	return files
}

// openCase writes a case's files to a new directory and starts a session on
// it, waiting for the first analysis. `settings: {...}` in the case's comment
// gives initializationOptions.
func openCase(t *testing.T, file string) *session {
	t.Helper()
	return openCaseWith(t, file, nil)
}

// openCaseWith is openCase on a server with extra methods.
func openCaseWith(t *testing.T, file string, extra map[string]method) *session {
	t.Helper()
	return openCaseAs(t, file, extra, true)
}

// openCaseAs is openCaseWith from a client that can register file
// watchers (as VS Code) or cannot (as Neovim 0.7, where the server polls).
func openCaseAs(t *testing.T, file string, extra map[string]method, watchers bool) *session {
	t.Helper()
	dir, ar := writeCase(t, file)
	settings := map[string]any{"trusted": true}
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		if v, ok := strings.CutPrefix(line, "settings: "); ok {
			if err := json.Unmarshal([]byte(v), &settings); err != nil {
				t.Fatalf("settings: %v", err)
			}
		}
	}
	s := &session{client: startServer(t, extra), dir: dir, file: file, ar: ar}
	s.initialize(map[string]any{
		"workspaceFolders":      []map[string]string{{"uri": fileURI(dir), "name": "case"}},
		"initializationOptions": settings,
		"capabilities": map[string]any{
			"window": map[string]any{"workDoneProgress": true},
			"workspace": map[string]any{
				"inlayHint":             map[string]any{"refreshSupport": true},
				"didChangeWatchedFiles": map[string]any{"dynamicRegistration": watchers},
			},
		},
	})
	s.analysed()
	return s
}

// writeCase writes a case's files (all but the want/ sections) to a new
// directory. A line `crlf: PATH` in the case's comment writes PATH with CRLF
// line endings. Files under outside/ go to another directory, outside the
// workspace; a line `symlink: PATH -> TARGET` makes PATH a symbolic link to
// TARGET, a path of the case (outside/… included).
func writeCase(t *testing.T, file string) (string, *txtar.Archive) {
	t.Helper()
	t.Setenv("CARGO_NET_OFFLINE", "true")
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir, outside := t.TempDir(), t.TempDir()
	at := func(name string) string {
		if rest, ok := strings.CutPrefix(name, "outside/"); ok {
			return filepath.Join(outside, filepath.FromSlash(rest))
		}
		return filepath.Join(dir, filepath.FromSlash(name))
	}
	crlf := map[string]bool{}
	links := map[string]string{}
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		if v, ok := strings.CutPrefix(line, "crlf: "); ok {
			crlf[strings.TrimSpace(v)] = true
		}
		if v, ok := strings.CutPrefix(line, "symlink: "); ok {
			from, to, _ := strings.Cut(v, " -> ")
			links[strings.TrimSpace(from)] = strings.TrimSpace(to)
		}
	}
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "want/") {
			continue
		}
		data := f.Data
		if crlf[f.Name] {
			data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
		}
		testfs.Write(t, at(f.Name), string(data))
	}
	for from, to := range links {
		testfs.Link(t, at(to), at(from))
	}
	// A case's .cargo-home holds its registry sources, as in project's check cases.
	home := filepath.Join(dir, ".cargo-home")
	if _, err := os.Stat(home); err == nil {
		t.Setenv("CARGO_HOME", home)
	}
	return dir, ar
}

// analysed waits for the next analysis to finish: the server asks for an
// inlay hint refresh after publishing its diagnostics.
func (s *session) analysed() {
	s.t.Helper()
	_, s.mark = s.waitFrom(s.mark, "workspace/inlayHint/refresh", nil)
	s.mark++
}

// analysedVersion waits for the analysis of version of file rel (open in
// the editor) to finish.
func (s *session) analysedVersion(rel string, version int32) {
	s.t.Helper()
	_, i := s.waitFrom(s.mark, "textDocument/publishDiagnostics", func(raw json.RawMessage) bool {
		var p publishParams
		return json.Unmarshal(raw, &p) == nil && s.rel(string(p.URI)) == rel && p.Version != nil && *p.Version == version
	})
	s.mark = i
	s.analysed()
}

func (s *session) path(rel string) string { return filepath.Join(s.dir, filepath.FromSlash(rel)) }

func (s *session) rel(uri string) string {
	path, _ := pathOf(uri)
	rel, err := filepath.Rel(s.dir, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

// diagnostics returns the latest diagnostics published per file (relative).
func (s *session) diagnostics() map[string][]protocol.Diagnostic {
	out := map[string][]protocol.Diagnostic{}
	for _, raw := range s.received("textDocument/publishDiagnostics") {
		var p publishParams
		if err := json.Unmarshal(raw, &p); err != nil {
			s.t.Fatal(err)
		}
		out[s.rel(string(p.URI))] = p.Diagnostics
	}
	return out
}

// text returns a file's text in the session's directory.
func (s *session) text(rel string) []byte {
	data, err := os.ReadFile(s.path(rel))
	if err != nil {
		s.t.Fatal(err)
	}
	return data
}

// open sends didOpen for a file with its text on disk.
func (s *session) open(rel string, version int) {
	s.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": fileURI(s.path(rel)), "languageId": "", "version": version, "text": string(s.text(rel)),
	}})
}

// golden compares got with the case's section want/NAME, or rewrites it
// with -update.
func (s *session) golden(name, got string) {
	s.t.Helper()
	got = strings.ReplaceAll(got, s.dir+string(filepath.Separator), "")
	for i, f := range s.ar.Files {
		if f.Name != "want/"+name {
			continue
		}
		if *update {
			s.ar.Files[i].Data = []byte(got)
			if err := os.WriteFile(s.file, txtar.Format(s.ar), 0o644); err != nil {
				s.t.Fatal(err)
			}
		} else if got != string(f.Data) {
			s.t.Errorf("want/%s differs (run with -update):\n--- got\n%s\n--- want\n%s", name, got, f.Data)
		}
		return
	}
	if *update {
		s.ar.Files = append(s.ar.Files, txtar.File{Name: "want/" + name, Data: []byte(got)})
		if err := os.WriteFile(s.file, txtar.Format(s.ar), 0o644); err != nil {
			s.t.Fatal(err)
		}
		return
	}
	s.t.Errorf("no want/%s section (run with -update):\n%s", name, got)
}

// applyEdits applies LSP text edits (UTF-16 positions) to text.
func applyEdits(text []byte, edits []protocol.TextEdit) []byte {
	idx := span.NewIndex(text)
	type edit struct {
		start, end int
		text       string
	}
	var es []edit
	for _, e := range edits {
		es = append(es, edit{idx.Offset(int(e.Range.Start.Line), int(e.Range.Start.Character)), idx.Offset(int(e.Range.End.Line), int(e.Range.End.Character)), e.NewText})
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].start < es[j].start })
	var out []byte
	last := 0
	for _, e := range es {
		out = append(out, text[last:e.start]...)
		out = append(out, e.text...)
		last = e.end
	}
	return append(out, text[last:]...)
}

func fmtRange(r protocol.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Character, r.End.Line, r.End.Character)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
