package suggest

import "testing"

func TestClosest(t *testing.T) {
	if got, d := Closest("capabilty", []string{"capability", "default-capability"}); got != "capability" || d != 1 {
		t.Errorf("Closest = %q, %d", got, d)
	}
	if got, d := Closest("x", nil); got != "" || d != -1 {
		t.Errorf("Closest of nothing = %q, %d", got, d)
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance = %d", d)
	}
}
