package marketplace

import (
	"slices"
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

// A settlement line without an id, an order, an amount in a known currency
// or a time is kept unreadable with what could not be read, never stored
// under an empty id: before refusals, the first line without an id was
// stored and every later one, whatever its order, was dropped as the same
// line, its supplier never credited; with refusals, one such line failed
// its page every round. Two id-less lines are two lines; one read again is
// the same.
func TestASettlementLineNotReadWholeIsKeptUnreadable(t *testing.T) {
	usd := &commonv1.Money{CurrencyCode: "USD", AmountMinor: 1999}
	at := timestamppb.Now()
	names := map[string]bool{}
	for _, tt := range []struct {
		name, problem string
		line          *partnerv1.SettlementLine
	}{
		{"no line id", "no line id", &partnerv1.SettlementLine{OrderId: "po-1", Gross: usd, Fees: usd, SettledAt: at}},
		{"no line id, another order", "no line id", &partnerv1.SettlementLine{OrderId: "po-2", Gross: usd, Fees: usd, SettledAt: at}},
		{"no order id", "no order id", &partnerv1.SettlementLine{LineId: "l-1", Gross: usd, Fees: usd, SettledAt: at}},
		{"unknown currency", "gross", &partnerv1.SettlementLine{LineId: "l-2", OrderId: "po-1", Gross: &commonv1.Money{CurrencyCode: "ZZZ", AmountMinor: 1}, Fees: usd, SettledAt: at}},
		{"no time", "no settlement time", &partnerv1.SettlementLine{LineId: "l-3", OrderId: "po-1", Gross: usd, Fees: usd}},
	} {
		l, err := settlementLine(tt.line)
		if err != nil || !strings.Contains(strings.Join(l.Problems, "; "), tt.problem) || l.LineID == "" {
			t.Errorf("%s: %q %v, %v; want it kept unreadable naming %q", tt.name, l.LineID, l.Problems, err, tt.problem)
		}
		if again, _ := settlementLine(tt.line); again.LineID != l.LineID {
			t.Errorf("%s: read again it is %q, first %q", tt.name, again.LineID, l.LineID)
		}
		if names[l.LineID] {
			t.Errorf("%s: named %q like another line", tt.name, l.LineID)
		}
		names[l.LineID] = true
	}
	if l, err := settlementLine(&partnerv1.SettlementLine{LineId: "l-1", OrderId: "po-1", Gross: usd, Fees: usd, SettledAt: at}); err != nil || len(l.Problems) != 0 {
		t.Errorf("a whole line: %v, %v", l.Problems, err)
	}
}

// A payout without a usable id, an amount in a known currency above zero or
// a time is kept unreadable with what could not be read, named by its
// content when it has no id (the same payout, the same name); before, it
// failed its page every round.
func TestAPayoutNotReadWholeIsKeptUnreadable(t *testing.T) {
	eur := &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 2700}
	at := timestamppb.Now()
	names := map[string]bool{}
	for _, tt := range []struct {
		name, problem string
		payout        *partnerv1.Payout
	}{
		{"no payout id", "no payout id", &partnerv1.Payout{Amount: eur, PaidAt: at}},
		{"no payout id, another amount", "no payout id", &partnerv1.Payout{Amount: &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 1}, PaidAt: at}},
		{"an id too long", "no payout id", &partnerv1.Payout{PayoutId: strings.Repeat("p", 129), Amount: eur, PaidAt: at}},
		{"unknown currency", "amount", &partnerv1.Payout{PayoutId: "pay-1", Amount: &commonv1.Money{CurrencyCode: "ZZZ", AmountMinor: 1}, PaidAt: at}},
		{"no amount", "amount", &partnerv1.Payout{PayoutId: "pay-2", PaidAt: at}},
		{"nothing paid", "not above zero", &partnerv1.Payout{PayoutId: "pay-3", Amount: &commonv1.Money{CurrencyCode: "EUR"}, PaidAt: at}},
		{"no time", "no payment time", &partnerv1.Payout{PayoutId: "pay-4", Amount: eur}},
	} {
		p, err := payoutOf(tt.payout)
		if err != nil || !strings.Contains(strings.Join(p.Problems, "; "), tt.problem) || p.PayoutID == "" || len(p.PayoutID) > domain.MaxPayoutID {
			t.Errorf("%s: %q %v, %v; want it kept unreadable naming %q", tt.name, p.PayoutID, p.Problems, err, tt.problem)
		}
		if again, _ := payoutOf(tt.payout); again.PayoutID != p.PayoutID {
			t.Errorf("%s: read again it is %q, first %q", tt.name, again.PayoutID, p.PayoutID)
		}
		if names[p.PayoutID] {
			t.Errorf("%s: named %q like another payout", tt.name, p.PayoutID)
		}
		names[p.PayoutID] = true
	}
	if p, err := payoutOf(&partnerv1.Payout{PayoutId: "pay-1", Amount: eur, PaidAt: at}); err != nil || len(p.Problems) != 0 || p.Amount.Amount != 2700 {
		t.Errorf("a whole payout: %+v, %v", p, err)
	}
}

