package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/internal/cpuclock"
	"github.com/cargo-caps/cargo-caps/internal/testfs"
	"github.com/cargo-caps/cargo-caps/project"
	"github.com/cargo-caps/cargo-caps/span"
)

// A burst of edits as fast as the pipe takes them, interleaved with hover,
// code-action and inlay-hint requests (some cancelled), on a 10,000-line
// file: every request is answered, the server's text is the client's, and
// the final diagnostics are those of the same text saved and checked
// afresh. BenchmarkBurst measures the same with 2,000 edits.
func TestBurst(t *testing.T) {
	edits := 300
	if testing.Short() {
		edits = 60
	}
	runBurst(t, edits)
}

// BenchmarkBurst: 2,000 edits; edits/s absorbed (the rate the server reads
// them off the pipe), hover latency during the burst, the process's peak
// RSS (the test's client included).
func BenchmarkBurst(b *testing.B) {
	for range b.N {
		r := runBurst(b, 2000)
		b.ReportMetric(r.editsPerSecond, "edits/s")
		b.ReportMetric(float64(r.cpuPerEdit.Microseconds()), "cpu-µs/edit")
		b.ReportMetric(ms(percentile(r.hovers, 50)), "hover-p50-ms")
		b.ReportMetric(ms(percentile(r.hovers, 99)), "hover-p99-ms")
		b.ReportMetric(ms(percentile(r.others, 99)), "other-p99-ms")
		b.ReportMetric(ms(r.settle), "settle-ms")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-rss-MB")
	}
}

type burstResult struct {
	editsPerSecond float64
	cpuPerEdit     time.Duration   // the process's CPU time over the burst, per edit: reader, analyses and requests
	hovers, others []time.Duration // latency of hovers and of code actions and inlay hints answered during the burst
	settle         time.Duration   // from the last edit to the diagnostics of its version
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// peakRSS is the process's peak resident set size in bytes (VmHWM).
func peakRSS() int64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// bigWorkspace writes the one-crate workspace of the 10,000-line file.
func bigWorkspace(tb testing.TB, text string) string {
	dir := tb.TempDir()
	files := map[string]string{
		"Cargo.toml": "[package]\nname = \"big\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.capabilities]\ndefault-capability = false\n",
		"Cargo.lock": "version = 3\n\n[[package]]\nname = \"big\"\nversion = \"0.1.0\"\n",
		"src/lib.rs": text,
	}
	for name, data := range files {
		testfs.Write(tb, filepath.Join(dir, filepath.FromSlash(name)), data)
	}
	return dir
}

// burstClient is an editor's end that writes each message itself, so that it
// can number its requests and cancel any of them, and that never waits for
// an answer before sending the next message.
type burstClient struct {
	tb     testing.TB
	stream jsonrpc2.Stream
	wmu    sync.Mutex
	nextID int64

	mu      sync.Mutex
	sent    map[int64]time.Time
	latency map[int64]time.Duration
	errs    map[int64]string
	results map[int64]json.RawMessage
	diags   map[string]publishParams // the latest by URI
	arrived chan struct{}
}

func startBurstServer(tb testing.TB) *burstClient {
	serverEnd, clientEnd := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(context.Background(), serverEnd, nil, textOf) }()
	c := &burstClient{tb: tb, stream: jsonrpc2.NewStream(clientEnd), sent: map[int64]time.Time{}, latency: map[int64]time.Duration{},
		errs: map[int64]string{}, results: map[int64]json.RawMessage{}, diags: map[string]publishParams{}, arrived: make(chan struct{})}
	go c.read()
	tb.Cleanup(func() {
		clientEnd.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			tb.Error("server did not stop after the client closed the connection")
		}
	})
	return c
}

func (c *burstClient) read() {
	for {
		msg, _, err := c.stream.Read(context.Background())
		if err != nil {
			return
		}
		now := time.Now()
		switch m := msg.(type) {
		case *jsonrpc2.Response:
			id, _ := strconv.ParseInt(strings.Trim(fmt.Sprint(m.ID()), `"#`), 10, 64)
			c.mu.Lock()
			c.latency[id] = now.Sub(c.sent[id])
			if m.Err() != nil {
				c.errs[id] = m.Err().Error()
			}
			c.results[id] = m.Result()
			c.mu.Unlock()
		case *jsonrpc2.Call: // the server's requests: refresh, progress, watchers
			resp, _ := jsonrpc2.NewResponse(m.ID(), nil, nil)
			c.write(resp)
		case *jsonrpc2.Notification:
			if m.Method() == "textDocument/publishDiagnostics" {
				var p publishParams
				if json.Unmarshal(m.Params(), &p) == nil {
					c.mu.Lock()
					c.diags[string(p.URI)] = p
					c.mu.Unlock()
				}
			}
		}
		c.mu.Lock()
		close(c.arrived)
		c.arrived = make(chan struct{})
		c.mu.Unlock()
	}
}

