package domain

import (
	"errors"
	"math/big"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// Basis says what an estimate was computed from.
type Basis int

// The bases.
const (
	// BasisHistory is shipment history on the route.
	BasisHistory Basis = iota + 1
	// BasisRateCard is the rate card, used when no history matches.
	BasisRateCard
)

// GroupResult is one group's part of a history estimate.
type GroupResult struct {
	Count int64
	// Mean is the mean freight in minor units; nil when the group is empty.
	Mean   *big.Rat
	Weight money.Rate
}

// Estimate is a freight pre-estimate with everything that explains it.
type Estimate struct {
	Basis Basis
	// Total is the amount before the multiplier, in minor units of the base
	// currency, exact.
	Total      *big.Rat
	Multiplier Multiplier
	// Target is Total × multiplier rounded up to the minor unit.
	Target money.Money
	// Groups are filled for the history basis.
	Groups [3]GroupResult
	// RateCard is filled for the rate-card basis.
	RateCard *RateCardQuote
}

// ErrEstimateOverflow is returned when a target freight does not fit the
// int64 range of minor units (absurd inputs only).
var ErrEstimateOverflow = apperr.FailedPrecondition("the estimate is too large to express").WithReason("ESTIMATE_OVERFLOW")

// HistoryEstimate computes DOMAIN.md's estimate from the three groups:
//
//	total  = (w_S·mean(S) + w_C·mean(C) + w_F·mean(F)) / (sum of the weights of the non-empty groups)
//	target = ⌈total × multiplier⌉ in minor units of currency
//
// An empty group contributes nothing to either sum, so the weights of the
// others are renormalised. ok is false when every group is empty: the rate
// card applies then.
func HistoryEstimate(ts Tallies, cfg Config, m Multiplier, currency string) (est Estimate, ok bool, err error) {
	if ts.Empty() {
		return Estimate{}, false, nil
	}
	weights := [3]money.Rate{cfg.FirstWeight, cfg.SecondaryWeight, cfg.EndWeight}
	num, den := new(big.Rat), new(big.Rat)
	est = Estimate{Basis: BasisHistory, Multiplier: m}
	for g := range ts {
		mean := ts[g].Mean()
		est.Groups[g] = GroupResult{Count: ts[g].Count, Mean: mean, Weight: weights[g]}
		if mean == nil {
			continue
		}
		w := weights[g].Rat()
		num.Add(num, new(big.Rat).Mul(w, mean))
		den.Add(den, w)
	}
	est.Total = num.Quo(num, den)
	if est.Target, err = target(est.Total, m, currency); err != nil {
		return Estimate{}, false, err
	}
	return est, true, nil
}

// RateCardEstimate turns a rate-card price into an estimate: the same
// multiplier applies to it as to a history total, so that every estimate on a
// route carries the same buffer.
func RateCardEstimate(q RateCardQuote, m Multiplier, currency string) (Estimate, error) {
	est := Estimate{Basis: BasisRateCard, Total: q.Price, Multiplier: m, RateCard: &q}
	var err error
	est.Target, err = target(q.Price, m, currency)
	return est, err
}

func target(total *big.Rat, m Multiplier, currency string) (money.Money, error) {
	t, err := money.FromRat(new(big.Rat).Mul(total, m.Value.Rat()), currency, money.Ceil)
	if errors.Is(err, money.ErrOverflow) {
		return money.Money{}, ErrEstimateOverflow
	}
	return t, err
}
