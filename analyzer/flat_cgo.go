package analyzer

// The C side of the analyser's syntax: parsing in place (parseText,
// parseClean) and the flattening walk, which runs over tree-sitter's own
// subtrees — one cgo call per file, and no tree cursor, whose generic
// bookkeeping (a stack entry, an alias and a field-map search per node and
// per step) made the copy about twice as slow. The walk reads the library's
// internal structures, so it compiles against the internal headers of
// exactly the tree-sitter go-tree-sitter v0.25.0 builds (third_party/
// tree-sitter, see its README); TestFlattenMatchesCursor and FuzzFlatten
// check it against the public cursor API.

/*
#cgo CFLAGS: -I${SRCDIR}/../third_party/tree-sitter/include -I${SRCDIR}/../third_party/tree-sitter/src -std=c11 -D_POSIX_C_SOURCE=200112L -D_DEFAULT_SOURCE
#include <stdlib.h>
#include <time.h>
#include "tree_sitter/api.h"
#include "tree.h"
#include "language.h"

// flat_node is the Go type node, field for field.
typedef struct {
	uint8_t kind, field;
	bool missing;
	uint32_t start, end;
	int32_t parent, first, next;
} flat_node;

// flat_tables translate tree-sitter's symbols and field ids to the
// analyser's kinds and fields.
typedef struct {
	const uint8_t *kinds; // by public symbol
	const uint8_t *leaf;  // by public symbol: 1 = do not descend
	uint32_t nkinds;
	uint8_t error_kind;
	const uint8_t *fields; // by field id
	uint32_t nfields;
} flat_tables;

// flat_frame is a node whose children are being visited: a visible node, or a
// hidden one (a grammar rule without a node of its own) whose visible
// descendants become children of the nearest visible ancestor.
typedef struct {
	Subtree tree;
	uint32_t child, structural, pos;
	const TSSymbol *aliases;
	const TSFieldMapEntry *fields, *fields_end;
	TSFieldId inherited; // a hidden node's field, for its children without one
	bool visible;
	bool owned; // consuming, and the last reference to tree was the walk's: freed on leaving it
} flat_frame;

typedef struct { int32_t node, last; } flat_parent;

static inline uint8_t flat_kind(const flat_tables *t, TSSymbol sym) {
	if (sym == ts_builtin_sym_error) return t->error_kind;
	return sym < t->nkinds ? t->kinds[sym] : 0;
}

static inline bool flat_leaf(const flat_tables *t, TSSymbol sym) {
	return sym < t->nkinds && t->leaf[sym];
}

static inline flat_frame flat_frame_of(const TSLanguage *lang, Subtree s, uint32_t pos, TSFieldId inherited, bool visible, bool owned) {
	flat_frame f = {s, 0, 0, pos, ts_language_alias_sequence(lang, s.ptr->production_id), NULL, NULL, inherited, visible, owned};
	ts_language_field_map(lang, s.ptr->production_id, &f.fields, &f.fields_end);
	return f;
}

// flat_missing is a MISSING node: its index and either its symbol (from >= 0)
// or, when copied from an earlier flattening, -1 - its index there.
typedef struct { int32_t idx, from; } flat_missing;

// flat_note_missing records MISSING node m, if there is room, and counts it.
static inline void flat_note_missing(flat_missing *missing, int32_t cap, int32_t *n, flat_missing m) {
	if (*n < cap) missing[*n] = m;
	(*n)++;
}

// flat_old is an earlier flattening of a tree the new one was reparsed from,
// with each node's subtree pointer: tree-sitter's incremental parse shares
// the subtrees an edit did not touch, so a subtree met again is copied from
// there instead of walked. The old tree must still be alive, so that a
// pointer met again is the same subtree and not a reused address.
typedef struct {
	const flat_node *nodes;
	const uintptr_t *ptrs;
	int32_t n;
} flat_old;

typedef struct {
	const flat_old *old;
	int32_t *slots; // open addressing: old node index + 1, 0 = empty
	uint32_t mask;
} flat_reuse;

static inline uint32_t flat_hash(uintptr_t p) {
	return (uint32_t)(((uint64_t)p * 0x9E3779B97F4A7C15ull) >> 32);
}

static bool flat_reuse_init(flat_reuse *r, const flat_old *old) {
	uint32_t size = 64;
	while (size < (uint32_t)old->n * 2) size *= 2;
	r->old = old;
	r->mask = size - 1;
	r->slots = calloc(size, sizeof(int32_t));
	if (!r->slots) return false;
	for (int32_t i = 0; i < old->n; i++) {
		if (!old->ptrs[i] || old->nodes[i].first < 0) continue;
		uint32_t h = flat_hash(old->ptrs[i]) & r->mask;
		while (r->slots[h]) h = (h + 1) & r->mask;
		r->slots[h] = i + 1;
	}
	return true;
}

static int32_t flat_reuse_find(const flat_reuse *r, uintptr_t p) {
	for (uint32_t h = flat_hash(p) & r->mask; r->slots[h]; h = (h + 1) & r->mask) {
		int32_t i = r->slots[h] - 1;
		if (r->old->ptrs[i] == p) return i;
	}
	return -1;
}

// flat_own drops one reference to heap subtree s, as ts_subtree_release
// does, and reports whether it was the last.
static inline bool flat_own(Subtree s) {
	return __atomic_sub_fetch((uint32_t *)&s.ptr->ref_count, 1, __ATOMIC_SEQ_CST) == 0;
}

// flat_subtree_end is the index after the last descendant of old node j.
static int32_t flat_subtree_end(const flat_old *old, int32_t j) {
	for (int32_t k = j; k >= 0; k = old->nodes[k].parent) {
		if (old->nodes[k].next >= 0) return old->nodes[k].next;
	}
	return old->n;
}

// flat_delete_released deletes a tree whose root subtree the walk has
// released: tree-sitter's deletion of the rest, with nothing left to release.
static void flat_delete_released(TSTree *tree) {
	tree->root = (Subtree){.data = {.is_inline = true}};
	ts_tree_delete(tree);
}

// flatten writes the visible nodes of tree in preorder into out (room for
// cap), as tree-sitter's cursor would visit them, not descending below
// symbols marked leaf; with ptrs, each node's subtree pointer (0 for a leaf
// stored inline); with old, subtrees found there are copied. It writes the
// first missing_cap MISSING nodes to missing and counts them all in
// *nmissing. It returns the node count, or -1 when out of room or memory.
//
// With consume (and neither ptrs nor old), the walk also deletes the tree,
// releasing each subtree as ts_subtree_release would once it has been
// copied: tree-sitter's own deletion is a second walk over the same
// scattered subtrees, and as costly as the copy. The tree is gone then,
// whatever the result (on -1 the rest of it leaks: the caller panics).
static int32_t flatten(TSTree *tree, const flat_tables *t, flat_node *out, int32_t cap,
                       uintptr_t *ptrs, const flat_node *old_nodes, const uintptr_t *old_ptrs, int32_t old_n,
                       flat_missing *missing, int32_t missing_cap, int32_t *nmissing_out, bool consume) {
	const TSLanguage *lang = tree->language;
	const flat_old from = {old_nodes, old_ptrs, old_n}, *old = old_n > 0 ? &from : NULL;
	int32_t n = 0, nmissing = 0, sp = 0, vp = 0, fcap = 64, vcap = 64;
	flat_frame *fs = malloc(sizeof(flat_frame) * fcap);
	flat_parent *vs = malloc(sizeof(flat_parent) * vcap);
	flat_reuse reuse = {0};
	SubtreePool pool = ts_subtree_pool_new(0);
	if (!fs || !vs || cap < 1 || consume && (ptrs || old)) goto fail;
	if (old && !flat_reuse_init(&reuse, old)) goto fail;

	Subtree root = tree->root;
	TSSymbol root_sym = ts_language_public_symbol(lang, ts_subtree_symbol(root));
	uint32_t root_start = ts_subtree_padding(root).bytes;
	out[n] = (flat_node){flat_kind(t, root_sym), 0, ts_subtree_missing(root),
		root_start, root_start + ts_subtree_size(root).bytes, -1, -1, -1};
	if (ptrs) ptrs[n] = root.data.is_inline ? 0 : (uintptr_t)root.ptr;
	if (out[n].missing) flat_note_missing(missing, missing_cap, &nmissing, (flat_missing){n, root_sym});
	n++;
	if (ts_subtree_child_count(root) > 0 && !flat_leaf(t, root_sym)) {
		vs[vp++] = (flat_parent){0, -1};
		fs[sp++] = flat_frame_of(lang, root, root_start, 0, true, consume && flat_own(root));
	} else if (consume) {
		ts_subtree_release(&pool, root);
	}

	while (sp > 0) {
		flat_frame *f = &fs[sp - 1];
		if (f->child == f->tree.ptr->child_count) {
			if (f->visible) vp--;
			// Its children are released: what is left is one allocation,
			// the children array with the node's data after it.
			if (f->owned) ts_free(ts_subtree_children(f->tree));
			sp--;
			continue;
		}
		bool owned = f->owned; // f moves when the stack grows
		const Subtree *siblings = ts_subtree_children(f->tree);
		Subtree child = siblings[f->child];
		// The subtrees' nodes are scattered over the heap: ask for the
		// next siblings and the children ahead of reading them.
		for (uint32_t k = f->child + 1; k < f->child + 4 && k < f->tree.ptr->child_count; k++) {
			if (!siblings[k].data.is_inline) __builtin_prefetch(siblings[k].ptr);
		}
		bool has_children = ts_subtree_child_count(child) > 0;
		if (has_children) __builtin_prefetch(ts_subtree_children(child));
		uint32_t start = f->pos;
		if (f->child > 0) start += ts_subtree_padding(child).bytes;
		uint32_t end = start + ts_subtree_size(child).bytes;
		f->pos = end;
		f->child++;

		// Alias and field as ts_tree_cursor_current_node and
		// ts_tree_cursor_current_field_id find them: extras have neither;
		// a child without a field of its own takes its hidden parent's.
		bool extra = ts_subtree_extra(child);
		TSSymbol alias = 0;
		TSFieldId field = 0;
		if (!extra) {
			if (f->aliases) alias = f->aliases[f->structural];
			field = f->inherited;
			for (const TSFieldMapEntry *m = f->fields; m < f->fields_end; m++) {
				if (!m->inherited && m->child_index == f->structural) {
					field = m->field_id;
					break;
				}
			}
			f->structural++;
		}

		bool visible = ts_subtree_visible(child) || alias;
		if (visible) {
			if (n >= cap) goto fail;
			TSSymbol sym = ts_language_public_symbol(lang, alias ? alias : ts_subtree_symbol(child));
			flat_parent *p = &vs[vp - 1];
			flat_node *o = &out[n];
			*o = (flat_node){flat_kind(t, sym), field < t->nfields ? t->fields[field] : 0,
				ts_subtree_missing(child), start, end, p->node, -1, -1};
			if (ptrs) ptrs[n] = child.data.is_inline ? 0 : (uintptr_t)child.ptr;
			if (p->last >= 0) out[p->last].next = n; else out[p->node].first = n;
			p->last = n;
			if (o->missing) flat_note_missing(missing, missing_cap, &nmissing, (flat_missing){n, sym});
			int32_t idx = n++;
			if (!has_children || flat_leaf(t, sym)) {
				if (owned) ts_subtree_release(&pool, child);
				continue;
			}
			int32_t j = reuse.slots ? flat_reuse_find(&reuse, (uintptr_t)child.ptr) : -1;
			if (j >= 0) { // the same subtree: copy its descendants, moved
				const flat_node *src = old->nodes;
				int32_t end_j = flat_subtree_end(old, j), di = idx - j;
				uint32_t dp = start - src[j].start;
				if (n + (end_j - j - 1) > cap) goto fail;
				out[idx].first = src[j].first >= 0 ? src[j].first + di : -1;
				for (int32_t k = j + 1; k < end_j; k++, n++) {
					flat_node c = src[k];
					c.start += dp;
					c.end += dp;
					c.parent += di;
					if (c.first >= 0) c.first += di;
					if (c.next >= 0) c.next += di;
					out[n] = c;
					if (ptrs) ptrs[n] = old->ptrs[k];
					if (c.missing) flat_note_missing(missing, missing_cap, &nmissing, (flat_missing){n, -1 - k});
				}
				continue;
			}
			if (vp == vcap) {
				vcap *= 2;
				flat_parent *v2 = realloc(vs, sizeof(flat_parent) * vcap);
				if (!v2) goto fail;
				vs = v2;
			}
			vs[vp++] = (flat_parent){idx, -1};
			field = 0;
		} else if (!has_children || ts_subtree_visible_child_count(child) == 0) {
			if (owned) ts_subtree_release(&pool, child);
			continue;
		}
		if (sp == fcap) {
			fcap *= 2;
			flat_frame *f2 = realloc(fs, sizeof(flat_frame) * fcap);
			if (!f2) goto fail;
			fs = f2;
		}
		fs[sp++] = flat_frame_of(lang, child, start, visible ? 0 : field, visible, owned && flat_own(child));
	}
	free(fs);
	free(vs);
	free(reuse.slots);
	ts_subtree_pool_delete(&pool);
	if (consume) flat_delete_released(tree);
	*nmissing_out = nmissing;
	return n;
fail:
	free(fs);
	free(vs);
	free(reuse.slots);
	ts_subtree_pool_delete(&pool);
	if (consume) flat_delete_released(tree);
	return -1;
}

static uint32_t flat_capacity(const TSTree *tree) {
	return ts_node_descendant_count(ts_tree_root_node(tree)) + 1;
}

// replace_parser puts a fresh parser for the same language in *parser: a
// parser halted by its progress callback keeps its state to resume (even
// past ts_parser_reset, when it was halted while balancing the tree).
static void replace_parser(TSParser **parser) {
	const TSLanguage *lang = ts_parser_language(*parser);
	TSParser *fresh = ts_parser_new();
	if (fresh && ts_parser_set_language(fresh, lang)) {
		ts_parser_delete(*parser);
		*parser = fresh;
	} else if (fresh) {
		ts_parser_delete(fresh);
	}
}

typedef struct { const char *text; uint32_t length; } clean_input;

static const char *clean_read(void *payload, uint32_t byte, TSPoint point, uint32_t *bytes_read) {
	const clean_input *in = payload;
	if (byte >= in->length) {
		*bytes_read = 0;
		return "";
	}
	*bytes_read = in->length - byte;
	return in->text + byte;
}

static bool stop_at_error(TSParseState *state) { return state->has_error; }

// parse_clean parses text, giving up (NULL) as soon as the parser has only
// error recovery left: the caller wants a tree without errors or nothing.
// On NULL *parser is replaced (see replace_parser).
static TSTree *parse_clean(TSParser **parser, const char *text, uint32_t length) {
	clean_input in = {text, length};
	TSInput input = {&in, clean_read, TSInputEncodingUTF8, NULL};
	TSParseOptions options = {NULL, stop_at_error};
	TSTree *tree = ts_parser_parse_with_options(*parser, NULL, input, options);
	if (!tree) replace_parser(parser);
	return tree;
}
static uint64_t thread_cpu_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// budget is a parse's CPU deadline, read every 16th progress callback (a
// callback comes every 100 parser operations; the clock costs a system call).
typedef struct { uint64_t deadline; uint32_t calls; bool exceeded; } budget;

static bool over_budget(TSParseState *state) {
	budget *b = state->payload;
	if ((++b->calls & 15) != 0) return false;
	b->exceeded = thread_cpu_ns() > b->deadline;
	return b->exceeded;
}

// parse_bounded parses text (reusing old, when not NULL) for at most
// budget_ns of this thread's CPU time; past it, NULL with *exceeded set and
// *parser replaced.
static TSTree *parse_bounded(TSParser **parser, const TSTree *old, const char *text, uint32_t length, uint64_t budget_ns, bool *exceeded) {
	clean_input in = {text, length};
	TSInput input = {&in, clean_read, TSInputEncodingUTF8, NULL};
	budget b = {thread_cpu_ns() + budget_ns, 0, false};
	TSParseOptions options = {&b, over_budget};
	TSTree *tree = ts_parser_parse_with_options(*parser, old, input, options);
	*exceeded = b.exceeded && !tree;
	if (!tree) replace_parser(parser);
	return tree;
}
*/
import "C"

