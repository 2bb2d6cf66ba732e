package restmarket

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// A bill is read whole, or kept unreadable with what could not be read: one
// without its id is named by its content (the same bill, the same name),
// never stored under an empty key that would shadow every other such bill.
func TestSettlementLineKeepsWhatItCannotRead(t *testing.T) {
	tests := []struct {
		name, raw string
		problem   string // "" read whole
	}{
		{"whole", `{"bill_id":"b1","tid":"t1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`, ""},
		{"no bill id", `{"tid":"t1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`, "no bill id"},
		{"no trade", `{"bill_id":"b1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`, "no trade"},
		{"an amount it cannot parse", `{"bill_id":"b1","tid":"t1","amount":"thirty","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`, "amount"},
		{"no time", `{"bill_id":"b1","tid":"t1","amount":"30.00","fee":"3.00","currency":"EUR"}`, "book time"},
		{"not a bill", `["b1"]`, "not a bill"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := settlementLine(json.RawMessage(tt.raw))
			if err != nil {
				t.Fatalf("settlementLine: %v; want the line kept", err)
			}
			if tt.problem == "" {
				if len(l.Problems) != 0 || l.LineID != "b1" || l.PartnerOrderID != "t1" || l.Gross.Amount != 3000 || l.Fees.Amount != 300 {
					t.Errorf("line %+v", l)
				}
				return
			}
			if !strings.Contains(strings.Join(l.Problems, "; "), tt.problem) || l.LineID == "" || string(l.Raw) != tt.raw {
				t.Errorf("line %q with problems %v, raw %s; want %q among them, a name and the bill as sent", l.LineID, l.Problems, l.Raw, tt.problem)
			}
			if again, _ := settlementLine(json.RawMessage(tt.raw)); again.LineID != l.LineID {
				t.Errorf("read again the bill is %q, first %q", again.LineID, l.LineID)
			}
		})
	}
}

// A bill without an id is named by its content however the partner spaces
// or orders it, and another bill gets another name; one with an id keeps it.
func TestAnUnreadableBillsNameIsItsContent(t *testing.T) {
	name := func(raw string) string {
		t.Helper()
		l, err := settlementLine(json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		return l.LineID
	}
	a := name(`{"tid":"t1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`)
	b := name(`{ "currency": "EUR", "fee": "3.00", "amount": "30.00", "book_time": "2026-12-03 16:00:01", "tid": "t1" }`)
	c := name(`{"tid":"t2","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`)
	if !strings.HasPrefix(a, "unreadable-") || a != b || a == c {
		t.Errorf("names %q, %q (the same bill respaced), %q (another)", a, b, c)
	}
	for _, raw := range []string{
		`{"bill_id":"b9","tid":"t1","amount":"thirty","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`,
		`{"bill_id":"b9","tid":"t1","amount":30.00,"fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`, // not even a bill's types
	} {
		if id := name(raw); id != "b9" {
			t.Errorf("an unreadable bill with an id is kept as %q: %s", id, raw)
		}
	}
}

// A withdrawal is read whole, or kept unreadable with what could not be
// read: one without a usable id is named by its content, one of other
// field types keeps its id.
func TestPayoutKeepsWhatItCannotRead(t *testing.T) {
	tests := []struct {
		name, raw string
		problem   string // "" read whole
		id        string // "" named by its content
	}{
		{"whole", `{"withdraw_id":"w1","amount":"27.00","currency":"EUR","pay_time":"2026-12-03 16:00:01"}`, "", "w1"},
		{"no id", `{"amount":"27.00","currency":"EUR","pay_time":"2026-12-03 16:00:01"}`, "no withdrawal id", ""},
		{"an id too long", `{"withdraw_id":"` + strings.Repeat("w", 129) + `","amount":"27.00","currency":"EUR","pay_time":"2026-12-03 16:00:01"}`, "no withdrawal id", ""},
		{"unknown currency", `{"withdraw_id":"w1","amount":"27.00","currency":"ZZZ","pay_time":"2026-12-03 16:00:01"}`, "amount", "w1"},
		{"nothing paid", `{"withdraw_id":"w1","amount":"0.00","currency":"EUR","pay_time":"2026-12-03 16:00:01"}`, "not above zero", "w1"},
		{"no time", `{"withdraw_id":"w1","amount":"27.00","currency":"EUR"}`, "pay time", "w1"},
		{"an amount as a number", `{"withdraw_id":"w1","amount":27.00,"currency":"EUR","pay_time":"2026-12-03 16:00:01"}`, "not a withdrawal", "w1"},
		{"not a withdrawal", `["w1"]`, "not a withdrawal", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := payoutOf(json.RawMessage(tt.raw))
			if err != nil {
				t.Fatalf("payoutOf: %v; want the payout kept", err)
			}
			if tt.id != "" && p.PayoutID != tt.id || tt.id == "" && !strings.HasPrefix(p.PayoutID, "unreadable-") {
				t.Errorf("payout named %q, want %q (empty: by its content)", p.PayoutID, tt.id)
			}
			if tt.problem == "" {
				if len(p.Problems) != 0 || p.Amount.Amount != 2700 || p.Amount.Currency != "EUR" {
					t.Errorf("payout %+v", p)
				}
				return
			}
			if !strings.Contains(strings.Join(p.Problems, "; "), tt.problem) || string(p.Raw) != tt.raw {
				t.Errorf("payout %q with problems %v, raw %s; want %q among them and the withdrawal as sent", p.PayoutID, p.Problems, p.Raw, tt.problem)
			}
			if again, _ := payoutOf(json.RawMessage(tt.raw)); again.PayoutID != p.PayoutID {
				t.Errorf("read again the withdrawal is %q, first %q", again.PayoutID, p.PayoutID)
			}
		})
	}
}

