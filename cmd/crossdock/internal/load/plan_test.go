package load

import (
	"slices"
	"testing"
)

func TestNewPlan(t *testing.T) {
	tests := []struct {
		name                   string
		arrivals, buyers, skus int
	}{
		{"one SKU", 20, 3, 1},
		{"two SKUs", 50, 5, 2},
		{"the demo catalogue", 300, 50, 7},
		{"more buyers than arrivals", 4, 10, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := NewPlan(tt.arrivals, tt.buyers, tt.skus, []string{"", "linen"}, 7)
			if len(plan) != tt.arrivals {
				t.Fatalf("%d arrivals planned, want %d", len(plan), tt.arrivals)
			}
			var units int64
			for k, a := range plan {
				if a.Buyer != k%tt.buyers {
					t.Errorf("arrival %d is buyer %d, want %d (turns)", k, a.Buyer, k%tt.buyers)
				}
				if n := len(a.SKUs); n < 1 || n > min(MaxLines, tt.skus) {
					t.Errorf("arrival %d buys %d SKUs", k, n)
				}
				// Each arrival holds its own few SKUs, not a slice of a
				// permutation of the whole catalogue (a million arrivals
				// of a large catalogue would hold gigabytes).
				if c := cap(a.SKUs); c > MaxLines {
					t.Errorf("arrival %d holds room for %d SKUs", k, c)
				}
				sorted := slices.Sorted(slices.Values(a.SKUs))
				if len(slices.Compact(sorted)) != len(a.SKUs) || sorted[0] < 0 || sorted[len(sorted)-1] >= tt.skus {
					t.Errorf("arrival %d buys %v: not distinct SKUs of %d", k, a.SKUs, tt.skus)
				}
				if !slices.Contains(browseLocales, a.Locale) || (a.Query != "" && a.Query != "linen") {
					t.Errorf("arrival %d browses %q in %q", k, a.Query, a.Locale)
				}
				units += int64(len(a.SKUs))
			}
			perSKU := UnitsPerSKU(plan, tt.skus)
			var sum int64
			for _, u := range perSKU {
				sum += u
			}
			if sum != units {
				t.Errorf("units per SKU %v sum to %d, the plan buys %d", perSKU, sum, units)
			}
			if again := NewPlan(tt.arrivals, tt.buyers, tt.skus, []string{"", "linen"}, 7); !slices.EqualFunc(plan, again, func(a, b Arrival) bool {
				return a.Buyer == b.Buyer && slices.Equal(a.SKUs, b.SKUs) && a.Query == b.Query && a.Locale == b.Locale
			}) {
				t.Error("the same seed planned another run")
			}
		})
	}
}
