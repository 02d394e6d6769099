package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// stream frames LSP messages like jsonrpc2.NewStream but survives what that
// one does not: a body that is not JSON-RPC is answered with a parse error
// and skipped instead of ending the connection, and request ids that are not
// int32 (1.5, 1e10) are carried through as opaque ids and echoed back as sent.
// Writes are queued for one writer goroutine, so the reading goroutine never
// blocks on a client that is itself blocked writing to us (a deadlock over
// unbuffered pipes).
type stream struct {
	in  *bufio.Reader
	out io.Writer
	c   io.Closer
	log *slog.Logger

	mu      sync.Mutex
	queue   [][]byte // framed messages not yet written, in order
	ready   *sync.Cond
	closed  bool
	written chan struct{} // closed when the writer has stopped
}

func newStream(rwc io.ReadWriteCloser, log *slog.Logger) *stream {
	s := &stream{in: bufio.NewReader(rwc), out: rwc, c: rwc, log: log, written: make(chan struct{})}
	s.ready = sync.NewCond(&s.mu)
	go s.writer()
	return s
}

func (s *stream) writer() {
	defer close(s.written)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.ready.Wait()
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return
		}
		data := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		if _, err := s.out.Write(data); err != nil {
			s.log.Debug("write to the client failed", "error", err)
			s.c.Close()
			s.mu.Lock()
			s.closed, s.queue = true, nil
			s.mu.Unlock()
			return
		}
	}
}

// numberIDPrefix marks a string id that stands for a JSON number jsonrpc2's
// ID cannot hold; the client never sees it.
const numberIDPrefix = "\x00number:"

func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		body, n, err := s.readFrame()
		if err != nil {
			return nil, n, err
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err != nil {
			if fixed, ok := opaqueNumberID(body); ok {
				msg, err = jsonrpc2.DecodeMessage(fixed)
			}
		}
		if err != nil {
			s.log.Warn("skipping malformed message", "error", err, "body", truncate(body, 200))
			s.writeRaw([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`))
			continue
		}
		return msg, n, nil
	}
}

func (s *stream) readFrame() ([]byte, int64, error) {
	var total, length int64
	for {
		line, err := s.in.ReadString('\n')
		total += int64(len(line))
		if err != nil {
			return nil, total, fmt.Errorf("reading header: %w", err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if length > 0 {
				break
			}
			continue // stray blank line between messages
		}
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), jsonrpc2.HdrContentLength) {
			length, err = strconv.ParseInt(strings.TrimSpace(value), 10, 32)
			if err != nil || length <= 0 {
				return nil, total, fmt.Errorf("bad %s header %q", jsonrpc2.HdrContentLength, line)
			}
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(s.in, body); err != nil {
		return nil, total, fmt.Errorf("reading body: %w", err)
	}
	return body, total + length, nil
}

func (s *stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("marshaling message: %w", err)
	}
	if r, ok := msg.(*jsonrpc2.Response); ok {
		if id := fmt.Sprint(r.ID()); strings.HasPrefix(id, numberIDPrefix) {
			data = withID(data, json.RawMessage(id[len(numberIDPrefix):]))
		}
	}
	return s.writeRaw(data)
}

// writeRaw queues one message.
func (s *stream) writeRaw(data []byte) (int64, error) {
	framed := fmt.Appendf(nil, "%s: %d%s", jsonrpc2.HdrContentLength, len(data), jsonrpc2.HdrContentSeparator)
	framed = append(framed, data...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, io.ErrClosedPipe
	}
	s.queue = append(s.queue, framed)
	s.ready.Signal()
	return int64(len(framed)), nil
}

// Close stops reading; what is queued is still written (the reply to
// shutdown, say) for a moment before the connection closes.
func (s *stream) Close() error {
	s.mu.Lock()
	s.closed = true
	s.ready.Signal()
	s.mu.Unlock()
	select {
	case <-s.written:
	case <-time.After(time.Second):
	}
	return s.c.Close()
}

// opaqueNumberID rewrites a message whose id is a number that is not an int32
// so that jsonrpc2 can decode it; the id becomes a marked string.
func opaqueNumberID(body []byte) ([]byte, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil, false
	}
	raw, ok := m["id"]
	if !ok {
		return nil, false
	}
	key, ok := numberKey(raw)
	if !ok {
		return nil, false
	}
	if n, err := strconv.ParseInt(key, 10, 32); err == nil {
		m["id"] = json.RawMessage(strconv.FormatInt(n, 10))
	} else {
		m["id"], _ = json.Marshal(numberIDPrefix + key)
	}
	out, err := json.Marshal(m)
	return out, err == nil
}

// numberKey returns the canonical text of a JSON number id: "2" for 2 and
// 2.0, "1.5" for 1.5 and 15e-1.
func numberKey(raw json.RawMessage) (string, bool) {
	var f float64
	if json.Unmarshal(raw, &f) != nil {
		return "", false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10), true
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}

// idKey names a request id the same way whether it comes from a request
// (jsonrpc2.ID) or from $/cancelRequest params (raw JSON, where protocol's
// own types would decode a number as float64 and never match).
func idKey(id jsonrpc2.ID) string { return fmt.Sprintf("%q", id) }

func rawIDKey(raw json.RawMessage) (string, error) {
	if key, ok := numberKey(raw); ok {
		if n, err := strconv.ParseInt(key, 10, 32); err == nil {
			return idKey(jsonrpc2.NewNumberID(int32(n))), nil
		}
		return idKey(jsonrpc2.NewStringID(numberIDPrefix + key)), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("request id is neither a number nor a string")
	}
	return idKey(jsonrpc2.NewStringID(s)), nil
}

func withID(data []byte, id json.RawMessage) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return data
	}
	m["id"] = id
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
