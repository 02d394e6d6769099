package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

func errorCode(err error) jsonrpc2.Code {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestInitializeShutdownExit(t *testing.T) {
	c := startServer(t, nil)
	if err := c.call("textDocument/hover", map[string]any{}, nil); errorCode(err) != jsonrpc2.ServerNotInitialized {
		t.Errorf("hover before initialize: got %v, want ServerNotInitialized", err)
	}
	a, b := t.TempDir(), t.TempDir()
	result := c.initialize(map[string]any{
		"processId":        1,
		"rootUri":          fileURI(a),
		"workspaceFolders": []map[string]string{{"uri": fileURI(a), "name": "a"}, {"uri": fileURI(b), "name": "b"}},
		"initializationOptions": map[string]any{
			"trusted": false, "features": []string{"tls"}, "severity": map[string]string{"unused-capability": "off"},
		},
		"capabilities": map[string]any{"window": map[string]any{"workDoneProgress": true}},
	})
	var got struct {
		Capabilities struct {
			TextDocumentSync struct {
				OpenClose bool `json:"openClose"`
				Change    int  `json:"change"`
			} `json:"textDocumentSync"`
			HoverProvider      bool `json:"hoverProvider"`
			InlayHintProvider  bool `json:"inlayHintProvider"`
			CodeActionProvider struct {
				CodeActionKinds []string `json:"codeActionKinds"`
			} `json:"codeActionProvider"`
		} `json:"capabilities"`
		ServerInfo struct{ Name string } `json:"serverInfo"`
	}
	if err := json.Unmarshal(result, &got); err != nil {
		t.Fatal(err)
	}
	caps := got.Capabilities
	if !caps.TextDocumentSync.OpenClose || caps.TextDocumentSync.Change != int(protocol.TextDocumentSyncKindIncremental) ||
		!caps.HoverProvider || !caps.InlayHintProvider || strings.Join(caps.CodeActionProvider.CodeActionKinds, ",") != "quickfix,source" ||
		got.ServerInfo.Name != "cargo-caps" {
		t.Errorf("initialize result: %s", result)
	}
	if err := c.call("initialize", map[string]any{}, nil); errorCode(err) != jsonrpc2.InvalidRequest {
		t.Errorf("second initialize: got %v, want InvalidRequest", err)
	}
	if err := c.call("no/such/method", nil, nil); errorCode(err) != jsonrpc2.MethodNotFound {
		t.Errorf("unknown method: got %v, want MethodNotFound", err)
	}
	if !c.logs.contains("Trusted:false Features:[tls] Severity:map[unused-capability:-1]") || !c.logs.contains(fmt.Sprint([]string{a, b})) {
		t.Errorf("initialize did not take both folders and the options; log:\n%s", c.logs)
	}
	if err := c.call("shutdown", nil, nil); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := c.call("textDocument/hover", map[string]any{}, nil); errorCode(err) != jsonrpc2.InvalidRequest {
		t.Errorf("hover after shutdown: got %v, want InvalidRequest", err)
	}
	c.notify("exit", nil)
	if err := <-c.done; err != nil {
		t.Errorf("serve after shutdown and exit: %v, want nil", err)
	}
	c.done <- nil // for the cleanup
}

func TestExitWithoutShutdown(t *testing.T) {
	c := startServer(t, nil)
	c.initialize(map[string]any{})
	c.notify("exit", nil)
	if err := <-c.done; err == nil {
		t.Error("serve after exit without shutdown: nil, want an error")
	}
	c.done <- nil
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	c := startServer(t, map[string]method{
		"test/panic":      {run: func(*server, context.Context, json.RawMessage) (any, error) { panic("injected") }},
		"test/panicOrder": {run: func(*server, context.Context, json.RawMessage) (any, error) { panic("injected in order") }, inOrder: true},
		"test/notePanic":  {run: func(*server, context.Context, json.RawMessage) (any, error) { panic("injected in a notification") }, inOrder: true},
	})
	c.initialize(map[string]any{})
	for _, m := range []string{"test/panic", "test/panicOrder"} {
		if err := c.call(m, nil, nil); errorCode(err) != jsonrpc2.InternalError {
			t.Errorf("%s: got %v, want InternalError", m, err)
		}
	}
	c.notify("test/notePanic", nil)
	if err := c.call("shutdown", nil, nil); err != nil {
		t.Fatalf("the session did not survive the panics: %v", err)
	}
	for _, p := range []string{"injected", "injected in order", "injected in a notification"} {
		if !c.logs.contains("handler panicked") || !c.logs.contains(p) {
			t.Errorf("panic %q not logged; log:\n%s", p, c.logs)
		}
	}
}

// rawClient speaks framed JSON by hand, for ids and bodies a jsonrpc2 client
// cannot send or would not survive receiving.
type rawClient struct {
	t    *testing.T
	w    net.Conn
	r    *bufio.Reader
	out  chan error
	logs *syncBuffer
}

func startRaw(t *testing.T, extra map[string]method) *rawClient {
	serverEnd, clientEnd := net.Pipe()
	rc := &rawClient{t: t, w: clientEnd, r: bufio.NewReader(clientEnd), out: make(chan error, 1), logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(rc.logs, nil))
	go func() { rc.out <- serve(context.Background(), serverEnd, log, extra) }()
	t.Cleanup(func() { clientEnd.Close(); <-rc.out })
	return rc
}

func (rc *rawClient) send(body string) {
	rc.t.Helper()
	if _, err := fmt.Fprintf(rc.w, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		rc.t.Fatal(err)
	}
}

// read returns the next message from the server as a generic object.
func (rc *rawClient) read() map[string]json.RawMessage {
	rc.t.Helper()
	rc.w.SetReadDeadline(time.Now().Add(30 * time.Second))
	return rc.readFrom()
}

// readFrom reads the next message from rc.r.
func (rc *rawClient) readFrom() map[string]json.RawMessage {
	rc.t.Helper()
	length := 0
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			rc.t.Fatal(err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			length, _ = strconv.Atoi(v)
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(rc.r, body); err != nil {
		rc.t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		rc.t.Fatalf("server sent %q: %v", body, err)
	}
	return m
}

func TestCancelRequest(t *testing.T) {
	block := map[string]method{"test/block": {run: func(_ *server, ctx context.Context, _ json.RawMessage) (any, error) {
		<-ctx.Done()
		return "finished", nil
	}}}
	for _, id := range []string{`7`, `1.5`, `2.0`, `"seven"`, `3000000000`, `""`, `"\u0000number:5"`, `"\u0000id:5"`} {
		t.Run(id, func(t *testing.T) {
			rc := startRaw(t, block)
			rc.send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}`)
			rc.read()
			rc.send(`{"jsonrpc":"2.0","id":` + id + `,"method":"test/block"}`)
			rc.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":` + id + `}}`)
			resp := rc.read()
			var gotID, wantID any
			json.Unmarshal(resp["id"], &gotID)
			json.Unmarshal([]byte(id), &wantID)
			if gotID != wantID {
				t.Errorf("response id %s, want %s", resp["id"], id)
			}
			var e jsonrpc2.Error
			json.Unmarshal(resp["error"], &e)
			if e.Code != protocol.CodeRequestCancelled {
				t.Errorf("response %v, want RequestCancelled", resp)
			}
		})
	}
}

