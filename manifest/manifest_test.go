package manifest

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"golang.org/x/tools/txtar"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
)

var update = flag.Bool("update", false, "rewrite the golden sections of testdata/*.txtar")

// A test case is one txtar file. Its comment may hold flags: `crlf` turns
// every line ending of the manifest and the expectations into CRLF,
// `no-final-newline` drops the manifest's last line break.
type testCase struct {
	path  string
	ar    *txtar.Archive
	crlf  bool
	input []byte
}

func loadCases(t *testing.T, dir string) []*testCase {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases in testdata/%s", dir)
	}
	var out []*testCase
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tc := &testCase{path: f, ar: ar, crlf: bytes.Contains(ar.Comment, []byte("crlf"))}
		i := slices.IndexFunc(ar.Files, func(f txtar.File) bool { return f.Name == "Cargo.toml" })
		if i < 0 {
			t.Fatalf("%s: no Cargo.toml section", f)
		}
		tc.input = tc.text(ar.Files[i].Data)
		if bytes.Contains(ar.Comment, []byte("no-final-newline")) {
			tc.input = bytes.TrimSuffix(bytes.TrimSuffix(tc.input, []byte("\n")), []byte("\r"))
		}
		out = append(out, tc)
	}
	return out
}

func (tc *testCase) text(b []byte) []byte {
	if tc.crlf {
		return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	}
	return b
}

