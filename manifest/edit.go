package manifest

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
	"github.com/cargo-caps/cargo-caps/span"
)

// The quick-fixes of SPEC §5 as edits that change only the bytes they must:
// comments, ordering, CRLF line endings, inline tables and dotted keys stay as
// written; new text follows the file's line ending and the array's quoting
// and spacing. Every function returns nil when there is nothing to do or the
// place to edit cannot be read (an unclosed array, say).

// Apply returns text with edits applied. Edits are ordered by start
// (insertions before replacements at the same place, otherwise as given); an
// edit overlapping an earlier one is dropped.
func Apply(text []byte, edits []Edit) []byte {
	sorted := slices.Clone(edits)
	slices.SortStableFunc(sorted, func(a, b Edit) int {
		if c := cmp.Compare(a.Range.Start, b.Range.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.Range.End-a.Range.Start, b.Range.End-b.Range.Start)
	})
	var out []byte
	last := 0
	for _, e := range sorted {
		if e.Range.Start < last || e.Range.End < e.Range.Start || e.Range.End > len(text) {
			continue
		}
		out = append(out, text[last:e.Range.Start]...)
		out = append(out, e.NewText...)
		last = e.Range.End
	}
	return append(out, text[last:]...)
}

// AddCapability adds cs to the crate's `capability` list: to Form A's, or to
// Form B's when only that exists; when neither exists it writes Form A,
// creating [package.metadata.capabilities] if missing. It never writes
// default-capability: use DeclareCapabilities to restrict a crate that
// declares nothing.
func AddCapability(m *Manifest, cs ...caps.Capability) []Edit {
	p := m.Package
	if p == nil {
		return nil
	}
	names := absent(p.Capabilities, cs)
	if len(names) == 0 {
		return nil
	}
	e := m.editor()
	if arr := m.array([]string{"package", "capability"}); arr != nil && m.array(append(slices.Clone(packageCaps), "capability")) == nil {
		return e.appendElements(arr, names)
	}
	return e.addTo(append(slices.Clone(packageCaps), "capability"), names...)
}

// absent names the capabilities of cs that no value in have holds, once each.
func absent(have []Value, cs []caps.Capability) []string {
	var out []string
	for _, c := range cs {
		if !slices.ContainsFunc(have, func(v Value) bool { return v.Cap == c }) && !slices.Contains(out, c.String()) {
			out = append(out, c.String())
		}
	}
	return out
}

// AddFeatureCapability makes enabling feature request c, in Form A (a Form B
// `cap:` value would break the build).
func AddFeatureCapability(m *Manifest, feature string, c caps.Capability) []Edit {
	p := m.Package
	if p == nil || slices.ContainsFunc(p.FeatureCaps[feature], func(v Value) bool { return v.Cap == c }) {
		return nil
	}
	return m.editor().addTo(append(slices.Clone(packageCaps), "features", feature), c.String())
}

// GrantDependency grants cs to the normal dependency with key depKey: in its
// Form A entry, else in its Form B `capability` key, else in a new Form A entry.
func GrantDependency(m *Manifest, depKey string, cs ...caps.Capability) []Edit {
	p := m.Package
	if p == nil {
		return nil
	}
	names := absent(p.DepCaps[depKey], cs)
	if len(names) == 0 {
		return nil
	}
	e := m.editor()
	path := append(slices.Clone(packageCaps), "dependencies", depKey)
	if m.array(path) == nil {
		for _, it := range m.formBDepCaps() {
			if it.path[len(it.path)-2] == depKey && it.ent.val.kind == vArray && it.ent.val.closed {
				return e.appendElements(it.ent.val, names)
			}
		}
	}
	return e.addTo(path, names...)
}

// Limit is a capability list for one key: a grant to a dependency (by its
// key in [dependencies]), or what a feature requests.
type Limit struct {
	Key  string
	Caps caps.Set
}

// LimitDependencies writes a Form A grant for each dependency of limits that
// has none yet (an empty set writes `key = []`: that dependency may use
// nothing), all in one table, in the order given.
func LimitDependencies(m *Manifest, limits []Limit) []Edit {
	if m.Package == nil {
		return nil
	}
	return m.editor().setLists("dependencies", limits, m.Package.DepCaps)
}

