package domain

import (
	"strconv"
)

// SettlementState is how a settlement line reconciled against our orders.
type SettlementState string

// The states of a settlement line.
const (
	// SettlementMatched lines agree with our order and the partner's terms;
	// they are credited in finance.
	SettlementMatched SettlementState = "matched"
	// SettlementMissing lines name a partner order we never imported.
	SettlementMissing SettlementState = "missing"
	// SettlementMismatch lines differ in amount or fees.
	SettlementMismatch SettlementState = "mismatch"
)

// SettledSubOrder is one local sub-order of a partner's order: the
// supplier to be paid and its goods.
type SettledSubOrder struct {
	SubOrderID string
	SupplierID string
	Currency   string
	GoodsMinor int64
}

// Expected is what a settlement line should say for an imported order:
// the goods of its sub-orders, and the partner's commission on them plus
// its fixed fee per order (capped at the gross).
type Expected struct {
	Currency   string
	GrossMinor int64
	FeesMinor  int64
}

// ExpectedSettlement returns what a partner's line for an order with these
// sub-orders should be.
func ExpectedSettlement(p Partner, subs []SettledSubOrder) Expected {
	var e Expected
	for _, s := range subs {
		e.Currency = s.Currency
		e.GrossMinor += s.GoodsMinor
	}
	e.FeesMinor = (e.GrossMinor*int64(p.CommissionBPS) + 5000) / 10000
	if p.Fees.FixedPerOrder > 0 && p.Fees.Currency == e.Currency {
		e.FeesMinor += p.Fees.FixedPerOrder
	}
	e.FeesMinor = min(e.FeesMinor, e.GrossMinor)
	return e
}

// Reconcile compares a line with what was expected.
func Reconcile(l SettlementLine, imported bool, e Expected) SettlementState {
	switch {
	case !imported:
		return SettlementMissing
	case l.Gross.Currency != e.Currency || l.Gross.Amount != e.GrossMinor || l.Fees.Amount != e.FeesMinor || l.Fees.Currency != l.Gross.Currency:
		return SettlementMismatch
	default:
		return SettlementMatched
	}
}

// SupplierCredit is the part of a matched line credited for one sub-order.
type SupplierCredit struct {
	SubOrderID string
	SupplierID string
	// LineID is the partner's line id and the sub-order: finance's
	// idempotency key for this part.
	LineID     string
	GrossMinor int64
	FeesMinor  int64
}

// SplitLine splits a matched line's fees over its sub-orders in proportion
// to their goods (largest remainder, ties to the earlier sub-order), so the
// parts add up to the line exactly.
func SplitLine(lineID string, feesMinor int64, subs []SettledSubOrder) []SupplierCredit {
	var total int64
	for _, s := range subs {
		total += s.GoodsMinor
	}
	out := make([]SupplierCredit, len(subs))
	type rem struct {
		i int
		r int64
	}
	rems := make([]rem, len(subs))
	var given int64
	for i, s := range subs {
		var share, r int64
		if total > 0 {
			share, r = feesMinor*s.GoodsMinor/total, feesMinor*s.GoodsMinor%total
		}
		out[i] = SupplierCredit{SubOrderID: s.SubOrderID, SupplierID: s.SupplierID, LineID: lineID + "/" + s.SubOrderID, GrossMinor: s.GoodsMinor, FeesMinor: share}
		rems[i] = rem{i, r}
		given += share
	}
	for left := feesMinor - given; left > 0; left-- {
		best := -1
		for j, r := range rems {
			if r.r >= 0 && (best < 0 || r.r > rems[best].r) {
				best = j
			}
		}
		if best < 0 {
			break
		}
		out[rems[best].i].FeesMinor++
		rems[best].r = -1
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
