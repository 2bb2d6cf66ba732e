package domain

import (
	"math"
	"math/big"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// Record is one completed shipment as the estimate sees it: its size, its
// value and freight in minor units of the base currency, and when it completed
// (Unix microseconds, PostgreSQL's precision). Freight is never negative: a
// record with negative freight is bad data and never becomes a Record.
type Record struct {
	VolumeCM3   int64
	WeightG     int64
	Value       int64
	Freight     int64
	CompletedAt int64
}

// Bounds is an inclusive range of integers.
type Bounds struct{ Lo, Hi int64 }

// Contains reports whether lo ≤ x ≤ hi.
func (b Bounds) Contains(x int64) bool { return b.Lo <= x && x <= b.Hi }

// ToleranceBounds returns the integers x with |x − x0| ≤ tol·x0, computed
// exactly: lo = ⌈x0·(1−tol)⌉ and hi = ⌊x0·(1+tol)⌋. Because a record's x is
// an integer, x0·(1−tol) ≤ x ≤ x0·(1+tol) holds exactly when lo ≤ x ≤ hi, so
// the boundary itself is inside. x0 must be positive and tol at most 1.
func ToleranceBounds(x0 int64, tol money.Rate) Bounds {
	x := new(big.Rat).SetInt64(x0)
	d := new(big.Rat).Mul(x, tol.Rat())
	lo := new(big.Rat).Sub(x, d)
	hi := new(big.Rat).Add(x, d)
	return Bounds{Lo: ceilInt(lo), Hi: floorInt(hi)}
}

func ceilInt(x *big.Rat) int64 {
	n, ok := ceilRat(x)
	if !ok {
		if x.Sign() < 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return n
}

func floorInt(x *big.Rat) int64 {
	n, ok := ceilRat(new(big.Rat).Neg(x))
	if !ok {
		if x.Sign() < 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return -n
}

// Query is what classifies records against one parcel: the three consistency
// ranges and the start of the window.
type Query struct {
	Volume, Weight, Value Bounds
	// Since is the oldest completion time that counts (Unix microseconds,
	// inclusive): the estimate time minus the window.
	Since int64
}

// NewQuery builds the query for a parcel under a configuration at a time.
func NewQuery(p Parcel, cfg Config, at time.Time) Query {
	return Query{
		Volume: ToleranceBounds(p.VolumeCM3, cfg.VolumeTolerance),
		Weight: ToleranceBounds(p.WeightG, cfg.WeightTolerance),
		Value:  ToleranceBounds(p.Value.Amount, cfg.ValueTolerance),
		Since:  at.Add(-cfg.Window).UnixMicro(),
	}
}

// Matches returns in how many of the three classes a record falls (0 to 3),
// and 0 for a record outside the window.
func (q Query) Matches(r Record) int {
	if r.CompletedAt < q.Since {
		return 0
	}
	n := 0
	if q.Volume.Contains(r.VolumeCM3) {
		n++
	}
	if q.Weight.Contains(r.WeightG) {
		n++
	}
	if q.Value.Contains(r.Value) {
		n++
	}
	return n
}