import (
	"fmt"
	"runtime/debug"
	"sync"
	"testing"
	"time"
	"unsafe"

	sitter "github.com/tree-sitter/go-tree-sitter"
)

var (
	probeNode node
	probeFlat C.flat_node
)

// Layouts the C side relies on; each pair of array lengths stops the build
// if the two sides differ. go-tree-sitter's Tree and Parser hold nothing but
// the C pointer; node and flat_node are the same struct.
var (
	_ [unsafe.Sizeof(sitter.Tree{}) - unsafe.Sizeof(unsafe.Pointer(nil))]byte
	_ [unsafe.Sizeof(unsafe.Pointer(nil)) - unsafe.Sizeof(sitter.Tree{})]byte
	_ [unsafe.Sizeof(sitter.Parser{}) - unsafe.Sizeof(unsafe.Pointer(nil))]byte
	_ [unsafe.Sizeof(unsafe.Pointer(nil)) - unsafe.Sizeof(sitter.Parser{})]byte
	_ [unsafe.Sizeof(probeNode) - unsafe.Sizeof(probeFlat)]byte
	_ [unsafe.Sizeof(probeFlat) - unsafe.Sizeof(probeNode)]byte
	_ [unsafe.Offsetof(probeNode.missing) - unsafe.Offsetof(probeFlat.missing)]byte
	_ [unsafe.Offsetof(probeFlat.missing) - unsafe.Offsetof(probeNode.missing)]byte
	_ [unsafe.Offsetof(probeNode.start) - unsafe.Offsetof(probeFlat.start)]byte
	_ [unsafe.Offsetof(probeFlat.start) - unsafe.Offsetof(probeNode.start)]byte
	_ [unsafe.Offsetof(probeNode.nextSibling) - unsafe.Offsetof(probeFlat.next)]byte
	_ [unsafe.Offsetof(probeFlat.next) - unsafe.Offsetof(probeNode.nextSibling)]byte
)

