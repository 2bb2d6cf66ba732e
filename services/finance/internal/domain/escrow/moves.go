package escrow

import (
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// FreightLeg is a carrier-confirmed charge paid from a sub-order's escrow.
type FreightLeg struct {
	SubOrderID string
	LegID      string
	CarrierID  string
	Amount     int64
	Currency   string // the escrow's, the supplier's currency
	// FromPlatform pays the leg from the platform's freight expense: a
	// partner platform's order has no escrow (its buyer paid the partner),
	// and after-sale parcels are the platform's.
	FromPlatform bool
	// AfterSaleID is the return whose parcel back the leg carried: the
	// platform pays it although the sub-order has an escrow.
	AfterSaleID string
}

// PlanFreightLeg pays a leg: escrow (or the platform's freight expense) →
// the carrier's payable.
func PlanFreightLeg(l FreightLeg) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "sub_order_id", l.SubOrderID)
	required(&v, "leg_id", l.LegID)
	required(&v, "carrier_id", l.CarrierID)
	positive(&v, "amount_minor", l.Amount)
	transactable(&v, "amount.currency_code", l.Currency)
	switch {
	case len(l.AfterSaleID) > 64:
		v.Add("after_sale_id", "must be at most 64 characters")
	case l.AfterSaleID != "" && !l.FromPlatform:
		v.Add("after_sale_id", "is an after-sale parcel's, whose freight the platform pays: set from_platform")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	from := Escrow(l.SubOrderID, l.Currency)
	if l.FromPlatform {
		from = FreightExpense(l.Currency)
	}
	return []ledger.TransferSpec{posted(from, CarrierPayable(l.CarrierID, l.Currency), l.Amount, ledger.CodeFreightLeg, l.LegID, nil)}, nil
}

// PlanCoupon sets a platform-funded discount in a sub-order's escrow to
// amount, funded holding what the coupon has paid in so far: the coupon
// expense pays in what the buyer did not, and a funding lowered (goods
// returned before settlement) goes back from escrow, at most what escrow
// holds. Both transfers' reference is CouponRef, one per coupon and
// sub-order; no change plans nothing. Zero takes the whole funding back
// (every discounted good returned before settlement).
func PlanCoupon(c Coupon) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "sub_order_id", c.SubOrderID)
	required(&v, "coupon_id", c.CouponID)
	switch {
	case c.Amount < 0:
		v.Add("amount_minor", "must not be negative")
	case c.Amount > MaxAmount:
		// Paid from the one coupon expense account of its currency.
		v.Add("amount_minor", "is too large")
	}
	transactable(&v, "amount.currency_code", c.Currency)
	if err := v.Err(); err != nil {
		return nil, err
	}
	ref, escrow, expense := CouponRef(c.SubOrderID, c.CouponID), Escrow(c.SubOrderID, c.Currency), CouponExpense(c.Currency)
	switch back := min(c.Funded-c.Amount, c.EscrowBalance); {
	case c.Amount > c.Funded:
		return []ledger.TransferSpec{posted(expense, escrow, c.Amount-c.Funded, ledger.CodeCoupon, ref, nil)}, nil
	case back > 0:
		return []ledger.TransferSpec{posted(escrow, expense, back, ledger.CodeCouponLowered, ref, nil)}, nil
	}
	return nil, nil
}

// Coupon is a platform coupon's funding of a sub-order: the amount it is
// to fund, against what it funded so far and what escrow holds.
type Coupon struct {
	SubOrderID, CouponID string
	Amount               int64
	Currency             string
	Funded               int64
	// EscrowBalance bounds what a lowered funding takes back: a refund
	// paid out of escrow meanwhile may have spent part of it.
	EscrowBalance int64
}

// CouponFunding is what a coupon's transfers into and out of a sub-order's
// escrow (those referenced by its CouponRef) add up to, and how many
// commands moved it.
func CouponFunding(ts []ledger.Transfer) (funded int64, commands int) {
	seen := map[string]bool{}
	for _, t := range ts {
		switch t.Code {
		case ledger.CodeCoupon:
			funded += t.Amount
		case ledger.CodeCouponLowered:
			funded -= t.Amount
		default:
			continue
		}
		if !seen[t.CommandID] {
			seen[t.CommandID] = true
			commands++
		}
	}
	return funded, commands
}

// transactable adds a violation on field unless currency is one money can
// move in.
func transactable(v *apperr.Violations, field, currency string) {
	if !money.ValidCurrency(currency) {
		v.Add(field, "is not a transactable ISO 4217 currency")
	}
}

