// Package srcread is the one way cargo-caps reads the files it judges — Rust
// sources, manifests, Cargo.lock — from disk. Those files come from code
// nobody has reviewed yet, so a file is read only when its real path
// (symlinks resolved) lies inside the directory it belongs to, it is a
// regular file (no FIFO, device or /proc entry, which could block, never end
// or hold secrets), and it is at most MaxBytes long. Anything else is
// refused with a reason for people, and its bytes are never read.
package srcread

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// MaxBytes is the largest file read: 8 MB, three times the largest Rust
// file in Debian's crate registry (encoding_rs's generated 2.5 MB data.rs)
// and far above any manifest or lockfile. Parsing and analysing a Rust file
// of plain code peaks at ≈ 110 bytes of memory per byte of input (8 MB:
// 0.9 GB; 16 MB: 1.7 GB), so a larger file is refused rather than read.
const MaxBytes = 8 << 20

// Refused is the error for a file that is not read.
type Refused struct {
	Path   string // as the caller named it
	Reason string // "symlink leaves the package", "not a regular file", "larger than 8 MB"
	// Outside says the file's real path leaves the directory: reading it is
	// reading someone else's file.
	Outside bool
}

func (r *Refused) Error() string { return r.Path + ": " + r.Reason }

// Dir is a directory whose files may be read.
type Dir struct {
	path, real string
	realErr    error  // why path has no real path, if it has none
	noun       string // what the directory is, for reasons: "package", "workspace"
	// dirs, with Memo, is each directory's real path (or why it has none)
	// as first resolved.
	dirs map[string]resolved
}

type resolved struct {
	real string
	err  error
}

// Memo returns d remembering the real path of each directory its files are
// resolved in: one analysis reads many files of few directories, and every
// component of a path costs a system call to resolve. For one goroutine and
// one pass over the files (a directory's symlinks changed meanwhile are not
// seen); files themselves are resolved afresh every time.
func (d Dir) Memo() Dir {
	d.dirs = map[string]resolved{}
	if d.path != "" {
		d.dirs[d.path] = resolved{d.real, d.realErr} // NewDir resolved it
	}
	return d
}

// NewDir is the directory path, called noun in reasons. An empty path
// allows files anywhere (they must still be regular and not too large).
func NewDir(path, noun string) Dir {
	d := Dir{path: filepath.Clean(path), noun: noun}
	if path == "" {
		d.path = ""
		return d
	}
	if real, err := filepath.EvalSymlinks(d.path); err == nil {
		d.real = real
	} else {
		d.real, d.realErr = d.path, err // a directory that does not exist holds no file
	}
	return d
}

// Resolve checks that path may be read and returns its real path. Its error
// is either one that satisfies errors.Is(err, fs.ErrNotExist) or a *Refused.
func (d Dir) Resolve(path string) (string, error) {
	real, st, err := d.realPath(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", &Refused{Path: path, Reason: "cannot be resolved: " + errText(err)}
	}
	if d.path != "" && !within(d.real, real) {
		reason := "outside the " + d.noun
		if within(d.path, filepath.Clean(path)) {
			reason = "symlink leaves the " + d.noun
		}
		return "", &Refused{Path: path, Reason: reason, Outside: true}
	}
	if st == nil {
		if st, err = os.Lstat(real); err != nil {
			return "", &Refused{Path: path, Reason: "cannot be read: " + errText(err)}
		}
	}
	if err := regular(path, st); err != nil {
		return "", err
	}
	if special(real) {
		return "", &Refused{Path: path, Reason: "not a regular file"}
	}
	return real, nil
}

// realPath is filepath.EvalSymlinks(path), and with Memo the file's Lstat
// when the file itself is no symlink (else nil): its directory's real path
// comes from d.dirs, and resolving the file takes one system call.
func (d Dir) realPath(path string) (string, fs.FileInfo, error) {
	if d.dirs == nil {
		real, err := filepath.EvalSymlinks(path)
		return real, nil, err
	}
	dir, base := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	if base == "" || base == "." || base == ".." {
		real, err := filepath.EvalSymlinks(path)
		return real, nil, err
	}
	realDir, err := d.RealDir(dir)
	if err != nil {
		return "", nil, err // where EvalSymlinks(path) fails too, for the same reason
	}
	real := filepath.Join(realDir, base)
	st, err := os.Lstat(real)
	if err != nil {
		return "", nil, err // EvalSymlinks(path) ends in the same Lstat, and fails as it does
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(path)
		return real, nil, err
	}
	return real, st, nil
}

