package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CrateKey names one crate's summary: the same crate, version, content and
// analyzer give the same key.
func CrateKey(name, version, contentHash, analyzerVersion string) string {
	return fmt.Sprintf("crate %s@%s content=%s analyzer=%s", name, version, contentHash, analyzerVersion)
}

// HashDir hashes what the analyzer reads of a crate — every .rs file and
// every Cargo.toml under dir — by relative path, size and modification time,
// not by content: it only stats, so a warm run over 2M lines of registry
// sources reads no file. Registry crates never change after unpacking, and an
// editor's save changes a member file's mtime. Build output (target/) and
// hidden directories (.git) are skipped.
func HashDir(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (name == "target" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".rs") && name != "Cargo.toml" {
			return nil
		}
		info, err := os.Stat(path) // follows symlinks: their target's size and time count
		if err != nil {
			return nil // a dangling link is not code
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", filepath.ToSlash(rel), info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
