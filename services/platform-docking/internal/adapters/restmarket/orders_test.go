package restmarket_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// An order updated at 23:30 UTC is 07:30 the next day on the partner's
// clock: it is found in the UTC window that holds it, and only there.
func TestListOrdersWindowInUTC(t *testing.T) {
	at := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)
	m := startMarket(t, partnersim.MarketConfig{}, at.Add(-time.Second))
	m.live(t, listing("sku-jp", 1500, "JPY"))
	placed := m.order(t, true, domain.Marker("sku-jp"), "")

	tests := []struct {
		name     string
		from, to time.Time
		found    bool
	}{
		{"the UTC hour", time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"the next UTC hour", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC), false},
		{"the UTC+8 hour read as UTC", time.Date(2026, 4, 1, 7, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC), false},
		{"ending at the update", time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC), at, false},
		{"starting at the update", at, at.Add(time.Minute), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := m.client.ListOrders(t.Context(), m.partner, domain.Window{From: tt.from, To: tt.to}, "")
			if err != nil {
				t.Fatal(err)
			}
			if found := len(page.Orders) == 1 && page.Orders[0].ID == placed.OrderID; found != tt.found || page.Next != "" {
				t.Fatalf("orders %+v (next %q), want found %v", page.Orders, page.Next, tt.found)
			}
		})
	}
}

// A trade is mapped field by field: status, address lines, our marker
// only on our lines, JPY prices without decimals, times back in UTC, and
// the trade kept as received.
func TestGetOrder(t *testing.T) {
	at := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)
	m := startMarket(t, partnersim.MarketConfig{}, at.Add(-time.Second))
	m.live(t, listing("sku-jp", 1500, "JPY"))
	placed := m.order(t, true, domain.Marker("sku-jp"), "")

	o, err := m.client.GetOrder(t.Context(), m.partner, placed.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != placed.OrderID || o.Status != domain.OrderPaid || o.RawStatus != "20" || o.BuyerRef != "buyer-7" {
		t.Errorf("order %s %s %q %s", o.ID, o.Status, o.RawStatus, o.BuyerRef)
	}
	want := domain.Address{Recipient: "Ana Lima", Phone: "+55 11 5555 0000", CountryCode: "BR", RegionCode: "BR-SP",
		City: "São Paulo", Postcode: "01000-000", Lines: []string{"Rua A, 1", "apto 2"}}
	if o.Address == nil || o.Address.City != want.City || !slices.Equal(o.Address.Lines, want.Lines) ||
		o.Address.RegionCode != want.RegionCode || o.Address.Phone != want.Phone {
		t.Errorf("address %+v, want %+v", o.Address, want)
	}
	if len(o.Items) != 2 {
		t.Fatalf("items %+v", o.Items)
	}
	ours, other := o.Items[0], o.Items[1]
	if ours.Marker != domain.Marker("sku-jp") || ours.UnitPrice != money.MustNew(1500, "JPY") || ours.Quantity != 2 ||
		ours.ItemID != placed.Items[0].ItemID || ours.ListingID != placed.Items[0].ListingID {
		t.Errorf("our line %+v", ours)
	}
	if other.Marker != "" || other.UnitPrice != money.MustNew(placed.Items[1].UnitPriceMinor, "JPY") {
		t.Errorf("another seller's line %+v", other)
	}
	if o.Total != money.MustNew(placed.TotalMinor, "JPY") {
		t.Errorf("total %v, want %d JPY", o.Total, placed.TotalMinor)
	}
	if !o.UpdatedAt.Equal(at) || !o.PlacedAt.Equal(at) || o.PaidAt == nil || !o.PaidAt.Equal(at) || o.UpdatedAt.Location() != time.UTC {
		t.Errorf("placed %v paid %v updated %v, want %v UTC", o.PlacedAt, o.PaidAt, o.UpdatedAt, at)
	}
	var raw map[string]any
	if err := json.Unmarshal(o.Raw, &raw); err != nil || raw["tid"] != placed.OrderID || raw["modified"] != "2026-04-01 07:30:00" {
		t.Errorf("raw %s", o.Raw)
	}

	if _, err := m.client.GetOrder(t.Context(), m.partner, "po-missing"); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("unknown order: %v, want NotFound", err)
	}
}

