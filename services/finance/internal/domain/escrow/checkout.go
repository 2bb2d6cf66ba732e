package escrow

import (
	"math/big"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/finance/internal/domain/ledger"
)

// MaxSubOrders bounds a checkout: a converted share takes two transfers and
// a command holds at most ledger.MaxTransfersPerCommand.
const MaxSubOrders = ledger.MaxTransfersPerCommand / 2

// Share is one sub-order of a checkout: its supplier and what it costs
// (goods plus target freight) in the supplier's currency.
type Share struct {
	SubOrderID       string
	SupplierOrgID    string
	SupplierCurrency string
	Amount           int64
}

// Checkout is the payment of an order: the payer's account (the buyer's
// wallet, or a merchant's deposit) pays every sub-order's escrow. Rates
// holds, per supplier currency other than the buyer's, the snapshot (From the buyer currency, To the supplier's) the
// share converts at: a quote's rate.
//
// MerchantOrgID, set for a merchant order, makes the merchant's prepaid
// deposit pay instead of the buyer's wallet (Paid.Payer).
type Checkout struct {
	OrderID       string
	BuyerID       string
	BuyerCurrency string
	MerchantOrgID string
	Shares        []Share
	Rates         map[string]ledger.RateSnapshot
}

// Paid is how the checkout's sub-order s is paid: its record's payment.
func (c Checkout) Paid(s Share, rate *ledger.RateSnapshot) Paid {
	return Paid{SubOrderID: s.SubOrderID, OrderID: c.OrderID, BuyerID: c.BuyerID, BuyerCurrency: c.BuyerCurrency,
		MerchantOrgID: c.MerchantOrgID, SupplierOrgID: s.SupplierOrgID, SupplierCurrency: s.SupplierCurrency, Rate: rate}
}

// Payer is the account that pays the checkout (Paid.Payer).
func (c Checkout) Payer() ledger.AccountRef { return c.Paid(Share{}, nil).Payer() }

// PaidShare is what a share cost the buyer and what its escrow holds.
type PaidShare struct {
	Share
	// Paid is in the buyer's currency, Escrowed (= Amount) in the supplier's.
	Paid, Escrowed int64
	// Rate is the snapshot of a converted share, nil when no conversion.
	Rate *ledger.RateSnapshot
}

// CheckoutPlan is a checkout's ledger command body and its totals.
type CheckoutPlan struct {
	Transfers []ledger.TransferSpec
	// Total is what the payer's account pays, in the buyer's currency.
	Total  int64
	Shares []PaidShare
}

// PlanCheckout validates a checkout and builds its transfers: per share, the
// payer's account (Checkout.Payer) to the escrow directly in one currency, or through both FX
// clearing accounts at the share's rate (the two legs carry the snapshot).
func PlanCheckout(c Checkout) (CheckoutPlan, error) {
	var v apperr.Violations
	required(&v, "order_id", c.OrderID)
	required(&v, "buyer_id", c.BuyerID)
	transactable(&v, "buyer_currency", c.BuyerCurrency)
	switch {
	case len(c.Shares) == 0:
		v.Add("sub_orders", "must name at least one sub-order")
	case len(c.Shares) > MaxSubOrders:
		v.Add("sub_orders", "must name at most 32 sub-orders")
	}
	seen := map[string]bool{}
	for i, s := range c.Shares {
		f := func(sub string) string { return apperr.Index("sub_orders", i, sub) }
		required(&v, f("sub_order_id"), s.SubOrderID)
		if seen[s.SubOrderID] && s.SubOrderID != "" {
			v.Add(f("sub_order_id"), "is named twice")
		}
		seen[s.SubOrderID] = true
		required(&v, f("supplier_org_id"), s.SupplierOrgID)
		if !money.ValidCurrency(s.SupplierCurrency) {
			v.Add(f("supplier_currency"), "is not a transactable ISO 4217 currency")
		} else if s.SupplierCurrency != c.BuyerCurrency && money.ValidCurrency(c.BuyerCurrency) {
			r, ok := c.Rates[s.SupplierCurrency]
			if !ok {
				v.Add(f("supplier_currency"), "has no quote or rate from "+c.BuyerCurrency)
			} else if r.From != c.BuyerCurrency || r.To != s.SupplierCurrency {
				v.Add(f("supplier_currency"), "has a rate for another pair than "+c.BuyerCurrency+"/"+s.SupplierCurrency)
			}
		}
		if s.Amount <= 0 {
			v.Add(f("amount_minor"), "must be greater than zero")
		}
	}
	if err := v.Err(); err != nil {
		return CheckoutPlan{}, err
	}
	plan := CheckoutPlan{}
	payer := c.Payer()
	total := money.Money{Currency: c.BuyerCurrency}
	for i, s := range c.Shares {
		p := PaidShare{Share: s, Paid: s.Amount, Escrowed: s.Amount}
		escrow := Escrow(s.SubOrderID, s.SupplierCurrency)
		if s.SupplierCurrency == c.BuyerCurrency {
			plan.Transfers = append(plan.Transfers, posted(payer, escrow, s.Amount, ledger.CodePayment, s.SubOrderID, nil))
		} else {
			snap := c.Rates[s.SupplierCurrency]
			paid, err := convertBack(s.Amount, s.SupplierCurrency, c.BuyerCurrency, snap)
			if err != nil {
				return CheckoutPlan{}, apperr.InvalidField(apperr.Index("sub_orders", i, "amount_minor"), err.Error())
			}
			p.Paid, p.Rate = paid, &snap
			plan.Transfers = append(plan.Transfers,
				posted(payer, FXClearing(c.BuyerCurrency), paid, ledger.CodePayment, s.SubOrderID, &snap),
				posted(FXClearing(s.SupplierCurrency), escrow, s.Amount, ledger.CodeConversion, s.SubOrderID, &snap))
		}
		var err error
		if total, err = total.Add(money.Money{Amount: p.Paid, Currency: c.BuyerCurrency}); err != nil {
			return CheckoutPlan{}, apperr.InvalidField("sub_orders", "add up to more than a wallet can hold")
		}
		plan.Shares = append(plan.Shares, p)
	}
	plan.Total = total.Amount
	return plan, nil
}

