package analyzer

import "testing"

// TestNodeClass: an array made for n nodes holds them with at most an
// eighth spare (above the smallest class), and is given back to the class
// it was taken from.
func TestNodeClass(t *testing.T) {
	for n := 0; n < 1<<22; n += 1 + n/97 {
		size, i := nodeClass(n)
		if size < n || n > minNodeClass && size-n > n/8+1 {
			t.Fatalf("nodeClass(%d) = %d", n, size)
		}
		if size2, i2 := nodeClass(size); size2 != size || i2 != i || i >= len(nodeBuffers) {
			t.Fatalf("nodeClass(%d) = %d, %d; of that size: %d, %d", n, size, i, size2, i2)
		}
		if n > 0 {
			if prev, j := nodeClass(n - 1); j > i || prev > size {
				t.Fatalf("nodeClass(%d) = %d, %d after %d, %d", n, size, i, prev, j)
			}
		}
	}
	b := takeNodes(5000)
	if len(b) != 5000 || cap(b) < 5000 {
		t.Fatalf("takeNodes(5000): len %d cap %d", len(b), cap(b))
	}
	putNodes(b)
}
