package lsp

import (
	"context"
	"fmt"

	"go.lsp.dev/protocol"
)

// progress is one work-done progress the server started ($/progress). When
// the client cannot show progress, it does nothing.
type progress struct {
	s       *server
	token   string
	last    int // the last percentage sent; -1 before the first
	enabled bool
}

// beginProgress asks the client for a token and shows title. It blocks until
// the client answers, so it must not run on the reading goroutine.
func (s *server) beginProgress(ctx context.Context, title, message string) *progress {
	s.mu.Lock()
	enabled := s.client.workDoneProgress
	s.mu.Unlock()
	p := &progress{s: s, last: -1}
	if !enabled {
		return p
	}
	token := fmt.Sprintf("cargo-caps/%d", s.progressSeq.Add(1))
	if _, err := s.conn.Call(ctx, "window/workDoneProgress/create", progressCreateParams{Token: token}, nil); err != nil {
		s.log.Debug("client refused a progress token", "error", err)
		return p
	}
	p.token, p.enabled = token, true
	s.notify("$/progress", progressParams{Token: token, Value: protocol.WorkDoneProgressBegin{
		Kind: protocol.WorkDoneProgressKindBegin, Title: title, Message: message,
	}})
	return p
}

// report shows done of total; it sends only when the percentage moves.
func (p *progress) report(done, total int) {
	if !p.enabled || total <= 0 {
		return
	}
	pct := min(100, done*100/total)
	if pct == p.last {
		return
	}
	p.last = pct
	p.s.notify("$/progress", progressParams{Token: p.token, Value: protocol.WorkDoneProgressReport{
		Kind: protocol.WorkDoneProgressKindReport, Message: fmt.Sprintf("%d/%d crates", done, total), Percentage: uint32(pct),
	}})
}

func (p *progress) end(message string) {
	if !p.enabled {
		return
	}
	p.enabled = false
	p.s.notify("$/progress", progressParams{Token: p.token, Value: protocol.WorkDoneProgressEnd{
		Kind: protocol.WorkDoneProgressKindEnd, Message: message,
	}})
}

// progressParams and progressCreateParams replace protocol's, whose token
// marshals only through a pointer.
type progressParams struct {
	Token string `json:"token"`
	Value any    `json:"value"`
}

type progressCreateParams struct {
	Token string `json:"token"`
}
