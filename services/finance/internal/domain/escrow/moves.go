package escrow

import (
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
}

// PlanFreightLeg pays a leg: escrow → the carrier's payable.
func PlanFreightLeg(l FreightLeg) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "sub_order_id", l.SubOrderID)
	required(&v, "leg_id", l.LegID)
	required(&v, "carrier_id", l.CarrierID)
	positive(&v, "amount_minor", l.Amount)
	if !money.ValidCurrency(l.Currency) {
		v.Add("amount.currency_code", "is not a transactable ISO 4217 currency")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return []ledger.TransferSpec{posted(Escrow(l.SubOrderID, l.Currency), CarrierPayable(l.CarrierID, l.Currency), l.Amount, ledger.CodeFreightLeg, l.LegID, nil)}, nil
}

// PlanCoupon moves a platform-funded discount into a sub-order's escrow: the
// coupon expense pays what the buyer did not. The transfer's reference is
// CouponRef, one per coupon and sub-order.
func PlanCoupon(subOrderID, couponID string, amount int64, currency string) ([]ledger.TransferSpec, error) {
	var v apperr.Violations
	required(&v, "sub_order_id", subOrderID)
	required(&v, "coupon_id", couponID)
	positive(&v, "amount_minor", amount)
	if !money.ValidCurrency(currency) {
		v.Add("amount.currency_code", "is not a transactable ISO 4217 currency")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return []ledger.TransferSpec{posted(CouponExpense(currency), Escrow(subOrderID, currency), amount, ledger.CodeCoupon, CouponRef(subOrderID, couponID), nil)}, nil
}

// PartnerSettlementLine is what a partner platform settled for one sale made
// through our virtual seller account there.
type PartnerSettlementLine struct {
	PartnerID     string
	LineID        string
	SupplierOrgID string
	Currency      string
	// Gross is what the partner credits; Fees what it kept. The supplier is
	// owed Gross − Fees − commission.
	Gross, Fees   int64
	CommissionBps int64
}

// PartnerPlan is a partner settlement's transfers and split.
type PartnerPlan struct {
	Transfers                     []ledger.TransferSpec
	SupplierNet, Commission, Fees int64
}

// PlanPartnerSettlement credits the partner virtual account from the
// partner's settlement source and splits it into the supplier payable, the
// platform's commission (on the gross, half-even) and the partner's fees.
func PlanPartnerSettlement(l PartnerSettlementLine) (PartnerPlan, error) {
	var v apperr.Violations
	required(&v, "partner_id", l.PartnerID)
	required(&v, "line_id", l.LineID)
	required(&v, "supplier_org_id", l.SupplierOrgID)
	positive(&v, "gross_minor", l.Gross)
	if l.Fees < 0 || l.Fees > l.Gross {
		v.Add("fees_minor", "must be between 0 and the gross amount")
	}
	if !money.ValidCurrency(l.Currency) {
		v.Add("currency_code", "is not a transactable ISO 4217 currency")
	}
	if err := v.Err(); err != nil {
		return PartnerPlan{}, err
	}
	c, err := commission(l.Gross, l.CommissionBps, l.Currency)
	if err != nil {
		return PartnerPlan{}, err
	}
	p := PartnerPlan{Commission: c, Fees: l.Fees, SupplierNet: l.Gross - l.Fees - c}
	if p.SupplierNet < 0 {
		return PartnerPlan{}, apperr.InvalidField("fees_minor", "leave less than the platform's commission")
	}
	virtual := PartnerVirtual(l.PartnerID, l.Currency)
	p.Transfers = append(p.Transfers, posted(PartnerSettlement(l.PartnerID, l.Currency), virtual, l.Gross, ledger.CodePartnerCredit, l.LineID, nil))
	for _, leg := range []struct {
		to     ledger.AccountRef
		amount int64
	}{
		{SupplierPayable(l.SupplierOrgID, l.Currency), p.SupplierNet},
		{Revenue(l.Currency), p.Commission},
		{PartnerFees(l.PartnerID, l.Currency), p.Fees},
	} {
		if leg.amount > 0 {
			p.Transfers = append(p.Transfers, posted(virtual, leg.to, leg.amount, ledger.CodePartnerSplit, l.LineID, nil))
		}
	}
	return p, nil
}

func positive(v *apperr.Violations, field string, n int64) {
	if n <= 0 {
		v.Add(field, "must be greater than zero")
	}
}

// CouponRef is the reference of a coupon's transfer into a sub-order.
func CouponRef(subOrderID, couponID string) string { return "coupon:" + subOrderID + ":" + couponID }