func (c *burstClient) write(msg jsonrpc2.Message) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.stream.Write(context.Background(), msg); err != nil {
		c.tb.Errorf("write: %v", err)
	}
}

// call sends a request and returns its id without waiting for the answer.
func (c *burstClient) call(method string, params any) int64 {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.sent[id] = time.Now()
	c.mu.Unlock()
	call, err := jsonrpc2.NewCall(jsonrpc2.NewNumberID(int32(id)), method, params)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.write(call)
	return id
}

func (c *burstClient) notify(method string, params any) {
	n, err := jsonrpc2.NewNotification(method, params)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.write(n)
}

// wait waits until ok holds, or fails after a generous deadline.
func (c *burstClient) wait(what string, ok func() bool) {
	deadline := time.After(patience)
	for {
		c.mu.Lock()
		done, arrived := ok(), c.arrived
		c.mu.Unlock()
		if done {
			return
		}
		select {
		case <-arrived:
		case <-deadline:
			c.tb.Fatalf("waited in vain for %s", what)
		}
	}
}

// answered waits for the answer to request id.
func (c *burstClient) answered(id int64) {
	c.wait(fmt.Sprintf("the answer to request %d", id), func() bool { _, ok := c.latency[id]; return ok })
}

// start initializes a session on dir and waits for its first analysis.
func (c *burstClient) start(dir string) {
	c.answered(c.call("initialize", map[string]any{
		"workspaceFolders":      []map[string]string{{"uri": fileURI(dir), "name": "big"}},
		"initializationOptions": map[string]any{"trusted": false},
		"capabilities":          map[string]any{},
	}))
	c.notify("initialized", map[string]any{})
	lib := fileURI(filepath.Join(dir, "src/lib.rs"))
	c.wait("the first analysis", func() bool { _, ok := c.diags[lib]; return ok })
}

// burstText is what a person types into Rust code, half-done: tokens cut
// short, braces left open or closed twice, strings unterminated, and text
// outside ASCII (two-byte, three-byte CJK, four-byte emoji: one, one and
// two UTF-16 units).
var burstText = []string{"x", "f", "fn fo", "let x = std::fs::", "std::fs::read(", "{", "}", "}}", "(", ")", "\"", "\"unterminated", "é", "中文", "🦀", "// 🦀 note\n", "\n", "match x {", "unsafe {", "impl", "::", ";", "/*", "*/", "'a", "r#\"", "#[cfg(", " "}

// randomEdit returns one edit of text, as an LSP range and new text, and
// the byte range it replaces.
func randomEdit(r *rand.Rand, text string) (start, end int, insert string) {
	at := func() int {
		off := r.IntN(len(text) + 1)
		for off > 0 && off < len(text) && !utf8.RuneStart(text[off]) {
			off--
		}
		return off
	}
	start = at()
	end = start
	switch k := r.IntN(10); {
	case k < 5: // insert
	case k < 8: // delete a few characters, maybe across a line
		for n := r.IntN(12) + 1; n > 0 && end < len(text); n-- {
			_, size := utf8.DecodeRuneInString(text[end:])
			end += size
		}
		return start, end, ""
	default: // replace
		for n := r.IntN(6) + 1; n > 0 && end < len(text); n-- {
			_, size := utf8.DecodeRuneInString(text[end:])
			end += size
		}
	}
	return start, end, burstText[r.IntN(len(burstText))]
}

// utf16Position is the reference conversion of a byte offset to LSP's line
// and UTF-16 column.
func utf16Position(text string, off int) protocol.Position {
	line := strings.Count(text[:off], "\n")
	lineStart := strings.LastIndexByte(text[:off], '\n') + 1
	return protocol.Position{Line: uint32(line), Character: uint32(len(utf16.Encode([]rune(text[lineStart:off]))))}
}