func TestMalformedMessagesDoNotEndTheSession(t *testing.T) {
	rc := startRaw(t, nil)
	for _, body := range []string{`hello`, `{"jsonrpc":"2.0","id":{"x":1},"method":"initialize"}`, `[1,2]`} {
		rc.send(body)
		if resp := rc.read(); string(resp["id"]) != "null" || resp["error"] == nil {
			t.Errorf("after %s: got %v, want a parse error with id null", body, resp)
		}
	}
	rc.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{"window":{"workDoneProgress":"yes"}}}}`)
	if resp := rc.read(); resp["result"] == nil {
		t.Errorf("initialize with a mistyped capability: %v, want a result", resp)
	}
	rc.send(`{"jsonrpc":"2.0","id":2,"method":"textDocument/didOpen","params":{"textDocument":"nope"}}`)
	if resp := rc.read(); resp["error"] == nil {
		t.Errorf("a call with malformed params: %v, want an error", resp)
	}
}

// FuzzRequests sends any params to every method, as a request and as a
// notification: the server answers and the session goes on.
func FuzzRequests(f *testing.F) {
	f.Add(0, `{"textDocument":{"uri":"file:///x.rs","version":1,"text":"fn"}}`)
	f.Add(1, `{"textDocument":{"uri":"file:///x.rs","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":9},"end":{"line":0,"character":0}},"text":"é"}]}`)
	f.Add(5, `{"settings":{"cargoCaps":{"severity":{"x":"y"}}}}`)
	f.Add(9, `{"id":1.5}`)
	f.Fuzz(func(t *testing.T, which int, params string) {
		if !json.Valid([]byte(params)) {
			t.Skip()
		}
		methods := []string{"textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave",
			"workspace/didChangeWatchedFiles", "workspace/didChangeConfiguration", "workspace/didChangeWorkspaceFolders",
			"textDocument/codeAction", "textDocument/inlayHint", "$/cancelRequest", "textDocument/hover", "cargoCaps/report"}
		m := methods[(which%len(methods)+len(methods))%len(methods)]
		rc := startRaw(t, nil)
		rc.send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}`)
		rc.read()
		rc.send(`{"jsonrpc":"2.0","method":"` + m + `","params":` + params + `}`)
		rc.send(`{"jsonrpc":"2.0","id":1,"method":"` + m + `","params":` + params + `}`)
		rc.send(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`)
		for {
			resp := rc.read()
			if string(resp["id"]) == "2" {
				if resp["error"] != nil {
					t.Errorf("shutdown after %s %s: %s", m, params, resp["error"])
				}
				return
			}
		}
	})
}

// The server asks for file watchers when the client can register them
// dynamically, and only then.
func TestRegistersFileWatchers(t *testing.T) {
	c := startServer(t, nil)
	c.initialize(map[string]any{"rootUri": fileURI(t.TempDir()), "capabilities": map[string]any{
		"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}},
	}})
	var got struct {
		Registrations []struct {
			Method          string
			RegisterOptions struct {
				Watchers []struct{ GlobPattern string }
			}
		}
	}
	if err := json.Unmarshal(c.waitFor("client/registerCapability", nil), &got); err != nil {
		t.Fatal(err)
	}
	var globs []string
	for _, r := range got.Registrations {
		if r.Method == "workspace/didChangeWatchedFiles" {
			for _, w := range r.RegisterOptions.Watchers {
				globs = append(globs, w.GlobPattern)
			}
		}
	}
	if strings.Join(globs, " ") != "**/Cargo.toml **/Cargo.lock **/*.rs **/caps-audits.lock" {
		t.Errorf("watchers registered: %v", globs)
	}

	plain := startServer(t, nil)
	plain.initialize(map[string]any{"rootUri": fileURI(t.TempDir())})
	if err := plain.call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(plain.received("client/registerCapability")); n != 0 {
		t.Errorf("%d registrations sent to a client that cannot register watchers", n)
	}
}
