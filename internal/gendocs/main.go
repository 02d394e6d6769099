// Command gendocs writes what is generated from the capability table (caps)
// and the diagnostic codes (finding) into the files people read: the
// README's capability table and the VS Code extension's severity setting.
// `go generate ./caps` (or `make generate`) runs it; its test fails when the
// files differ from what it would write.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/finding"
)

// target is one file with generated parts and how to regenerate them.
type target struct {
	path    string // relative to the repository root
	rewrite func(text []byte) ([]byte, error)
}

var targets = []target{
	{"README.md", func(text []byte) ([]byte, error) { return replaceRegion(text, "capabilities", capabilityTable()) }},
	{"editors/vscode/package.json", severitySetting},
}

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	for _, t := range targets {
		path := filepath.Join(*root, t.path)
		text, err := os.ReadFile(path)
		if err == nil {
			var out []byte
			if out, err = t.rewrite(text); err == nil && !bytes.Equal(out, text) {
				err = os.WriteFile(path, out, 0o644)
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "gendocs: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

// capabilityTable is the README's table of the capabilities, in output order.
func capabilityTable() string {
	var b strings.Builder
	b.WriteString("| capability | a crate with it may | implies | can lead to (shown in hovers, never granted) |\n|---|---|---|---|\n")
	var pure []string
	for _, c := range caps.All {
		info := c.Info()
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c, cell(info.May), orDash(quoted(info.Implies)), orDash(cell(info.Escalation)))
		if info.PureAllowed {
			pure = append(pure, "`"+c.String()+"`")
		}
	}
	fmt.Fprintf(&b, "\nA `pure-and-safe-only` crate, and everything it reaches, may need only %s.\n", strings.Join(pure, ", "))
	return b.String()
}

func quoted(s caps.Set) string {
	if s.IsEmpty() {
		return ""
	}
	return "`" + strings.Join(s.Names(), "`, `") + "`"
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// replaceRegion puts body between the lines `<!-- BEGIN GENERATED name …-->`
// and `<!-- END GENERATED name -->`.
func replaceRegion(text []byte, name, body string) ([]byte, error) {
	begin, end := []byte("<!-- BEGIN GENERATED "+name), []byte("<!-- END GENERATED "+name+" -->")
	i := bytes.Index(text, begin)
	if i < 0 {
		return nil, fmt.Errorf("no %q marker", begin)
	}
	nl := bytes.IndexByte(text[i:], '\n')
	j := bytes.Index(text[i:], end)
	if nl < 0 || j < nl {
		return nil, fmt.Errorf("no %q after %q", end, begin)
	}
	start, stop := i+nl+1, i+j
	return append(append(append([]byte{}, text[:start]...), body...), text[stop:]...), nil
}

// severitySetting fills the enums of the `cargoCaps.severity` setting: the
// codes it may name and the levels it may set, as the server accepts them.
func severitySetting(text []byte) ([]byte, error) {
	codes := make([]string, len(finding.Codes))
	for i, c := range finding.Codes {
		codes[i] = string(c)
	}
	levels := []string{}
	for s := finding.Error; s >= finding.Hint; s-- {
		levels = append(levels, s.String())
	}
	levels = append(levels, "off")
	out, err := replaceEnum(text, []string{`"cargoCaps.severity"`, `"propertyNames"`}, codes)
	if err == nil {
		out, err = replaceEnum(out, []string{`"cargoCaps.severity"`, `"additionalProperties"`}, levels)
	}
	if err == nil && !json.Valid(out) {
		err = fmt.Errorf("rewritten text is not JSON")
	}
	return out, err
}

// replaceEnum replaces the items of the first `"enum": [...]` after the
// anchors (found one after the other), keeping the file's indentation.
func replaceEnum(text []byte, anchors []string, values []string) ([]byte, error) {
	at := 0
	for _, a := range append(anchors, `"enum": [`) {
		i := bytes.Index(text[at:], []byte(a))
		if i < 0 {
			return nil, fmt.Errorf("no %s after %s", a, strings.Join(anchors, " "))
		}
		at += i
	}
	indent := at - (bytes.LastIndexByte(text[:at], '\n') + 1)
	open := at + len(`"enum": [`)
	closing := bytes.IndexByte(text[open:], ']')
	if closing < 0 {
		return nil, fmt.Errorf("unterminated enum after %s", strings.Join(anchors, " "))
	}
	pad := strings.Repeat(" ", indent)
	items := make([]string, len(values))
	for i, v := range values {
		q, _ := json.Marshal(v)
		items[i] = pad + "  " + string(q)
	}
	list := "\n" + strings.Join(items, ",\n") + "\n" + pad
	return append(append(append([]byte{}, text[:open]...), list...), text[open+closing:]...), nil
}
