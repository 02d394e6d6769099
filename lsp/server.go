// Package lsp is the language server of `cargo-caps lsp`: it speaks LSP over
// one stream, keeps the editor's unsaved buffers, asks package project for
// findings and reports, and renders them as diagnostics, quick-fixes, inlay
// hints and hovers. It translates between the protocol and the analysis core
// and computes no finding itself.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/cargo-caps/cargo-caps/project"
)

// Serve runs the language server on rwc (stdin/stdout for `cargo-caps lsp`)
// until the client sends `exit`, the stream ends or ctx is done. It returns
// nil after an orderly shutdown + exit; otherwise an error, and the process
// should exit with status 1 as LSP asks.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, log *slog.Logger) error {
	return serve(ctx, rwc, log, nil)
}

// serve is Serve with extra methods, which tests use to inject failures.
func serve(ctx context.Context, rwc io.ReadWriteCloser, log *slog.Logger, extra map[string]method) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := newServer(log)
	for name, m := range extra {
		s.methods[name] = m
	}
	s.conn = jsonrpc2.NewConn(newStream(rwc, log))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.ctx = ctx
	s.conn.Go(ctx, s.handle)
	select {
	case <-s.conn.Done():
	case <-ctx.Done():
		s.conn.Close()
		<-s.conn.Done()
	}
	cancel()
	s.stopAnalysis(2 * time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.exited && s.shutdown:
		return nil
	case s.exited:
		return errors.New("client sent exit without shutdown")
	case ctx.Err() != nil:
		return ctx.Err()
	}
	if err := s.conn.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("connection to the client failed: %w", err)
	}
	return errors.New("client closed the connection without exit")
}

// method is one LSP method the server answers.
type method struct {
	run func(s *server, ctx context.Context, params json.RawMessage) (any, error)
	// inOrder methods run on the reading goroutine before the next message is
	// read: notifications that change state (didChange) and requests later
	// messages depend on (initialize, shutdown). They must be quick.
	inOrder bool
}

type server struct {
	log     *slog.Logger
	conn    jsonrpc2.Conn
	ctx     context.Context // the session's; background work stops with it
	methods map[string]method
	docs    *documents

	progressSeq atomic.Int32 // numbers the progress tokens

	mu          sync.Mutex
	initialized bool
	shutdown    bool
	exited      bool
	inflight    map[string]context.CancelFunc // by idKey
	client      clientCapabilities
	settings    Settings
	analysis    *analysis // from initialize on
}

func newServer(log *slog.Logger) *server {
	s := &server{
		log:      log,
		inflight: map[string]context.CancelFunc{},
		settings: defaultSettings(),
	}
	s.docs = &documents{s: s, uris: map[string]protocol.DocumentURI{}}
	s.methods = map[string]method{
		"initialize":                          {run: (*server).initialize, inOrder: true},
		"initialized":                         {run: (*server).initializedNotification, inOrder: true},
		"shutdown":                            {run: (*server).shutdownRequest, inOrder: true},
		"exit":                                {run: (*server).exit, inOrder: true},
		"$/cancelRequest":                     {run: (*server).cancelRequest, inOrder: true},
		"$/setTrace":                          {run: ignore, inOrder: true},
		"textDocument/didOpen":                {run: (*server).didOpen, inOrder: true},
		"textDocument/didChange":              {run: (*server).didChange, inOrder: true},
		"textDocument/didClose":               {run: (*server).didClose, inOrder: true},
		"textDocument/didSave":                {run: (*server).didSave, inOrder: true},
		"workspace/didChangeConfiguration":    {run: (*server).didChangeConfiguration, inOrder: true},
		"workspace/didChangeWatchedFiles":     {run: (*server).didChangeWatchedFiles, inOrder: true},
		"workspace/didChangeWorkspaceFolders": {run: (*server).didChangeWorkspaceFolders, inOrder: true},
		"textDocument/codeAction":             {run: (*server).codeAction},
		"textDocument/inlayHint":              {run: (*server).inlayHint},
		"textDocument/hover":                  {run: (*server).hover},
		"textDocument/completion":             {run: (*server).completion},
		"cargoCaps/report":                    {run: (*server).report},
	}
	return s
}

func ignore(*server, context.Context, json.RawMessage) (any, error) { return nil, nil }