// check compares got with the section named name, or rewrites it with
// -update; a manifest section follows the case's line endings.
func (tc *testCase) check(t *testing.T, name string, got []byte, isManifest bool) {
	t.Helper()
	i := slices.IndexFunc(tc.ar.Files, func(f txtar.File) bool { return f.Name == name })
	if *update {
		stored := bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n"))
		if i < 0 {
			tc.ar.Files = append(tc.ar.Files, txtar.File{Name: name, Data: stored})
		} else {
			tc.ar.Files[i].Data = stored
		}
		if err := os.WriteFile(tc.path, txtar.Format(tc.ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if i < 0 {
		t.Fatalf("no %q section; run with -update", name)
	}
	want := tc.ar.Files[i].Data
	if isManifest {
		want = tc.text(want)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range loadCases(t, "parse") {
		t.Run(strings.TrimSuffix(filepath.Base(tc.path), ".txtar"), func(t *testing.T) {
			m := Parse("/ws/Cargo.toml", tc.input)
			checkRanges(t, m)
			tc.check(t, "want", []byte(dump(m)), false)
		})
	}
}

// checkRanges asserts that every finding lies inside the text.
func checkRanges(t testing.TB, m *Manifest) {
	t.Helper()
	for _, f := range m.Findings {
		if f.Range.Start < 0 || f.Range.End < f.Range.Start || f.Range.End > len(m.Text) {
			t.Errorf("finding %q has range %v outside the text (%d bytes)", f.Message, f.Range, len(m.Text))
		}
	}
}

// dump writes what Parse read, one fact a line, ranges as line:col-line:col.
func dump(m *Manifest) string {
	var b strings.Builder
	at := func(r span.Range) string {
		s, e := m.Index.Pos(r.Start), m.Index.Pos(r.End)
		return fmt.Sprintf("%d:%d-%d:%d", s.Line, s.Column, e.Line, e.Column)
	}
	values := func(vs []Value) string {
		var out []string
		for _, v := range vs {
			out = append(out, fmt.Sprintf("%s(%c %s)", v.Cap, "AB"[v.Form], at(v.Range)))
		}
		return strings.Join(out, " ")
	}
	sorted := func(mp map[string][]Value) []string {
		keys := make([]string, 0, len(mp))
		for k := range mp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys
	}
	fmt.Fprintln(&b, "findings:")
	for _, f := range m.Findings {
		fmt.Fprintf(&b, "  %s %s %s: %s\n", at(f.Range), f.Severity, f.Code, f.Message)
	}
	if p := m.Package; p != nil {
		fmt.Fprintf(&b, "package %q %q name %s\n", p.Name, p.Version, at(p.NameRange))
		fmt.Fprintf(&b, "  declared %v formA %v formB %v\n", p.Declared, p.HasFormA, p.HasFormB)
		if p.DefaultCapability != nil {
			fmt.Fprintf(&b, "  default-capability %v %s\n", *p.DefaultCapability, at(p.DefaultCapabilityRange))
		}
		if p.PureAndSafeOnly {
			fmt.Fprintf(&b, "  pure-and-safe-only %s\n", at(p.PureRange))
		}
		if len(p.Capabilities) > 0 {
			fmt.Fprintf(&b, "  capability %s\n", values(p.Capabilities))
		}
		for _, k := range sorted(p.FeatureCaps) {
			fmt.Fprintf(&b, "  feature %s: %s\n", k, values(p.FeatureCaps[k]))
		}
		for _, k := range sorted(p.DepCaps) {
			fmt.Fprintf(&b, "  dependency %s: %s\n", k, values(p.DepCaps[k]))
		}
		if p.CapabilityArray != (span.Range{}) {
			fmt.Fprintf(&b, "  capability array %s\n", at(p.CapabilityArray))
		}
		if p.MetadataTable != (span.Range{}) {
			fmt.Fprintf(&b, "  metadata table %s\n", at(p.MetadataTable))
		}
	}
	var feats []string
	for name := range m.Features {
		feats = append(feats, name)
	}
	sort.Strings(feats)
	for _, name := range feats {
		f := m.Features[name]
		fmt.Fprintf(&b, "feature %s %s enables %q\n", name, at(f.Range), f.Enables)
	}
	for _, d := range m.Dependencies {
		fmt.Fprintf(&b, "%s-dependency %s package %s", [...]string{"normal", "dev", "build"}[d.Kind], d.Key, d.Package)
		if d.Target != "" {
			fmt.Fprintf(&b, " target %q", d.Target)
		}
		if d.Optional {
			fmt.Fprint(&b, " optional")
		}
		if d.Path != "" {
			fmt.Fprintf(&b, " path %q", d.Path)
		}
		fmt.Fprintf(&b, " key %s entry %s\n", at(d.KeyRange), at(d.Range))
	}
	if w := m.Workspace; w != nil {
		fmt.Fprintf(&b, "workspace members %q\n", w.Members)
		if w.DefaultCapability != nil {
			fmt.Fprintf(&b, "  default-capability %v\n", *w.DefaultCapability)
		}
		for _, c := range caps.All {
			if len(w.APIs[c]) > 0 {
				fmt.Fprintf(&b, "  apis %s: %q\n", c, w.APIs[c])
			}
		}
		for _, a := range w.Audited {
			fmt.Fprintf(&b, "  audited %s@%s: %s %s\n", a.Crate, cmpOr(a.Version, "*"), a.Caps, at(a.Range))
		}
		if w.AuditedTable != (span.Range{}) {
			fmt.Fprintf(&b, "  audited table %s\n", at(w.AuditedTable))
		}
		for _, g := range w.Build {
			fmt.Fprintf(&b, "  build %s@%s: %s %s\n", g.Crate, cmpOr(g.Version, "*"), g.Caps, at(g.Range))
		}
		if w.RunSandboxed != nil {
			fmt.Fprintf(&b, "  run-sandboxed [%s]\n", *w.RunSandboxed)
		}
		if w.BuildTable != (span.Range{}) {
			fmt.Fprintf(&b, "  build table %s\n", at(w.BuildTable))
		}
		for _, v := range w.Vet {
			fmt.Fprintf(&b, "  vet %s: %s %s\n", v.Criterion, v.Caps, at(v.Range))
		}
	}
	return b.String()
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestEdits runs testdata/edit cases: every section but Cargo.toml is named
// by an edit call, and holds the manifest that call must produce.
func TestEdits(t *testing.T) {
	for _, tc := range loadCases(t, "edit") {
		for _, f := range tc.ar.Files {
			if f.Name == "Cargo.toml" {
				continue
			}
			t.Run(strings.TrimSuffix(filepath.Base(tc.path), ".txtar")+"/"+f.Name, func(t *testing.T) {
				m := Parse("/ws/Cargo.toml", tc.input)
				edits, check := call(t, m, strings.Fields(f.Name))
				out := Apply(tc.input, edits)
				tc.check(t, f.Name, out, true)
				after := Parse("/ws/Cargo.toml", out)
				if validTOML(tc.input) && !validTOML(out) {
					t.Errorf("output is not valid TOML: %v", after.Findings)
				}
				// No edits (the place cannot be edited safely): the golden shows it unchanged.
				if len(edits) > 0 {
					if err := check(after); err != "" {
						t.Errorf("after the edit: %s", err)
					}
				}
			})
		}
	}
}

func validTOML(text []byte) bool {
	var v map[string]any
	_, err := toml.Decode(string(text), &v)
	return err == nil
}

// call runs the edit named by args and returns a check on the re-parsed output.
func call(t *testing.T, m *Manifest, args []string) ([]Edit, func(*Manifest) string) {
	capArg := func(s string) caps.Capability {
		c, ok := caps.Parse(s)
		if !ok {
			t.Fatalf("bad capability %q in a section name", s)
		}
		return c
	}
	has := func(vs []Value, c caps.Capability) bool {
		return slices.ContainsFunc(vs, func(v Value) bool { return v.Cap == c })
	}
	expect := func(ok bool, msg string) string {
		if ok {
			return ""
		}
		return msg
	}
	switch args[0] {
	case "AddCapability":
		c := capArg(args[1])
		return AddCapability(m, c), func(a *Manifest) string {
			return expect(has(a.Package.Capabilities, c), "capability missing")
		}
	case "AddFeatureCapability":
		c := capArg(args[2])
		return AddFeatureCapability(m, args[1], c), func(a *Manifest) string {
			return expect(has(a.Package.FeatureCaps[args[1]], c), "feature capability missing")
		}
	case "GrantDependency":
		c := capArg(args[2])
		return GrantDependency(m, args[1], c), func(a *Manifest) string {
			return expect(has(a.Package.DepCaps[args[1]], c), "grant missing")
		}
	case "RecordAudit": // RecordAudit CRATE VERSION|* CAP…
		var cs caps.Set
		for _, name := range args[3:] {
			cs = cs.Add(capArg(name))
		}
		version := strings.TrimPrefix(args[2], "*")
		return RecordAudits(m, args[1], version, cs), func(a *Manifest) string {
			return expect(slices.ContainsFunc(a.Workspace.Audited, func(x Audit) bool {
				return x.Crate == args[1] && x.Version == version && cs.SubsetOf(x.Caps.Close())
			}), "audit missing")
		}
	case "GrantBuild":
		c := capArg(args[2])
		return GrantBuild(m, args[1], c), func(a *Manifest) string {
			return expect(a.Workspace.BuildGrants(args[1], "").Has(c), "build grant missing")
		}
	case "RemoveCapability", "Narrow":
		// args[1] names the list: capability, feature:NAME or dependency:KEY.
		list := func(m *Manifest) []Value {
			kind, name, _ := strings.Cut(args[1], ":")
			switch kind {
			case "feature":
				return m.Package.FeatureCaps[name]
			case "dependency":
				return m.Package.DepCaps[name]
			}
			return m.Package.Capabilities
		}
		c := capArg(args[2])
		i := slices.IndexFunc(list(m), func(v Value) bool { return v.Cap == c })
		if i < 0 {
			t.Fatalf("no %s in %s", c, args[1])
		}
		v := list(m)[i]
		count := func(m *Manifest, c caps.Capability) (n int) {
			for _, v := range list(m) {
				if v.Cap == c {
					n++
				}
			}
			return n
		}
		if args[0] == "Narrow" {
			to := capArg(args[3])
			return Narrow(m, v, to), func(a *Manifest) string {
				return expect(count(a, c) == count(m, c)-1 && count(a, to) >= 1, "not narrowed")
			}
		}
		return RemoveCapability(m, v), func(a *Manifest) string {
			return expect(count(a, c) == count(m, c)-1, "not removed")
		}
	case "MigrateFormB":
		return MigrateFormB(m), func(a *Manifest) string {
			formB := slices.ContainsFunc(a.Package.Capabilities, func(v Value) bool { return v.Form == FormB })
			for _, vs := range a.Package.FeatureCaps {
				formB = formB || slices.ContainsFunc(vs, func(v Value) bool { return v.Form == FormB })
			}
			for _, vs := range a.Package.DepCaps {
				formB = formB || slices.ContainsFunc(vs, func(v Value) bool { return v.Form == FormB })
			}
			return expect(!formB && a.Package.HasFormA && sameDeclaration(m, a), "Form B left or declaration changed")
		}
	case "DeclareCapabilities":
		var set caps.Set
		for _, s := range args[1:] {
			set = set.Add(capArg(s))
		}
		return DeclareCapabilities(m, set), func(a *Manifest) string {
			d := a.Package.DefaultCapability
			return expect(d != nil && !*d && valueSet(a.Package.Capabilities) == set, "not declared as asked")
		}
	}
	t.Fatalf("unknown edit %q", args[0])
	return nil, nil
}

func valueSet(vs []Value) (s caps.Set) {
	for _, v := range vs {
		s = s.Add(v.Cap)
	}
	return s
}

// sameDeclaration reports whether two readings declare the same sets.
func sameDeclaration(a, b *Manifest) bool {
	pa, pb := a.Package, b.Package
	if valueSet(pa.Capabilities) != valueSet(pb.Capabilities) || pa.PureAndSafeOnly != pb.PureAndSafeOnly ||
		(pa.DefaultCapability == nil) != (pb.DefaultCapability == nil) ||
		pa.DefaultCapability != nil && *pa.DefaultCapability != *pb.DefaultCapability {
		return false
	}
	for _, pair := range [][2]map[string][]Value{{pa.FeatureCaps, pb.FeatureCaps}, {pa.DepCaps, pb.DepCaps}} {
		for k, vs := range pair[0] {
			if valueSet(vs) != valueSet(pair[1][k]) {
				return false
			}
		}
		for k, vs := range pair[1] {
			if valueSet(vs) != valueSet(pair[0][k]) {
				return false
			}
		}
	}
	return true
}
