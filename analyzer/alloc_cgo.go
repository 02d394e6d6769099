package analyzer

// go-tree-sitter routes every allocation of the tree-sitter library through
// Go callbacks (a cgo callback per malloc and free) that end in C's malloc
// anyway. Parsing allocates per node, so the detour costs about a third of
// parse time; pointing tree-sitter at libc's allocator directly keeps the
// same memory behaviour without it. Nothing here calls SetAllocator again.

/*
#include <stdlib.h>

extern void ts_set_allocator(void *(*)(size_t), void *(*)(size_t, size_t), void *(*)(void *, size_t), void (*)(void *));

static void use_libc_allocator(void) { ts_set_allocator(malloc, calloc, realloc, free); }
*/
import "C"

func init() { C.use_libc_allocator() }
