// Package cache keeps per-crate analysis summaries on disk, so that a warm
// run reads no registry source again. Entries are keyed by crate, version,
// a content hash and the analyzer's version; a damaged or unreadable entry is
// a miss, never an error. It knows nothing of what it stores.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
)

// Cache is a directory of entries. A nil *Cache is a cache that is off:
// every Get misses and Put does nothing. Safe for concurrent use, across
// processes too: entries appear whole, by rename.
type Cache struct {
	dir string
}

// magic starts every entry; a new entry format gets a new one.
const magic = "cargo-caps cache 1\n"

// DefaultDir is $XDG_CACHE_HOME/cargo-caps, else ~/.cache/cargo-caps.
func DefaultDir() (string, error) {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "cargo-caps"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no cache directory: neither $XDG_CACHE_HOME nor a home directory is set")
	}
	return filepath.Join(home, ".cache", "cargo-caps"), nil
}

// Open opens (creating it) the cache in dir; "" means DefaultDir.
func Open(dir string) (*Cache, error) {
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Cache{dir: dir}, nil
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// path spreads entries over 256 subdirectories by the hash of their key.
func (c *Cache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(c.dir, h[:2], h[2:]+".gob")
}

// Get decodes the entry for key into v (a pointer) and reports whether it
// was there and whole.
func (c *Cache) Get(key string, v any) bool {
	if c == nil {
		return false
	}
	data, err := os.ReadFile(c.path(key))
	if err != nil {
		return false
	}
	payload, ok := unwrap(data, key)
	if !ok {
		return false
	}
	return gob.NewDecoder(bytes.NewReader(payload)).Decode(v) == nil
}

// Put stores v (gob-encodable) under key: written to a temporary file in the
// same directory, then renamed over the entry.
func (c *Cache) Put(key string, v any) error {
	if c == nil {
		return nil
	}
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(v); err != nil {
		return err
	}
	path := c.path(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(wrap(payload.Bytes(), key))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// wrap frames a payload: magic, the key (two keys never share a file, but
// say so), the payload's length and CRC-32, the payload.
func wrap(payload []byte, key string) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	b.WriteString(key)
	b.WriteByte('\n')
	var n [12]byte
	binary.LittleEndian.PutUint64(n[:8], uint64(len(payload)))
	binary.LittleEndian.PutUint32(n[8:], crc32.ChecksumIEEE(payload))
	b.Write(n[:])
	b.Write(payload)
	return b.Bytes()
}

func unwrap(data []byte, key string) ([]byte, bool) {
	head := magic + key + "\n"
	if !bytes.HasPrefix(data, []byte(head)) || len(data) < len(head)+12 {
		return nil, false
	}
	n := data[len(head) : len(head)+12]
	payload := data[len(head)+12:]
	if binary.LittleEndian.Uint64(n[:8]) != uint64(len(payload)) || binary.LittleEndian.Uint32(n[8:]) != crc32.ChecksumIEEE(payload) {
		return nil, false
	}
	return payload, true
}
