package srcread

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

func TestRead(t *testing.T) {
	tmp := t.TempDir()
	pkg := filepath.Join(tmp, "pkg")
	secret := filepath.Join(tmp, "secret.txt")
	testfs.Write(t, secret, "SECRET")
	testfs.Write(t, filepath.Join(pkg, "src/lib.rs"), "mod a;")
	testfs.Write(t, filepath.Join(pkg, "src/inner.rs"), "fn f() {}")
	testfs.Link(t, "../../secret.txt", filepath.Join(pkg, "src/secret.rs"))
	testfs.Link(t, "inner.rs", filepath.Join(pkg, "src/alias.rs"))
	testfs.Link(t, "/proc/self/environ", filepath.Join(pkg, "src/environ.rs"))
	testfs.Link(t, "/dev/zero", filepath.Join(pkg, "src/zero.rs"))
	testfs.Link(t, tmp, filepath.Join(pkg, "src/up"))
	testfs.Write(t, filepath.Join(pkg, "nested/deep/x.rs"), "fn x() {}")
	testfs.Link(t, "../nested", filepath.Join(pkg, "src/linked")) // a directory below it resolves through the link
	if err := syscall.Mkfifo(filepath.Join(pkg, "src/fifo.rs"), 0o644); err != nil {
		t.Fatal(err)
	}
	big, err := os.Create(filepath.Join(pkg, "src/big.rs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(MaxBytes + 1); err != nil { // sparse: no 8 MB written
		t.Fatal(err)
	}
	big.Close()

	plain := NewDir(pkg, "package")
	memo := plain.Memo()
	for _, d := range []Dir{plain, memo, memo} { // memo twice: its second pass reads what the first remembered
		for _, c := range []struct{ file, want string }{
			{"src/lib.rs", ""},
			{"src/alias.rs", ""},
			{"src/secret.rs", "symlink leaves the package"},
			{"src/up/secret.txt", "symlink leaves the package"},
			{"../secret.txt", "outside the package"},
			{"src/environ.rs", "symlink leaves the package"},
			{"src/zero.rs", "symlink leaves the package"},
			{"src/fifo.rs", "not a regular file"},
			{"src", "not a regular file"},
			{"src/big.rs", "larger than 8 MB"},
		} {
			text, err := d.Read(filepath.Join(pkg, c.file))
			var r *Refused
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s: %v", c.file, err)
			case c.want != "" && (!errors.As(err, &r) || r.Reason != c.want):
				t.Errorf("%s: got %v, want refused: %s", c.file, err, c.want)
			case c.want != "" && text != nil:
				t.Errorf("%s: refused, yet %d bytes returned", c.file, len(text))
			}
		}
		for _, file := range []string{"src/none.rs", "src/none/mod.rs"} {
			if _, err := d.Read(filepath.Join(pkg, file)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("missing file %s: %v", file, err)
			}
		}
		var r *Refused
		if _, err := d.Read(filepath.Join(pkg, "src/lib.rs/mod.rs")); !errors.As(err, &r) || r.Reason != "cannot be resolved: not a directory" {
			t.Errorf("a file as a directory: %v", err)
		}
		// Each path's real path is EvalSymlinks', with Memo or not.
		for _, file := range []string{"src/lib.rs", "src/alias.rs", "src/up/pkg/src/inner.rs", "src/../src/inner.rs", "src/linked/deep/x.rs", "src/up/pkg/src/linked/deep/x.rs"} {
			real, err := d.Resolve(filepath.Join(pkg, file))
			want, _ := filepath.EvalSymlinks(filepath.Join(pkg, file))
			if err != nil || real != want {
				t.Errorf("%s: real path %q (%v), want %q", file, real, err, want)
			}
		}
	}

	// Anywhere: only the kind of file matters.
	any := NewDir("", "")
	if _, err := any.Read(secret); err != nil {
		t.Errorf("no directory: %v", err)
	}
	for _, p := range []string{"/proc/self/environ", "/dev/zero", filepath.Join(pkg, "src/fifo.rs")} {
		if _, err := any.Read(p); err == nil {
			t.Errorf("%s was read", p)
		}
	}
}

func TestThroughBuffers(t *testing.T) {
	tmp := t.TempDir()
	pkg := filepath.Join(tmp, "pkg")
	testfs.Write(t, filepath.Join(tmp, "secret.txt"), "SECRET")
	testfs.Write(t, filepath.Join(pkg, "src/lib.rs"), "on disk")
	testfs.Link(t, "../../secret.txt", filepath.Join(pkg, "src/secret.rs"))
	buffers := map[string]string{
		filepath.Join(pkg, "src/lib.rs"):    "buffer",
		filepath.Join(pkg, "src/new.rs"):    "unsaved new file",
		filepath.Join(pkg, "src/secret.rs"): "buffer of a link out",
	}
	read := NewDir(pkg, "package").Through(func(p string) ([]byte, error) {
		if b, ok := buffers[p]; ok {
			return []byte(b), nil
		}
		return os.ReadFile(p)
	})
	for file, want := range map[string]string{"src/lib.rs": "buffer", "src/new.rs": "unsaved new file", "src/secret.rs": ""} {
		text, err := read(filepath.Join(pkg, file))
		if string(text) != want || (want == "") != (err != nil) {
			t.Errorf("%s: %q, %v; want %q", file, text, err, want)
		}
	}
}
