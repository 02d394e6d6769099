package analyzer

import (
	"sync"

	sitter "github.com/tree-sitter/go-tree-sitter"
	rust "github.com/tree-sitter/tree-sitter-rust/bindings/go"
)

// The syntax tree is copied once from tree-sitter into a flat Go array: every
// later question is then a slice index, not a cgo call, which keeps analysis
// within a small factor of parsing.

// kind is the analyser's own name for a tree-sitter node kind; kinds it does
// not care about are kOther.
type kind uint8

const (
	kOther kind = iota
	kError
	kSourceFile
	kIdentifier
	kTypeIdentifier
	kFieldIdentifier
	kScopedIdentifier
	kScopedTypeIdentifier
	kGenericType
	kGenericTypeTurbofish
	kGenericFunction
	kBracketedType
	kQualifiedType
	kSelf
	kSuper
	kCrate
	kMetavariable
	kColonColon
	kBang
	kDot
	kEq
	kComma
	kUnsafeKw
	kUseDeclaration
	kUseList
	kScopedUseList
	kUseAsClause
	kUseWildcard
	kExternCrate
	kModItem
	kDeclarationList
	kFunctionItem
	kFunctionSignatureItem
	kFunctionModifiers
	kStructItem
	kEnumItem
	kUnionItem
	kTraitItem
	kTypeItem
	kConstItem
	kStaticItem
	kImplItem
	kForeignModItem
	kExternModifier
	kMacroDefinition
	kMacroRule
	kMacroInvocation
	kTokenTree
	kTokenRepetition // $( … )* in a macro_rules! body
	kAttributeItem
	kInnerAttributeItem
	kAttribute
	kBlock
	kUnsafeBlock
	kLetDeclaration
	kClosureExpression
	kLetCondition
	kLetChain
	kClosureParameters
	kParameter
	kSelfParameter
	kTypeParameters
	kTypeParameter
	kWhereClause
	kWherePredicate
	kTraitBounds
	kAbstractType
	kTypeArguments
	kArrayType
	kFieldDeclaration
	kForExpression
	kBinaryExpression
	kIndexExpression
	kOrderedFieldDeclarationList
	kTupleStructPattern
	kMatchExpression
	kMatchPattern
	kTypeBinding
	kCallExpression
	kFieldExpression
	kReferenceExpression
	kParenthesizedExpression
	kTryExpression
	kAwaitExpression
	kReferenceType
	kStringLiteral
	kRawStringLiteral
	kCharLiteral
	kLineComment
	kBlockComment
	kFieldDeclarationList
	kEnumVariantList
	kRefPattern
	kMutPattern
	kShorthandFieldIdentifier
)

var kindNames = map[string]kind{
	"ERROR": kError, "source_file": kSourceFile, "identifier": kIdentifier,
	"type_identifier": kTypeIdentifier, "field_identifier": kFieldIdentifier,
	"scoped_identifier": kScopedIdentifier, "scoped_type_identifier": kScopedTypeIdentifier,
	"generic_type": kGenericType, "generic_type_with_turbofish": kGenericTypeTurbofish,
	"generic_function": kGenericFunction, "bracketed_type": kBracketedType,
	"qualified_type": kQualifiedType, "self": kSelf, "super": kSuper, "crate": kCrate,
	"metavariable":    kMetavariable,
	"use_declaration": kUseDeclaration, "use_list": kUseList, "scoped_use_list": kScopedUseList,
	"use_as_clause": kUseAsClause, "use_wildcard": kUseWildcard,
	"extern_crate_declaration": kExternCrate, "mod_item": kModItem,
	"declaration_list": kDeclarationList, "function_item": kFunctionItem,
	"function_signature_item": kFunctionSignatureItem, "function_modifiers": kFunctionModifiers,
	"struct_item": kStructItem, "enum_item": kEnumItem, "union_item": kUnionItem,
	"trait_item": kTraitItem, "type_item": kTypeItem, "const_item": kConstItem,
	"static_item": kStaticItem, "impl_item": kImplItem, "foreign_mod_item": kForeignModItem,
	"extern_modifier": kExternModifier, "macro_definition": kMacroDefinition,
	"macro_rule": kMacroRule, "macro_invocation": kMacroInvocation, "token_tree": kTokenTree, "token_repetition": kTokenRepetition, "attribute_item": kAttributeItem,
	"inner_attribute_item": kInnerAttributeItem, "attribute": kAttribute, "block": kBlock,
	"unsafe_block": kUnsafeBlock, "let_declaration": kLetDeclaration, "closure_expression": kClosureExpression, "let_condition": kLetCondition, "let_chain": kLetChain, "closure_parameters": kClosureParameters, "parameter": kParameter,
	"self_parameter": kSelfParameter, "type_parameters": kTypeParameters, "type_parameter": kTypeParameter,
	"where_clause": kWhereClause, "where_predicate": kWherePredicate, "trait_bounds": kTraitBounds,
	"abstract_type": kAbstractType, "type_arguments": kTypeArguments, "array_type": kArrayType,
	"field_declaration": kFieldDeclaration, "for_expression": kForExpression, "binary_expression": kBinaryExpression,
	"index_expression": kIndexExpression, "ordered_field_declaration_list": kOrderedFieldDeclarationList,
	"tuple_struct_pattern": kTupleStructPattern, "match_expression": kMatchExpression,
	"match_pattern": kMatchPattern, "type_binding": kTypeBinding,
	"call_expression": kCallExpression, "field_expression": kFieldExpression,
	"reference_expression": kReferenceExpression, "parenthesized_expression": kParenthesizedExpression,
	"try_expression": kTryExpression, "await_expression": kAwaitExpression, "reference_type": kReferenceType,
	"string_literal": kStringLiteral, "raw_string_literal": kRawStringLiteral,
	"char_literal": kCharLiteral, "line_comment": kLineComment, "block_comment": kBlockComment, "field_declaration_list": kFieldDeclarationList,
	"enum_variant_list": kEnumVariantList, "ref_pattern": kRefPattern, "mut_pattern": kMutPattern,
	"shorthand_field_identifier": kShorthandFieldIdentifier,
}