// RequestForFeatures writes, in Form A, what each feature of limits requests
// (those that request nothing yet), all in one table, in the order given.
func RequestForFeatures(m *Manifest, limits []Limit) []Edit {
	if m.Package == nil {
		return nil
	}
	return m.editor().setLists("features", limits, m.Package.FeatureCaps)
}

// setLists writes `key = [...]` for each of limits into the Form A table
// sub, but for keys written already (have, or anything at their path).
func (e *editor) setLists(sub string, limits []Limit, have map[string][]Value) []Edit {
	table := append(slices.Clone(packageCaps), sub)
	var kvs []keyValue
	for _, l := range limits {
		if _, written := have[l.Key]; written || e.blocked(append(slices.Clone(table), l.Key)) ||
			slices.ContainsFunc(kvs, func(kv keyValue) bool { return kv.key == l.Key }) {
			continue
		}
		kvs = append(kvs, keyValue{key: l.Key, text: e.capArray(l.Caps.Names()...)})
	}
	return e.setKeys(table, kvs)
}

// RecordAudits records in the workspace root manifest m that a person
// accepts crate using cs; version "" means every version. One edit adds
// every capability of cs the entry does not cover yet; one that another of
// cs implies is not written (`fs` says `fs-readonly` too). It returns nil
// for a manifest without [workspace]: adding one would make it a workspace
// root.
func RecordAudits(m *Manifest, crate, version string, cs caps.Set) []Edit {
	if m.Workspace == nil || crate == "" {
		return nil
	}
	key := crate
	if version != "" {
		key += "@" + version
	}
	for _, a := range m.Workspace.Audited {
		if a.Crate == crate && a.Version == version {
			cs = cs.Minus(a.Caps.Close())
		}
	}
	for _, c := range cs.List() {
		if implied, ok := c.Implies(); ok {
			cs = cs.Remove(implied)
		}
	}
	if cs.IsEmpty() {
		return nil
	}
	return m.editor().addTo(append(slices.Clone(workspaceCaps), "audited", key), cs.Names()...)
}

// RemoveCapability removes the declared value v (either form) and its comma.
func RemoveCapability(m *Manifest, v Value) []Edit {
	arr, i := m.arrayHolding(v.Range)
	if arr == nil {
		return nil
	}
	return m.editor().removeElements(arr, func(j int) bool { return j == i })
}

// Narrow replaces the declared value v by to (fs → fs-readonly), keeping its
// quotes and, for a Form B feature value, its `cap:` prefix. When the array
// already holds to, v is removed instead.
func Narrow(m *Manifest, v Value, to caps.Capability) []Edit {
	arr, i := m.arrayHolding(v.Range)
	if arr == nil {
		return nil
	}
	el := arr.elems[i]
	name := to.String()
	if strings.HasPrefix(el.str, "cap:") {
		name = "cap:" + name
	}
	if slices.ContainsFunc(arr.elems, func(o *value) bool { return o.kind == vString && o.str == name }) {
		return m.editor().removeElements(arr, func(j int) bool { return j == i })
	}
	return []Edit{{Range: el.rng, NewText: quote(name, el.quote)}}
}

