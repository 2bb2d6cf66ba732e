package restmarket_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/restmarket"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// A waybill is confirmed once: again is already, another one for the same
// lines is a conflict, and an unknown or unpaid order is refused.
func TestConfirmShipment(t *testing.T) {
	m := startMarket(t, partnersim.MarketConfig{}, start)
	m.live(t, listing("sku-1", 500, "USD"))
	paid := m.order(t, true, domain.Marker("sku-1"), "")
	unpaid := m.order(t, false, domain.Marker("sku-1"))
	ours := []string{paid.Items[0].ItemID}
	tests := []struct {
		name    string
		s       domain.Shipment
		already bool
		check   func(error) bool
	}{
		{"first", domain.Shipment{PartnerOrderID: paid.OrderID, ItemIDs: ours, CarrierCode: "CS", Waybill: "CS0000000001"}, false, nil},
		{"same waybill again", domain.Shipment{PartnerOrderID: paid.OrderID, ItemIDs: ours, CarrierCode: "CS", Waybill: "CS0000000001"}, true, nil},
		{"another waybill", domain.Shipment{PartnerOrderID: paid.OrderID, ItemIDs: ours, CarrierCode: "CS", Waybill: "CS0000000002"}, false,
			func(err error) bool { return errors.Is(err, restmarket.ErrWaybillConflict) }},
		{"unknown order", domain.Shipment{PartnerOrderID: "po-missing", CarrierCode: "CS", Waybill: "CS0000000003"}, false,
			func(err error) bool { return apperr.IsKind(err, apperr.KindNotFound) }},
		{"unpaid order", domain.Shipment{PartnerOrderID: unpaid.OrderID, CarrierCode: "CS", Waybill: "CS0000000004"}, false,
			func(err error) bool { return errors.Is(err, restmarket.ErrRefused) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			already, err := m.client.ConfirmShipment(t.Context(), m.partner, tt.s)
			if tt.check == nil && (err != nil || already != tt.already) {
				t.Fatalf("confirm = %v, %v; want already %v", already, err, tt.already)
			}
			if tt.check != nil && !tt.check(err) {
				t.Fatalf("confirm = %v, %v", already, err)
			}
		})
	}
	o, _ := m.Order(paid.OrderID)
	if o.Status != partnersim.StatusShipped || len(o.Shipments) != 1 || o.Shipments[0].Waybill != "CS0000000001" {
		t.Errorf("the partner holds %+v", o)
	}
}

// Settlement bills come back in minor units, 2-decimal and 0-decimal
// currencies alike, booked in the window asked.
func TestListSettlements(t *testing.T) {
	tests := []struct {
		cur         string
		price       int64
		gross, fees int64
	}{
		{"USD", 1999, 3998, 200 + 30}, // 5 % of 39.98 rounded, plus 0.30
		{"JPY", 1500, 3000, 150 + 30},
	}
	for _, tt := range tests {
		t.Run(tt.cur, func(t *testing.T) {
			m := startMarket(t, partnersim.MarketConfig{FeeBps: 500, FixedFeeMinor: 30, SettlementDelay: time.Hour}, start)
			m.live(t, listing("sku-1", tt.price, tt.cur))
			o := m.order(t, true, domain.Marker("sku-1"))
			if _, err := m.client.ConfirmShipment(t.Context(), m.partner, domain.Shipment{PartnerOrderID: o.OrderID,
				CarrierCode: "CS", Waybill: "CS0000000001"}); err != nil {
				t.Fatal(err)
			}
			booked := m.clock.Now().Add(time.Hour)
			m.clock.Advance(2 * time.Hour)
			p, err := m.client.ListSettlements(t.Context(), m.partner, domain.Window{From: start, To: booked.Add(time.Minute)}, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Lines) != 1 || p.Next != "" {
				t.Fatalf("lines %+v next %q", p.Lines, p.Next)
			}
			l := p.Lines[0]
			if l.PartnerOrderID != o.OrderID || l.Gross != money.MustNew(tt.gross, tt.cur) ||
				l.Fees != money.MustNew(tt.fees, tt.cur) || !l.SettledAt.Equal(booked) || l.LineID == "" || len(l.Raw) == 0 {
				t.Errorf("line %+v, want gross %d fees %d at %v", l, tt.gross, tt.fees, booked)
			}
			later, err := m.client.ListSettlements(t.Context(), m.partner, domain.Window{From: booked.Add(time.Second), To: m.clock.Now()}, "")
			if err != nil || len(later.Lines) != 0 {
				t.Errorf("a later window: %+v, %v", later, err)
			}
		})
	}
}

// Withdrawals (the platform's payouts) come back in minor units at their
// UTC+8 time, in the window asked, page by page.
func TestListPayouts(t *testing.T) {
	m := startMarket(t, partnersim.MarketConfig{FeeBps: 500}, start)
	m.live(t, listing("sku-1", 1500, "JPY"))
	from := m.clock.Now()
	const n = 101 // more than a page
	for i := range n {
		o := m.order(t, true, domain.Marker("sku-1"))
		if _, err := m.ConfirmShipment(o.OrderID, nil, "CS", fmt.Sprintf("CS%010d", i)); err != nil {
			t.Fatal(err)
		}
		m.PayOut()
		m.clock.Advance(time.Second)
	}
	var got []domain.Payout
	page, pages := "", 0
	for {
		res, err := m.client.ListPayouts(t.Context(), m.partner, domain.Window{From: from, To: m.clock.Now()}, page)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, res.Payouts...)
		if page = res.Next; page == "" {
			break
		}
	}
	if len(got) != n || pages != 2 {
		t.Fatalf("%d payouts on %d pages, want %d on 2", len(got), pages, n)
	}
	// 2 × 1500 JPY less 5 % (150).
	if p := got[0]; p.Amount != money.MustNew(2850, "JPY") || !p.PaidAt.Equal(from) || p.PayoutID == "" || len(p.Raw) == 0 {
		t.Errorf("first payout %+v, want 2850 JPY at %v", p, from)
	}
	if p := got[n-1]; !p.PaidAt.Equal(from.Add((n - 1) * time.Second)) {
		t.Errorf("last payout at %v", p.PaidAt)
	}
	later, err := m.client.ListPayouts(t.Context(), m.partner, domain.Window{From: m.clock.Now(), To: m.clock.Now().Add(time.Hour)}, "")
	if err != nil || len(later.Payouts) != 0 {
		t.Errorf("a later window: %+v, %v", later, err)
	}
}
