package domain

import "github.com/crossdock/crossdock/pkg/money"

// PriceGap is a line a partner sold below the price we listed its SKU at:
// a promotion of the partner's. The local order is priced at what the
// partner sold for, so the supplier's credit bears the difference; an
// operator sees these orders flagged.
type PriceGap struct {
	SKUID    string
	SoldAt   money.Money
	ListedAt money.Money
}

// BelowListing returns the lines sold below their listed price (listed by
// SKU id, the price last pushed to the partner), in line order. A line
// whose SKU has no listing, or whose listing is in another currency, is not
// compared: the partner sold at a price we never showed it, and orders
// refuses a price in a currency other than the SKU's.
func BelowListing(lines []OrderLine, listed map[string]money.Money) []PriceGap {
	var gaps []PriceGap
	for _, l := range lines {
		at, ok := listed[l.SKUID]
		if ok && at.Currency == l.UnitPrice.Currency && l.UnitPrice.Amount < at.Amount {
			gaps = append(gaps, PriceGap{SKUID: l.SKUID, SoldAt: l.UnitPrice, ListedAt: at})
		}
	}
	return gaps
}