// A time outside the range a Timestamp may hold is a problem of its record,
// kept unreadable with every field as sent, not a page that fails: before,
// the record could not be kept as JSON and its page failed every round.
func TestATimeOutOfRangeIsKeptUnreadable(t *testing.T) {
	eur := &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 2700}
	bad := &timestamppb.Timestamp{Seconds: timestamppb.Now().GetSeconds(), Nanos: 2_000_000_000}
	l, err := settlementLine(&partnerv1.SettlementLine{LineId: "l-1", OrderId: "po-1", Gross: eur, Fees: eur, SettledAt: bad})
	if err != nil || !strings.Contains(strings.Join(l.Problems, "; "), "settled_at") || l.LineID != "l-1" || len(l.Raw) == 0 {
		t.Errorf("line %q %v (raw %q), %v; want it unreadable naming settled_at, as sent", l.LineID, l.Problems, l.Raw, err)
	}
	p, err := payoutOf(&partnerv1.Payout{PayoutId: "pay-1", Amount: eur, PaidAt: bad})
	if err != nil || !strings.Contains(strings.Join(p.Problems, "; "), "paid_at") || p.PayoutID != "pay-1" || len(p.Raw) == 0 {
		t.Errorf("payout %q %v (raw %q), %v; want it unreadable naming paid_at, as sent", p.PayoutID, p.Problems, p.Raw, err)
	}
	o, err := partnerOrder(&partnerv1.PartnerOrder{OrderId: "po-1", Status: partnerv1.OrderStatus_ORDER_STATUS_PAID, Total: eur,
		PlacedAt: bad, UpdatedAt: timestamppb.Now()})
	if err != nil || o.Status != domain.OrderUnknown || !strings.Contains(o.RawStatus, "placed_at") || len(o.Raw) == 0 {
		t.Errorf("order %s %q (raw %q), %v; want it unreadable naming placed_at, as sent", o.Status, o.RawStatus, o.Raw, err)
	}
}

// Text PostgreSQL cannot store (a NUL character) is kept with U+FFFD in its
// place, and its record unreadable (an order of ours held), never stored
// as read under an id the partner did not send.
func TestANULCharacterIsKeptUnreadable(t *testing.T) {
	eur := &commonv1.Money{CurrencyCode: "EUR", AmountMinor: 2700}
	at := timestamppb.Now()
	l, _ := settlementLine(&partnerv1.SettlementLine{LineId: "l-\x00", OrderId: "po-\x00", Gross: eur, Fees: eur, SettledAt: at})
	if l.LineID != "l-\uFFFD" || l.PartnerOrderID != "po-\uFFFD" || !slices.Contains(l.Problems, domain.TextProblem) {
		t.Errorf("line %q of %q with %v", l.LineID, l.PartnerOrderID, l.Problems)
	}
	p, _ := payoutOf(&partnerv1.Payout{PayoutId: strings.Repeat("\x00", 100), Amount: eur, PaidAt: at})
	if len(p.PayoutID) > domain.MaxPayoutID || strings.ContainsRune(p.PayoutID, 0) || !slices.Contains(p.Problems, domain.TextProblem) {
		t.Errorf("payout %q with %v; want a name of at most 128 bytes without NUL", p.PayoutID, p.Problems)
	}
	o, _ := partnerOrder(&partnerv1.PartnerOrder{OrderId: "po-1", Status: partnerv1.OrderStatus_ORDER_STATUS_PAID, Total: eur,
		BuyerRef: "b\x00", PlacedAt: at, UpdatedAt: at,
		Items: []*partnerv1.OrderItem{{ItemId: "i-1", Marker: domain.Marker("sku-1"), Quantity: 1, UnitPrice: eur}}})
	if o.Status != domain.OrderUnknown || o.BuyerRef != "b\uFFFD" || !strings.Contains(o.RawStatus, domain.TextProblem) {
		t.Errorf("order %s %q, buyer %q", o.Status, o.RawStatus, o.BuyerRef)
	}
}

// A listing state the connector cannot read (a status newer than the
// protocol it speaks) is left out of the answer and reported, and the
// others' verdicts are kept: before, the whole answer failed, and no
// verdict was read again.
func TestAListingStateNotReadIsLeftOutAlone(t *testing.T) {
	got, unreadable := domain.ReadableStates([]*partnerv1.ListingState{
		{Marker: "crossdock:a", Status: partnerv1.ListingStatus_LISTING_STATUS_LIVE, ListingId: "L-1"},
		{Marker: "crossdock:b", Status: partnerv1.ListingStatus(99)},
		{Marker: "crossdock:c", Status: partnerv1.ListingStatus_LISTING_STATUS_REJECTED, Reasons: []string{"blurry"}},
	}, listingState)
	var markers []string
	for _, s := range got {
		markers = append(markers, s.Marker)
	}
	if !slices.Equal(markers, []string{"crossdock:a", "crossdock:c"}) {
		t.Errorf("states read = %v, want a and c", markers)
	}
	if unreadable == nil || !strings.Contains(unreadable.Error(), "crossdock:b") {
		t.Errorf("unreadable = %v, want b's state reported", unreadable)
	}
}
