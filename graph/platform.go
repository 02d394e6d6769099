package graph

import "strings"

// Platform is what rustc knows of a compilation target: its triple and its
// cfg values. Edge.Target is matched against it.
type Platform struct {
	Triple string
	Cfg    map[string][]string // "unix" → {""}, "target_os" → {"linux"}, …
}

// Applies reports whether the edge's dependency is built for platform p:
// always when it has no Target, else when p is one of its platforms.
func (e Edge) Applies(p Platform) bool {
	if e.Target == "" {
		return true
	}
	for _, t := range strings.Split(e.Target, " or ") {
		if p.Matches(t) {
			return true
		}
	}
	return false
}

// Matches evaluates a [target.X] key: a triple, or `cfg(...)` with all, any,
// not, names and `key = "value"` pairs. A cfg rustc does not set for the
// platform (miri, a --cfg flag) is false, as in rustc; a malformed one never
// matches.
func (p Platform) Matches(target string) bool {
	if !strings.HasPrefix(target, "cfg(") {
		return target == p.Triple
	}
	c := &cfgParser{s: target[len("cfg"):]}
	v, ok := c.group(p, "all")
	c.space()
	return ok && c.i == len(c.s) && v
}

type cfgParser struct {
	s string
	i int
}

func (c *cfgParser) space() {
	for c.i < len(c.s) && strings.ContainsRune(" \t\n", rune(c.s[c.i])) {
		c.i++
	}
}

func (c *cfgParser) eat(b byte) bool {
	c.space()
	if c.i < len(c.s) && c.s[c.i] == b {
		c.i++
		return true
	}
	return false
}

// group reads "(pred, pred, …)" and combines with op: all, any or not.
func (c *cfgParser) group(p Platform, op string) (bool, bool) {
	if !c.eat('(') {
		return false, false
	}
	var vals []bool
	for !c.eat(')') {
		if len(vals) > 0 && !c.eat(',') {
			return false, false
		}
		if c.eat(')') { // trailing comma
			break
		}
		v, ok := c.pred(p)
		if !ok {
			return false, false
		}
		vals = append(vals, v)
	}
	switch op {
	case "not":
		return len(vals) == 1 && !vals[0], len(vals) == 1
	case "any":
		for _, v := range vals {
			if v {
				return true, true
			}
		}
		return false, true
	}
	for _, v := range vals {
		if !v {
			return false, true
		}
	}
	return true, true
}

func (c *cfgParser) pred(p Platform) (bool, bool) {
	c.space()
	start := c.i
	for c.i < len(c.s) && (c.s[c.i] == '_' || c.s[c.i] >= 'a' && c.s[c.i] <= 'z' || c.s[c.i] >= 'A' && c.s[c.i] <= 'Z' || c.s[c.i] >= '0' && c.s[c.i] <= '9') {
		c.i++
	}
	name := c.s[start:c.i]
	if name == "" {
		return false, false
	}
	switch name {
	case "all", "any", "not":
		return c.group(p, name)
	}
	value := ""
	if c.eat('=') {
		if !c.eat('"') {
			return false, false
		}
		end := strings.IndexByte(c.s[c.i:], '"')
		if end < 0 {
			return false, false
		}
		value = c.s[c.i : c.i+end]
		c.i += end + 1
	}
	for _, v := range p.Cfg[name] {
		if v == value {
			return true, true
		}
	}
	return false, true
}
