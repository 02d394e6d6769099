package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/caps"
)

// TestGenerated fails when a generated part of a checked-in file is not what
// the tables say: run `go generate ./caps` (make generate) and commit.
func TestGenerated(t *testing.T) {
	for _, tg := range targets {
		path := filepath.Join("..", "..", tg.path)
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := tg.rewrite(text)
		if err != nil {
			t.Fatalf("%s: %v", tg.path, err)
		}
		if string(out) != string(text) {
			t.Errorf("%s is not what the capability and code tables generate: run `go generate ./caps`", tg.path)
		}
	}
}

func TestRewrites(t *testing.T) {
	readme := "intro\n<!-- BEGIN GENERATED capabilities: keep -->\nstale\n<!-- END GENERATED capabilities -->\nrest\n"
	out, err := replaceRegion([]byte(readme), "capabilities", capabilityTable())
	if err != nil || !strings.HasPrefix(string(out), "intro\n<!-- BEGIN GENERATED capabilities: keep -->\n| capability |") ||
		!strings.HasSuffix(string(out), "only `env-readonly`.\n<!-- END GENERATED capabilities -->\nrest\n") {
		t.Errorf("replaceRegion = %q, %v", out, err)
	}
	for _, c := range caps.All {
		if !strings.Contains(string(out), "| `"+c.String()+"` |") {
			t.Errorf("table lacks %s", c)
		}
	}
	if _, err := replaceRegion([]byte("no markers\n"), "capabilities", "x"); err == nil {
		t.Error("a file without markers must be an error, not a silent no-op")
	}
	pkg := `{"a": {"cargoCaps.severity": {"propertyNames": {
      "enum": ["old"]
    }, "additionalProperties": {"enum": []}}}}`
	got, err := severitySetting([]byte(pkg))
	if err != nil || !strings.Contains(string(got), "\"enum\": [\n        \"undeclared-capability\",") ||
		!strings.Contains(string(got), "\"hint\",\n") || strings.Contains(string(got), "old") {
		t.Errorf("severitySetting = %s, %v", got, err)
	}
	if _, err := severitySetting([]byte(`{"cargoCaps.severity": {}}`)); err == nil {
		t.Error("a package.json without the enums must be an error")
	}
}
