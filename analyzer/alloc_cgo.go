package analyzer

// go-tree-sitter routes every allocation of the tree-sitter library through
// Go callbacks (a cgo callback per malloc and free) that end in C's malloc
// anyway. Parsing allocates per node, so the detour costs about a third of
// parse time; pointing tree-sitter at libc's allocator directly keeps the
// same memory behaviour without it. It is the program's choice, not a side
// effect of importing the package: the binary makes it first thing
// (cmd/cargo-caps), before tree-sitter allocates anything.

/*
#include <stdlib.h>

extern void ts_set_allocator(void *(*)(size_t), void *(*)(size_t, size_t), void *(*)(void *, size_t), void (*)(void *));

static void use_libc_allocator(void) { ts_set_allocator(malloc, calloc, realloc, free); }
*/
import "C"

// UseLibcAllocator points tree-sitter's allocations at libc's malloc
// family directly. Call it before anything is parsed; nothing calls
// go-tree-sitter's SetAllocator afterwards.
func UseLibcAllocator() { C.use_libc_allocator() }
