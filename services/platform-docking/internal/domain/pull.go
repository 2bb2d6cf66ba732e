package domain

import (
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// PullTiming is how a partner's orders are pulled: each round reads the
// window [watermark − Overlap, now − Lag). Lag keeps clear of the partner's
// visibility lag (orders updated in the last minutes may not be listed
// yet); Overlap reads the end of the previous window again, catching what
// appeared late or slipped between pages. Orders are taken once however
// often they are read.
type PullTiming struct {
	Lag     time.Duration
	Overlap time.Duration
}

// Window returns the next window from watermark at now, and false when it
// would be empty (the watermark already reaches now − Lag).
func (t PullTiming) Window(watermark, now time.Time) (Window, bool) {
	w := Window{From: watermark.Add(-t.Overlap), To: now.Add(-t.Lag)}
	return w, w.To.After(watermark)
}

// ImportDecision is what docking does with a pulled order.
type ImportDecision int

// The decisions on a pulled order.
const (
	// Ignore: none of its items is ours.
	Ignore ImportDecision = iota
	// Wait: not paid (or cancelled before it was): nothing to place yet.
	Wait
	// Place: paid, to be placed as a local order (again: placing is
	// idempotent).
	Place
	// Hold: an operator must look (an unknown status); never guessed at.
	Hold
)

// OrderLine is a SKU and quantity of ours in a partner's order, at the
// price the partner sold a unit for: the local order is priced at it, so
// its goods are what the partner's settlement pays.
type OrderLine struct {
	SKUID     string
	Quantity  int64
	UnitPrice money.Money
}

// Decide reads a pulled order: what to do with it, our lines in it (one
// per SKU and price, quantities summed, first-appearance order) and, for
// Hold, why.
func Decide(o PartnerOrder) (ImportDecision, []OrderLine, string) {
	var lines []OrderLine
	type key struct {
		sku   string
		price money.Money
	}
	at := map[key]int{}
	for _, it := range o.Items {
		sku, ok := SKUOfMarker(it.Marker)
		if !ok {
			continue
		}
		k := key{sku, it.UnitPrice}
		if i, seen := at[k]; seen {
			lines[i].Quantity += int64(it.Quantity)
			continue
		}
		at[k] = len(lines)
		lines = append(lines, OrderLine{SKUID: sku, Quantity: int64(it.Quantity), UnitPrice: it.UnitPrice})
	}
	if len(lines) == 0 {
		return Ignore, nil, ""
	}
	for _, l := range lines {
		if l.Quantity <= 0 {
			return Hold, lines, "a line of ours has quantity " + itoa(l.Quantity)
		}
		if l.UnitPrice.Amount <= 0 || l.UnitPrice.Currency == "" {
			return Hold, lines, "a line of ours has unit price " + itoa(l.UnitPrice.Amount) + " " + l.UnitPrice.Currency
		}
	}
	switch o.Status {
	case OrderPaid, OrderShipped, OrderCompleted:
		return Place, lines, ""
	case OrderAwaitingPayment, OrderCancelled:
		return Wait, lines, ""
	default:
		return Hold, lines, "unknown partner status " + o.RawStatus
	}
}
