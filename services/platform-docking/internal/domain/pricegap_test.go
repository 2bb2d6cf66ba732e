package domain

import (
	"slices"
	"testing"

	"github.com/crossdock/crossdock/pkg/money"
)

func TestBelowListing(t *testing.T) {
	eur := func(a int64) money.Money { return money.Money{Amount: a, Currency: "EUR"} }
	line := func(sku string, price money.Money) OrderLine {
		return OrderLine{SKUID: sku, Quantity: 1, UnitPrice: price}
	}
	listed := map[string]money.Money{"lamp": eur(2000), "mug": eur(900), "tea": {Amount: 500, Currency: "USD"}}
	tests := []struct {
		name  string
		lines []OrderLine
		want  []PriceGap
	}{
		{"at the listed price", []OrderLine{line("lamp", eur(2000))}, nil},
		{"above it", []OrderLine{line("lamp", eur(2100))}, nil},
		{"one unit below", []OrderLine{line("lamp", eur(1999))}, []PriceGap{{"lamp", eur(1999), eur(2000)}}},
		{"the lines below, in order", []OrderLine{line("mug", eur(450)), line("lamp", eur(2000)), line("lamp", eur(1550))},
			[]PriceGap{{"mug", eur(450), eur(900)}, {"lamp", eur(1550), eur(2000)}}},
		{"never listed", []OrderLine{line("kettle", eur(1))}, nil},
		{"listed in another currency", []OrderLine{line("tea", eur(100))}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BelowListing(tt.lines, listed); !slices.Equal(got, tt.want) {
				t.Errorf("BelowListing = %+v, want %+v", got, tt.want)
			}
		})
	}
}