// MigrateFormB moves every Form B declaration — the [package] keys, `cap:`
// feature values and normal dependencies' `capability` keys — into Form A,
// merging with what Form A already says, and removes the Form B bytes.
// Limits on dev- and build-dependencies (which have no effect) are left alone.
func MigrateFormB(m *Manifest) []Edit {
	p := m.Package
	if p == nil || !p.HasFormB {
		return nil
	}
	e := m.editor()
	var edits, removals []Edit
	blocked := false
	var top []keyValue
	for _, k := range formBKeys {
		it := m.item([]string{"package", k})
		if it == nil {
			continue
		}
		removals = append(removals, e.removeEntry(*it)...)
		path := append(slices.Clone(packageCaps), k)
		switch arrA := m.array(path); {
		case k == "capability" && arrA != nil:
			edits = append(edits, e.appendElements(arrA, missing(arrA, it.ent.val, ""))...)
		case m.item(path) != nil:
			// Form A already says it, and Form A wins.
		case e.blocked(path):
			blocked = true
		default:
			top = append(top, keyValue{key: k, text: e.text(it.ent.val.rng), comment: e.trailingComment(it.ent)})
		}
	}
	edits = append(edits, e.setKeys(packageCaps, top)...)

	// moved collects, per table and key, the names to add in file order.
	type move struct {
		key   string
		names []string
	}
	moveAll := func(table []string, moves []move) {
		var kvs []keyValue
		for _, mv := range moves {
			path := append(slices.Clone(table), mv.key)
			if arrA := m.array(path); arrA != nil {
				var add []string
				for _, n := range mv.names {
					if !slices.ContainsFunc(arrA.elems, func(o *value) bool { return o.kind == vString && o.str == n }) {
						add = append(add, n)
					}
				}
				edits = append(edits, e.appendElements(arrA, add)...)
			} else if e.blocked(path) {
				blocked = true
			} else {
				kvs = append(kvs, keyValue{key: mv.key, text: e.capArray(mv.names...)})
			}
		}
		edits = append(edits, e.setKeys(table, kvs)...)
	}
	add := func(moves []move, key string, from *value, prefix string) []move {
		i := slices.IndexFunc(moves, func(mv move) bool { return mv.key == key })
		if i < 0 {
			moves, i = append(moves, move{key: key}), len(moves)
		}
		for _, n := range missing(nil, from, prefix) {
			if !slices.Contains(moves[i].names, n) {
				moves[i].names = append(moves[i].names, n)
			}
		}
		return moves
	}
	isCap := func(v *value) bool { return v.kind == vString && strings.HasPrefix(v.str, "cap:") }
	var feats []move
	for _, it := range m.items {
		if len(it.path) == 2 && it.path[0] == "features" && it.ent != nil && it.ent.val.kind == vArray && slices.ContainsFunc(it.ent.val.elems, isCap) {
			arr := it.ent.val
			removals = append(removals, e.removeElements(arr, func(j int) bool { return isCap(arr.elems[j]) })...)
			feats = add(feats, it.path[1], arr, "cap:")
		}
	}
	moveAll(append(slices.Clone(packageCaps), "features"), feats)

	var deps []move
	for _, it := range m.formBDepCaps() {
		removals = append(removals, e.removeEntry(it)...)
		if it.ent.val.kind == vArray {
			deps = add(deps, it.path[len(it.path)-2], it.ent.val, "")
		}
	}
	moveAll(append(slices.Clone(packageCaps), "dependencies"), deps)
	if blocked {
		return nil
	}
	return append(removals, edits...)
}

// DeclareCapabilities writes the minimal Form A declaration that restricts
// the crate to set: `default-capability = false` and `capability = [...]`.
// A Form B declaration, if any, still counts (migrate it first).
func DeclareCapabilities(m *Manifest, set caps.Set) []Edit {
	if m.Package == nil {
		return nil
	}
	e := m.editor()
	var edits []Edit
	var kvs []keyValue
	defPath := append(slices.Clone(packageCaps), "default-capability")
	if it := m.item(defPath); it == nil {
		kvs = append(kvs, keyValue{key: "default-capability", text: "false"})
	} else if it.ent.val.kind != vBool || it.ent.val.b {
		edits = append(edits, Edit{Range: it.ent.val.rng, NewText: "false"})
	}
	if arr := m.array(append(slices.Clone(packageCaps), "capability")); arr != nil {
		edits = append(edits, e.setElements(arr, set)...)
	} else if it := m.item(append(slices.Clone(packageCaps), "capability")); it != nil {
		edits = append(edits, Edit{Range: it.ent.val.rng, NewText: e.capArray(set.Names()...)})
	} else {
		kvs = append(kvs, keyValue{key: "capability", text: e.capArray(set.Names()...)})
	}
	return append(edits, e.setKeys(packageCaps, kvs)...)
}