// treePointer returns the TSTree* inside a go-tree-sitter Tree.
func treePointer(t *sitter.Tree) *C.TSTree {
	return *(**C.TSTree)(unsafe.Pointer(t))
}

// parseText parses text with p, reusing old (already edited) when not nil;
// nil when the parser gives no tree (see parseBounded).
func parseText(p *sitter.Parser, text []byte, old *sitter.Tree) *sitter.Tree {
	tree, _ := parseBounded(p, text, old)
	return tree
}

// parseBudget is the CPU time one file's parse may take. The slowest of
// the 7,762 files in Debian's crate registry (encoding_rs's 2.5 MB data.rs)
// parses in 1.3 s; tree-sitter's error recovery is quadratic on some hostile
// inputs (long runs of `#`, `'` or `"` around one NUL byte: minutes for
// 122 KB). A variable for tests.
var parseBudget = 10 * time.Second

// parseBounded is parseText within parseBudget: without a tree, failed says
// why ("parse exceeded 10s", or that the parser gave up). tree-sitter reads
// the text in place (go-tree-sitter's Parser.Parse would copy the rest of
// it into a new C string on every read).
func parseBounded(p *sitter.Parser, text []byte, old *sitter.Tree) (tree *sitter.Tree, failed string) {
	var oldTree *C.TSTree
	if old != nil {
		oldTree = treePointer(old)
	}
	src, n := cText(text)
	var exceeded C.bool
	tree = wrapTree(C.parse_bounded(parserPointer(p), oldTree, src, n, C.uint64_t(parseBudget), &exceeded))
	switch {
	case tree != nil:
		return tree, ""
	case bool(exceeded):
		return nil, fmt.Sprintf("parse exceeded %v", parseBudget)
	}
	return nil, "parse failed: the parser gave no tree"
}

