package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/cargo-caps/cargo-caps/render"
	"github.com/cargo-caps/cargo-caps/sandbox"
)

// sandboxedCargo runs `cargo args…` with build scripts and rustc under the
// build sandbox: `cargo-caps build|test|run …` and `cargo-caps cargo CMD …`.
// Its own flags (--no-sandbox, --explain) may stand anywhere before `--`;
// everything else goes to cargo unchanged, and cargo's exit status is ours.
func sandboxedCargo(ctx context.Context, args []string, stderr io.Writer) (int, error) {
	var cargoArgs []string
	noSandbox, explain, manifestPath := false, false, ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			cargoArgs = append(cargoArgs, args[i:]...)
			i = len(args)
			continue
		case a == "--no-sandbox":
			noSandbox = true
			continue
		case a == "--explain":
			explain = true
			continue
		case a == "--manifest-path" && i+1 < len(args):
			manifestPath = args[i+1]
		case strings.HasPrefix(a, "--manifest-path="):
			manifestPath = strings.TrimPrefix(a, "--manifest-path=")
		}
		cargoArgs = append(cargoArgs, a)
	}
	if len(cargoArgs) == 0 {
		return 2, fmt.Errorf("%w: cargo-caps cargo needs a cargo command (check, build, doc, …)", errUsage)
	}
	cargo := os.Getenv("CARGO")
	if cargo == "" {
		cargo = "cargo"
	}
	if noSandbox {
		fmt.Fprintln(stderr, "cargo-caps: --no-sandbox: build scripts and proc-macros run with your full rights")
		cmd := exec.CommandContext(ctx, cargo, cargoArgs...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, stderr
		if err := cmd.Run(); err != nil {
			if exit, ok := err.(*exec.ExitError); ok {
				return exit.ExitCode(), nil
			}
			return 2, err
		}
		return 0, nil
	}
	if err := sandbox.Available(); err != nil {
		return 2, fmt.Errorf("%v; refusing to build unsandboxed (pass --no-sandbox to run build scripts with your full rights)", err)
	}
	w, err := sandbox.LoadWorkspace(ctx, cargo, manifestPath)
	if err != nil {
		return 2, err
	}
	if err := sandbox.WrapBuilt(w.BuildDir); err != nil {
		return 2, fmt.Errorf("cannot sandbox the build scripts already in %s: %v", w.BuildDir, err)
	}
	code, denials, err := sandbox.Build(ctx, cargo, cargoArgs, w.Config(explain), os.Stdout, stderr)
	if err != nil {
		return 2, err
	}
	if len(denials) > 0 {
		src := &render.Sources{}
		src.Base, _ = os.Getwd()
		if err := render.TextFindings(stderr, w.Findings(denials), src); err != nil {
			return 2, err
		}
	}
	return code, nil
}
