package restmarket

import (
	"encoding/json"
	"testing"
)

// A bill is read whole or refused: one without its id or its trade would
// be stored under an empty key and shadow every other such bill.
func TestSettlementLineNeedsItsIDs(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		ok   bool
	}{
		{"whole", `{"bill_id":"b1","tid":"t1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`, true},
		{"no bill id", `{"tid":"t1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`, false},
		{"no trade", `{"bill_id":"b1","amount":"30.00","fee":"3.00","currency":"EUR","book_time":"2026-12-03 16:00:01"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := settlementLine(json.RawMessage(tt.raw))
			if (err == nil) != tt.ok {
				t.Fatalf("settlementLine = %+v, %v; want ok %v", l, err, tt.ok)
			}
			if tt.ok && (l.LineID != "b1" || l.PartnerOrderID != "t1" || l.Gross.Amount != 3000 || l.Fees.Amount != 300) {
				t.Errorf("line %+v", l)
			}
		})
	}
}
