package load

import (
	"testing"

	"github.com/crossdock/crossdock/pkg/money"
)

func TestBudgets(t *testing.T) {
	skus := []SKU{
		{ID: "a", Price: money.MustNew(7999, "USD")},
		{ID: "b", Price: money.MustNew(2900, "EUR")},
		{ID: "c", Price: money.MustNew(2500, "USD")},
	}
	plan := []Arrival{
		{Buyer: 0, SKUs: []int{0}},
		{Buyer: 1, SKUs: []int{1, 2}},
		{Buyer: 0, SKUs: []int{2, 0, 1}},
	}
	tests := []struct {
		name     string
		currency string
		rates    map[string]money.Rate
		want     []int64
	}{
		// 29.00 EUR at 0.9215 EUR a dollar is 31.4704 USD, to the cent 31.47.
		{"in USD", "USD", map[string]money.Rate{"EUR": money.MustParseRate("0.9215")}, []int64{3 * (7999 + 2500 + 7999 + 3147), 3 * (3147 + 2500), 0}},
		// 79.99 USD at 0.0066 a yen is 12119.70 JPY, 12120; 25.00 USD is
		// 3787.88, 3788; 29.00 EUR at 0.0061 is 4754.10, 4754.
		{"in yen, without minor units", "JPY", map[string]money.Rate{"USD": money.MustParseRate("0.0066"), "EUR": money.MustParseRate("0.0061")},
			[]int64{3 * (12120 + 3788 + 12120 + 4754), 3 * (4754 + 3788), 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := budgets(plan, 3, skus, tt.currency, tt.rates)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("buyer %d is funded %d, want %d", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// A price currency without a rate is an error, not a zero budget.
func TestBudgetsWithoutARate(t *testing.T) {
	skus := []SKU{{ID: "b", Price: money.MustNew(2900, "EUR")}}
	if _, err := budgets([]Arrival{{SKUs: []int{0}}}, 1, skus, "USD", nil); err == nil {
		t.Fatal("funded a buyer for a price it cannot convert")
	}
}
