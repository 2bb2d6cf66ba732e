package domain

import (
	"math/big"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
)

// ReferenceRecord is a history record as DOMAIN.md states it: freight may be
// negative (bad data the rule ignores).
type ReferenceRecord struct {
	Route       Route
	VolumeCM3   int64
	WeightG     int64
	Value       int64
	Freight     int64
	CompletedAt time.Time
}

// ReferenceEstimate is the history estimate computed the slow, obvious way: it
// scans every record, tests |x − x₀| ≤ tol·x₀ with exact fractions, sums each
// group's freight and applies DOMAIN.md's formula term by term. It shares no
// code with the indexed path (Query, Tallies, HistoryEstimate), so tests can
// hold the fast path to it on random histories. ok is false when no record
// matches.
func ReferenceEstimate(records []ReferenceRecord, route Route, p Parcel, cfg Config, m Multiplier, at time.Time) (est Estimate, ok bool) {
	since := at.Add(-cfg.Window)
	var counts [3]int64
	var sums [3]*big.Int
	for g := range sums {
		sums[g] = new(big.Int)
	}
	for _, r := range records {
		if r.Route != route || r.CompletedAt.Before(since) || r.Freight < 0 {
			continue
		}
		k := 0
		if consistent(r.VolumeCM3, p.VolumeCM3, cfg.VolumeTolerance) {
			k++
		}
		if consistent(r.WeightG, p.WeightG, cfg.WeightTolerance) {
			k++
		}
		if consistent(r.Value, p.Value.Amount, cfg.ValueTolerance) {
			k++
		}
		var g int
		switch k {
		case 3:
			g = 0 // S
		case 2:
			g = 1 // C
		case 1:
			g = 2 // F
		default:
			continue
		}
		counts[g]++
		sums[g].Add(sums[g], big.NewInt(r.Freight))
	}
	weights := [3]money.Rate{cfg.FirstWeight, cfg.SecondaryWeight, cfg.EndWeight}
	weighted, weightSum := new(big.Rat), new(big.Rat)
	est = Estimate{Basis: BasisHistory, Multiplier: m}
	for g := range counts {
		est.Groups[g] = GroupResult{Count: counts[g], Weight: weights[g]}
		if counts[g] == 0 {
			continue
		}
		mean := new(big.Rat).SetFrac(sums[g], big.NewInt(counts[g]))
		est.Groups[g].Mean = mean
		weighted.Add(weighted, new(big.Rat).Mul(weights[g].Rat(), mean))
		weightSum.Add(weightSum, weights[g].Rat())
	}
	if weightSum.Sign() == 0 {
		return Estimate{}, false
	}
	est.Total = new(big.Rat).Quo(weighted, weightSum)
	scaled := new(big.Rat).Mul(est.Total, m.Value.Rat())
	// The smallest integer n with n ≥ scaled.
	n := new(big.Int).Div(scaled.Num(), scaled.Denom()) // Euclidean: floor for a positive denominator
	if new(big.Rat).SetInt(n).Cmp(scaled) < 0 {
		n.Add(n, big.NewInt(1))
	}
	est.Target = money.Money{Amount: n.Int64(), Currency: p.Value.Currency}
	return est, true
}

// consistent reports |x − x0| ≤ tol·x0 exactly.
func consistent(x, x0 int64, tol money.Rate) bool {
	diff := new(big.Rat).SetInt64(x - x0)
	diff.Abs(diff)
	limit := new(big.Rat).Mul(tol.Rat(), new(big.Rat).SetInt64(x0))
	return diff.Cmp(limit) <= 0
}
