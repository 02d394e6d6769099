package audits

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/internal/testfs"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

// Each testdata/*.txtar holds a lockfile as someone may have left it (`in`)
// and its canonical form (`want`): sorted, merged, each site once.
func TestFormat(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var in []byte
			wantAt := -1
			for i, f := range ar.Files {
				switch f.Name {
				case "in":
					in = f.Data
				case "want":
					wantAt = i
				}
			}
			l, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			got := l.Format()
			again, err := Parse(got)
			if err != nil || !bytes.Equal(again.Format(), got) {
				t.Fatalf("the canonical form does not read back as itself (%v):\n%s", err, got)
			}
			if *update {
				if wantAt < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "want"})
					wantAt = len(ar.Files) - 1
				}
				ar.Files[wantAt].Data = got
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if wantAt < 0 || !bytes.Equal(ar.Files[wantAt].Data, got) {
				t.Errorf("got:\n%s", got)
			}
		})
	}
}

// A hostile or broken lockfile is an error saying what is wrong, never a
// crash and never a lock read in part.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"version = 2\n", "format version 2"},
		{"[[audit]]\ncrate = \"a\"\nversion = \"1\"\n", "no `version`"},
		{"version = 1\n[[audit]]\ncrate = \"a\"\n", "`crate` and `version` are required"},
		{"version = 1\n[[audit]]\ncrate = \"a\"\nversion = \"1\"\ncapabilities = [\"fly\"]\n", `unknown capability "fly"`},
		{"version = 1\n[[audit]]\ncrate = \"a\"\nversion = \"1\"\nsites = [{ function = \"a::f\" }]\n", "a site needs a known `capability`"},
		{"version = 1\nextra = true\n", `unknown key "extra"`},
		{"version = \"1\"\n", "incompatible types"},
		{"version = 1\naudit = 3\n", "incompatible types"},
		{"version = 1\n[[audit]\n", "expected"},
		{"version = 1\nx = " + strings.Repeat("[", 100000) + "\n", "nested too deep"},
		{"\x00\xff", ""},
	} {
		_, err := Parse([]byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40q: error %v, want one with %q", tc.text, err, tc.want)
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	if l, err := Read(dir, nil); err != nil || len(l.Records) != 0 {
		t.Errorf("no lockfile: %v, %v; want an empty lock", l, err)
	}
	// A lockfile that is a link out of the workspace is not read.
	outside := filepath.Join(t.TempDir(), "x")
	testfs.Write(t, outside, "version = 1\n")
	testfs.Link(t, outside, filepath.Join(dir, FileName))
	if _, err := Read(dir, nil); err == nil || !strings.Contains(err.Error(), FileName) {
		t.Errorf("a lockfile linking out of the workspace: %v, want an error naming it", err)
	}
}

func TestWith(t *testing.T) {
	site := func(c caps.Capability, fn string) Site {
		return Site{Cap: c, Function: fn, Fingerprint: fn + "-fp", File: "src/lib.rs"}
	}
	l := (&Lock{}).With(Record{Crate: "m", Version: "2.5.0", Caps: caps.Of(caps.Unsafe, caps.FS), Sites: []Site{site(caps.Unsafe, "m::a"), site(caps.FS, "m::w")}})
	// Re-recording unsafe at 2.6.0 takes unsafe out of the 2.5.0 record and keeps its fs.
	l = l.With(Record{Crate: "m", Version: "2.6.0", Caps: caps.Of(caps.Unsafe), Sites: []Site{site(caps.Unsafe, "m::b")}})
	if len(l.Records) != 2 || l.Records[0].Caps != caps.Of(caps.FS) || len(l.Records[0].Sites) != 1 || l.Records[1].Version != "2.6.0" {
		t.Fatalf("got %+v", l.Records)
	}
	keys, versions := l.Reviewed("m", caps.Of(caps.Unsafe))
	if len(keys) != 1 || !keys[site(caps.Unsafe, "m::b").Key()] || len(versions) != 1 || versions[0] != "2.6.0" {
		t.Errorf("reviewed unsafe: %v from %v", keys, versions)
	}
	if keys, _ := l.Reviewed("other", caps.Of(caps.Unsafe)); keys != nil {
		t.Errorf("a crate with no record: %v, want nil", keys)
	}
}

// FuzzParse: any text is a lock or an error, and a lock's canonical form
// reads back as itself.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"version = 1\n", "version = 1\n[[audit]]\ncrate = \"a\"\nversion = \"1\"\ncapabilities = [\"fs\"]\nsites = [{ capability = \"fs\", function = \"a::f\", fingerprint = \"01\", file = \"src/lib.rs\" }]\n", "[[audit]]\n", "version = 1\nx = [[[{"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		l, err := Parse(text)
		if err != nil {
			return
		}
		again, err := Parse(l.Format())
		if err != nil || !bytes.Equal(again.Format(), l.Format()) {
			t.Fatalf("canonical form of %q does not read back (%v):\n%s", text, err, l.Format())
		}
	})
}
