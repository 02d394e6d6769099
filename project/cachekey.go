package project

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cargo-caps/cargo-caps/apis"
	"github.com/cargo-caps/cargo-caps/caps"
)

// analysisVersion names the analyzer and embedded API table that produced a
// cached summary: the build's VCS revision, and for a build from a modified
// tree (or without VCS stamps) the executable's modification time, so a
// rebuilt development binary never reads summaries an older one wrote.
var analysisVersion = sync.OnceValue(func() string {
	v := "cargo-caps/5" // 2: exports; 3: the backstop and guarded reads add Unanalysed entries; 4: gates on Unanalysed, uses carry their sites; 5: uses and Unanalysed carry all their cfgs
	stamped := false
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v += "@" + s.Value
				stamped = true
			case "vcs.modified":
				stamped = stamped && s.Value == "false"
			}
		}
	}
	if !stamped {
		if exe, err := os.Executable(); err == nil {
			if st, err := os.Stat(exe); err == nil {
				v += fmt.Sprintf("+%d", st.ModTime().UnixNano())
			}
		}
	}
	return v
})

// apisFingerprint names the workspace's own API entries: they change what a
// crate's summary holds, so they are part of its cache key.
func apisFingerprint(extra map[caps.Capability][]string) string {
	var parts []string
	for c, paths := range extra {
		sorted := append([]string(nil), paths...)
		sort.Strings(sorted)
		parts = append(parts, c.String()+"="+strings.Join(sorted, ","))
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}

// exportsFingerprint names the direct dependencies' exports a crate was
// analysed with: a dependency that re-exports another API changes what the
// crate's summary holds, so they are part of its cache key.
func exportsFingerprint(deps map[string][]apis.Export) string {
	if len(deps) == 0 {
		return ""
	}
	h := sha256.New()
	for _, key := range slices.Sorted(maps.Keys(deps)) {
		for _, e := range deps[key] {
			fmt.Fprintf(h, "%s\x00%s\x00%s\n", key, e.Path, e.API)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