// parseClean is parseText for text that is of use only if it parses
// without error (a macro body read as items): the parse stops, and it
// returns nil, as soon as error recovery begins, which for a DSL body is
// where most of the time would go. p's included ranges are reset then.
func parseClean(p *sitter.Parser, text []byte) *sitter.Tree {
	src, n := cText(text)
	return wrapTree(C.parse_clean(parserPointer(p), src, n))
}

// parserPointer is where a go-tree-sitter Parser keeps its TSParser*.
func parserPointer(p *sitter.Parser) **C.TSParser {
	return (**C.TSParser)(unsafe.Pointer(p))
}

// cText is text as tree-sitter reads it, in place for the call.
func cText(text []byte) (*C.char, C.uint32_t) {
	if len(text) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&text[0])), C.uint32_t(len(text))
}

// wrapTree makes a go-tree-sitter Tree of t (nil for nil), which its Close
// frees.
func wrapTree(t *C.TSTree) *sitter.Tree {
	if t == nil {
		return nil
	}
	tree := new(sitter.Tree)
	*(**C.TSTree)(unsafe.Pointer(tree)) = t
	return tree
}

// flatTables are the language's tables in C memory, built once.
var flatTables = sync.OnceValue(func() *C.flat_tables {
	l := rustLanguage()
	kinds := C.CBytes(unsafe.Slice((*byte)(unsafe.Pointer(&l.kinds[0])), len(l.kinds)))
	leaf := C.CBytes(l.leaf)
	fields := C.CBytes(unsafe.Slice((*byte)(unsafe.Pointer(&l.fields[0])), len(l.fields)))
	t := (*C.flat_tables)(C.malloc(C.size_t(unsafe.Sizeof(C.flat_tables{}))))
	*t = C.flat_tables{
		kinds: (*C.uint8_t)(kinds), leaf: (*C.uint8_t)(leaf), nkinds: C.uint32_t(len(l.kinds)),
		error_kind: C.uint8_t(kError),
		fields:     (*C.uint8_t)(fields), nfields: C.uint32_t(len(l.fields)),
	}
	return t
})

