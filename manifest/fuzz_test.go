package manifest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/caps"
)

const registry = "/usr/share/cargo/registry"

// seeds returns every manifest in testdata, also with CRLF line endings.
func seeds(f *testing.F) [][]byte {
	files, _ := filepath.Glob("testdata/*/*.txtar")
	var out [][]byte
	for _, name := range files {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name == "Cargo.toml" {
				out = append(out, file.Data, bytes.ReplaceAll(file.Data, []byte("\n"), []byte("\r\n")))
			}
		}
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		m := Parse("Cargo.toml", text)
		checkRanges(t, m)
		checkValues(t, m)
		if validTOML(text) {
			agree(t, text, m)
		}
	})
}

func FuzzEdits(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		if !validTOML(text) {
			// Edits on malformed text must still not panic.
			allEdits(Parse("Cargo.toml", text))
			return
		}
		checkEdits(t, text)
	})
}

// checkValues asserts that every declared value's range lies inside the text.
func checkValues(t testing.TB, m *Manifest) {
	t.Helper()
	if m.Package == nil {
		return
	}
	var all []Value
	all = append(all, m.Package.Capabilities...)
	for _, vs := range m.Package.FeatureCaps {
		all = append(all, vs...)
	}
	for _, vs := range m.Package.DepCaps {
		all = append(all, vs...)
	}
	for _, v := range all {
		if v.Range.Start < 0 || v.Range.End > len(m.Text) || v.Range.Start >= v.Range.End {
			t.Errorf("value %s has range %v outside the text", v.Cap, v.Range)
		}
	}
}

