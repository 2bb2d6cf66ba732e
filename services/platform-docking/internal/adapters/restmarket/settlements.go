package restmarket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// wireBill is a settlement line as settlement.bills.get answers it: the
// order's gross amount and the fees the partner kept, in major units.
type wireBill struct {
	BillID   string `json:"bill_id"`
	TID      string `json:"tid"`
	Amount   string `json:"amount"`
	Fee      string `json:"fee"`
	Currency string `json:"currency"`
	BookTime string `json:"book_time"`
}

// ListSettlements reads settlement.bills.get: the bills booked in w.
func (c *Client) ListSettlements(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.SettlementPage, error) {
	lines, next, err := listWindow(ctx, c, p, windowCall{"settlement.bills.get", "start_time", "end_time", "bills"}, w, page, settlementLine)
	return domain.SettlementPage{Lines: lines, Next: next}, err
}

func settlementLine(raw json.RawMessage) (domain.SettlementLine, error) {
	var b wireBill
	if err := json.Unmarshal(raw, &b); err != nil {
		return domain.SettlementLine{}, err
	}
	// The bill id keys the line (and finance's credit of it): a bill
	// without one would take the place of every other such bill.
	if b.BillID == "" {
		return domain.SettlementLine{}, errors.New("a bill has no id")
	}
	if b.TID == "" {
		return domain.SettlementLine{}, fmt.Errorf("bill %s names no trade", b.BillID)
	}
	gross, err := parseMajor(b.Amount, b.Currency)
	if err != nil {
		return domain.SettlementLine{}, fmt.Errorf("bill %s amount: %w", b.BillID, err)
	}
	fees, err := parseMajor(b.Fee, b.Currency)
	if err != nil {
		return domain.SettlementLine{}, fmt.Errorf("bill %s fee: %w", b.BillID, err)
	}
	at, err := parseTime(b.BookTime)
	if err != nil {
		return domain.SettlementLine{}, err
	}
	return domain.SettlementLine{LineID: b.BillID, PartnerOrderID: b.TID, Gross: gross, Fees: fees, SettledAt: at,
		Raw: append([]byte(nil), raw...)}, nil
}

// wireWithdrawal is a payout as settlement.withdrawals.get answers it: the
// net paid out to our bank, in major units.
type wireWithdrawal struct {
	WithdrawID string `json:"withdraw_id"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	PayTime    string `json:"pay_time"`
}

// ListPayouts reads settlement.withdrawals.get: the payouts made in w.
func (c *Client) ListPayouts(ctx context.Context, p domain.Partner, w domain.Window, page string) (domain.PayoutPage, error) {
	payouts, next, err := listWindow(ctx, c, p, windowCall{"settlement.withdrawals.get", "start_time", "end_time", "withdrawals"}, w, page, payoutOf)
	return domain.PayoutPage{Payouts: payouts, Next: next}, err
}

func payoutOf(raw json.RawMessage) (domain.Payout, error) {
	var wd wireWithdrawal
	if err := json.Unmarshal(raw, &wd); err != nil {
		return domain.Payout{}, err
	}
	if wd.WithdrawID == "" {
		return domain.Payout{}, errors.New("a withdrawal has no id")
	}
	amount, err := parseMajor(wd.Amount, wd.Currency)
	if err != nil {
		return domain.Payout{}, fmt.Errorf("withdrawal %s amount: %w", wd.WithdrawID, err)
	}
	if amount.Amount <= 0 {
		return domain.Payout{}, fmt.Errorf("withdrawal %s is not a positive amount", wd.WithdrawID)
	}
	at, err := parseTime(wd.PayTime)
	if err != nil {
		return domain.Payout{}, err
	}
	return domain.Payout{PayoutID: wd.WithdrawID, Amount: amount, PaidAt: at, Raw: append([]byte(nil), raw...)}, nil
}
