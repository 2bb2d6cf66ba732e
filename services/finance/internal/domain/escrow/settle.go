package escrow

import (
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// DefaultCommissionBps is the platform's commission when a supplier has no
// rate of its own: 5 %.
const DefaultCommissionBps = 500

// Paid is what a sub-order's payment recorded: whose money it was, in which
// currencies and at which rate. Settlement and refunds go back through it.
type Paid struct {
	SubOrderID    string
	OrderID       string
	BuyerID       string
	BuyerCurrency string
	// MerchantOrgID is set for a merchant order: the merchant organization
	// whose prepaid deposit paid, rather than the buyer's wallet. BuyerID is
	// still the user who placed the order.
	MerchantOrgID    string
	SupplierOrgID    string
	SupplierCurrency string
	// Rate is the payment's snapshot (buyer → supplier currency), nil when
	// the sub-order was paid in the supplier's currency.
	Rate *ledger.RateSnapshot
}

// Payer is the account that paid the sub-order, in the buyer currency: the
// merchant's deposit for a merchant order, the buyer's wallet otherwise.
// Everything escrow gives back (the settlement's remainder, refunds,
// claw-backs) goes to it, and its top-up requests are paid from it.
func (p Paid) Payer() ledger.AccountRef {
	if p.MerchantOrgID != "" {
		return MerchantDeposit(p.MerchantOrgID, p.BuyerCurrency)
	}
	return BuyerWallet(p.BuyerID, p.BuyerCurrency)
}

// PayerChange is the signed net movement of the payer's account over
// transfers (credits − debits, buyer currency): what a payment took (< 0)
// or a refund gave back (> 0).
func (p Paid) PayerChange(transfers []ledger.TransferSpec) int64 {
	payer, n := p.Payer(), int64(0)
	for _, t := range transfers {
		if t.Debit == payer {
			n -= t.Amount
		}
		if t.Credit == payer {
			n += t.Amount
		}
	}
	return n
}

// Back is a conversion back to the buyer: Amount leaves From (an escrow or
// a supplier payable, in the supplier's currency) for the payer's account
// (Paid.Payer: the buyer's wallet or the merchant's deposit) at
// the payment's ORIGINAL rate, never today's. Today, when known, is the mid
// rate supplier → buyer currency now; the difference between the amount at
// today's rate and at the original one is booked between FX clearing and FX
// gain/loss in the buyer's currency, so the buyer gets exactly the original
// value and the platform carries the market's move.
type Back struct {
	From   ledger.AccountRef
	Amount int64
	Code   ledger.Code
	Ref    string
	Today  *money.Rate
	// CommissionReturn is the part of a claw-back's Amount that the
	// platform's revenue gives back into From (the supplier's payable)
	// first: the settlement's commission on the returned goods.
	CommissionReturn int64
	// Before is what the sub-order returned to its payer ahead of this
	// (supplier currency): its earlier refunds and claw-backs, and the
	// settlement's remainder. The payer receives the running total's
	// conversion less the earlier total's, so a sub-order returned in parts
	// gives back, all told, its whole amount converted once: each part
	// rounded alone gave up to half a buyer's minor unit more or less each
	// time, more than was paid after enough parts.
	Before int64
}

// BackPlan is a conversion back's transfers and what the buyer received.
type BackPlan struct {
	Transfers []ledger.TransferSpec
	// Refunded is in the buyer's currency; FXDifference is today's value
	// minus it (positive: a gain), zero without Today.
	Refunded     int64
	FXDifference int64
}

// PlanBack builds the transfers of a conversion back for a sub-order paid
// as p. An amount that rounds to nothing in the buyer's currency (a few
// minor units of a stronger currency) leaves From for FX clearing and
// reaches the payer as nothing (Refunded 0): the platform keeps it as FX
// rounding, as settlement keeps a remainder that small, rather than
// refusing a refund its caller could never get past.
func PlanBack(p Paid, b Back) (BackPlan, error) {
	if b.Amount <= 0 {
		return BackPlan{}, apperr.InvalidField("amount_minor", "must be greater than zero")
	}
	payer := p.Payer()
	var returned []ledger.TransferSpec
	if b.CommissionReturn > 0 {
		returned = []ledger.TransferSpec{posted(Revenue(p.SupplierCurrency), b.From, b.CommissionReturn, ledger.CodeCommissionReturn, CommissionReturnRef(b.Ref), nil)}
	}
	if p.Rate == nil || p.BuyerCurrency == p.SupplierCurrency {
		return BackPlan{Transfers: append(returned, posted(b.From, payer, b.Amount, b.Code, b.Ref, nil)), Refunded: b.Amount}, nil
	}
	back, err := convertBackSince(b.Before, b.Amount, p.SupplierCurrency, p.BuyerCurrency, *p.Rate)
	if err != nil {
		return BackPlan{}, apperr.InvalidField("amount_minor", err.Error())
	}
	plan := BackPlan{Refunded: back, Transfers: append(returned,
		posted(b.From, FXClearing(p.SupplierCurrency), b.Amount, b.Code, b.Ref, p.Rate),
	)}
	if back > 0 {
		plan.Transfers = append(plan.Transfers, posted(FXClearing(p.BuyerCurrency), payer, back, b.Code, b.Ref, p.Rate))
	}
	if b.Today != nil {
		today, err := money.Convert(money.Money{Amount: b.Amount, Currency: p.SupplierCurrency}, p.BuyerCurrency, *b.Today)
		if err != nil {
			return BackPlan{}, apperr.InvalidField("amount_minor", "is too large to convert: "+err.Error())
		}
		plan.FXDifference = today.Amount - back
		switch {
		case plan.FXDifference > 0:
			plan.Transfers = append(plan.Transfers, posted(FXClearing(p.BuyerCurrency), FXGainLoss(p.BuyerCurrency), plan.FXDifference, ledger.CodeFXDifference, b.Ref, nil))
		case plan.FXDifference < 0:
			plan.Transfers = append(plan.Transfers, posted(FXGainLoss(p.BuyerCurrency), FXClearing(p.BuyerCurrency), -plan.FXDifference, ledger.CodeFXDifference, b.Ref, nil))
		}
	}
	return plan, nil
}

// convertBackSince is amount converted back when before was returned
// ahead of it: the conversion of the running total less the earlier
// total's, never below zero. A total too small to show in the buyer's
// currency converts to nothing.
func convertBackSince(before, amount int64, from, to string, snap ledger.RateSnapshot) (int64, error) {
	if before < 0 || before > math.MaxInt64-amount {
		return 0, fmt.Errorf("%d returned before %d cannot be added up", before, amount)
	}
	total := func(n int64) (int64, error) {
		if n == 0 {
			return 0, nil
		}
		m, err := convertBack(n, from, to, snap)
		if errors.Is(err, errTooSmall) {
			return 0, nil
		}
		return m, err
	}
	upTo, err := total(before + amount)
	if err != nil {
		return 0, err
	}
	was, err := total(before)
	if err != nil {
		return 0, err
	}
	return max(upTo-was, 0), nil
}

// Settlement is the completion of a sub-order: the actual goods price and
// the freight the platform advanced (the legs escrow could not pay; the
// others were paid from it leg by leg) against what its escrow holds now.
type Settlement struct {
	Paid          Paid
	EscrowBalance int64 // supplier currency
	Goods         int64 // supplier currency
	// AdvancedFreight is the freight the platform's freight expense paid
	// for the sub-order because its escrow could not: the buyer's bill
	// includes it, and escrow gives it back.
	AdvancedFreight int64
	CommissionBps   int64
	Today           *money.Rate
	// Returned is what the sub-order's refunds gave back before the
	// settlement (supplier currency): the remainder converts back after
	// them (Back.Before).
	Returned int64
}

// SettlementPlan is a settlement's transfers, or its shortfall.
type SettlementPlan struct {
	Transfers []ledger.TransferSpec
	// Shortfall > 0 means escrow cannot pay the goods and the advanced
	// freight: nothing moves and the buyer is asked for a top-up of that
	// much (supplier currency).
	Shortfall   int64
	Commission  int64
	SupplierNet int64
	// Remainder is what escrow refunds the buyer (supplier currency);
	// Refunded the same in the buyer's currency.
	Remainder, Refunded int64
}

// PlanSettlement pays the supplier payable goods − commission (half-even),
// the platform revenue the commission, the freight expense the freight it
// advanced, and refunds the escrow's remainder to the buyer at the
// payment's original rate.
func PlanSettlement(s Settlement) (SettlementPlan, error) {
	var v apperr.Violations
	if s.Goods < 0 {
		v.Add("goods_minor", "must not be negative")
	}
	if s.CommissionBps < 0 || s.CommissionBps > 10000 {
		v.Add("commission_bps", "must be between 0 and 10000")
	}
	if s.AdvancedFreight < 0 || s.AdvancedFreight > math.MaxInt64-s.Goods {
		v.Add("advanced_freight", "must be between 0 and what the goods leave of int64")
	}
	if err := v.Err(); err != nil {
		return SettlementPlan{}, err
	}
	if bill := s.Goods + s.AdvancedFreight; s.EscrowBalance < bill {
		return SettlementPlan{Shortfall: bill - s.EscrowBalance}, nil
	}
	cur := s.Paid.SupplierCurrency
	c, err := commission(s.Goods, s.CommissionBps, cur)
	if err != nil {
		return SettlementPlan{}, err
	}
	plan := SettlementPlan{Commission: c, SupplierNet: s.Goods - c, Remainder: s.EscrowBalance - s.Goods - s.AdvancedFreight}
	escrow := Escrow(s.Paid.SubOrderID, cur)
	if s.AdvancedFreight > 0 {
		plan.Transfers = append(plan.Transfers, posted(escrow, FreightExpense(cur), s.AdvancedFreight, ledger.CodeFreightRecovered, s.Paid.SubOrderID, nil))
	}
	if plan.SupplierNet > 0 {
		plan.Transfers = append(plan.Transfers, posted(escrow, SupplierPayable(s.Paid.SupplierOrgID, cur), plan.SupplierNet, ledger.CodeSettlementGoods, s.Paid.SubOrderID, nil))
	}
	if plan.Commission > 0 {
		plan.Transfers = append(plan.Transfers, posted(escrow, Revenue(cur), plan.Commission, ledger.CodeCommission, s.Paid.SubOrderID, nil))
	}
	if plan.Remainder > 0 {
		back, err := PlanBack(s.Paid, Back{From: escrow, Amount: plan.Remainder, Code: ledger.CodeEscrowRefund, Ref: s.Paid.SubOrderID, Today: s.Today, Before: s.Returned})
		if err != nil || back.Refunded == 0 {
			// A remainder too small to show in the buyer's currency stays
			// with the platform as FX rounding rather than blocking the
			// settlement (booked as it always was, so a settlement retried
			// across versions replays).
			plan.Transfers = append(plan.Transfers, posted(escrow, FXClearing(cur), plan.Remainder, ledger.CodeFXDifference, s.Paid.SubOrderID, nil))
		} else {
			plan.Transfers = append(plan.Transfers, back.Transfers...)
			plan.Refunded = back.Refunded
		}
	}
	return plan, nil
}

// CommissionReturnRef references a claw-back's or reclaim's commission
// leg: apart from the claw-back's own reference, whose transfers a replay
// reads with the full amount first (as versions before the commission leg
// read them too).
func CommissionReturnRef(ref string) string { return ref + ":commission" }

// CommissionReturn is what the platform gives back of a settled
// sub-order's commission when amount of its goods' price is clawed back or
// reclaimed from the supplier's payable: amount × commission / goods,
// rounded up, and no more than the commission less what the sub-order's
// earlier returns gave back (returned). The supplier then gives back no
// more than the settlement credited it for those goods, as a return before
// settlement would have cost it nothing: returns of the whole goods, in one
// or in parts, give back the commission exactly and take the settlement's
// net from the payable, so they go through on a payable that holds just
// that rather than waiting for other earnings.
func CommissionReturn(amount, goods, commission, returned int64) int64 {
	if amount <= 0 || goods <= 0 || commission <= 0 {
		return 0
	}
	share := new(big.Int).Mul(big.NewInt(amount), big.NewInt(commission))
	share.Add(share, big.NewInt(goods-1)).Quo(share, big.NewInt(goods))
	left := max(commission-returned, 0)
	if !share.IsInt64() || share.Int64() > left {
		return left
	}
	return share.Int64()
}

// commission is amount × bps / 10000, half-even in the amount's currency.
func commission(amount, bps int64, currency string) (int64, error) {
	if bps < 0 || bps > 10000 {
		return 0, apperr.InvalidField("commission_bps", "must be between 0 and 10000")
	}
	c, err := money.FromRat(new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(amount), big.NewInt(bps)), big.NewInt(10000)), currency, money.HalfEven)
	if err != nil {
		return 0, apperr.InvalidField("amount_minor", "is too large")
	}
	return c.Amount, nil
}