// handle is the jsonrpc2 handler. It never returns an error: that would end
// the connection.
func (s *server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	call, isCall := req.(*jsonrpc2.Call)
	m, known := s.methods[req.Method()]
	if err := s.admit(req.Method()); err != nil || !known {
		if isCall {
			if err == nil {
				err = jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method not found: %s", req.Method())
			}
			s.send(ctx, reply, req, nil, err)
		}
		return nil // unknown notifications ($/…, telemetry) are ignored, as LSP asks
	}
	if !isCall {
		if _, err := s.run(ctx, m, req); err != nil {
			s.log.Warn("notification failed", "method", req.Method(), "error", err)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	key := idKey(call.ID())
	s.mu.Lock()
	s.inflight[key] = cancel
	s.mu.Unlock()
	answer := func() {
		defer cancel()
		result, err := s.run(ctx, m, req)
		s.mu.Lock()
		delete(s.inflight, key)
		s.mu.Unlock()
		if err == nil && ctx.Err() != nil {
			result, err = nil, protocol.ErrRequestCancelled
		}
		s.send(ctx, reply, req, result, err)
	}
	if m.inOrder {
		answer()
	} else {
		go answer()
	}
	return nil
}

// admit says whether the session's state lets a method run now.
func (s *server) admit(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case name == "exit":
		return nil
	case s.shutdown:
		return jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "server is shutting down: %s", name)
	case !s.initialized && name != "initialize":
		return jsonrpc2.Errorf(jsonrpc2.ServerNotInitialized, "server not initialized: %s", name)
	case s.initialized && name == "initialize":
		return jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "initialize sent twice")
	}
	return nil
}

// run calls a method, turning a panic into an error so that one bad input
// never ends the session.
func (s *server) run(ctx context.Context, m method, req jsonrpc2.Request) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler panicked", "method", req.Method(), "panic", p, "stack", string(debug.Stack()))
			result, err = nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "internal error in %s: %v", req.Method(), p)
		}
	}()
	return m.run(s, ctx, req.Params())
}

func (s *server) send(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request, result any, err error) {
	// The reply must go out even when the request was cancelled.
	if rerr := reply(context.WithoutCancel(ctx), result, err); rerr != nil {
		s.log.Warn("reply failed", "method", req.Method(), "error", rerr)
	}
}

// decode reads params into v; malformed params are the client's error.
func decode(params json.RawMessage, v any) error {
	if len(params) == 0 || string(params) == "null" {
		return nil
	}
	if err := json.Unmarshal(params, v); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", err)
	}
	return nil
}

func (s *server) notify(method string, params any) {
	if err := s.conn.Notify(s.ctx, method, params); err != nil {
		s.log.Debug("notification not sent", "method", method, "error", err)
	}
}

type cancelParams struct {
	ID json.RawMessage `json:"id"`
}

