package domain

import (
	"math/big"
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
	// SettlementAccepted lines were mismatches an operator accepted as the
	// partner stated them; they are credited in finance like matched ones.
	SettlementAccepted SettlementState = "accepted"
	// SettlementDismissed lines were closed by an operator with no credit.
	SettlementDismissed SettlementState = "dismissed"
	// SettlementUnreadable lines could not be read whole (SettlementLine's
	// Problems): never reconciled nor credited, they wait for an operator,
	// who may dismiss them once the money is settled by other means.
	SettlementUnreadable SettlementState = "unreadable"
)

// Credited reports whether a line in this state moves money: matched and
// accepted lines are credited in finance, every other state credits
// nothing.
func (s SettlementState) Credited() bool {
	return s == SettlementMatched || s == SettlementAccepted
}

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

// Terms are what a partner charges on an order: its commission and its
// fees. An order is settled on the terms in force when it was placed, so
// an imported order keeps those of its import, and its settlement line is
// reconciled against them, not against terms changed since.
type Terms struct {
	CommissionBPS int
	Fees          Fees
}

// Terms are the partner's terms as they stand.
func (p Partner) Terms() Terms { return Terms{CommissionBPS: p.CommissionBPS, Fees: p.Fees} }

// ExpectedSettlement returns what a partner's line for an order with these
// sub-orders, on these terms, should be.
func ExpectedSettlement(t Terms, subs []SettledSubOrder) Expected {
	var e Expected
	for _, s := range subs {
		e.Currency = s.Currency
		e.GrossMinor += s.GoodsMinor
	}
	e.FeesMinor = (e.GrossMinor*int64(t.CommissionBPS) + 5000) / 10000
	if t.Fees.FixedPerOrder > 0 && t.Fees.Currency == e.Currency {
		e.FeesMinor += t.Fees.FixedPerOrder
	}
	e.FeesMinor = min(e.FeesMinor, e.GrossMinor)
	return e
}

// Reconcile compares a line with what was expected. settledBy names
// another line that already settled the line's order (matched or
// accepted): a partner settles an order once, so a second line (a bill
// re-issued under a new id) is a mismatch for an operator, never a second
// credit of the same goods.
func Reconcile(l SettlementLine, imported bool, e Expected, settledBy string) SettlementState {
	switch {
	case !imported:
		return SettlementMissing
	case settledBy != "":
		return SettlementMismatch
	case l.Gross.Currency != e.Currency || l.Gross.Amount != e.GrossMinor || l.Fees.Amount != e.FeesMinor || l.Fees.Currency != l.Gross.Currency:
		return SettlementMismatch
	default:
		return SettlementMatched
	}
}

// SupplierCredit is the part of a credited line booked for one sub-order.
type SupplierCredit struct {
	SubOrderID string
	SupplierID string
	// LineID is the partner's line id and the sub-order: finance's
	// idempotency key for this part.
	LineID     string
	GrossMinor int64
	FeesMinor  int64
}

// SplitLine splits a line's gross and fees over its order's sub-orders in
// proportion to their goods (largest remainder, ties to the earlier
// sub-order), so the parts add up to the line exactly. A matched line's
// gross is the goods, so each part's gross is its sub-order's goods; an
// accepted line's gross may differ and is shared out the same way as its
// fees, so both kinds of line are credited by this one rule.
func SplitLine(lineID string, grossMinor, feesMinor int64, subs []SettledSubOrder) []SupplierCredit {
	goods := make([]int64, len(subs))
	for i, s := range subs {
		goods[i] = s.GoodsMinor
	}
	gross, fees := shares(grossMinor, goods), shares(feesMinor, goods)
	out := make([]SupplierCredit, len(subs))
	for i, s := range subs {
		out[i] = SupplierCredit{SubOrderID: s.SubOrderID, SupplierID: s.SupplierID, LineID: lineID + "/" + s.SubOrderID,
			GrossMinor: gross[i], FeesMinor: fees[i]}
	}
	return out
}

// shares splits amount in proportion to weights by largest remainder: each
// share is rounded down, then the units left go one each to the largest
// remainders, ties to the earlier weight.
func shares(amount int64, weights []int64) []int64 {
	var total int64
	for _, w := range weights {
		total += w
	}
	out := make([]int64, len(weights))
	rems := make([]int64, len(weights))
	var given int64
	for i, w := range weights {
		if total > 0 {
			out[i], rems[i] = mulDiv(amount, w, total)
		}
		given += out[i]
	}
	for left := amount - given; left > 0; left-- {
		best := -1
		for j, r := range rems {
			if r >= 0 && (best < 0 || r > rems[best]) {
				best = j
			}
		}
		if best < 0 {
			break
		}
		out[best]++
		rems[best] = -1
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// mulDiv is a×b/c and its remainder, through a product that may exceed
// int64 (a gross of a few billion minor units times a sub-order's goods);
// both results fit when b ≤ c.
func mulDiv(a, b, c int64) (quo, rem int64) {
	q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(a), big.NewInt(b)), big.NewInt(c), new(big.Int))
	return q.Int64(), r.Int64()
}
