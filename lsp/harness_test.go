package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

var update = flag.Bool("update", false, "rewrite golden files")

// client is the editor's end of an in-process session: a real jsonrpc2
// connection over net.Pipe to a server running serve.
type client struct {
	t    *testing.T
	conn jsonrpc2.Conn
	raw  net.Conn // the client's end, for writing malformed bytes
	logs *syncBuffer
	done chan error // what serve returned

	mu       sync.Mutex
	notes    []note // notifications and requests from the server, in order
	arrived  chan struct{}
	closed   bool
	stopOnce sync.Once
}

type note struct {
	Method string
	Params json.RawMessage
}

// startServer starts a session; extra methods are added to the server's.
func startServer(t *testing.T, extra map[string]method) *client {
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
	c.mu.Unlock()
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

// waitFor returns the first message from the server after the first skip
// ones whose method is method and which match; it fails the test after a
// generous deadline.
func (c *client) waitFor(method string, match func(json.RawMessage) bool) json.RawMessage {
	c.t.Helper()
	deadline := time.After(30 * time.Second)
	seen := 0
	for {
		c.mu.Lock()
		notes, arrived := c.notes[seen:], c.arrived
		seen = len(c.notes)
		c.mu.Unlock()
		for _, n := range notes {
			if n.Method == method && (match == nil || match(n.Params)) {
				return n.Params
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