func (s *server) cancelRequest(_ context.Context, params json.RawMessage) (any, error) {
	var p cancelParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	key, err := rawIDKey(p.ID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	cancel := s.inflight[key]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil, nil
}

func (s *server) shutdownRequest(context.Context, json.RawMessage) (any, error) {
	s.stopAnalysis(0) // waiting here could wait for the client, whose replies this goroutine reads
	s.mu.Lock()
	s.shutdown = true
	s.mu.Unlock()
	return nil, nil
}

func (s *server) exit(context.Context, json.RawMessage) (any, error) {
	s.mu.Lock()
	s.exited = true
	s.mu.Unlock()
	return nil, s.conn.Close()
}

type initializeParams struct {
	RootURI          string            `json:"rootUri"`
	RootPath         string            `json:"rootPath"`
	WorkspaceFolders []workspaceFolder `json:"workspaceFolders"`
	// InitializationOptions holds Settings, the same object as the cargoCaps
	// section of workspace/didChangeConfiguration.
	InitializationOptions json.RawMessage `json:"initializationOptions"`
	Capabilities          struct {
		Window struct {
			WorkDoneProgress bool `json:"workDoneProgress"`
		} `json:"window"`
		Workspace struct {
			InlayHint struct {
				RefreshSupport bool `json:"refreshSupport"`
			} `json:"inlayHint"`
			DidChangeWatchedFiles struct {
				DynamicRegistration bool `json:"dynamicRegistration"`
			} `json:"didChangeWatchedFiles"`
			Configuration bool `json:"configuration"`
		} `json:"workspace"`
	} `json:"capabilities"`
}

type workspaceFolder struct {
	URI  string `json:"uri"`
	Name string `json:"name"`
}

// clientCapabilities is what the server asked of the client at initialize.
type clientCapabilities struct {
	workDoneProgress bool // the server may create $/progress tokens
	inlayHintRefresh bool // workspace/inlayHint/refresh is understood
	watchFiles       bool // the server may register file watchers
	configuration    bool // workspace/configuration is answered
}

// initializeResult is protocol's with the 3.17 inlayHintProvider the 3.15
// types lack.
type initializeResult struct {
	Capabilities serverCapabilities   `json:"capabilities"`
	ServerInfo   *protocol.ServerInfo `json:"serverInfo,omitempty"`
}

type serverCapabilities struct {
	protocol.ServerCapabilities
	InlayHintProvider bool `json:"inlayHintProvider,omitempty"`
}

func (s *server) initialize(_ context.Context, params json.RawMessage) (any, error) {
	var p initializeParams
	if err := decode(params, &p); err != nil {
		// A capability of a shape we do not expect (another LSP version's):
		// everything else was read.
		s.log.Warn("initialize params partly unreadable", "error", err)
	}
	var folders []string
	for _, f := range p.WorkspaceFolders {
		if path, ok := pathOf(f.URI); ok {
			folders = append(folders, path)
		}
	}
	if len(folders) == 0 {
		if path, ok := pathOf(p.RootURI); ok {
			folders = append(folders, path)
		} else if p.RootPath != "" {
			folders = append(folders, p.RootPath)
		}
	}
	settings, problems := defaultSettings().with(p.InitializationOptions)
	s.warnSettings(problems) // LSP lets window/showMessage come before the initialize result
	if !statesTrust(p.InitializationOptions) {
		s.log.Info("the client did not say whether the workspace is trusted: it is not, and cargo is not run (initializationOptions.trusted)")
	}
	s.mu.Lock()
	s.initialized = true
	s.settings = settings
	s.client = clientCapabilities{
		workDoneProgress: p.Capabilities.Window.WorkDoneProgress,
		inlayHintRefresh: p.Capabilities.Workspace.InlayHint.RefreshSupport,
		watchFiles:       p.Capabilities.Workspace.DidChangeWatchedFiles.DynamicRegistration,
		configuration:    p.Capabilities.Workspace.Configuration,
	}
	s.mu.Unlock()
	a := s.newAnalysis(folders) // buffers may open before initialized
	s.mu.Lock()
	s.analysis = a
	s.mu.Unlock()
	s.log.Info("initialize", "folders", folders, "settings", settings)
	return initializeResult{
		Capabilities: serverCapabilities{
			ServerCapabilities: protocol.ServerCapabilities{
				TextDocumentSync: protocol.TextDocumentSyncOptions{
					OpenClose: true,
					Change:    protocol.TextDocumentSyncKindIncremental,
					Save:      &protocol.SaveOptions{},
				},
				HoverProvider: true,
				// Quotes and list punctuation start the names cargo-caps knows.
				CompletionProvider: &protocol.CompletionOptions{TriggerCharacters: []string{`"`, "[", ","}},
				CodeActionProvider: protocol.CodeActionOptions{
					CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix, protocol.Source},
				},
				Workspace: &protocol.ServerCapabilitiesWorkspace{
					WorkspaceFolders: &protocol.ServerCapabilitiesWorkspaceFolders{Supported: true, ChangeNotifications: true},
				},
			},
			InlayHintProvider: true,
		},
		ServerInfo: &protocol.ServerInfo{Name: "cargo-caps"},
	}, nil
}

func (s *server) initializedNotification(context.Context, json.RawMessage) (any, error) {
	s.startAnalysis()
	a := s.currentAnalysis()
	// Apart: the settings' answer (and the republish it may cause) must not
	// hold back watching the disk.
	a.wg.Add(2)
	go func() {
		defer a.wg.Done()
		s.pullSettings(a.ctx)
	}()
	go func() {
		defer a.wg.Done()
		if !s.registerWatchers(a) {
			a.session.Watch(a.ctx, pollInterval)
		}
	}()
	return nil, nil
}

type fileSystemWatcher struct {
	GlobPattern string `json:"globPattern"`
}

// registerWatchers asks the client to report changes to project.Watched, as
// rust-analyzer does, and says whether it agreed. A client that cannot
// (Neovim 0.7) or refuses leaves the server to watch the disk itself.
func (s *server) registerWatchers(a *analysis) bool {
	s.mu.Lock()
	ok := s.client.watchFiles
	s.mu.Unlock()
	if !ok {
		s.log.Info("the client cannot watch files: the server polls the workspaces' manifests, lockfiles and Rust files", "interval", pollInterval)
		return false
	}
	var watchers []fileSystemWatcher
	for _, name := range project.Watched {
		watchers = append(watchers, fileSystemWatcher{GlobPattern: "**/" + name})
	}
	params := map[string]any{"registrations": []map[string]any{{
		"id":              "cargo-caps-watched-files",
		"method":          "workspace/didChangeWatchedFiles",
		"registerOptions": map[string]any{"watchers": watchers},
	}}}
	if _, err := s.conn.Call(a.ctx, "client/registerCapability", params, nil); err != nil {
		if a.ctx.Err() == nil {
			s.log.Warn("the client refused file watchers: the server polls the disk itself", "error", err)
		}
		return false
	}
	return true
}