// addTo adds names to the array at path, creating it when nothing is
// written there. A value of another type at path or at a table on the way
// is left for the user to fix: editing around it would not be valid TOML.
func (e *editor) addTo(path []string, names ...string) []Edit {
	if arr := e.m.array(path); arr != nil {
		return e.appendElements(arr, names)
	}
	if e.blocked(path) {
		return nil
	}
	return e.setKeys(path[:len(path)-1], []keyValue{{key: path[len(path)-1], text: e.capArray(names...)}})
}

// blocked reports whether something is written at or under path, or a
// value that is not a table on the way to it.
func (e *editor) blocked(path []string) bool {
	return slices.ContainsFunc(e.m.items, func(it item) bool {
		return hasPrefix(it.path, path) || it.ent != nil && it.ent.val.kind != vTable && hasPrefix(path, it.path)
	})
}

// missing lists the capability names of from's string elements (with prefix
// cut; elements without it skipped) that arr does not hold yet.
func missing(arr, from *value, prefix string) []string {
	var out []string
	for _, el := range from.elems {
		name, ok := strings.CutPrefix(el.str, prefix)
		if el.kind != vString || !ok || slices.Contains(out, name) {
			continue
		}
		if arr != nil && slices.ContainsFunc(arr.elems, func(o *value) bool { return o.kind == vString && o.str == name }) {
			continue
		}
		out = append(out, name)
	}
	return out
}

// Lookups in the lossless reading.

// item returns the first key/value at exactly path.
func (m *Manifest) item(path []string) *item {
	for i := range m.items {
		if m.items[i].ent != nil && slices.Equal(m.items[i].path, path) {
			return &m.items[i]
		}
	}
	return nil
}

// array returns the closed array at path, or nil.
func (m *Manifest) array(path []string) *value {
	if it := m.item(path); it != nil && it.ent.val.kind == vArray && it.ent.val.closed {
		return it.ent.val
	}
	return nil
}

// arrayHolding finds the closed array with an element at exactly r.
func (m *Manifest) arrayHolding(r span.Range) (*value, int) {
	var found *value
	idx := -1
	var visit func(v *value)
	visit = func(v *value) {
		for i, el := range v.elems {
			if el.rng == r && v.closed && found == nil {
				found, idx = v, i
			}
			visit(el)
		}
		for _, e := range v.entries {
			visit(e.val)
		}
	}
	for _, it := range m.items {
		if it.ent != nil && it.parent == nil {
			visit(it.ent.val)
		}
	}
	return found, idx
}

// formBDepCaps returns the `capability` items of normal dependencies.
func (m *Manifest) formBDepCaps() []item {
	var out []item
	for _, it := range m.items {
		if kind, _, n, ok := depTable(it.path); ok && kind == Normal && it.ent != nil &&
			len(it.path) == n+2 && it.path[n+1] == "capability" {
			out = append(out, it)
		}
	}
	return out
}

// editor computes edits in one manifest's style.
type editor struct {
	m  *Manifest
	nl string // the file's line ending
}

func (m *Manifest) editor() *editor {
	e := &editor{m: m, nl: "\n"}
	if i := strings.IndexByte(string(m.Text), '\n'); i > 0 && m.Text[i-1] == '\r' {
		e.nl = "\r\n"
	}
	return e
}

func (e *editor) text(r span.Range) string { return string(e.m.Text[r.Start:r.End]) }