// convertBack converts amount (in the snapshot's To currency) back into its
// From currency at the snapshot's rate, half-even; a share that rounds to
// nothing in the buyer's currency is refused rather than given away.
func convertBack(amount int64, from, to string, snap ledger.RateSnapshot) (int64, error) {
	rate, err := money.ParseRate(snap.Rate)
	if err != nil {
		return 0, err
	}
	m, err := money.ConvertBack(money.Money{Amount: amount, Currency: from}, to, rate)
	if err != nil {
		return 0, err
	}
	if m.Amount <= 0 {
		return 0, errTooSmall
	}
	return m.Amount, nil
}

// PlanTopUp pays a top-up request of amount (the escrow's shortfall, in
// the supplier's currency) from the payer's account into the sub-order's
// escrow, like a checkout's share but rounded the other way: the payer pays
// the shortfall converted back at the payment's rate and rounded UP to a
// minor unit of the buyer's currency (at least one), and escrow receives
// exactly the shortfall. Half-even would turn a shortfall worth less than
// half a buyer minor unit into nothing to pay, refused for ever, and the
// sub-order would never settle; rounding up never leaves escrow short
// either. The fraction of a minor unit paid beyond the shortfall's value
// stays in FX clearing, as a checkout's rounding does.
func PlanTopUp(p Paid, amount int64) (CheckoutPlan, error) {
	if amount <= 0 {
		return CheckoutPlan{}, apperr.InvalidField("amount_minor", "must be greater than zero")
	}
	share := Share{SubOrderID: p.SubOrderID, SupplierOrgID: p.SupplierOrgID, SupplierCurrency: p.SupplierCurrency, Amount: amount}
	escrow := Escrow(p.SubOrderID, p.SupplierCurrency)
	if p.Rate == nil || p.BuyerCurrency == p.SupplierCurrency {
		return CheckoutPlan{Total: amount, Shares: []PaidShare{{Share: share, Paid: amount, Escrowed: amount}},
			Transfers: []ledger.TransferSpec{posted(p.Payer(), escrow, amount, ledger.CodeTopUpPayment, p.SubOrderID, nil)}}, nil
	}
	paid, err := convertBackUp(amount, p.SupplierCurrency, p.BuyerCurrency, *p.Rate)
	if err != nil {
		return CheckoutPlan{}, apperr.InvalidField("amount_minor", err.Error())
	}
	return CheckoutPlan{Total: paid, Shares: []PaidShare{{Share: share, Paid: paid, Escrowed: amount, Rate: p.Rate}},
		Transfers: []ledger.TransferSpec{
			posted(p.Payer(), FXClearing(p.BuyerCurrency), paid, ledger.CodeTopUpPayment, p.SubOrderID, p.Rate),
			posted(FXClearing(p.SupplierCurrency), escrow, amount, ledger.CodeConversion, p.SubOrderID, p.Rate),
		}}, nil
}

// convertBackUp is convertBack rounded up (money.Ceil), never below one
// minor unit: what the payer pays for amount of a top-up.
func convertBackUp(amount int64, from, to string, snap ledger.RateSnapshot) (int64, error) {
	rate, err := money.ParseRate(snap.Rate)
	if err != nil {
		return 0, err
	}
	fromExp, err := money.Exponent(from)
	if err != nil {
		return 0, err
	}
	toExp, err := money.Exponent(to)
	if err != nil {
		return 0, err
	}
	if rate.IsZero() {
		return 0, money.ErrInvalidRate
	}
	// minor_to = minor_from / 10^fromExp / rate × 10^toExp
	x := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(amount), pow10(toExp)), pow10(fromExp))
	x.Quo(x, rate.Rat())
	m, err := money.FromRat(x, to, money.Ceil)
	if err != nil {
		return 0, err
	}
	return max(m.Amount, 1), nil
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

type constErr string

func (e constErr) Error() string { return string(e) }

const errTooSmall = constErr("is too small to convert: it rounds to nothing in the other currency")

func required(v *apperr.Violations, field, value string) {
	if value == "" {
		v.Add(field, "is required")
	}
}

func posted(debit, credit ledger.AccountRef, amount int64, code ledger.Code, reference string, rate *ledger.RateSnapshot) ledger.TransferSpec {
	return ledger.TransferSpec{
		Debit: debit, Credit: credit, Amount: amount, Currency: debit.Currency, Code: code,
		Reference: reference, Phase: ledger.PhasePosted, Rate: rate,
	}
}