// Anonymous tokens the analyser looks at.
var tokenNames = map[string]kind{
	"::": kColonColon, "!": kBang, ".": kDot, "=": kEq, ",": kComma,
	"unsafe": kUnsafeKw, "self": kSelf, "super": kSuper, "crate": kCrate,
}

// field is the analyser's name for a tree-sitter field.
type field uint8

const (
	fNone field = iota
	fPath
	fName
	fAlias
	fList
	fArgument
	fFunction
	fArguments
	fValue
	fField
	fType
	fPattern
	fBody
	fTrait
	fMacro
	fRight
	fParameters
	fTypeParameters
	fBounds
	fLeft
	fElement
	fReturnType
	fCondition
)

var fieldNames = map[string]field{
	"path": fPath, "name": fName, "alias": fAlias, "list": fList, "argument": fArgument,
	"function": fFunction, "arguments": fArguments, "value": fValue, "field": fField,
	"type": fType, "pattern": fPattern, "body": fBody, "trait": fTrait, "macro": fMacro,
	"type_parameters": fTypeParameters, "bounds": fBounds, "left": fLeft, "element": fElement, "return_type": fReturnType,
	"right": fRight, "parameters": fParameters, "condition": fCondition,
}

type language struct {
	lang   *sitter.Language
	kinds  []kind
	fields []field
	leaf   []uint8 // by symbol: 1 = do not descend (see leafKind)
}

var rustLanguage = sync.OnceValue(func() *language {
	l := &language{lang: sitter.NewLanguage(rust.Language())}
	l.kinds = make([]kind, l.lang.NodeKindCount()+1)
	l.leaf = make([]uint8, len(l.kinds))
	for id := uint16(0); uint32(id) < l.lang.NodeKindCount(); id++ {
		name := l.lang.NodeKindForId(id)
		if l.lang.NodeKindIsNamed(id) {
			l.kinds[id] = kindNames[name]
		} else {
			l.kinds[id] = tokenNames[name]
		}
		if leafKind(l.kinds[id]) {
			l.leaf[id] = 1
		}
	}
	l.fields = make([]field, l.lang.FieldCount()+1)
	for id := uint16(1); uint32(id) <= l.lang.FieldCount(); id++ {
		l.fields[id] = fieldNames[l.lang.FieldNameForId(id)]
	}
	return l
})

// ParseRust parses Rust source text as the analyser does. Pass the previous
// tree of the same file (after Tree.Edit) to reparse incrementally, or nil.
// The caller closes the tree.
func ParseRust(text []byte, old *sitter.Tree) *sitter.Tree {
	p := takeParser()
	defer putParser(p)
	tree, _ := parseBounded(p, respell(text), old)
	return tree
}

// idleParsers are parsers between two parses: making one costs about what
// parsing a 2 KB file does, and an analysis or an editor's reparse is often
// of one small file. At most maxIdleParsers are kept (a C object each).
var idleParsers struct {
	sync.Mutex
	list []*sitter.Parser
}

const maxIdleParsers = 4

// takeParser returns an idle parser, or a new one; putParser gives it back.
func takeParser() *sitter.Parser {
	idleParsers.Lock()
	defer idleParsers.Unlock()
	if n := len(idleParsers.list); n > 0 {
		p := idleParsers.list[n-1]
		idleParsers.list = idleParsers.list[:n-1]
		return p
	}
	return newParser()
}

// putParser keeps p for the next takeParser, as a new one would be: whole
// text, no parse to resume (its user may have stopped in a panic).
func putParser(p *sitter.Parser) {
	if p.SetIncludedRanges(nil) != nil {
		p.Close()
		return
	}
	p.Reset()
	idleParsers.Lock()
	defer idleParsers.Unlock()
	if len(idleParsers.list) < maxIdleParsers {
		idleParsers.list = append(idleParsers.list, p)
		return
	}
	p.Close()
}

func newParser() *sitter.Parser {
	p := sitter.NewParser()
	if err := p.SetLanguage(rustLanguage().lang); err != nil {
		panic("analyzer: tree-sitter-rust ABI mismatch: " + err.Error()) // a build defect
	}
	return p
}