// agree checks the lossless reading against BurntSushi/toml's decoding of
// the same valid text: package name, Form A capabilities, dependency keys.
func agree(t testing.TB, text []byte, m *Manifest) {
	t.Helper()
	var doc map[string]any
	if _, err := toml.Decode(string(text), &doc); err != nil {
		return
	}
	table := func(v any, keys ...string) map[string]any {
		for _, k := range keys {
			mv, _ := v.(map[string]any)
			v = mv[k]
		}
		mv, _ := v.(map[string]any)
		return mv
	}
	pkg := table(doc, "package")
	if name, ok := pkg["name"].(string); ok && (m.Package == nil || m.Package.Name != name) {
		t.Errorf("package name: decoder %q, reader %+v", name, m.Package)
	}
	if arr, ok := table(doc, "package", "metadata", "capabilities")["capability"].([]any); ok {
		var want, got []string
		for _, el := range arr {
			if s, ok := el.(string); ok {
				if _, known := caps.Parse(s); known {
					want = append(want, s)
				}
			}
		}
		for _, v := range m.Package.Capabilities {
			if v.Form == FormA {
				got = append(got, v.Cap.String())
			}
		}
		if !slices.Equal(want, got) {
			t.Errorf("Form A capability: decoder %q, reader %q", want, got)
		}
	}
	var want, got []string
	for k := range table(doc, "dependencies") {
		want = append(want, k)
	}
	for k := range table(doc, "target", "", "dependencies") { // Target "" is also "no target"
		if !slices.Contains(want, k) {
			want = append(want, k)
		}
	}
	for _, d := range m.Dependencies {
		if d.Kind == Normal && d.Target == "" && !slices.Contains(got, d.Key) {
			got = append(got, d.Key)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("dependencies: decoder %q, reader %q", want, got)
	}
}

// allEdits computes every quick-fix the manifest offers, by name.
func allEdits(m *Manifest) map[string][]Edit {
	out := map[string][]Edit{
		"AddCapability fs":                 AddCapability(m, caps.FS),
		"AddCapability unsafe":             AddCapability(m, caps.Unsafe),
		"AddFeatureCapability tls net":     AddFeatureCapability(m, "tls", caps.Net),
		"GrantDependency serde net":        GrantDependency(m, "serde", caps.Net),
		"RecordAudits memchr unsafe":       RecordAudits(m, "memchr", "", caps.Of(caps.Unsafe)),
		"RecordAudits ring@0.17.8 fs":      RecordAudits(m, "ring", "0.17.8", caps.Of(caps.FS)),
		"MigrateFormB":                     MigrateFormB(m),
		"DeclareCapabilities fs net":       DeclareCapabilities(m, caps.Of(caps.FS, caps.Net)),
		"DeclareCapabilities (nothing)":    DeclareCapabilities(m, 0),
		"AddCapability fs net":             AddCapability(m, caps.FS, caps.Net),
		"GrantDependency serde net fs":     GrantDependency(m, "serde", caps.Net, caps.FS),
		"LimitDependencies every dep":      nil,
		"RequestForFeatures every feature": nil,
		"GrantDependency first-dep fs":     nil,
		"AddFeatureCapability first net":   nil,
	}
	if len(m.Dependencies) > 0 {
		out["GrantDependency first-dep fs"] = GrantDependency(m, m.Dependencies[0].Key, caps.FS)
	}
	var limits []Limit
	for i, d := range m.Dependencies {
		if d.Kind == Normal {
			var grant caps.Set // `[]` and `["net"]` in turn
			if i%2 == 1 {
				grant = caps.Of(caps.Net)
			}
			limits = append(limits, Limit{Key: d.Key, Caps: grant})
		}
	}
	out["LimitDependencies every dep"] = LimitDependencies(m, limits)
	var features []Limit
	for name := range m.Features {
		features = append(features, Limit{Key: name, Caps: caps.Of(caps.FS)})
	}
	slices.SortFunc(features, func(a, b Limit) int { return strings.Compare(a.Key, b.Key) })
	out["RequestForFeatures every feature"] = RequestForFeatures(m, features)
	for name := range m.Features {
		out["AddFeatureCapability first net"] = AddFeatureCapability(m, name, caps.Net)
		break
	}
	if p := m.Package; p != nil {
		var all []Value
		all = append(all, p.Capabilities...)
		for _, vs := range p.FeatureCaps {
			all = append(all, vs...)
		}
		for _, vs := range p.DepCaps {
			all = append(all, vs...)
		}
		for i, v := range all {
			out["RemoveCapability "+v.Cap.String()+string(rune('a'+i%26))] = RemoveCapability(m, v)
			out["Narrow "+v.Cap.String()+string(rune('a'+i%26))] = Narrow(m, v, caps.FSReadonly)
		}
	}
	return out
}

// checkEdits asserts that every edit of a valid manifest leaves it valid TOML.
func checkEdits(t testing.TB, text []byte) {
	t.Helper()
	m := Parse("Cargo.toml", text)
	for name, edits := range allEdits(m) {
		out := Apply(text, edits)
		if !validTOML(out) {
			var v map[string]any
			_, err := toml.Decode(string(out), &v)
			t.Errorf("%s: output is not valid TOML (%v):\n%s", name, err, out)
		}
	}
}

// TestRegistry reads every manifest of Debian's crate sources: real
// manifests without declarations must read without findings, agree with the
// decoder, and stay valid TOML after every edit.
func TestRegistry(t *testing.T) {
	manifests, _ := filepath.Glob(filepath.Join(registry, "*", "Cargo.toml"))
	if len(manifests) == 0 {
		t.Skipf("no crate sources under %s (apt-get install librust-tokio-dev …)", registry)
	}
	for _, path := range manifests {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := Parse(path, text)
		for _, f := range m.Findings {
			t.Errorf("%s: %s %s", path, f.Code, f.Message)
		}
		agree(t, text, m)
		checkEdits(t, text)
	}
	t.Logf("%d manifests", len(manifests))
}

func BenchmarkParse(b *testing.B) {
	text, err := os.ReadFile(filepath.Join(registry, "tokio-1.24.2", "Cargo.toml"))
	if err != nil {
		b.Skip("tokio's sources are not installed")
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Parse("Cargo.toml", text)
	}
}
