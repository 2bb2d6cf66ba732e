package enummap_test

import (
	"maps"
	"testing"

	"github.com/crossdock/crossdock/pkg/enummap"
)

func TestInvert(t *testing.T) {
	in := map[string]int{"placed": 1, "paid": 2, "cancelled": 3}
	got := enummap.Invert(in)
	if want := map[int]string{1: "placed", 2: "paid", 3: "cancelled"}; !maps.Equal(got, want) {
		t.Errorf("Invert = %v, want %v", got, want)
	}
	if back := enummap.Invert(got); !maps.Equal(back, in) {
		t.Errorf("inverting twice = %v, want %v", back, in)
	}
}
