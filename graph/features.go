package graph

import (
	"sort"
	"strings"
)

// enabledBy returns the features of a package (its [features] map, implicit
// features included) that enable its optional dependency key, directly or
// through other features. `x?/f` only enables f when x is already on, so it
// does not count.
func enabledBy(features map[string][]string, key string) []string {
	direct := func(values []string) bool {
		for _, v := range values {
			if v == "dep:"+key || v == key || strings.HasPrefix(v, key+"/") {
				return true
			}
		}
		return false
	}
	on := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for name, values := range features {
			if on[name] {
				continue
			}
			hit := direct(values)
			for _, v := range values {
				hit = hit || on[v]
			}
			if hit {
				on[name] = true
				changed = true
			}
		}
	}
	out := make([]string, 0, len(on))
	for name := range on {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
