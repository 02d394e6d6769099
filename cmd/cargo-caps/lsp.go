package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/lsp"
)

// stdio joins stdin and stdout into the one stream the server reads and writes.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return os.Stdin.Close() }

func serveLSP(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("lsp", flag.ContinueOnError)
	fs.Bool("stdio", true, "serve on stdin/stdout (the only transport; accepted because editors pass it)")
	if err := parseFlags(fs, args); err != nil {
		return 2, err
	}
	// stdout carries the protocol: logs go to stderr, which editors show as the server's log.
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	_, walk := analyzer.FlatWalk()
	log.Info(walk)
	if err := lsp.Serve(ctx, stdio{os.Stdin, os.Stdout}, log); err != nil {
		// LSP asks for exit status 1 when the client ends the session without shutdown.
		log.Error("session ended", "err", err)
		return 1, nil
	}
	return 0, nil
}
