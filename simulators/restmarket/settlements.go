package restmarket

import (
	"net/url"

	"github.com/crossdock/crossdock/simulators/partnersim"
)

// bill is a settlement line: amount is the gross credited for the trade,
// fee what the platform kept, both in major units of currency.
type bill struct {
	BillID   string `json:"bill_id"`
	TID      string `json:"tid"`
	Amount   string `json:"amount"`
	Fee      string `json:"fee"`
	Currency string `json:"currency"`
	BookTime string `json:"book_time"`
}

func billOf(l partnersim.SettlementLine) bill {
	return bill{BillID: l.LineID, TID: l.OrderID, Amount: formatMajor(l.GrossMinor, l.Currency),
		Fee: formatMajor(l.FeesMinor, l.Currency), Currency: l.Currency, BookTime: formatTime(l.SettledAt)}
}

// settlementBillsGet answers a page of the bills booked in [start_time,
// end_time), oldest first, with their total.
func settlementBillsGet(s *server, params url.Values) (any, *apiError) {
	from, to, e := window(params, "start_time", "end_time")
	if e != nil {
		return nil, e
	}
	offset, limit, e := paging(params)
	if e != nil {
		return nil, e
	}
	all, _ := s.market.Settlements(from, to, 0, 0)
	lines, more := s.market.Settlements(from, to, offset, limit)
	bills := make([]bill, 0, len(lines))
	for _, l := range lines {
		bills = append(bills, billOf(l))
	}
	return map[string]any{"total_results": len(all), "has_next": more, "bills": bills}, nil
}

// withdrawal is a payout of the seller's balance to its bank: amount in
// major units of currency.
type withdrawal struct {
	WithdrawID string `json:"withdraw_id"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	PayTime    string `json:"pay_time"`
}

// settlementWithdrawalsGet answers a page of the payouts made in
// [start_time, end_time), oldest first, with their total.
func settlementWithdrawalsGet(s *server, params url.Values) (any, *apiError) {
	from, to, e := window(params, "start_time", "end_time")
	if e != nil {
		return nil, e
	}
	offset, limit, e := paging(params)
	if e != nil {
		return nil, e
	}
	all, _ := s.market.Payouts(from, to, 0, 0)
	payouts, more := s.market.Payouts(from, to, offset, limit)
	out := make([]withdrawal, 0, len(payouts))
	for _, p := range payouts {
		out = append(out, withdrawal{WithdrawID: p.PayoutID, Amount: formatMajor(p.AmountMinor, p.Currency),
			Currency: p.Currency, PayTime: formatTime(p.PaidAt)})
	}
	return map[string]any{"total_results": len(all), "has_next": more, "withdrawals": out}, nil
}
