package graph

import (
	"strconv"
	"strings"
)

// reqMatches reports whether version satisfies a cargo version requirement
// ("1.2", "^1.2", "~1", "=1.2.3", ">=1, <2", "1.*"). Pre-release tags are
// ignored: it only tells apart two locked versions of one package.
func reqMatches(req, version string) bool {
	v, _ := parseVersion(version)
	for _, c := range strings.Split(req, ",") {
		c = strings.TrimSpace(c)
		if c == "" || c == "*" {
			continue
		}
		op := strings.TrimRight(c[:len(c)-len(strings.TrimLeft(c, "^~=<>"))], " ")
		r, n := parseVersion(strings.TrimSpace(c[len(op):]))
		cmp := compareVersions(v, r)
		ok := true
		switch op {
		case "", "^":
			// Compatible: same leftmost non-zero part among those written.
			ok = cmp >= 0 && caretUpper(v, r, n)
		case "~":
			ok = cmp >= 0 && v[0] == r[0] && (n < 2 || v[1] == r[1])
		case "=":
			ok = samePrefix(v, r, n)
		case ">":
			ok = cmp > 0 && !samePrefix(v, r, n)
		case ">=":
			ok = cmp >= 0
		case "<":
			ok = cmp < 0
		case "<=":
			ok = cmp <= 0 || samePrefix(v, r, n)
		}
		if !ok {
			return false
		}
	}
	return true
}

// parseVersion reads up to three numeric parts; n is how many were written
// (a `*` ends them).
func parseVersion(s string) (v [3]int, n int) {
	s, _, _ = strings.Cut(s, "-")
	s, _, _ = strings.Cut(s, "+")
	for i, part := range strings.SplitN(s, ".", 3) {
		x, err := strconv.Atoi(part)
		if err != nil {
			break
		}
		v[i], n = x, i+1
	}
	return v, n
}

func compareVersions(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func samePrefix(v, r [3]int, n int) bool {
	for i := 0; i < n; i++ {
		if v[i] != r[i] {
			return false
		}
	}
	return true
}

func caretUpper(v, r [3]int, n int) bool {
	for i := 0; i < n; i++ {
		if r[i] != 0 || i == n-1 {
			return samePrefix(v, r, i+1)
		}
	}
	return true
}
