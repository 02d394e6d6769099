package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// stream frames LSP messages like jsonrpc2.NewStream but survives what that
// one does not. A header block that is not one (junk, a Content-Length that
// is missing, not a number, not positive or over maxMessage) is logged and
// skipped up to the next line that ends in a Content-Length header; a body
// that runs into the next message's header (its Content-Length was too
// long) is skipped there, without waiting for the bytes it claimed; a body
// that is not JSON-RPC (too short, say) is answered with a parse error. Ids
// jsonrpc2.ID cannot hold exactly ("", 1.5, 2.0, 1e10, a string that looks
// like our marker) are carried through as marked strings and echoed back as
// sent. Writes are queued for one writer goroutine, so the reading goroutine
// never blocks on a client that is itself blocked writing to us (a deadlock
// over unbuffered pipes).
type stream struct {
	in  *bufio.Reader // reads pushback, then the connection
	pb  *pushback
	out io.Writer
	c   io.Closer
	log *slog.Logger

	mu      sync.Mutex
	queue   [][]byte // framed messages not yet written, in order
	ready   *sync.Cond
	closed  bool
	written chan struct{} // closed when the writer has stopped
}

// maxMessage caps a message's Content-Length: 128 MiB holds a didOpen of
// a 50 MB source file with every byte escaped; a larger claim is skipped
// as a bad header, so a client cannot make the server allocate what it likes.
const maxMessage = 128 << 20

// maxHeaderLine is the most of one header line that is kept; of a longer
// line (junk) only its end is looked at, for a Content-Length header.
const maxHeaderLine = 256

// pushback is the connection with bytes already read put back in front.
type pushback struct {
	pending []byte
	r       io.Reader
}

func (p *pushback) Read(b []byte) (int, error) {
	if len(p.pending) > 0 {
		n := copy(b, p.pending)
		p.pending = p.pending[n:]
		return n, nil
	}
	return p.r.Read(b)
}

