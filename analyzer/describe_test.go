package analyzer

import (
	"testing"

	"github.com/cargo-caps/cargo-caps/caps"
)

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		use  Use
		want string
	}{
		{Use{Cap: caps.Unsafe, API: "unsafe block"}, "an unsafe block (the unsafe keyword): needs unsafe"},
		{Use{Cap: caps.Unsafe, API: "#[no_mangle]"}, "#[no_mangle] changes linking or symbol names: needs unsafe"},
		{Use{Cap: caps.EnvReadonly, API: `env!("HOME")`}, `env!("HOME") reads an environment variable at compile time: needs env-readonly`},
		{Use{Cap: caps.FS, API: "std::fs::write"}, "std::fs::write creates, writes, deletes, renames or re-permissions files by path: needs fs"},
		{Use{Cap: caps.FSReadonly, API: "std::fs::OpenOptions::open"}, "std::fs::OpenOptions::open opens a file by path; a builder chain that sets only read(true) needs only fs-readonly: needs fs-readonly here"},
	} {
		if got := tc.use.Describe(nil); got != tc.want {
			t.Errorf("Describe(%s) =\n\t%q, want\n\t%q", tc.use.API, got, tc.want)
		}
	}
}