// maxMissingNames bounds how many MISSING tokens of one file are named in
// messages; later ones are called "token".
const maxMissingNames = 64

// flattenC copies tree into nodes with one cgo call, and with keepPtrs each
// node's subtree pointer; with old (from a tree this one was reparsed from,
// still open), subtrees found in old are copied from it. It names the token
// tree-sitter inserted for each MISSING node, which messages show.
func flattenC(l *language, tree *sitter.Tree, old *Syntax, keepPtrs bool) (nodes []node, missing map[int32]string, ptrs []uintptr) {
	if !flatWalk() {
		nodes, missing = flattenCursor(tree)
		return nodes, missing, nil // no pointers: Reparsed copies afresh
	}
	tp := treePointer(tree)
	return flattenWalk(l, tp, make([]node, C.flat_capacity(tp)), old, keepPtrs, false)
}

// flattenClosing is flatten for a tree nothing reads afterwards, which it
// closes: the walk that copies the tree also frees it, saving
// tree-sitter's deletion a second walk over the same subtrees. tree's
// Close does nothing afterwards. The nodes come from nodeBuffers, where the
// caller may put them back once nothing reads the syntax.
func flattenClosing(tree *sitter.Tree, src, parsed []byte) *syntax {
	s := &syntax{src: src, parsed: parsed, hasError: tree.RootNode().HasError()}
	if !flatWalk() {
		s.nodes, s.missing = flattenCursor(tree)
		tree.Close()
		return s
	}
	tp := treePointer(tree)
	*(**C.TSTree)(unsafe.Pointer(tree)) = nil // gone, whatever the walk's outcome
	s.nodes, s.missing, _ = flattenWalk(rustLanguage(), tp, takeNodes(int(C.flat_capacity(tp))), nil, false, true)
	return s
}