// MaxAmount bounds, in minor units, an amount an outside party names to an
// escrow command (a carrier's charge, a partner's settlement line or
// withdrawal): many pass through one shared account per currency (the
// platform's freight expense, the payouts'), which one absurd amount would
// take to the limit of int64, every later move through it in that currency
// then refused for overflow. Far above any real amount (10^15: 625 million
// dollars in rupiah), it leaves room for thousands of the largest.
const MaxAmount = 1_000_000_000_000_000

func positive(v *apperr.Violations, field string, n int64) {
	switch {
	case n <= 0:
		v.Add(field, "must be greater than zero")
	case n > MaxAmount:
		v.Add(field, "must be at most "+strconv.FormatInt(MaxAmount, 10))
	}
}

// CouponReclaim takes back, after settlement, the platform's coupon
// funding of goods returned: the supplier was settled on the full goods,
// the buyer's claw-back returns only what the buyer paid.
type CouponReclaim struct {
	SubOrderID, CouponID, ReclaimID, SupplierOrgID string
	Amount                                         int64
	Currency                                       string
	// Funded is what the coupon paid into the sub-order's escrow: no
	// reclaim takes back more.
	Funded int64
	// CommissionReturn is the settlement's commission on the reclaimed
	// funding, given back from the platform's revenue to the payable first.
	CommissionReturn int64
}

// ErrCouponReclaimExceedsFunding refuses a reclaim larger than the coupon
// funded the sub-order.
var ErrCouponReclaimExceedsFunding = apperr.FailedPrecondition("the coupon funded the sub-order less than this").WithReason("COUPON_RECLAIM_EXCEEDS_FUNDING")

// PlanCouponReclaim moves a reclaim: the commission's share from the
// platform's revenue to the supplier's payable, then the amount from the
// payable to the coupon expense, referenced by CouponReclaimRef.
func PlanCouponReclaim(c CouponReclaim) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "sub_order_id", c.SubOrderID)
	required(&v, "coupon_id", c.CouponID)
	required(&v, "reclaim_id", c.ReclaimID)
	positive(&v, "amount_minor", c.Amount)
	transactable(&v, "amount.currency_code", c.Currency)
	if len(c.ReclaimID) > 200 {
		v.Add("reclaim_id", "must be at most 200 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if c.Amount > c.Funded {
		return nil, ErrCouponReclaimExceedsFunding.WithMetadata("funded_minor", strconv.FormatInt(c.Funded, 10))
	}
	payable, ref := SupplierPayable(c.SupplierOrgID, c.Currency), CouponReclaimRef(c.SubOrderID, c.ReclaimID)
	var specs []ledger.TransferSpec
	if c.CommissionReturn > 0 {
		specs = append(specs, posted(Revenue(c.Currency), payable, c.CommissionReturn, ledger.CodeCommissionReturn, CommissionReturnRef(ref), nil))
	}
	return append(specs, posted(payable, CouponExpense(c.Currency), c.Amount, ledger.CodeCouponReclaim, ref, nil)), nil
}

// ReclaimClaim is a reclaim of a sub-order's coupon funding recorded
// before it moves money: it ties the reclaim id to one sub-order and
// amount, and counts against the funding from then on, so reclaims racing
// each other are checked against one another.
type ReclaimClaim struct {
	ReclaimID  string
	SubOrderID string
	Amount     int64
	CreatedAt  time.Time
}

// CouponReclaimKey is the ledger key of a reclaim: its reclaim id.
func CouponReclaimKey(reclaimID string) string { return "coupon-reclaim:" + reclaimID }

// ReclaimReused answers a reclaim id already recorded with another
// sub-order or amount: the same key with another body.
func ReclaimReused(reclaimID string) error { return ledger.KeyReused(CouponReclaimKey(reclaimID)) }

// CheckCouponReclaim refuses a reclaim that, with what the sub-order's
// other reclaims took back, exceeds what its coupon funded.
func CheckCouponReclaim(funded, reclaimed, amount int64) error {
	if reclaimed+amount > funded {
		return ErrCouponReclaimExceedsFunding.WithMetadata("funded_minor", strconv.FormatInt(funded, 10)).
			WithMetadata("reclaimed_minor", strconv.FormatInt(reclaimed, 10))
	}
	return nil
}

// CouponReclaimRef is the reference of one reclaim's transfer.
func CouponReclaimRef(subOrderID, reclaimID string) string {
	return "coupon-back:" + subOrderID + ":" + reclaimID
}

// CouponRef is the reference of a coupon's transfer into a sub-order.
func CouponRef(subOrderID, couponID string) string { return "coupon:" + subOrderID + ":" + couponID }
