package policy

import (
	"slices"
	"strconv"
	"strings"

	"github.com/cargo-caps/cargo-caps/analyzer"
	"github.com/cargo-caps/cargo-caps/graph"
)

// onTargets reports whether code under cfgs is compiled for some target the
// graph was built for, with the crate's enabled features: a predicate false
// for every listed target (`windows` on a Linux-only check) leaves the code
// out. With no targets every platform counts. A predicate a triple does not
// decide (`target_feature`, `panic`, a --cfg flag such as `tokio_unstable`)
// may hold. With enabled nil, features are unknown too (a member's own
// code under a feature is judged by that feature's grants, enabled or not).
func (e *evaluation) onTargets(cfgs []analyzer.Cfg, enabled map[string]bool) bool {
	if len(e.platforms) == 0 || len(cfgs) == 0 {
		return true
	}
	for _, p := range e.platforms {
		if !slices.ContainsFunc(cfgs, func(c analyzer.Cfg) bool { return evalCfg(c, p, enabled) == cfgFalse }) {
			return true
		}
	}
	return false
}

// tristate is a cfg predicate's value where some names are unknown.
type tristate int

const (
	cfgUnknown tristate = iota
	cfgFalse
	cfgTrue
)

func evalCfg(c analyzer.Cfg, p graph.Platform, enabled map[string]bool) tristate {
	switch c.Op {
	case analyzer.CfgFeature:
		if enabled == nil {
			return cfgUnknown
		}
		return known(enabled[c.Name])
	case analyzer.CfgAll:
		v := cfgTrue
		for _, a := range c.Args {
			switch evalCfg(a, p, enabled) {
			case cfgFalse:
				return cfgFalse
			case cfgUnknown:
				v = cfgUnknown
			}
		}
		return v
	case analyzer.CfgAny:
		v := cfgFalse
		for _, a := range c.Args {
			switch evalCfg(a, p, enabled) {
			case cfgTrue:
				return cfgTrue
			case cfgUnknown:
				v = cfgUnknown
			}
		}
		return v
	case analyzer.CfgNot:
		if len(c.Args) != 1 {
			return cfgUnknown
		}
		switch evalCfg(c.Args[0], p, enabled) {
		case cfgTrue:
			return cfgFalse
		case cfgFalse:
			return cfgTrue
		}
		return cfgUnknown
	}
	return platformCfg(c.Name, p)
}

func known(b bool) tristate {
	if b {
		return cfgTrue
	}
	return cfgFalse
}

// decidedByTriple are the cfg names whose values graph.TriplePlatform
// derives from a triple alone. target_has_atomic is left out: the triple
// does not say it exactly (i686 has 64-bit atomics).
var decidedByTriple = []string{"unix", "windows", "target_os", "target_family", "target_arch",
	"target_pointer_width", "target_endian", "target_env", "target_vendor"}

// platformCfg evaluates one predicate as written (`unix`, `target_os =
// "macos"`) against p's cfg values.
func platformCfg(text string, p graph.Platform) tristate {
	name, value, hasValue := strings.Cut(text, "=")
	name = strings.TrimSpace(name)
	if !slices.Contains(decidedByTriple, name) {
		return cfgUnknown
	}
	// The triple's last part is target_env only for these; `gnueabihf`,
	// `eabihf`, `sim` also carry an ABI the triple does not separate.
	if env := p.Cfg["target_env"]; name == "target_env" && (len(env) != 1 || !slices.Contains([]string{"", "gnu", "msvc", "musl"}, env[0])) {
		return cfgUnknown
	}
	if hasValue {
		v, err := strconv.Unquote(strings.TrimSpace(value))
		if err != nil {
			return cfgUnknown // a raw string, a macro variable: not read here
		}
		value = v
	}
	return known(slices.Contains(p.Cfg[name], value))
}