// flattenWalk is flattenC over tree-sitter's subtrees into nodes (room for
// all of them); with consume (no old, no keepPtrs) it deletes tp as it goes.
func flattenWalk(l *language, tp *C.TSTree, nodes []node, old *Syntax, keepPtrs, consume bool) (_ []node, missing map[int32]string, ptrs []uintptr) {
	var ptrsOut *C.uintptr_t
	if keepPtrs {
		ptrs = make([]uintptr, len(nodes))
		ptrsOut = (*C.uintptr_t)(unsafe.Pointer(&ptrs[0]))
	}
	var oldNodes *C.flat_node
	var oldPtrs *C.uintptr_t
	var oldN C.int32_t
	if old != nil && len(old.ptrs) > 0 {
		oldNodes = (*C.flat_node)(unsafe.Pointer(&old.syn.nodes[0]))
		oldPtrs = (*C.uintptr_t)(unsafe.Pointer(&old.ptrs[0]))
		oldN = C.int32_t(len(old.ptrs))
	}
	var found [maxMissingNames]C.flat_missing
	var nmissing C.int32_t
	n := C.flatten(tp, flatTables(), (*C.flat_node)(unsafe.Pointer(&nodes[0])), C.int32_t(len(nodes)),
		ptrsOut, oldNodes, oldPtrs, oldN, &found[0], maxMissingNames, &nmissing, C.bool(consume))
	if n < 0 {
		panic("analyzer: out of memory flattening a syntax tree")
	}
	nodes = nodes[:n]
	if keepPtrs {
		ptrs = ptrs[:n]
	}
	if nmissing == 0 {
		return nodes, nil, ptrs
	}
	missing = make(map[int32]string, nmissing)
	for i := range nodes {
		if nodes[i].missing {
			missing[int32(i)] = "token"
		}
	}
	for _, m := range found[:min(int(nmissing), maxMissingNames)] {
		if m.from >= 0 {
			missing[int32(m.idx)] = l.lang.NodeKindForId(uint16(m.from))
		} else {
			missing[int32(m.idx)] = old.syn.missing[int32(-1-m.from)]
		}
	}
	return nodes, missing, ptrs
}