// A bill or a withdrawal whose id holds a NUL character (text PostgreSQL
// cannot store) is kept unreadable under its id with U+FFFD in its place.
func TestANULCharacterKeepsABillUnreadable(t *testing.T) {
	l, err := settlementLine(json.RawMessage(`{"bill_id":"b\u0000","tid":"t1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`))
	if err != nil || l.LineID != "b\uFFFD" || !slices.Contains(l.Problems, domain.TextProblem) {
		t.Errorf("bill %q with %v, %v", l.LineID, l.Problems, err)
	}
	p, err := payoutOf(json.RawMessage(`{"withdraw_id":"w\u0000","amount":"27.00","currency":"EUR","pay_time":"2026-12-03 16:00:01"}`))
	if err != nil || p.PayoutID != "w\uFFFD" || !slices.Contains(p.Problems, domain.TextProblem) {
		t.Errorf("withdrawal %q with %v, %v", p.PayoutID, p.Problems, err)
	}
	// Text decoding replaces unseen: bytes not UTF-8, a lone surrogate.
	p, err = payoutOf(json.RawMessage("{\"withdraw_id\":\"w\xff\",\"amount\":\"27.00\",\"currency\":\"EUR\",\"pay_time\":\"2026-12-03 16:00:01\"}"))
	if err != nil || !slices.Contains(p.Problems, domain.TextProblem) {
		t.Errorf("withdrawal %q with %v, %v; want it unreadable", p.PayoutID, p.Problems, err)
	}
	l, err = settlementLine(json.RawMessage(`{"bill_id":"b\ud800","tid":"t1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`))
	if err != nil || !slices.Contains(l.Problems, domain.TextProblem) {
		t.Errorf("bill %q with %v, %v; want it unreadable", l.LineID, l.Problems, err)
	}
	o, err := partnerOrder(json.RawMessage("{\"tid\":\"t\xff\",\"status\":20}"))
	if err != nil || o.Status != domain.OrderUnknown || !strings.Contains(o.RawStatus, domain.TextProblem) {
		t.Errorf("trade %q %s %q, %v; want it unreadable", o.ID, o.Status, o.RawStatus, err)
	}
}
