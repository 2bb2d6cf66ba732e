package restmarket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

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
	n, err := pageNo(page)
	if err != nil {
		return domain.SettlementPage{}, err
	}
	start, end := windowBounds(w.From, w.To)
	var a struct {
		HasNext bool              `json:"has_next"`
		Bills   []json.RawMessage `json:"bills"`
	}
	if err := c.call(ctx, p, "settlement.bills.get", url.Values{"start_time": {start}, "end_time": {end},
		"page_no": {strconv.Itoa(n)}, "page_size": {strconv.Itoa(pageSize)}}, &a); err != nil {
		return domain.SettlementPage{}, err
	}
	out := domain.SettlementPage{Lines: make([]domain.SettlementLine, 0, len(a.Bills))}
	for _, raw := range a.Bills {
		l, err := settlementLine(raw)
		if err != nil {
			return domain.SettlementPage{}, badAnswer("settlement.bills.get", err)
		}
		out.Lines = append(out.Lines, l)
	}
	if a.HasNext {
		out.Next = strconv.Itoa(n + 1)
	}
	return out, nil
}

func settlementLine(raw json.RawMessage) (domain.SettlementLine, error) {
	var b wireBill
	if err := json.Unmarshal(raw, &b); err != nil {
		return domain.SettlementLine{}, err
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
	n, err := pageNo(page)
	if err != nil {
		return domain.PayoutPage{}, err
	}
	start, end := windowBounds(w.From, w.To)
	var a struct {
		HasNext     bool              `json:"has_next"`
		Withdrawals []json.RawMessage `json:"withdrawals"`
	}
	if err := c.call(ctx, p, "settlement.withdrawals.get", url.Values{"start_time": {start}, "end_time": {end},
		"page_no": {strconv.Itoa(n)}, "page_size": {strconv.Itoa(pageSize)}}, &a); err != nil {
		return domain.PayoutPage{}, err
	}
	out := domain.PayoutPage{Payouts: make([]domain.Payout, 0, len(a.Withdrawals))}
	for _, raw := range a.Withdrawals {
		po, err := payoutOf(raw)
		if err != nil {
			return domain.PayoutPage{}, badAnswer("settlement.withdrawals.get", err)
		}
		out.Payouts = append(out.Payouts, po)
	}
	if a.HasNext {
		out.Next = strconv.Itoa(n + 1)
	}
	return out, nil
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
