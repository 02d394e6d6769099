package apis

import (
	"strings"
	"testing"

	"github.com/cargo-caps/cargo-caps/caps"
)

func TestBuiltinLookups(t *testing.T) {
	tb := Builtin()
	for _, tc := range []struct {
		path string
		cap  caps.Capability
		ok   bool
	}{
		{"std::fs::write", caps.FS, true},
		{"std::fs::File::open", caps.FSReadonly, true},
		{"std::fs::File::create", caps.FS, true},
		{"std::path::Path::exists", caps.FSReadonly, true},
		{"std::path::Path::join", 0, false},
		{"std::process::Command::new", caps.Process, true},
		{"std::process::exit", 0, false},
		{"std::net::SocketAddr::new", 0, false},
		{"std::os::unix::prelude::CommandExt::exec", caps.Process, true},
		{"std::net::ToSocketAddrs::to_socket_addrs", caps.Net, true},
		{"tokio::net::TcpStream::connect", caps.Net, true},
		{"rustix::net::connect_v4", caps.Net, true},
		{"rustix::net::connect::inner", 0, false},
		{"libc::getenv", caps.EnvReadonly, true},
		{"libc::execvp", caps.Process, true},
		{"libc::read", 0, false},
		{"cap_std::fs::Dir::open_ambient_dir", caps.FS, true},
		{"cap_std::fs::Dir::open", 0, false},
	} {
		e, ok := tb.Lookup(tc.path)
		if ok != tc.ok || ok && e.Cap != tc.cap {
			t.Errorf("Lookup(%s) = %v %v, want %v %v", tc.path, e, ok, tc.cap, tc.ok)
		}
	}
	if !tb.IsTrait("std::os::unix::process::CommandExt") || tb.IsTrait("std::path::Path") {
		t.Error("IsTrait")
	}
	if ty, _ := tb.Returns("std::path::PathBuf::from"); ty != "std::path::PathBuf" {
		t.Errorf("Returns(PathBuf::from) = %q", ty)
	}
	if !tb.Builds("std::fs::OpenOptions", "read") || tb.Builds("std::fs::OpenOptions", "open") {
		t.Error("Builds")
	}
	if d, _ := tb.Deref("std::path::PathBuf"); d != "std::path::Path" {
		t.Errorf("Deref = %q", d)
	}
	if ty, _ := tb.MethodType("std::fs::DirEntry", "path"); ty != "std::path::PathBuf" {
		t.Errorf("MethodType(DirEntry, path) = %q", ty)
	}
	if ty, _ := tb.MethodType("std::path::Path", "join"); ty != "std::path::Path" {
		t.Errorf("MethodType(Path, join) = %q (a builder)", ty)
	}
	if _, ok := tb.MethodType("std::path::Path", "exists"); ok {
		t.Error("MethodType(Path, exists) is a bool")
	}
	if !tb.IsType("std::path::PathBuf") || tb.IsType("std::path::Path::exists") {
		t.Error("IsType")
	}
	if it, _ := tb.Item("std::fs::ReadDir"); it != "std::fs::DirEntry" {
		t.Errorf("Item(ReadDir) = %q", it)
	}
}

func TestDescribe(t *testing.T) {
	got := Builtin().Describe("std::fs::write")
	if !strings.HasPrefix(got, "std::fs::write ") || !strings.HasSuffix(got, ": needs fs") {
		t.Errorf("Describe = %q", got)
	}
	if Builtin().Describe("std::fs::File") != "" {
		t.Error("a type alone is not classified")
	}
}

func TestExtend(t *testing.T) {
	base := Builtin()
	ext, err := base.Extend(map[caps.Capability][]string{
		caps.FS:  {"my-io::write_all", "std::fs::read"},
		caps.Net: {"not a path"},
	})
	if err == nil || !strings.Contains(err.Error(), "not a path") {
		t.Errorf("want an error for the bad path, got %v", err)
	}
	if e, ok := ext.Lookup("my_io::write_all"); !ok || e.Cap != caps.FS || !e.User {
		t.Errorf("user entry missing: %v", e)
	}
	if e, _ := ext.Lookup("std::fs::read"); e.Cap != caps.FS {
		t.Errorf("user entry should replace builtin, got %v", e.Cap)
	}
	if n := len(ext.Methods("read")); n != len(base.Methods("read")) {
		t.Errorf("replacing must not duplicate method candidates: %d vs %d", n, len(base.Methods("read")))
	}
	if e, _ := base.Lookup("std::fs::read"); e.Cap != caps.FSReadonly {
		t.Error("Extend modified the builtin table")
	}
	if _, ok := base.Lookup("my_io::write_all"); ok {
		t.Error("Extend modified the builtin table")
	}
}

func TestEveryEntryHasDescription(t *testing.T) {
	for _, e := range Builtin().Entries() {
		if e.Does == "" {
			t.Errorf("%s has no description", e.Path)
		}
	}
}
