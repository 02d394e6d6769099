package lsp

import (
	"context"
	"encoding/json"
)

// Temporary: what waits for package project.
type analysis struct{}

func (s *server) startAnalysis()                                           {}
func (s *server) stopAnalysis()                                            {}
func (s *server) changed(path string)                                      {}
func (s *server) edited(old, next *document, edits []textEdit)             { s.changed(next.Path) }
func (s *server) reload()                                                  {}
func (s *server) republish()                                               {}
func (s *server) codeAction(context.Context, json.RawMessage) (any, error) { return nil, nil }
func (s *server) inlayHint(context.Context, json.RawMessage) (any, error)  { return nil, nil }
func (s *server) hover(context.Context, json.RawMessage) (any, error)      { return nil, nil }
func (s *server) report(context.Context, json.RawMessage) (any, error)     { return nil, nil }
func (s *server) didChangeWatchedFiles(context.Context, json.RawMessage) (any, error) {
	return nil, nil
}
func (s *server) didChangeWorkspaceFolders(context.Context, json.RawMessage) (any, error) {
	return nil, nil
}
