package restmarket

import (
	"bytes"
	"context"
	"encoding/json"
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

// settlementLine reads a bill. One that cannot be read whole (not an
// object, no id, no trade, an amount or a time it cannot parse) is kept as
// an unreadable line for an operator (domain.CheckedLine) rather than
// failing the page it is on.
func settlementLine(raw json.RawMessage) (domain.SettlementLine, error) {
	line := domain.SettlementLine{Raw: append([]byte(nil), raw...)}
	var b wireBill
	if err := json.Unmarshal(raw, &b); err != nil {
		line.LineID = ownIDOrContent(raw, "bill_id", 0)
		return domain.CheckedLine(line, textProblems(raw, "not a bill: "+err.Error())), nil
	}
	line.LineID, line.PartnerOrderID = b.BillID, b.TID
	problems := textProblems(raw)
	// The bill id keys the line (and finance's credit of it). One without is
	// named by its content, encoded the same way however the partner
	// spaced or ordered it.
	if b.BillID == "" {
		problems = append(problems, "no bill id")
		line.LineID = domain.ContentID(canonical(raw))
	}
	if b.TID == "" {
		problems = append(problems, "no trade")
	}
	var err error
	if line.Gross, err = parseMajor(b.Amount, b.Currency); err != nil {
		problems = append(problems, fmt.Sprintf("amount: %v", err))
	}
	if line.Fees, err = parseMajor(b.Fee, b.Currency); err != nil {
		problems = append(problems, fmt.Sprintf("fee: %v", err))
	}
	if line.SettledAt, err = parseTime(b.BookTime); err != nil {
		problems = append(problems, fmt.Sprintf("book time: %v", err))
	}
	return domain.CheckedLine(line, problems), nil
}

// ownIDOrContent names a record that did not decode (a field of another
// type: an amount sent as a number, say) by its own id when it has a usable
// one, so a fix of our reading finds it again, or else by its canonical
// content. most bounds the id's length (0: any).
func ownIDOrContent(raw []byte, idField string, most int) string {
	var fields map[string]json.RawMessage
	var id string
	if json.Unmarshal(raw, &fields) == nil && json.Unmarshal(fields[idField], &id) == nil && id != "" && (most == 0 || len(id) <= most) {
		return id
	}
	return domain.ContentID(canonical(raw))
}

// textProblems is problems, with domain.TextProblem among them when raw
// holds text decoding replaced (domain.UnstorableJSON): what was read of
// such a record is not what the partner sent.
func textProblems(raw []byte, problems ...string) []string {
	if domain.UnstorableJSON(raw) {
		return domain.WithTextProblem(problems)
	}
	return problems
}

// canonical is a JSON value encoded one way: object keys sorted, no
// spacing, numbers as written; raw itself if it is not JSON.
func canonical(raw []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

// ReadSettlementLine reads a bill again from its Raw.
func (c *Client) ReadSettlementLine(raw []byte) (domain.SettlementLine, error) {
	return settlementLine(raw)
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

// payoutOf reads a withdrawal. One that cannot be read whole (not an
// object, no id or one too long, an amount it cannot parse or not above
// zero, a time it cannot parse) is kept as an unreadable payout for an
// operator (domain.CheckedPayout) rather than failing the page it is on.
func payoutOf(raw json.RawMessage) (domain.Payout, error) {
	po := domain.Payout{Raw: append([]byte(nil), raw...)}
	var wd wireWithdrawal
	if err := json.Unmarshal(raw, &wd); err != nil {
		po.PayoutID = ownIDOrContent(raw, "withdraw_id", domain.MaxPayoutID)
		return domain.CheckedPayout(po, textProblems(raw, "not a withdrawal: "+err.Error())), nil
	}
	po.PayoutID = wd.WithdrawID
	problems := textProblems(raw)
	if wd.WithdrawID == "" || len(wd.WithdrawID) > domain.MaxPayoutID {
		problems = append(problems, "no withdrawal id of at most 128 bytes")
		po.PayoutID = domain.ContentID(canonical(raw))
	}
	var err error
	if po.Amount, err = parseMajor(wd.Amount, wd.Currency); err != nil {
		problems = append(problems, fmt.Sprintf("amount: %v", err))
	} else if po.Amount.Amount <= 0 {
		problems = append(problems, "the amount is not above zero")
	}
	if po.PaidAt, err = parseTime(wd.PayTime); err != nil {
		problems = append(problems, fmt.Sprintf("pay time: %v", err))
	}
	return domain.CheckedPayout(po, problems), nil
}

// ReadPayout reads a withdrawal again from its Raw.
func (c *Client) ReadPayout(raw []byte) (domain.Payout, error) {
	return payoutOf(raw)
}
