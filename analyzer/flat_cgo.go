package analyzer

// The flattening walk runs in C: one cgo call per file instead of several per
// node, which is what keeps analysis within a small factor of parsing. The
// declarations below mirror tree-sitter 0.25's api.h (TSNode, TSTreeCursor);
// the functions are those go-tree-sitter compiles into the binary.

/*
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct { uint32_t context[4]; const void *id; const void *tree; } TSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } TSTreeCursor;
extern TSNode ts_tree_root_node(const void *tree);
extern uint16_t ts_node_symbol(TSNode);
extern uint32_t ts_node_start_byte(TSNode);
extern uint32_t ts_node_end_byte(TSNode);
extern uint32_t ts_node_descendant_count(TSNode);
extern bool ts_node_is_missing(TSNode);
extern TSTreeCursor ts_tree_cursor_new(TSNode);
extern void ts_tree_cursor_delete(TSTreeCursor *);
extern TSNode ts_tree_cursor_current_node(const TSTreeCursor *);
extern uint16_t ts_tree_cursor_current_field_id(const TSTreeCursor *);
extern bool ts_tree_cursor_goto_first_child(TSTreeCursor *);
extern bool ts_tree_cursor_goto_next_sibling(TSTreeCursor *);
extern bool ts_tree_cursor_goto_parent(TSTreeCursor *);
extern void *ts_parser_parse_string(void *parser, const void *old_tree, const char *text, uint32_t length);

typedef struct {
	uint16_t symbol, field;
	uint32_t start, end;
	int32_t parent, first, next;
	bool missing;
} flat_node;

static uint32_t descendants(const void *tree) {
	return ts_node_descendant_count(ts_tree_root_node(tree));
}

// flatten writes the tree in preorder into out (room for cap nodes), not
// descending below symbols marked in leaf; it returns the count, or -1.
static int32_t flatten(const void *tree, flat_node *out, int32_t cap, const uint8_t *leaf, uint32_t nleaf) {
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	int32_t depth_cap = 256, depth = 0, n = 0;
	int32_t *stack = malloc(sizeof(int32_t) * depth_cap);
	int32_t *last = malloc(sizeof(int32_t) * depth_cap);
	if (!stack || !last) { free(stack); free(last); ts_tree_cursor_delete(&c); return -1; }
	for (;;) {
		if (n >= cap) { n = -1; break; }
		TSNode node = ts_tree_cursor_current_node(&c);
		flat_node *f = &out[n];
		f->symbol = ts_node_symbol(node);
		f->field = ts_tree_cursor_current_field_id(&c);
		f->start = ts_node_start_byte(node);
		f->end = ts_node_end_byte(node);
		f->missing = f->start == f->end && ts_node_is_missing(node);
		f->parent = -1; f->first = -1; f->next = -1;
		if (depth > 0) {
			int32_t p = stack[depth-1];
			f->parent = p;
			if (last[depth-1] >= 0) out[last[depth-1]].next = n; else out[p].first = n;
			last[depth-1] = n;
		}
		int32_t idx = n++;
		bool is_leaf = f->symbol < nleaf && leaf[f->symbol];
		if (!is_leaf && ts_tree_cursor_goto_first_child(&c)) {
			if (depth == depth_cap) {
				depth_cap *= 2;
				int32_t *s2 = realloc(stack, sizeof(int32_t) * depth_cap);
				if (s2) stack = s2;
				int32_t *l2 = realloc(last, sizeof(int32_t) * depth_cap);
				if (l2) last = l2;
				if (!s2 || !l2) { n = -1; break; }
			}
			stack[depth] = idx; last[depth] = -1; depth++;
			continue;
		}
		bool done = false;
		while (!ts_tree_cursor_goto_next_sibling(&c)) {
			if (depth == 0 || !ts_tree_cursor_goto_parent(&c)) { done = true; break; }
			depth--;
		}
		if (done) break;
	}
	free(stack); free(last);
	ts_tree_cursor_delete(&c);
	return n;
}
*/
import "C"

import (
	"unsafe"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

// go-tree-sitter's Tree and Parser each hold nothing but the C pointer; the
// array lengths below stop the build if that ever changes.
var (
	_ [unsafe.Sizeof(sitter.Tree{}) - unsafe.Sizeof(unsafe.Pointer(nil))]byte
	_ [unsafe.Sizeof(unsafe.Pointer(nil)) - unsafe.Sizeof(sitter.Tree{})]byte
	_ [unsafe.Sizeof(sitter.Parser{}) - unsafe.Sizeof(unsafe.Pointer(nil))]byte
	_ [unsafe.Sizeof(unsafe.Pointer(nil)) - unsafe.Sizeof(sitter.Parser{})]byte
)

// treePointer returns the TSTree* inside a go-tree-sitter Tree.
func treePointer(t *sitter.Tree) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(t))
}

// parseText parses text with p, reusing old (already edited) when not nil.
// go-tree-sitter's Parser.Parse reads through a Go callback that copies the
// rest of the text into a new C string on every read — once per parse for a
// whole file, but once per seek when only included ranges are parsed or an
// old tree is reused — where tree-sitter can read the bytes in place.
func parseText(p *sitter.Parser, text []byte, old *sitter.Tree) *sitter.Tree {
	var oldTree unsafe.Pointer
	if old != nil {
		oldTree = treePointer(old)
	}
	var src *C.char
	if len(text) > 0 {
		src = (*C.char)(unsafe.Pointer(&text[0]))
	}
	t := C.ts_parser_parse_string(*(*unsafe.Pointer)(unsafe.Pointer(p)), oldTree, src, C.uint32_t(len(text)))
	if t == nil {
		return nil
	}
	tree := new(sitter.Tree)
	*(*unsafe.Pointer)(unsafe.Pointer(tree)) = t
	return tree
}

// flattenC copies tree into nodes with one cgo call. It records the token
// tree-sitter inserted for each MISSING node, which error messages name.
func flattenC(l *language, tree *sitter.Tree) (nodes []node, missing map[int32]string) {
	tp := treePointer(tree)
	buf := make([]C.flat_node, int(C.descendants(tp))+1)
	n := C.flatten(tp, &buf[0], C.int32_t(len(buf)), (*C.uint8_t)(unsafe.Pointer(&l.leaf[0])), C.uint32_t(len(l.leaf)))
	if n < 0 {
		panic("analyzer: out of memory flattening a syntax tree")
	}
	nodes = make([]node, n)
	for i := range nodes {
		f := &buf[i]
		nd := &nodes[i]
		nd.kind = l.kindOf(uint16(f.symbol))
		if int(f.field) < len(l.fields) {
			nd.field = l.fields[f.field]
		}
		nd.start, nd.end = uint32(f.start), uint32(f.end)
		nd.parent, nd.firstChild, nd.nextSibling = int32(f.parent), int32(f.first), int32(f.next)
		if f.missing {
			nd.missing = true
			if missing == nil {
				missing = map[int32]string{}
			}
			missing[int32(i)] = l.lang.NodeKindForId(uint16(f.symbol))
		}
	}
	return nodes, missing
}
