package marketplace

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	partnerv1 "github.com/crossdock/crossdock/gen/crossdock/partner/v1"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
)

// An order the connector cannot read whole does not fail the page it came
// on: another seller's item in a currency it does not know is no concern
// of ours; one of ours keeps the order unread, held for an operator.
func TestAnOrderNotReadWholeIsKeptNotFatal(t *testing.T) {
	usd := &commonv1.Money{CurrencyCode: "USD", AmountMinor: 1999}
	bad := &commonv1.Money{CurrencyCode: "XXQ", AmountMinor: 1}
	order := func(items ...*partnerv1.OrderItem) *partnerv1.PartnerOrder {
		return &partnerv1.PartnerOrder{OrderId: "po-1", Status: partnerv1.OrderStatus_ORDER_STATUS_PAID, Total: usd,
			UpdatedAt: timestamppb.Now(), Items: items}
	}
	ours := &partnerv1.OrderItem{ItemId: "1", Marker: domain.Marker("sku-1"), Quantity: 1, UnitPrice: usd}
	tests := []struct {
		name       string
		order      *partnerv1.PartnerOrder
		unreadable bool
		decision   domain.ImportDecision
	}{
		{"another seller's item in an unknown currency", order(ours, &partnerv1.OrderItem{ItemId: "2", Quantity: 1, UnitPrice: bad}), false, domain.Place},
		{"our item in an unknown currency", order(&partnerv1.OrderItem{ItemId: "1", Marker: domain.Marker("sku-1"), Quantity: 1, UnitPrice: bad}), true, domain.Hold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := partnerOrder(tt.order)
			if err != nil {
				t.Fatalf("the order failed its page: %v", err)
			}
			if unread := o.Status == domain.OrderUnknown && strings.Contains(o.RawStatus, "unreadable"); unread != tt.unreadable {
				t.Errorf("status %s (%s), unreadable %v; want %v", o.Status, o.RawStatus, unread, tt.unreadable)
			}
			if got, _, why := domain.Decide(o); got != tt.decision {
				t.Errorf("decided %v (%s), want %v", got, why, tt.decision)
			}
		})
	}
}

// A settlement line without an id or an order is refused as the partner's
// malformed answer, as the REST connector refuses a bill without them.
// Before, the first line without an id was stored and every later one,
// whatever its order, was dropped as the same line, its supplier never
// credited.
func TestASettlementLineWithoutItsIDsIsRefused(t *testing.T) {
	usd := &commonv1.Money{CurrencyCode: "USD", AmountMinor: 1999}
	for name, l := range map[string]*partnerv1.SettlementLine{
		"no line id":  {OrderId: "po-1", Gross: usd, Fees: usd, SettledAt: timestamppb.Now()},
		"no order id": {LineId: "l-1", Gross: usd, Fees: usd, SettledAt: timestamppb.Now()},
	} {
		if _, err := settlementLine(l); err == nil || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("%s: %v, want the answer refused as malformed", name, err)
		}
	}
	if _, err := settlementLine(&partnerv1.SettlementLine{LineId: "l-1", OrderId: "po-1", Gross: usd, Fees: usd, SettledAt: timestamppb.Now()}); err != nil {
		t.Errorf("a whole line: %v", err)
	}
}
