package sandbox

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cargo-caps/cargo-caps/caps"
)

// Attempt is one thing a stopped command tried that the sandbox forbids.
type Attempt struct {
	What  string // "write /home/u/.bashrc (Read-only file system)"
	Grant caps.Capability
	// Grantable is false when no build grant opens it (a write outside the
	// home and the package directory).
	Grantable bool
}

func (a Attempt) String() string { return a.What }

// errnoSign is how one refused operation shows in Rust's io::Error text, C's
// strerror, and strace's errno names.
type errnoSign struct {
	errno string // strace's name
	texts []string
	kind  string // what the operation was: write, read, connect
}

var errnoSigns = []errnoSign{
	{"EROFS", []string{"Read-only file system", "os error 30", "ReadOnlyFilesystem"}, "write"},
	{"EACCES", []string{"Permission denied", "os error 13"}, "write"},
	{"ENOENT", []string{"No such file or directory", "os error 2)", "os error 2,", "kind: NotFound"}, "read"},
	{"ENETUNREACH", []string{"Network is unreachable", "os error 101", "NetworkUnreachable"}, "connect"},
	{"ECONNREFUSED", []string{"Connection refused", "os error 111", "ConnectionRefused"}, "connect"},
	{"EAI", []string{"failed to lookup address", "Temporary failure in name resolution", "Name or service not known"}, "connect"},
}

var (
	pathToken = regexp.MustCompile(`(?:^|[\s"'` + "`" + `(=:])(/[^\s"'` + "`" + `),:;\\]+)`)
	// strace -e status=failed lines: pid syscall(args) = -1 ERRNO (text)
	straceLine = regexp.MustCompile(`^(?:\d+\s+)?(\w+)\((.*)\)\s+=\s+-1\s+(E\w+)`)
	straceAddr = regexp.MustCompile(`sin6?_port=htons\((\d+)\).*?(?:inet_addr\(|inet_pton\(AF_INET6?,\s*)"([^"]+)"`)
	envName    = regexp.MustCompile(`\b[A-Z][A-Z0-9_]{2,}\b`)
)

// Explain reads what a command stopped by p tried: from its output (Rust
// and C error texts) and, when given, strace's log. hidden are the names of
// the variables the sandbox withheld. The list is deduplicated, in the order found.
func Explain(p Policy, output, trace []byte, hidden []string) []Attempt {
	var out []Attempt
	add := func(a Attempt) {
		if !slices.ContainsFunc(out, func(b Attempt) bool { return b.What == a.What }) {
			out = append(out, a)
		}
	}
	for _, line := range strings.Split(string(trace), "\n") {
		if a, ok := p.traced(line); ok {
			add(a)
		}
	}
	traced := len(out)
	for _, line := range strings.Split(string(output), "\n") {
		if strings.Contains(line, "RUST_BACKTRACE=") {
			continue // the panic handler's own advice
		}
		for _, s := range errnoSigns {
			if !slices.ContainsFunc(s.texts, func(t string) bool { return strings.Contains(line, t) }) {
				continue
			}
			path := ""
			if m := pathToken.FindStringSubmatch(line); m != nil {
				path = m[1]
			}
			// strace already named the path of what the text only hints at.
			a, ok := p.attempt(s.kind, path, s.texts[0])
			if ok && (path != "" || !slices.ContainsFunc(out[:traced], func(b Attempt) bool { return b.Grant == a.Grant })) {
				add(a)
			}
		}
		if !p.Grants.Has(caps.EnvReadonly) {
			for _, name := range envName.FindAllString(line, -1) {
				if slices.Contains(hidden, name) {
					add(Attempt{What: fmt.Sprintf("read the environment variable %s (withheld)", name), Grant: caps.EnvReadonly, Grantable: true})
				}
			}
		}
	}
	return out
}

// WithheldReads are the withheld variables a build script declared it
// reads (`cargo:rerun-if-env-changed=NAME`, `cargo::` too) in its output.
func WithheldReads(output []byte, hidden []string) []Attempt {
	var out []Attempt
	for _, line := range strings.Split(string(output), "\n") {
		line = strings.TrimSpace(line)
		name, ok := strings.CutPrefix(line, "cargo:rerun-if-env-changed=")
		if !ok {
			name, ok = strings.CutPrefix(line, "cargo::rerun-if-env-changed=")
		}
		if ok && slices.Contains(hidden, name) && !slices.ContainsFunc(out, func(a Attempt) bool { return strings.Contains(a.What, " "+name+" ") }) {
			out = append(out, Attempt{What: fmt.Sprintf("read the environment variable %s (withheld; it ran as if unset)", name), Grant: caps.EnvReadonly, Grantable: true})
		}
	}
	return out
}

// traced reads one strace line.
func (p Policy) traced(line string) (Attempt, bool) {
	m := straceLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return Attempt{}, false
	}
	call, args, errno := m[1], m[2], m[3]
	if call == "connect" || call == "sendto" {
		if a := straceAddr.FindStringSubmatch(args); a != nil {
			return p.attempt("connect", a[2]+":"+a[1], errno)
		}
		return Attempt{}, false
	}
	q := strings.Index(args, `"`)
	if q < 0 {
		return Attempt{}, false
	}
	path, _, _ := strings.Cut(args[q+1:], `"`)
	writes := strings.Contains(args, "O_WRONLY") || strings.Contains(args, "O_RDWR") || strings.Contains(args, "O_CREAT") ||
		!strings.HasPrefix(call, "open") && !strings.Contains(call, "stat") && call != "access" && call != "faccessat" && call != "faccessat2" && !strings.HasPrefix(call, "exec")
	switch {
	case errno == "EROFS", (errno == "EACCES" || errno == "EPERM") && writes:
		return p.attempt("write", path, errno)
	case errno == "ENOENT":
		return p.attempt("read", path, errno) // counts only under the hidden home
	}
	return Attempt{}, false // EEXIST, ENOTDIR…: what the program would meet outside the sandbox too
}

// attempt classifies one refused operation; ok is false for what the
// sandbox does not cause (a file that is missing outside the hidden home).
func (p Policy) attempt(kind, target, why string) (Attempt, bool) {
	switch kind {
	case "connect":
		if p.Grants.Has(caps.Net) {
			return Attempt{}, false
		}
		what := "connect to the network"
		if target != "" {
			what = "connect to " + target
		}
		return Attempt{What: fmt.Sprintf("%s (%s: no network in the sandbox)", what, why), Grant: caps.Net, Grantable: true}, true
	case "write":
		switch {
		case target == "":
			return Attempt{What: fmt.Sprintf("write a file outside what it may write (%s)", why), Grant: caps.FS, Grantable: true}, true
		case p.Home != "" && within(target, p.Home), p.PackageDir != "" && within(target, p.PackageDir):
			return Attempt{What: fmt.Sprintf("write %s (%s)", target, why), Grant: caps.FS, Grantable: !p.Grants.Has(caps.FS)}, true
		}
		return Attempt{What: fmt.Sprintf("write %s (%s; outside the home and the package, no grant opens it)", target, why), Grant: caps.FS}, true
	case "read":
		if target == "" || p.Home == "" || !within(target, p.Home) || p.Grants.Has(caps.FSReadonly) ||
			slices.ContainsFunc(p.Expose, func(e string) bool { return within(target, e) }) {
			return Attempt{}, false
		}
		return Attempt{What: fmt.Sprintf("read %s (%s: the home directory is hidden)", target, why), Grant: caps.FSReadonly, Grantable: true}, true
	}
	return Attempt{}, false
}