// RealDir is filepath.EvalSymlinks(dir), resolved once per directory with
// Memo: a directory whose parent is resolved already costs one Lstat
// rather than one per component of its path.
func (d Dir) RealDir(dir string) (string, error) {
	if d.dirs == nil {
		return filepath.EvalSymlinks(dir)
	}
	dir = filepath.Clean(dir)
	r, ok := d.dirs[dir]
	if !ok {
		r.real, r.err = d.resolveDir(dir)
		d.dirs[dir] = r
	}
	return r.real, r.err
}

// resolveDir is filepath.EvalSymlinks(dir) (dir clean) through the real
// path of its parent: the same answer, since a path that is no symlink
// below a real directory is real. Anything else — a symlink, an error, a
// root or `..` — is left to EvalSymlinks, for its exact answer and error.
func (d Dir) resolveDir(dir string) (string, error) {
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if parent == dir || base == ".." || !filepath.IsAbs(dir) {
		return filepath.EvalSymlinks(dir)
	}
	realParent, err := d.RealDir(parent)
	if err != nil {
		return filepath.EvalSymlinks(dir)
	}
	real := filepath.Join(realParent, base)
	if st, err := os.Lstat(real); err != nil || st.Mode()&fs.ModeSymlink != 0 {
		return filepath.EvalSymlinks(dir)
	}
	return real, nil
}

// Read reads path if Resolve allows it. The file is opened without
// following a symlink and without blocking, and checked again once open: a
// file swapped after Resolve is refused too.
func (d Dir) Read(path string) ([]byte, error) {
	real, err := d.Resolve(path)
	if err != nil {
		return nil, err
	}
	return readResolved(path, real)
}

// ReadThrough reads a file of d by asking read first (an editor's unsaved
// buffers win over disk), or disk when read is nil. A file on disk is asked
// for only when Resolve allows it; a file that is not on disk at all is left
// to read (a buffer not saved yet). It returns the file's real path too:
// the clean path itself for a file not on disk.
func (d Dir) ReadThrough(read func(string) ([]byte, error), path string) (text []byte, real string, err error) {
	real, err = d.Resolve(path)
	switch {
	case err == nil && read == nil:
		text, err = readResolved(path, real)
	case err == nil:
		text, err = read(path)
	case errors.Is(err, fs.ErrNotExist) && read != nil:
		real = filepath.Clean(path)
		text, err = read(path)
	}
	if err != nil {
		return nil, "", err
	}
	return text, real, nil
}

// Through is ReadThrough as a read function.
func (d Dir) Through(read func(string) ([]byte, error)) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		text, _, err := d.ReadThrough(read, path)
		return text, err
	}
}

// readResolved reads real through its file descriptor alone: an os.File
// would also offer each file to the network poller, one more system call
// per file that a regular file always refuses.
func readResolved(path, real string) ([]byte, error) {
	fd, err := retryEINTR(func() (int, error) {
		return syscall.Open(real, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &fs.PathError{Op: "open", Path: real, Err: err}
		}
		return nil, &Refused{Path: path, Reason: "cannot be read: " + errText(err)}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &Refused{Path: path, Reason: "cannot be read: " + errText(err)}
	}
	if err := regularMode(path, st.Mode&syscall.S_IFMT == syscall.S_IFREG, st.Size); err != nil {
		return nil, err
	}
	text := make([]byte, st.Size)
	for n := 0; n < len(text); {
		k, err := retryEINTR(func() (int, error) { return syscall.Read(fd, text[n:]) })
		if err != nil || k == 0 {
			return nil, &Refused{Path: path, Reason: "changed while read"}
		}
		n += k
	}
	var more [1]byte
	if k, _ := retryEINTR(func() (int, error) { return syscall.Read(fd, more[:]) }); k > 0 {
		return nil, &Refused{Path: path, Reason: "changed while read"}
	}
	return text, nil
}

// retryEINTR calls f until it is not interrupted by a signal (the Go
// runtime's preemption signals interrupt slow system calls).
func retryEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != syscall.EINTR {
			return n, err
		}
	}
}

func regular(path string, st fs.FileInfo) error {
	return regularMode(path, st.Mode().IsRegular(), st.Size())
}

func regularMode(path string, isRegular bool, size int64) error {
	if !isRegular {
		return &Refused{Path: path, Reason: "not a regular file"}
	}
	if size > MaxBytes {
		return &Refused{Path: path, Reason: fmt.Sprintf("larger than %d MB", MaxBytes>>20)}
	}
	return nil
}

// within reports whether path is dir or lies below it (both clean).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
