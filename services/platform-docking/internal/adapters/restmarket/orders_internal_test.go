package restmarket

import (
	"strings"
	"testing"

	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// A trade the adapter cannot read whole does not fail the page it came on
// (every round, for ever, every later order of the partner with it): another
// seller's line with a price it cannot read is no concern of ours; a line of
// ours, an amount or a time it cannot read keeps the trade unread, and an
// order of ours unread is held for an operator.
func TestATradeNotReadWholeIsKeptNotFatal(t *testing.T) {
	ours := domain.Marker("sku-1")
	trade := func(lines, modified string) string {
		return `{"tid":"T1","status":20,"payment":"19.99","currency":"USD","created":"2026-03-01 10:00:00",
			"modified":"` + modified + `","orders":[` + lines + `]}`
	}
	tests := []struct {
		name       string
		raw        string
		unreadable bool
		decision   domain.ImportDecision
	}{
		{"another seller's line priced past the currency's places", trade(`{"oid":"1","outer_iid":"`+ours+`","num":1,"price":"19.99"},{"oid":"2","outer_iid":"theirs","num":1,"price":"0.001"}`, "2026-03-01 10:00:00"), false, domain.Place},
		{"our line priced past the currency's places", trade(`{"oid":"1","outer_iid":"`+ours+`","num":1,"price":"9.999"}`, "2026-03-01 10:00:00"), true, domain.Hold},
		{"a time it cannot read", trade(`{"oid":"1","outer_iid":"`+ours+`","num":1,"price":"19.99"}`, "yesterday"), true, domain.Hold},
		{"none of ours, not read whole", trade(`{"oid":"2","outer_iid":"theirs","num":1,"price":"0.001"}`, "yesterday"), true, domain.Ignore},
		// Fields that do not decode as the protocol has them: before, the
		// whole page failed, every round.
		{"our line's quantity a string", trade(`{"oid":"1","outer_iid":"`+ours+`","num":"1","price":"19.99"}`, "2026-03-01 10:00:00"), true, domain.Hold},
		{"another seller's price a number", trade(`{"oid":"1","outer_iid":"theirs","num":1,"price":19.99}`, "2026-03-01 10:00:00"), true, domain.Ignore},
		{"the lines in another shape, ours among them", strings.Replace(trade(`{"oid":"1","outer_iid":"`+ours+`","num":1,"price":"19.99"}`,
			"2026-03-01 10:00:00"), `"orders":[`, `"orders":{"order":[`, 1) + "}", true, domain.Hold},
		{"a line that is a string naming ours", trade(`"`+ours+` x1"`, "2026-03-01 10:00:00"), true, domain.Hold},
		{"the lines in another shape, none ours", strings.Replace(trade(`{"oid":"1","outer_iid":"theirs","num":1,"price":"19.99"}`,
			"2026-03-01 10:00:00"), `"orders":[`, `"orders":{"order":[`, 1) + "}", true, domain.Ignore},
		{"the status a string, the tid a number", strings.Replace(strings.Replace(trade(`{"oid":"1","outer_iid":"`+ours+`","num":1,"price":"19.99"}`,
			"2026-03-01 10:00:00"), `"status":20`, `"status":"20"`, 1), `"tid":"T1"`, `"tid":1`, 1), true, domain.Hold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := partnerOrder([]byte(tt.raw))
			if err != nil {
				t.Fatalf("the trade failed its page: %v", err)
			}
			if unread := o.Status == domain.OrderUnknown && strings.Contains(o.RawStatus, "unreadable"); unread != tt.unreadable {
				t.Errorf("status %s (%s), unreadable %v; want %v", o.Status, o.RawStatus, unread, tt.unreadable)
			}
			if o.ID == "" || (o.ID != "T1" && o.ID != "1") {
				t.Errorf("the trade's id %q", o.ID)
			}
			if got, _, why := domain.Decide(o); got != tt.decision {
				t.Errorf("decided %v (%s), want %v", got, why, tt.decision)
			}
		})
	}
}
