package analyzer

import (
	"math/bits"
	"sync"
)

// nodeBuffers recycles the node arrays of the syntaxes an analysis made
// for itself (its files' and their macro bodies'), which nothing reads once
// it returns: a cold load copies hundreds of MB of nodes, and fresh arrays
// cost their zeroing and the collector's sweeps. By capacity class (see
// nodeClass); a sync.Pool lets the collector drop what is not reused.
var nodeBuffers [1 + 21*8]sync.Pool

// minNodeClass is the smallest capacity made (24 KB): most files and macro
// bodies are smaller.
const minNodeClass = 1 << 10

// nodeClass is the capacity an array for n nodes is made with, n rounded
// up to an eighth of its power of two (so at most 1/8 of it spare), and
// its index in nodeBuffers.
func nodeClass(n int) (size, index int) {
	if n <= minNodeClass {
		return minNodeClass, 0
	}
	k := bits.Len(uint(n - 1)) // 2^(k-1) < n <= 2^k
	step := 1 << (k - 4)
	size = (n + step - 1) &^ (step - 1)
	eighth := (size - 1<<(k-1)) / step // 1…8
	return size, 1 + (k-11)*8 + eighth - 1
}

// takeNodes returns an array of n nodes whose contents are undefined: the
// copy writes every one. It is one of n's class or of the next eight (up
// to twice the room): a file's exact class is rarely free in a load, where
// every file is another size.
func takeNodes(n int) []node {
	size, i := nodeClass(n)
	for j := i; j < min(i+9, len(nodeBuffers)); j++ {
		if b, ok := nodeBuffers[j].Get().(*[]node); ok {
			return (*b)[:n]
		}
	}
	if i >= len(nodeBuffers) {
		return make([]node, n)
	}
	return make([]node, n, size)
}

// putNodes gives back an array takeNodes made; others are left to the
// collector.
func putNodes(nodes []node) {
	size, i := nodeClass(cap(nodes))
	if size != cap(nodes) || i >= len(nodeBuffers) {
		return
	}
	nodes = nodes[:0]
	nodeBuffers[i].Put(&nodes)
}