// capArray formats a new array of names in the file's usual quotes.
func (e *editor) capArray(names ...string) string {
	q := e.quoteChar()
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quote(n, q)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// quoteChar is the quote of the file's first string value, else '"'.
func (e *editor) quoteChar() byte {
	for _, it := range e.m.items {
		if it.ent != nil && it.ent.val.kind == vString && !strings.HasPrefix(e.text(it.ent.val.rng), `'''`) && !strings.HasPrefix(e.text(it.ent.val.rng), `"""`) {
			return it.ent.val.quote
		}
	}
	return '"'
}

// quote writes s as a TOML string, with quote q when s allows it.
func quote(s string, q byte) string {
	if q == '\'' && !strings.ContainsFunc(s, func(r rune) bool { return r == '\'' || r < ' ' || r == 0x7f }) {
		return "'" + s + "'"
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString("\\" + string(r))
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func formatKey(path []string) string {
	out := make([]string, len(path))
	for i, k := range path {
		out[i] = k
		if !bareKey.MatchString(k) {
			out[i] = quote(k, '"')
		}
	}
	return strings.Join(out, ".")
}

// appendElements adds names at the end of arr, in its quoting and spacing:
// one per line in a multi-line array, else after the last element.
func (e *editor) appendElements(arr *value, names []string) []Edit {
	if !arr.closed || len(names) == 0 {
		return nil
	}
	q := byte('"')
	if n := len(arr.elems); n > 0 && arr.elems[n-1].kind == vString {
		q = arr.elems[n-1].quote
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = quote(n, q)
	}
	text := e.m.Text
	open, closing := arr.rng.Start, arr.rng.End-1
	if len(arr.elems) == 0 {
		inner := span.Range{Start: open + 1, End: closing}
		if strings.TrimSpace(e.text(inner)) == "" {
			return []Edit{{Range: inner, NewText: strings.Join(quoted, ", ")}}
		}
		return []Edit{{Range: span.Range{Start: open + 1, End: open + 1}, NewText: strings.Join(quoted, ", ") + ","}}
	}
	last := arr.elems[len(arr.elems)-1]
	sep := ", "
	if n := len(arr.elems); n >= 2 {
		if s := string(text[arr.elems[n-2].rng.End:last.rng.Start]); strings.TrimSpace(s) == "," && !strings.ContainsAny(s, "\r\n") {
			sep = s
		}
	}
	// Multi-line: the last element starts its line and the bracket is below it.
	lineStart := lineStartOf(text, last.rng.Start)
	lineEnd := strings.IndexByte(string(text[last.rng.End:closing]), '\n')
	if strings.TrimSpace(string(text[lineStart:last.rng.Start])) == "" && lineEnd >= 0 {
		indent := string(text[lineStart:last.rng.Start])
		after := last.rng.End
		for after < closing && (text[after] == ' ' || text[after] == '\t') {
			after++
		}
		comma := after < closing && text[after] == ','
		var b strings.Builder
		for i, qn := range quoted {
			b.WriteString(indent + qn)
			if comma || i < len(quoted)-1 {
				b.WriteString(",")
			}
			b.WriteString(e.nl)
		}
		at := last.rng.End + lineEnd + 1
		edits := []Edit{{Range: span.Range{Start: at, End: at}, NewText: b.String()}}
		if !comma {
			edits = append(edits, Edit{Range: span.Range{Start: last.rng.End, End: last.rng.End}, NewText: ","})
		}
		return edits
	}
	return []Edit{{Range: span.Range{Start: last.rng.End, End: last.rng.End}, NewText: sep + strings.Join(quoted, sep)}}
}

// removeElements removes the elements of arr for which remove says so, each
// with its comma; an element alone on its line goes with its line.
func (e *editor) removeElements(arr *value, remove func(int) bool) []Edit {
	if !arr.closed {
		return nil
	}
	ranges := make([]span.Range, len(arr.elems))
	for i, el := range arr.elems {
		ranges[i] = el.rng
	}
	return e.removeFromList(arr.rng, ranges, remove)
}

// removeFromList removes elements of a bracketed list (array or inline
// table) given their ranges; outer includes the brackets.
func (e *editor) removeFromList(outer span.Range, elems []span.Range, remove func(int) bool) []Edit {
	text := e.m.Text
	kept := -1 // the last kept element so far
	var dels []span.Range
	all := true
	for i := range elems {
		if !remove(i) {
			all = false
		}
	}
	if all {
		if len(elems) == 0 {
			return nil
		}
		return []Edit{{Range: span.Range{Start: outer.Start + 1, End: outer.End - 1}}}
	}
	for i, r := range elems {
		if !remove(i) {
			kept = i
			continue
		}
		if line, ok := ownLine(text, r, outer.End-1); ok {
			dels = append(dels, line)
			continue
		}
		if i+1 < len(elems) {
			dels = append(dels, span.Range{Start: r.Start, End: elems[i+1].Start})
			continue
		}
		// The last element takes the comma before it, after the last kept one
		// (there is one: not all are removed).
		dels = append(dels, span.Range{Start: elems[kept].End, End: r.End})
	}
	return mergeDeletions(dels)
}

// ownLine returns the whole line(s) of an element when nothing but blanks,
// its comma and a comment share them, and the list's bracket is not on them.
func ownLine(text []byte, r span.Range, closing int) (span.Range, bool) {
	start := lineStartOf(text, r.Start)
	if strings.TrimSpace(string(text[start:r.Start])) != "" {
		return span.Range{}, false
	}
	i := r.End
	for i < closing && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	if i < closing && text[i] == ',' {
		i++
	}
	for i < closing && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	if i < closing && text[i] == '#' {
		for i < closing && text[i] != '\n' {
			i++
		}
	}
	if i < closing && text[i] == '\r' {
		i++
	}
	if i >= closing || text[i] != '\n' {
		return span.Range{}, false
	}
	return span.Range{Start: start, End: i + 1}, true
}

func mergeDeletions(dels []span.Range) []Edit {
	slices.SortFunc(dels, func(a, b span.Range) int { return cmp.Compare(a.Start, b.Start) })
	var out []Edit
	for _, d := range dels {
		if n := len(out); n > 0 && d.Start <= out[n-1].Range.End {
			out[n-1].Range.End = max(out[n-1].Range.End, d.End)
			continue
		}
		out = append(out, Edit{Range: d})
	}
	return out
}

func lineStartOf(text []byte, off int) int {
	for off > 0 && text[off-1] != '\n' {
		off--
	}
	return off
}

// setElements makes arr hold exactly the capabilities of set.
func (e *editor) setElements(arr *value, set caps.Set) []Edit {
	var have caps.Set
	drop := func(j int) bool {
		el := arr.elems[j]
		c, ok := caps.Parse(el.str)
		return el.kind != vString || !ok || !set.Has(c) ||
			slices.IndexFunc(arr.elems, func(o *value) bool { return o.kind == vString && o.str == el.str }) != j
	}
	anyDrop := false
	for j, el := range arr.elems {
		if drop(j) {
			anyDrop = true
		} else if c, ok := caps.Parse(el.str); ok {
			have = have.Add(c)
		}
	}
	add := set.Minus(have).Names()
	switch {
	case anyDrop && len(add) > 0:
		q := byte('"')
		if len(arr.elems) > 0 {
			q = arr.elems[0].quote
		}
		names := make([]string, 0, set.Len())
		for _, n := range set.Names() {
			names = append(names, quote(n, q))
		}
		return []Edit{{Range: arr.rng, NewText: "[" + strings.Join(names, ", ") + "]"}}
	case anyDrop:
		return e.removeElements(arr, drop)
	}
	return e.appendElements(arr, add)
}

// removeEntry removes a key/value: its line(s) at table level, or the pair
// and its comma inside an inline table.
func (e *editor) removeEntry(it item) []Edit {
	if it.parent != nil {
		if !it.parent.closed {
			return nil
		}
		ranges := make([]span.Range, len(it.parent.entries))
		for i, en := range it.parent.entries {
			ranges[i] = en.rng
		}
		return e.removeFromList(it.parent.rng, ranges, func(i int) bool { return it.parent.entries[i] == it.ent })
	}
	return []Edit{{Range: it.ent.line}}
}

type keyValue struct {
	key     string // one key segment
	text    string // the value as TOML source
	comment string // a comment that followed it on its line (with the blanks before it), kept where the key moves to its own line
}

// trailingComment is the comment after en's value on its last line, with
// the blanks before it, or "".
func (e *editor) trailingComment(en *entry) string {
	if en.line == (span.Range{}) {
		return ""
	}
	rest := strings.TrimRight(string(e.m.Text[en.rng.End:en.line.End]), "\r\n")
	if !strings.HasPrefix(strings.TrimLeft(rest, " \t"), "#") {
		return ""
	}
	return rest
}

// setKeys adds keys (absent so far) to the table at path: inside the inline
// table or [header] table that holds it, as dotted keys beside its siblings
// when the file writes it that way, or under a new [header] placed after
// the related tables.
func (e *editor) setKeys(path []string, kvs []keyValue) []Edit {
	if len(kvs) == 0 || slices.ContainsFunc(e.m.items, func(it item) bool {
		return it.ent != nil && it.ent.val.kind != vTable && hasPrefix(path, it.path)
	}) {
		return nil // `package = ""`: no table to add to
	}
	// The deepest table whose path is a prefix of path holds the new keys.
	var inline *value
	var inlinePath []string
	for _, it := range e.m.items {
		if it.ent != nil && it.ent.val.kind == vTable && hasPrefix(path, it.path) && len(it.path) > len(inlinePath) {
			inline, inlinePath = it.ent.val, it.path
		}
	}
	hdr := e.m.doc.tables[0] // the root table holds every path
	for _, t := range e.m.doc.tables[1:] {
		if !t.array && hasPrefix(path, t.names()) && len(t.key) > len(hdr.key) {
			hdr = t
		}
	}
	if inline != nil && len(inlinePath) >= len(hdr.key) {
		return e.insertInline(inline, path[len(inlinePath):], kvs)
	}
	// Beside the entry sharing the longest dotted prefix with path, if any
	// shares more than the table's own path.
	base := hdr.names()
	var anchor *entry
	best := len(base)
	for _, it := range e.m.items {
		if it.tbl == hdr && it.parent == nil && it.ent != nil {
			if n := commonPrefix(it.path, path); n > best || n == best && anchor != nil {
				anchor, best = it.ent, n
			}
		}
	}
	if len(base) == len(path) && len(hdr.entries) > 0 {
		anchor = hdr.entries[len(hdr.entries)-1]
	}
	lines := func(rel []string) string {
		var b strings.Builder
		for _, kv := range kvs {
			b.WriteString(formatKey(append(slices.Clone(rel), kv.key)) + " = " + kv.text + kv.comment + e.nl)
		}
		return b.String()
	}
	switch {
	case anchor != nil:
		return e.insertLines(anchor.line.End, lines(path[len(base):]), false)
	case len(base) == len(path) && hdr.header != (span.Range{}):
		return e.insertLines(hdr.line.End, lines(nil), false)
	}
	return e.newTable(path, "["+formatKey(path)+"]"+e.nl+lines(nil))
}

func commonPrefix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func (e *editor) insertInline(t *value, rel []string, kvs []keyValue) []Edit {
	if !t.closed {
		return nil
	}
	pairs := make([]string, len(kvs))
	for i, kv := range kvs {
		pairs[i] = formatKey(append(slices.Clone(rel), kv.key)) + " = " + kv.text
	}
	if len(t.entries) == 0 {
		return []Edit{{Range: span.Range{Start: t.rng.Start + 1, End: t.rng.End - 1}, NewText: " " + strings.Join(pairs, ", ") + " "}}
	}
	at := t.entries[len(t.entries)-1].rng.End
	return []Edit{{Range: span.Range{Start: at, End: at}, NewText: ", " + strings.Join(pairs, ", ")}}
}

// insertLines inserts whole lines at a line start, adding a line break first
// when at is the end of a text without one; blank puts an empty line before.
func (e *editor) insertLines(at int, lines string, blank bool) []Edit {
	text := e.m.Text
	prefix := ""
	if at > 0 && text[at-1] != '\n' {
		prefix = e.nl
	}
	if blank && at > 0 {
		prefix += e.nl
	}
	return []Edit{{Range: span.Range{Start: at, End: at}, NewText: prefix + lines}}
}

// newTable places a new [header] table: before its first sub-table if one
// exists, else after the last table sharing the longest path prefix with
// it, else at the end.
func (e *editor) newTable(path []string, block string) []Edit {
	tables := e.m.doc.tables[1:]
	for _, t := range tables {
		if !t.array && len(t.key) > len(path) && hasPrefix(t.names(), path) {
			return []Edit{{Range: span.Range{Start: t.line.Start, End: t.line.Start}, NewText: block + e.nl}}
		}
	}
	for n := len(path) - 1; n > 0; n-- {
		var last *table
		for _, t := range tables {
			if hasPrefix(t.names(), path[:n]) {
				last = t
			}
		}
		if last != nil {
			return e.insertLines(last.end(), block, true)
		}
	}
	return e.insertLines(len(e.m.Text), block, len(e.m.Text) > 0)
}
