package graph

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
)

// FuzzLockfile: lockfile mode on any root manifest and Cargo.lock returns a
// graph or an error, never panics. Seeds are the testdata/lock cases.
func FuzzLockfile(f *testing.F) {
	files, _ := filepath.Glob("testdata/lock/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var manifest, lock []byte
		for _, af := range ar.Files {
			switch af.Name {
			case "Cargo.toml":
				manifest = af.Data
			case "Cargo.lock":
				lock = af.Data
			}
		}
		f.Add(manifest, lock)
	}
	f.Fuzz(func(t *testing.T, manifest, lock []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "Cargo.toml"), manifest, 0o644)
		os.WriteFile(filepath.Join(dir, "Cargo.lock"), lock, 0o644)
		os.MkdirAll(filepath.Join(dir, "src"), 0o755)
		os.WriteFile(filepath.Join(dir, "src", "lib.rs"), nil, 0o644)
		done := make(chan struct{})
		go func() {
			defer close(done)
			g, err := Load(filepath.Join(dir, "Cargo.toml"), Options{NoCargo: true, CargoHome: filepath.Join(dir, "cargo-home")})
			if err == nil {
				dump(g, dir)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Load hangs on\n%s\n---\n%s", manifest, lock)
		}
	})
}