// node is one syntax node in the flat tree. Indices are into syntax.nodes;
// -1 means none.
type node struct {
	kind        kind
	field       field
	missing     bool
	start, end  uint32
	parent      int32
	firstChild  int32
	nextSibling int32
}

// syntax is one file's flat tree and text.
type syntax struct {
	file     string // the file's path, for macro_rules! textual scope
	depth    uint8  // for a macro body parsed as items, how many such bodies hold it (see expand)
	src      []byte
	parsed   []byte // src as given to the parser (see renameTryMacro)
	nodes    []node
	hasError bool
	missing  map[int32]string // the token tree-sitter inserted, for MISSING nodes
	failed   string           // why the parser gave no tree ("parse exceeded 10s"), or ""
}

// leafKinds are nodes whose children the analyser never reads.
func leafKind(k kind) bool {
	switch k {
	case kStringLiteral, kRawStringLiteral, kCharLiteral, kLineComment, kBlockComment:
		return true
	}
	return false
}

// flatten copies tree, parsed from parsed (src as given to the parser, see
// renameTryMacro), into a syntax value.
func flatten(tree *sitter.Tree, src, parsed []byte) *syntax {
	s, _ := flattenFrom(tree, src, parsed, nil, false)
	return s
}

func flattenFrom(tree *sitter.Tree, src, parsed []byte, old *Syntax, keepPtrs bool) (*syntax, []uintptr) {
	s := &syntax{src: src, parsed: parsed, hasError: tree.RootNode().HasError()}
	var ptrs []uintptr
	s.nodes, s.missing, ptrs = flattenC(rustLanguage(), tree, old, keepPtrs)
	return s, ptrs
}

// Syntax is a Rust file as the analyser reads it: its text and a flat copy
// of its syntax tree, made once. It is immutable, so analyses may share it
// (see Crate.Parse).
type Syntax struct {
	syn  *syntax
	ptrs []uintptr  // each node's tree-sitter subtree, for Reparsed; nil if not kept
	edit *localEdit // when spliced from another by an edit the rest of the crate cannot see
}

// ParseSyntax parses text.
func ParseSyntax(text []byte) *Syntax {
	parsed := respell(text)
	p := takeParser()
	defer putParser(p)
	tree, failed := parseBounded(p, parsed, nil)
	if tree == nil {
		return &Syntax{syn: unparsed(text, parsed, failed)}
	}
	defer tree.Close()
	s, _ := flattenFrom(tree, text, parsed, nil, false)
	return &Syntax{syn: s}
}

// unparsed is the syntax of a text the parser gave no tree for, and why:
// nothing is seen.
func unparsed(src, parsed []byte, why string) *syntax {
	return &syntax{src: src, parsed: parsed, failed: why, nodes: []node{{kind: kSourceFile, parent: -1, firstChild: -1, nextSibling: -1, end: uint32(len(src))}}}
}

// NewSyntax copies tree, which ParseRust made from text, keeping what
// Reparsed needs: an editor makes one per buffer version.
func NewSyntax(tree *sitter.Tree, text []byte) *Syntax {
	return newSyntax(tree, text, nil)
}

// Reparsed is NewSyntax for tree, which ParseRust reparsed from the tree old
// was made from (after Tree.Edit): whatever subtrees the parse shared with
// that tree are copied from old rather than walked again, so a keystroke
// costs the edited part of the tree, not the whole. That tree must still be
// open.
func (old *Syntax) Reparsed(tree *sitter.Tree, text []byte) *Syntax {
	return newSyntax(tree, text, old)
}

func newSyntax(tree *sitter.Tree, text []byte, old *Syntax) *Syntax {
	s, ptrs := flattenFrom(tree, text, respell(text), old, true)
	return &Syntax{syn: s, ptrs: ptrs}
}

func (s *syntax) text(i int32) string {
	n := &s.nodes[i]
	return string(s.src[n.start:n.end])
}

// child returns the first child of i with field f, or -1.
func (s *syntax) child(i int32, f field) int32 {
	for c := s.nodes[i].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].field == f {
			return c
		}
	}
	return -1
}

// childKind returns the first child of i of kind k, or -1.
func (s *syntax) childKind(i int32, k kind) int32 {
	for c := s.nodes[i].firstChild; c >= 0; c = s.nodes[c].nextSibling {
		if s.nodes[c].kind == k {
			return c
		}
	}
	return -1
}

// stringValue returns the contents of a plain string literal node (escapes
// are rare in the strings the analyser reads: paths, variable names).
func (s *syntax) stringValue(i int32) (string, bool) {
	n := &s.nodes[i]
	t := s.src[n.start:n.end]
	switch n.kind {
	case kStringLiteral:
		if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
			return string(t[1 : len(t)-1]), true
		}
	case kRawStringLiteral:
		for len(t) > 0 && (t[0] == 'r' || t[0] == '#') {
			t = t[1:]
		}
		for len(t) > 0 && t[len(t)-1] == '#' {
			t = t[:len(t)-1]
		}
		if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
			return string(t[1 : len(t)-1]), true
		}
	}
	return "", false
}
