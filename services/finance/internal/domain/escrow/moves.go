package escrow

import (
	"strconv"

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

// PlanCoupon moves a platform-funded discount into a sub-order's escrow: the
// coupon expense pays what the buyer did not. The transfer's reference is
// CouponRef, one per coupon and sub-order.
func PlanCoupon(subOrderID, couponID string, amount int64, currency string) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "sub_order_id", subOrderID)
	required(&v, "coupon_id", couponID)
	positive(&v, "amount_minor", amount)
	transactable(&v, "amount.currency_code", currency)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return []ledger.TransferSpec{posted(CouponExpense(currency), Escrow(subOrderID, currency), amount, ledger.CodeCoupon, CouponRef(subOrderID, couponID), nil)}, nil
}

// transactable adds a violation on field unless currency is one money can
// move in.
func transactable(v *apperr.Violations, field, currency string) {
	if !money.ValidCurrency(currency) {
		v.Add(field, "is not a transactable ISO 4217 currency")
	}
}

func positive(v *apperr.Violations, field string, n int64) {
	if n <= 0 {
		v.Add(field, "must be greater than zero")
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
}

// ErrCouponReclaimExceedsFunding refuses a reclaim larger than the coupon
// funded the sub-order.
var ErrCouponReclaimExceedsFunding = apperr.FailedPrecondition("the coupon funded the sub-order less than this").WithReason("COUPON_RECLAIM_EXCEEDS_FUNDING")

// PlanCouponReclaim moves a reclaim: the supplier's payable → the coupon
// expense, referenced by CouponReclaimRef.
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
	return []ledger.TransferSpec{posted(SupplierPayable(c.SupplierOrgID, c.Currency), CouponExpense(c.Currency), c.Amount, ledger.CodeCouponReclaim,
		CouponReclaimRef(c.SubOrderID, c.ReclaimID), nil)}, nil
}

// CouponReclaimRef is the reference of one reclaim's transfer.
func CouponReclaimRef(subOrderID, reclaimID string) string {
	return "coupon-back:" + subOrderID + ":" + reclaimID
}

// CouponRef is the reference of a coupon's transfer into a sub-order.
func CouponRef(subOrderID, couponID string) string { return "coupon:" + subOrderID + ":" + couponID }
