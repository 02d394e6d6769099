package cache

import (
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
)

func summary() *analyzer.Summary {
	return &analyzer.Summary{
		Uses: []analyzer.Use{{Cap: caps.Capability(3), API: "std::fs::write", File: "/x/src/lib.rs",
			Range:   span.Range{},
			Context: analyzer.Test,
			Gates:   []analyzer.Cfg{{Op: analyzer.CfgAll, Args: []analyzer.Cfg{{Op: analyzer.CfgFeature, Name: "tls"}, {Op: analyzer.CfgOther, Name: "unix"}}}}}},
		Unanalysed:    []analyzer.Unanalysed{{File: "/x/src/gen.rs", Reason: "include! of generated code"}},
		Files:         []string{"/x/src/lib.rs"},
		Lines:         42,
		ForbidsUnsafe: true,
	}
}

func TestRoundTrip(t *testing.T) {
	c, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := CrateKey("tokio", "1.24.2", "abc", "1")
	var got analyzer.Summary
	if c.Get(key, &got) {
		t.Fatal("hit in an empty cache")
	}
	if err := c.Put(key, summary()); err != nil {
		t.Fatal(err)
	}
	if !c.Get(key, &got) {
		t.Fatal("miss after Put")
	}
	if !reflect.DeepEqual(&got, summary()) {
		t.Errorf("got %+v\nwant %+v", got, summary())
	}
	var other analyzer.Summary
	if c.Get(CrateKey("tokio", "1.24.2", "abd", "1"), &other) {
		t.Error("hit for another content hash")
	}
	// A second Put replaces the entry whole.
	s := summary()
	s.Lines = 7
	if err := c.Put(key, s); err != nil {
		t.Fatal(err)
	}
	if !c.Get(key, &got) || got.Lines != 7 {
		t.Errorf("after replacing: %d lines", got.Lines)
	}
	leftovers, _ := filepath.Glob(filepath.Join(c.Dir(), "*", ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestCorrupt: anything but a whole entry for the key is a miss.
func TestCorrupt(t *testing.T) {
	c, _ := Open(t.TempDir())
	key := CrateKey("serde", "1.0.152", "h", "1")
	if err := c.Put(key, summary()); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(c.path(key))
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte{}, good...)
	flipped[len(flipped)-3] ^= 0x40
	other := wrap([]byte("not gob at all"), key)
	for name, data := range map[string][]byte{
		"empty": {}, "truncated": good[:len(good)-5], "header only": good[:len(magic)+3], "flipped byte": flipped,
		"garbage": []byte("\x00\x01garbage"), "valid frame, bad gob": other, "longer": append(append([]byte{}, good...), 'x'),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(c.path(key), data, 0o644); err != nil {
				t.Fatal(err)
			}
			var got analyzer.Summary
			if c.Get(key, &got) {
				t.Error("corrupt entry was a hit")
			}
		})
	}
	// Another key's entry in this file (a hash collision, in theory) is a miss too.
	os.WriteFile(c.path(key), wrap(good, "other key"), 0o644)
	var got analyzer.Summary
	if c.Get(key, &got) {
		t.Error("another key's entry was a hit")
	}
	// A value of another type is a miss.
	c.Put(key, map[string]int{"a": 1})
	var n int
	if c.Get(key, &n) {
		t.Error("decoded a map into an int")
	}
}

func TestNilCacheIsOff(t *testing.T) {
	var c *Cache
	if err := c.Put("k", 1); err != nil {
		t.Fatal(err)
	}
	var n int
	if c.Get("k", &n) {
		t.Error("nil cache hit")
	}
}