// Pages follow has_next, 100 trades a page, oldest update first.
func TestListOrdersPages(t *testing.T) {
	m := startMarket(t, partnersim.MarketConfig{}, start)
	m.live(t, listing("sku-1", 1999, "USD"))
	var want []string
	for range 130 {
		want = append(want, m.order(t, true, domain.Marker("sku-1")).OrderID)
		m.clock.Advance(time.Second)
	}
	w := domain.Window{From: start, To: m.clock.Now()}
	var got []string
	var sizes []int
	page := ""
	for {
		p, err := m.client.ListOrders(t.Context(), m.partner, w, page)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.Orders))
		for _, o := range p.Orders {
			got = append(got, o.ID)
			if o.Total != money.MustNew(2*1999, "USD") {
				t.Fatalf("order %s total %v, want 39.98 USD", o.ID, o.Total)
			}
		}
		if p.Next == "" {
			break
		}
		page = p.Next
	}
	if !slices.Equal(sizes, []int{100, 30}) || !slices.Equal(got, want) {
		t.Errorf("pages of %v, orders %v; want 100 and 30, %v", sizes, got, want)
	}
	if _, err := m.client.ListOrders(t.Context(), m.partner, w, "x"); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("a bad page token: %v", err)
	}
}

// A status the protocol does not document is held as unknown, with the
// number kept.
func TestUnknownTradeStatus(t *testing.T) {
	m := startMarket(t, partnersim.MarketConfig{Faults: partnersim.Faults{UnknownStatus: 1}}, start)
	m.live(t, listing("sku-1", 500, "USD"))
	m.order(t, true, domain.Marker("sku-1"))
	p, err := m.client.ListOrders(t.Context(), m.partner, domain.Window{From: start, To: start.Add(time.Hour)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Orders) != 1 || p.Orders[0].Status != domain.OrderUnknown || p.Orders[0].RawStatus != "77" {
		t.Fatalf("orders %+v, want one unknown with raw status 77", p.Orders)
	}
}

// Every documented status maps.
func TestTradeStatuses(t *testing.T) {
	m := startMarket(t, partnersim.MarketConfig{}, start)
	m.live(t, listing("sku-1", 500, "USD"))
	unpaid := m.order(t, false, domain.Marker("sku-1"))
	paid := m.order(t, true, domain.Marker("sku-1"))
	cancelled := m.order(t, true, domain.Marker("sku-1"))
	if _, err := m.Cancel(cancelled.OrderID); err != nil {
		t.Fatal(err)
	}
	shipped := m.order(t, true, domain.Marker("sku-1"))
	if _, err := m.ConfirmShipment(shipped.OrderID, nil, "CS", "CS0000000001"); err != nil {
		t.Fatal(err)
	}
	completed := m.order(t, true, domain.Marker("sku-1"))
	if _, err := m.ConfirmShipment(completed.OrderID, nil, "CS", "CS0000000002"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Complete(completed.OrderID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id     string
		status domain.OrderStatus
		raw    string
	}{
		{unpaid.OrderID, domain.OrderAwaitingPayment, "10"},
		{paid.OrderID, domain.OrderPaid, "20"},
		{shipped.OrderID, domain.OrderShipped, "30"},
		{completed.OrderID, domain.OrderCompleted, "40"},
		{cancelled.OrderID, domain.OrderCancelled, "90"},
	}
	for _, tt := range tests {
		o, err := m.client.GetOrder(t.Context(), m.partner, tt.id)
		if err != nil || o.Status != tt.status || o.RawStatus != tt.raw {
			t.Errorf("%s: %s %q, %v; want %s %q", tt.id, o.Status, o.RawStatus, err, tt.status, tt.raw)
		}
		if tt.status == domain.OrderAwaitingPayment && o.PaidAt != nil {
			t.Errorf("an unpaid order paid at %v", o.PaidAt)
		}
	}
}
