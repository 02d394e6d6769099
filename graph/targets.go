package graph

import (
	"slices"
	"strings"
)

// TriplePlatform describes a target triple (`x86_64-unknown-linux-gnu`,
// `aarch64-apple-darwin`, `x86_64-pc-windows-msvc`, `wasm32-unknown-unknown`)
// with the cfg values rustc sets for it, as far as the triple tells them.
func TriplePlatform(triple string) Platform {
	parts := strings.Split(triple, "-")
	arch := parts[0]
	width, endian := "64", "little"
	switch {
	case arch == "x86_64":
	case arch == "i386" || arch == "i586" || arch == "i686":
		arch, width = "x86", "32"
	case strings.HasPrefix(arch, "aarch64"):
		arch = "aarch64"
	case strings.HasPrefix(arch, "arm") || strings.HasPrefix(arch, "thumb"):
		arch, width = "arm", "32"
	case strings.HasPrefix(arch, "riscv64"):
		arch = "riscv64"
	case strings.HasPrefix(arch, "riscv32"):
		arch, width = "riscv32", "32"
	case arch == "powerpc64le":
		arch = "powerpc64"
	case arch == "powerpc64" || arch == "s390x":
		endian = "big"
	case arch == "powerpc" || arch == "mips":
		width, endian = "32", "big"
	case arch == "wasm32":
		width = "32"
	}
	vendor, os, env := "unknown", "none", ""
	rest := parts[1:]
	if len(rest) > 0 && slices.Contains([]string{"unknown", "pc", "apple", "uwp", "fortanix", "nvidia", "sun", "wrs"}, rest[0]) {
		vendor, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		os = rest[0]
	}
	if len(rest) > 1 {
		env = rest[1]
	}
	family := "unix"
	switch {
	case os == "darwin":
		os = "macos"
	case os == "windows":
		family = "windows"
	case os == "linux" && strings.HasPrefix(env, "android"):
		os, env = "android", ""
	case arch == "wasm32":
		family = "wasm"
	case os == "none" || os == "unknown" || os == "uefi":
		family = ""
	}
	cfg := map[string][]string{
		"target_os": {os}, "target_arch": {arch}, "target_pointer_width": {width}, "target_endian": {endian},
		"target_env": {env}, "target_vendor": {vendor}, "target_has_atomic": {"8", "16", "32", width, "ptr"},
	}
	if family != "" {
		cfg[family] = []string{""}
		cfg["target_family"] = []string{family}
	}
	return Platform{Triple: triple, Cfg: cfg}
}

// ForTargets is the graph as built for any of the given target triples:
// an edge of a [target.X] table no listed target matches is dropped, and so
// is every crate no member reaches any more. With no triples, every platform
// counts and g is returned as it is.
func (g *Graph) ForTargets(triples []string) *Graph {
	if len(triples) == 0 {
		return g
	}
	platforms := make([]Platform, len(triples))
	for i, t := range triples {
		platforms[i] = TriplePlatform(t)
	}
	applies := func(e Edge) bool {
		return slices.ContainsFunc(platforms, e.Applies)
	}
	out := *g
	out.Targets = slices.Clone(triples)
	out.Crates = map[ID]*Crate{}
	var visit func(id ID)
	visit = func(id ID) {
		c := g.Crates[id]
		if c == nil || out.Crates[id] != nil {
			return
		}
		kept := *c
		kept.Deps = slices.DeleteFunc(slices.Clone(c.Deps), func(e Edge) bool { return !applies(e) })
		out.Crates[id] = &kept
		for _, e := range kept.Deps {
			visit(e.To)
		}
	}
	for _, id := range g.Members {
		visit(id)
	}
	return &out
}