func TestConcurrent(t *testing.T) {
	c, _ := Open(t.TempDir())
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				s := summary()
				s.Lines = i
				if err := c.Put("shared", s); err != nil {
					t.Error(err)
				}
				var got analyzer.Summary
				if c.Get("shared", &got) && len(got.Files) != 1 {
					t.Error("torn entry")
				}
			}
		}(i)
	}
	wg.Wait()
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if d, _ := DefaultDir(); d != "/xdg/cargo-caps" {
		t.Errorf("with XDG_CACHE_HOME: %s", d)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "/home/u")
	if d, _ := DefaultDir(); d != "/home/u/.cache/cargo-caps" {
		t.Errorf("without XDG_CACHE_HOME: %s", d)
	}
	root := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", root)
	c, err := Open("")
	if err != nil || c.Dir() != filepath.Join(root, "cargo-caps") {
		t.Fatalf("Open(\"\") = %v, %v", c, err)
	}
	if st, err := os.Stat(c.Dir()); err != nil || !st.IsDir() {
		t.Errorf("cache dir not created: %v", err)
	}
}

func TestOpenFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Open(filepath.Join(file, "sub")); err == nil {
		t.Error("opened a cache under a file")
	}
}

func TestHashDir(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Cargo.toml", "[package]\n")
	write("src/lib.rs", "pub fn f() {}\n")
	base, err := HashDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	same := func(what string, want bool) {
		t.Helper()
		h, err := HashDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if (h == base) != want {
			t.Errorf("%s: hash changed = %v", what, h != base)
		}
		base = h
	}
	same("nothing changed", true)
	write("README.md", "docs")
	write("target/debug/build/x.rs", "generated")
	write(".git/HEAD.rs", "x")
	same("README, target/ and .git changed", true)
	write("src/lib.rs", "pub fn g() {}\n") // same size: the new mtime tells
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "src/lib.rs"), later, later)
	same("same-size edit", false)
	write("src/lib.rs", "pub fn longer() {}\n")
	same("edit", false)
	write("src/new.rs", "")
	same("new file", false)
	write("sub/Cargo.toml", "")
	same("nested manifest", false)
	os.Remove(filepath.Join(dir, "src/new.rs"))
	same("removed file", false)
	if _, err := HashDir(filepath.Join(dir, "absent")); err == nil {
		t.Error("no error for a missing directory")
	}
}

func TestRegistryHash(t *testing.T) {
	dir := t.TempDir()
	if _, err := RegistryHash(dir); err == nil {
		t.Error("no error without a Cargo.toml")
	}
	os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte("[package]\n"), 0o644)
	a, err := RegistryHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "lib.rs"), []byte("x"), 0o644)
	if b, _ := RegistryHash(dir); b != a {
		t.Error("changed by a source file: it should only stat the manifest")
	}
	os.WriteFile(filepath.Join(dir, ".cargo-checksum.json"), []byte("{}"), 0o644)
	if b, _ := RegistryHash(dir); b == a {
		t.Error("unchanged by a new checksum file")
	}
	if h, _ := HashDir(dir); h == a {
		t.Error("RegistryHash and HashDir agree by accident")
	}
}

// BenchmarkHashDir hashes Debian's tokio sources (≈ 300 files).
func BenchmarkHashDir(b *testing.B) {
	dir := "/usr/share/cargo/registry/tokio-1.24.2"
	if _, err := os.Stat(dir); err != nil {
		b.Skip("needs Debian's crate sources in /usr/share/cargo/registry")
	}
	for b.Loop() {
		if _, err := HashDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashDirRegistry hashes every crate in Debian's registry (≈ 220
// crates, 2.1M lines): what a warm run pays for its cache keys.
func BenchmarkHashDirRegistry(b *testing.B) {
	dirs, _ := filepath.Glob("/usr/share/cargo/registry/*")
	if len(dirs) == 0 {
		b.Skip("needs Debian's crate sources in /usr/share/cargo/registry")
	}
	for _, fn := range []struct {
		name string
		hash func(string) (string, error)
	}{{"HashDir", HashDir}, {"RegistryHash", RegistryHash}} {
		b.Run(fn.name, func(b *testing.B) {
			for b.Loop() {
				for _, d := range dirs {
					if _, err := fn.hash(d); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(dirs)), "crates")
		})
	}
}
