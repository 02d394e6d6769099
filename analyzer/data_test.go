package analyzer

import (
	"slices"
	"testing"
)

// TestDataItems checks which macro bodies are taken as data-only (names
// from their tokens, not parsed up front) and which are parsed as before:
// only bodies of struct, union and enum definitions whose walked parts
// (attributes, `pub(in …)`, discriminants) could not report anything.
func TestDataItems(t *testing.T) {
	for _, c := range []struct {
		body  string
		names []string // nil: parsed as before
	}{
		{"pub struct A { x: u8 }", []string{"A+"}},
		{"/// doc\n#[cfg(unix)] #[derive(Clone)] pub(crate) struct A<T: Copy> where T: Sized { pub x: [T; 4], f: Option<fn(u8)> } struct B(u8, u16); pub struct C; union D { a: u8 }",
			[]string{"A+", "B+", "C", "D"}},
		{"#[repr(u8)] enum E { A = 1, B = 1 << 2 | 0x10, C = -3, D(u8), F { x: u8 } } enum G {}", []string{"E", "G"}},
		{"#![cfg(unix)] struct A;", []string{"A"}}, // the leading inner attribute is the macro's input
		{"struct A { f: Option<unsafe fn()> }", nil},
		{"struct A { f: [u8; size!()] }", nil},
		{"#[doc = include_str!(\"x\")] struct A;", nil},
		{"#[no_mangle] struct A;", nil},
		{"#[cfg_attr(x, export_name = \"a\")] struct A;", nil},
		{"struct A { pub(in crate::m) x: u8 }", nil},
		{"enum E { A = B }", nil},
		{"enum E { A = f(1) }", nil},
		{"enum E { A = { 1 } }", nil},
		{"struct A { x: u8 = 1 }", nil},
		{"struct A; fn f() {}", nil},
		{"mod m;", nil},
		{"struct $name;", nil},
		{"struct A<F: Fn(u8)> { f: F }", nil}, // a parenthesised bound reads as a tuple struct: parsed as before
		{"pub struct", nil},
		{"#[cfg(x)]", nil},
	} {
		text := "m! { " + c.body + " }\n"
		full := ParseSyntax([]byte(text))
		s := full.syn
		tt := s.childKind(s.nodes[0].firstChild, kTokenTree)
		if tt < 0 {
			t.Fatalf("%q: no token tree", c.body)
		}
		from := s.nodes[tt].start + 1
		if attrs := leadingInnerAttrs(s, tt); len(attrs) > 0 {
			from = s.nodes[attrs[len(attrs)-1]].end
		}
		items, ok := dataItems(s, tt, from)
		var got []string
		for _, it := range items {
			n := it.name
			if it.fields {
				n += "+"
			}
			got = append(got, n)
		}
		if !ok {
			got = nil
		}
		if !slices.Equal(got, c.names) {
			t.Errorf("%q: data items %v, want %v", c.body, got, c.names)
		}
	}
}
