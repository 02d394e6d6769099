package caps

import "testing"

func TestClose(t *testing.T) {
	if got := Of(FS, Env).Close(); got != Of(FS, FSReadonly, Env, EnvReadonly) {
		t.Errorf("Close = %s", got)
	}
	if !Of(FS).Covers(FSReadonly) || Of(FSReadonly).Covers(FS) {
		t.Error("fs covers fs-readonly, not the other way round")
	}
	if got := Everything.String(); got != "unsafe process fs net env fs-readonly env-readonly" {
		t.Errorf("order = %q", got)
	}
}

func TestDidYouMean(t *testing.T) {
	for in, want := range map[string]string{
		"filesytem": "fs", "fs-read-only": "fs-readonly", "netw": "net", "proces": "process",
		"environment": "env", "env-read": "env-readonly", "unsafe_code": "unsafe", "xyzzy": "",
		"socket": "net", "fs_readonly": "fs-readonly",
	} {
		if got := DidYouMean(in); got != want {
			t.Errorf("DidYouMean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range All {
		if got, ok := Parse(c.String()); !ok || got != c {
			t.Errorf("Parse(%q) = %v, %v", c, got, ok)
		}
	}
	if _, ok := Parse("fs_readonly"); ok {
		t.Error("Parse accepts a misspelling")
	}
}

// The table is the model SPEC §1 and §3.5 define: check its facts, not its prose.
func TestTable(t *testing.T) {
	if len(All) != int(count) {
		t.Fatalf("All has %d capabilities, the table %d", len(All), count)
	}
	for i, c := range All {
		info := c.Info()
		if int(c) != i || info.Name == "" || info.May == "" {
			t.Errorf("%d: entry %+v out of order or incomplete", i, info)
		}
		for _, d := range info.Implies.List() {
			if d == c || !d.Info().Implies.IsEmpty() {
				t.Errorf("%s implies %s: implication is one step to another capability", c, d)
			}
		}
	}
	if PureAllowed != Of(EnvReadonly) {
		t.Errorf("PureAllowed = %s", PureAllowed)
	}
	if got := FS.Meaning(); got != FS.Info().May+"; implies `fs-readonly`" {
		t.Errorf("Meaning = %q", got)
	}
	if Capability(count).String() != "Capability(7)" {
		t.Error("an out-of-range capability must still print")
	}
}