func newStream(rwc io.ReadWriteCloser, log *slog.Logger) *stream {
	pb := &pushback{r: rwc}
	s := &stream{in: bufio.NewReaderSize(pb, 64<<10), pb: pb, out: rwc, c: rwc, log: log, written: make(chan struct{})}
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

// rawIDPrefix marks a string id that stands for the id the client sent,
// whose JSON text follows; the client never sees it.
const rawIDPrefix = "\x00id:"

func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		body, n, err := s.readFrame()
		if err != nil {
			return nil, n, err
		}
		if body == nil {
			continue // a bad frame, logged
		}
		if rest, ok := afterFirstValue(body); ok {
			// The length ended inside what follows, before any line break
			// of it readBody could see: read that again.
			s.log.Error("skipping a message whose Content-Length was too long: it runs into what follows", "length", len(body))
			s.unread(rest)
			continue
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err != nil || !exactID(msg) {
			if fixed, ok := opaqueID(body); ok {
				msg, err = jsonrpc2.DecodeMessage(fixed)
			}
		}
		if err != nil {
			s.log.Error("skipping malformed message", "error", err, "body", truncate(body, 200))
			s.writeRaw([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`))
			continue
		}
		return msg, n, nil
	}
}

// readFrame returns the next message's body, or nil for a frame it skipped.
func (s *stream) readFrame() ([]byte, int64, error) {
	var total int64
	length := int64(-1) // no Content-Length yet
	headers := false    // a header line was read in this block
	resync := false     // skipping to the next Content-Length header
	for {
		line, err := s.readLine()
		total += int64(len(line))
		if err != nil {
			return nil, total, fmt.Errorf("reading header: %w", err)
		}
		text := strings.TrimRight(line, "\r\n")
		if resync || text != "" && !isHeader(text) || lastIndexFold(text, jsonrpc2.HdrContentLength+":") > 0 {
			if !resync {
				s.log.Error("skipping bytes that are not an LSP header", "line", truncate([]byte(text), 80))
			}
			// A message's header may follow junk on its line: the rest of
			// a body that was longer than its Content-Length said.
			k := lastIndexFold(text, jsonrpc2.HdrContentLength+":")
			if k < 0 {
				resync = true
				continue
			}
			text, resync, length, headers = text[k:], false, -1, false
		}
		if strings.TrimSpace(text) == "" {
			switch {
			case length > 0:
				body, err := s.readBody(length)
				return body, total + length, err
			case headers:
				s.log.Error("skipping a message without a Content-Length header")
				resync = true
			}
			continue // a blank line between messages
		}
		headers = true
		name, value, _ := strings.Cut(text, ":")
		if !strings.EqualFold(strings.TrimSpace(name), jsonrpc2.HdrContentLength) {
			continue // Content-Type and others
		}
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil || n <= 0 || n > maxMessage {
			s.log.Error("skipping a message with a bad header: want a Content-Length from 1 to "+strconv.Itoa(maxMessage), "header", text)
			resync = true
			continue
		}
		length = n
	}
}

// readLine reads one line through its '\n'; of a line longer than
// maxHeaderLine only the end is returned, and the rest is not kept.
func (s *stream) readLine() (string, error) {
	var long []byte
	for {
		part, err := s.in.ReadSlice('\n')
		if err == bufio.ErrBufferFull || long != nil {
			long = append(long, part...)
			if len(long) > maxHeaderLine {
				long = append(long[:0], long[len(long)-maxHeaderLine:]...)
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			return string(long), err
		}
		if len(part) > maxHeaderLine {
			part = part[len(part)-maxHeaderLine:]
		}
		return string(part), err
	}
}

// isHeader reports whether a line reads as `Name: value`.
func isHeader(line string) bool {
	name, _, ok := strings.Cut(line, ":")
	if !ok || name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// nextHeader finds, in a body as it arrives, the Content-Length line of
// the message after it: valid JSON never holds a raw line break after
// such a text, since strings cannot hold raw line breaks.
var nextHeader = regexp.MustCompile(`(?i)content-length:[ \t]*[0-9]+[ \t]*\r?$`)

// readBody reads a body of length bytes as they arrive. When they hold the
// header of the next message, the length lied: the body is skipped (nil)
// and what follows is read again as headers.
func (s *stream) readBody(length int64) ([]byte, error) {
	body := make([]byte, 0, min(length, 1<<20))
	scanned := 0 // body[:scanned] holds no line break still to look at
	for int64(len(body)) < length {
		if _, err := s.in.Peek(1); err != nil {
			return nil, fmt.Errorf("reading body: %w", err)
		}
		chunk, _ := s.in.Peek(min(s.in.Buffered(), int(length-int64(len(body)))))
		body = append(body, chunk...)
		s.in.Discard(len(chunk))
		for {
			nl := bytes.IndexByte(body[scanned:], '\n')
			if nl < 0 {
				break
			}
			nl += scanned
			scanned = nl + 1
			lineStart := max(0, nl-maxHeaderLine)
			if loc := nextHeader.FindIndex(body[lineStart:nl]); loc != nil {
				s.log.Error("skipping a message that runs into the next one's header: its Content-Length was too long", "length", length)
				s.unread(body[lineStart+loc[0]:])
				return nil, nil
			}
		}
	}
	return body, nil
}

// afterFirstValue returns what follows the first JSON value in body, when
// that is more than blanks. A body that ends as an object or array does is
// not looked into: what follows a value there would have to be a whole
// header line, which readBody finds.
func afterFirstValue(body []byte) ([]byte, bool) {
	if end := bytes.TrimRight(body, " \t\r\n"); len(end) > 0 && (end[len(end)-1] == '}' || end[len(end)-1] == ']') {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return nil, false
	}
	rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")
	return rest, len(rest) > 0
}

// unread puts b back in front of what is still to be read.
func (s *stream) unread(b []byte) {
	buffered, _ := s.in.Peek(s.in.Buffered())
	s.pb.pending = append(append(append([]byte(nil), b...), buffered...), s.pb.pending...)
	s.in.Discard(len(buffered))
}

// lastIndexFold is strings.LastIndex ignoring ASCII case.
func lastIndexFold(s, sub string) int {
	return strings.LastIndex(strings.ToLower(s), strings.ToLower(sub))
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
		if raw, ok := markedID(r.ID()); ok {
			data = withID(data, raw)
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

// messageID is the id of a call or a response, as jsonrpc2 decoded it.
func messageID(msg jsonrpc2.Message) (jsonrpc2.ID, bool) {
	switch m := msg.(type) {
	case *jsonrpc2.Call:
		return m.ID(), true
	case *jsonrpc2.Response:
		return m.ID(), true
	}
	return jsonrpc2.ID{}, false
}

// exactID reports whether a message's id certainly came through as sent:
// jsonrpc2.ID cannot tell the number 0 from "" (or from 0.0), so a number
// is checked against the text.
func exactID(msg jsonrpc2.Message) bool {
	id, ok := messageID(msg)
	if !ok {
		return true
	}
	name, isString := idString(id)
	return isString && !strings.HasPrefix(name, rawIDPrefix)
}

// idString returns a string id's value; false for a number id.
func idString(id jsonrpc2.ID) (string, bool) {
	q := fmt.Sprintf("%q", id) // "name" or #number
	if strings.HasPrefix(q, "#") {
		return "", false
	}
	name, err := strconv.Unquote(q)
	return name, err == nil
}

// markedID returns the JSON text of the id a marked string id stands for.
func markedID(id jsonrpc2.ID) (json.RawMessage, bool) {
	if name, ok := idString(id); ok && strings.HasPrefix(name, rawIDPrefix) {
		return json.RawMessage(name[len(rawIDPrefix):]), true
	}
	return nil, false
}

// opaqueID rewrites a message whose id jsonrpc2.ID would not keep as sent
// (anything but an int32 written plainly or a string that is not empty and
// not marked) so that the id becomes a marked string holding its JSON text.
func opaqueID(body []byte) ([]byte, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil, false
	}
	raw, ok := m["id"]
	if !ok || exactRawID(raw) {
		return nil, false
	}
	if _, err := rawIDKey(raw); err != nil {
		return nil, false // null, an object: the decode error stands
	}
	var compact bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		return nil, false
	}
	m["id"], _ = json.Marshal(rawIDPrefix + compact.String())
	out, err := json.Marshal(m)
	return out, err == nil
}

// exactRawID reports whether jsonrpc2.ID holds the id raw exactly.
func exactRawID(raw json.RawMessage) bool {
	text := strings.TrimSpace(string(raw))
	if n, err := strconv.ParseInt(text, 10, 32); err == nil {
		return strconv.FormatInt(n, 10) == text
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s != "" && !strings.HasPrefix(s, rawIDPrefix)
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
// (jsonrpc2.ID, maybe marked) or from $/cancelRequest params (raw JSON,
// where protocol's own types would decode a number as float64 and never
// match): numbers by value, strings as themselves.
func idKey(id jsonrpc2.ID) string {
	if raw, ok := markedID(id); ok {
		if key, err := rawIDKey(raw); err == nil {
			return key
		}
	}
	if name, ok := idString(id); ok {
		return "s:" + name
	}
	return "n:" + fmt.Sprint(id)
}

func rawIDKey(raw json.RawMessage) (string, error) {
	if key, ok := numberKey(raw); ok {
		return "n:" + key, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("request id is neither a number nor a string")
	}
	return "s:" + s, nil
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
