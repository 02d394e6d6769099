package render

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/finding"
	"github.com/cargo-caps/cargo-caps/policy"
)

// Rust paths in messages (`Vec<u8>`, `<T as Trait>::f`, `&mut`) read in
// JSON and SARIF as written, not as `\u003c…`.
func TestJSONKeepsRustPunctuation(t *testing.T) {
	msg := "`<File as Read>::read` into a `&mut Vec<u8>`"
	res := &policy.Result{Findings: []finding.Finding{finding.New(finding.Unanalysed, finding.Location{File: "/w/src/lib.rs"}, msg)}}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"json":  func(b *bytes.Buffer) error { return JSON(b, res, &Sources{Read: noFile}) },
		"sarif": func(b *bytes.Buffer) error { return SARIF(b, res, &Sources{Read: noFile}, "/w") },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(b.String(), msg) {
			t.Errorf("%s output lacks %q:\n%s", name, msg, b.String())
		}
	}
}

func noFile(string) ([]byte, error) { return nil, fs.ErrNotExist }