func runBurst(tb testing.TB, n int) burstResult {
	tb.Setenv("CARGO_NET_OFFLINE", "true")
	text := bigRustFile()
	dir := bigWorkspace(tb, text)
	c := startBurstServer(tb)
	c.start(dir)
	uri := fileURI(filepath.Join(dir, "src/lib.rs"))
	manifest := fileURI(filepath.Join(dir, "Cargo.toml"))
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "rust", "version": 1, "text": text}})

	// The edits and the requests are made before the clock starts: the
	// burst measures the server, not the client's bookkeeping.
	r := rand.New(rand.NewPCG(12, uint64(n)))
	type step struct {
		change jsonrpc2.Message
		at     protocol.Position // where it was made, after it
	}
	var steps []step
	for i := range n {
		start, end, insert := randomEdit(r, text)
		rg := protocol.Range{Start: utf16Position(text, start), End: utf16Position(text, end)}
		text = text[:start] + insert + text[end:]
		change, err := jsonrpc2.NewNotification("textDocument/didChange", map[string]any{
			"textDocument":   map[string]any{"uri": uri, "version": i + 2},
			"contentChanges": []map[string]any{{"range": rg, "text": insert}},
		})
		if err != nil {
			tb.Fatal(err)
		}
		steps = append(steps, step{change, utf16Position(text, start)})
	}
	version := n + 1

	type request struct {
		id    int64
		hover bool
	}
	var requests []request
	var cancelled []int64
	begin, beginCPU := time.Now(), cpuclock.Now()
	for i, st := range steps {
		c.write(st.change)
		if i%10 != 9 {
			continue
		}
		// Every tenth edit: a hover where it was made, and in turn a code
		// action there or the manifest's inlay hints; every fourth request
		// is cancelled at once.
		pos := st.at
		requests = append(requests, request{c.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos}), true})
		if i%20 == 9 {
			requests = append(requests, request{c.call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri},
				"range": protocol.Range{Start: pos, End: pos}, "context": map[string]any{"diagnostics": []any{}}}), false})
		} else {
			requests = append(requests, request{c.call("textDocument/inlayHint", map[string]any{"textDocument": map[string]any{"uri": manifest},
				"range": protocol.Range{End: protocol.Position{Line: 100}}}), false})
		}
		if len(requests)%4 == 0 {
			id := requests[len(requests)-1].id
			cancelled = append(cancelled, id)
			c.notify("$/cancelRequest", map[string]any{"id": id})
		}
	}
	absorbed, absorbedCPU := time.Since(begin), cpuclock.Now()-beginCPU
	lastEdit := time.Now()
	c.wait("the diagnostics of the last version", func() bool {
		p, ok := c.diags[uri]
		return ok && p.Version != nil && int(*p.Version) == version
	})
	settle := time.Since(lastEdit)
	for _, req := range requests {
		c.answered(req.id)
	}
	res := burstResult{editsPerSecond: float64(n) / absorbed.Seconds(), cpuPerEdit: absorbedCPU / time.Duration(n), settle: settle}
	c.mu.Lock()
	for _, req := range requests {
		if e, ok := c.errs[req.id]; ok && !slices.Contains(cancelled, req.id) {
			tb.Errorf("request %d failed: %s", req.id, e)
		}
		if c.sent[req.id].After(lastEdit) {
			continue
		}
		if req.hover {
			res.hovers = append(res.hovers, c.latency[req.id])
		} else {
			res.others = append(res.others, c.latency[req.id])
		}
	}
	final := c.diags[uri].Diagnostics
	c.mu.Unlock()

	// The server's text is the client's.
	id := c.call("test/text", map[string]any{"textDocument": map[string]any{"uri": uri}})
	c.answered(id)
	var got struct{ Text string }
	c.mu.Lock()
	err := json.Unmarshal(c.results[id], &got)
	c.mu.Unlock()
	if err != nil || got.Text != text {
		tb.Fatalf("after %d edits the server's text differs from the client's (%v)", n, err)
	}

	// The same text saved, analysed afresh by a new session.
	if err := os.WriteFile(filepath.Join(dir, "src/lib.rs"), []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	fresh := startBurstServer(tb)
	fresh.start(dir)
	fresh.mu.Lock()
	want := fresh.diags[uri].Diagnostics
	fresh.mu.Unlock()
	if g, w := diagnosticLines(final), diagnosticLines(want); g != w {
		tb.Errorf("final diagnostics after the burst:\n%s\nthe same text saved and checked:\n%s", g, w)
	}
	if len(want) == 0 {
		tb.Error("no diagnostics on the saved text: the comparison shows nothing")
	}
	// And what `cargo-caps check --no-cargo` computes on it: as many findings
	// in the file, at the same places.
	checked, err := project.Load(context.Background(), filepath.Join(dir, "Cargo.toml"), project.Options{NoCargo: true, NoCache: true})
	if err != nil {
		tb.Fatal(err)
	}
	idx := span.NewIndex([]byte(text))
	var fromCheck, fromServer []string
	for _, f := range checked.Result.Findings {
		if f.File == filepath.Join(dir, "src/lib.rs") {
			l, c := idx.UTF16(f.Range.Start)
			fromCheck = append(fromCheck, fmt.Sprintf("%d:%d %s", l, c, f.Code))
		}
	}
	for _, d := range final {
		fromServer = append(fromServer, fmt.Sprintf("%d:%d %s", d.Range.Start.Line, d.Range.Start.Character, d.Code))
	}
	slices.Sort(fromCheck)
	slices.Sort(fromServer)
	if !slices.Equal(fromCheck, fromServer) {
		tb.Errorf("final diagnostics %v, check on the saved text %v", fromServer, fromCheck)
	}
	return res
}

func diagnosticLines(ds []protocol.Diagnostic) string {
	var lines []string
	for _, d := range ds {
		lines = append(lines, fmt.Sprintf("%s %s %s", fmtRange(d.Range), d.Code, d.Message))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