// headersVersion is the go-tree-sitter version whose tree-sitter the
// internal headers in third_party/tree-sitter were copied from (its README
// says the same; TestVendoredHeadersMatchModule checks them against go.mod's).
const headersVersion = "v0.25.0"

const treeSitterModule = "github.com/tree-sitter/go-tree-sitter"

// flatWalk says whether flattenC may walk tree-sitter's internal subtrees:
// only when the tree-sitter linked in is the one the headers describe, as
// the binary's build info records it. Otherwise (another version through a
// replace or a newer go.mod, or no build info) the walk would read
// structures of unknown layout, so it fails closed to the public cursor.
var flatWalk = sync.OnceValue(func() bool {
	ok, _ := FlatWalk()
	return ok
})

// FlatWalk reports whether syntax trees are copied by the fast walk over
// tree-sitter's internals, and why (for a log line).
func FlatWalk() (bool, string) {
	return flatWalkFor(linkedTreeSitter())
}

// linkedTreeSitter is the go-tree-sitter version the binary was built
// with, "" when its build info does not say. A test binary records no
// dependency versions: `go test` builds with go.mod's, which
// TestVendoredHeadersMatchModule checks against the headers.
func linkedTreeSitter() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range info.Deps {
		if d.Path == treeSitterModule {
			if d.Replace != nil {
				d = d.Replace
			}
			return d.Version
		}
	}
	if len(info.Deps) == 0 && testing.Testing() {
		return headersVersion
	}
	return ""
}

func flatWalkFor(linked string) (bool, string) {
	switch linked {
	case headersVersion:
		return true, "fast syntax copy: the linked " + treeSitterModule + " " + linked + " is the one third_party/tree-sitter describes"
	case "":
		return false, "public cursor syntax copy: the build info does not say which " + treeSitterModule + " is linked"
	}
	return false, "public cursor syntax copy: the linked " + treeSitterModule + " " + linked + " is not " + headersVersion + ", which third_party/tree-sitter describes"
}

// flattenCursor is flattenC made through go-tree-sitter's public tree
// cursor: the fallback when the linked tree-sitter is not the one the
// internal headers describe, and the reference the tests check flattenC
// against. It shares nothing with an earlier copy.
func flattenCursor(tree *sitter.Tree) ([]node, map[int32]string) {
	l := rustLanguage()
	var nodes []node
	var missing map[int32]string
	c := tree.Walk()
	defer c.Close()
	var stack, last []int32 // ancestors of the current node; last child seen at each depth
	for {
		n := c.Node()
		idx := int32(len(nodes))
		nd := node{kind: kindOf(l, n.KindId()), start: uint32(n.StartByte()), end: uint32(n.EndByte()), parent: -1, firstChild: -1, nextSibling: -1}
		if f := c.FieldId(); f != 0 && int(f) < len(l.fields) {
			nd.field = l.fields[f]
		}
		if n.IsMissing() {
			nd.missing = true
			if missing == nil {
				missing = map[int32]string{}
			}
			missing[idx] = n.Kind()
		}
		if len(stack) > 0 {
			p := stack[len(stack)-1]
			nd.parent = p
			if prev := last[len(last)-1]; prev >= 0 {
				nodes[prev].nextSibling = idx
			} else {
				nodes[p].firstChild = idx
			}
			last[len(last)-1] = idx
		}
		nodes = append(nodes, nd)
		if !leafKind(nd.kind) && c.GotoFirstChild() {
			stack = append(stack, idx)
			last = append(last, -1)
			continue
		}
		for !c.GotoNextSibling() {
			if !c.GotoParent() || len(stack) == 0 {
				return nodes, missing
			}
			stack = stack[:len(stack)-1]
			last = last[:len(last)-1]
		}
	}
}

// kindOf is flat_kind in flat_cgo.go.
func kindOf(l *language, id uint16) kind {
	if id == 0xFFFF {
		return kError
	}
	if int(id) < len(l.kinds) {
		return l.kinds[id]
	}
	return kOther
}
