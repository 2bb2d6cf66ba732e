package marketplace_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/marketplace"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// docked is a running partner simulator and a connector to it.
type docked struct {
	clk     *testkit.Clock
	market  *partnersim.Market
	partner domain.Partner
	conn    app.Connector
}

// dock starts partnersim on loopback over a market with cfg on a test
// clock, and returns a connector signing as Crossdock (or, wrongKey, with a
// key the partner does not know).
func dock(t *testing.T, cfg partnersim.MarketConfig, wrongKey bool) docked {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	cfg.Now, cfg.Seed = clk.Now, 11
	m := partnersim.NewMarket(cfg)
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: "dh", Key: partnerKey, CrossdockClientID: "crossdock",
		CrossdockKey: crossdock.Public().(ed25519.PublicKey), Market: m})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sim.Serve(l) }()
	t.Cleanup(sim.Stop)
	key := crossdock
	if wrongKey {
		key = partnerKey
	}
	c := marketplace.NewConnector(marketplace.Signer{ClientID: "crossdock", Key: key}, 5*time.Second,
		partnertls.Transport{Plaintext: true})
	t.Cleanup(func() { c.Close() })
	return docked{clk: clk, market: m, partner: domain.Partner{Code: "dh", Endpoint: l.Addr().String()}, conn: c.App()}
}

func teapot(n int) domain.Listing {
	return domain.Listing{Marker: domain.Marker(fmt.Sprintf("sku-%d", n)), SKUID: fmt.Sprintf("sku-%d", n),
		Title: fmt.Sprintf("Teapot %d", n), Locale: "de-DE", Price: money.MustNew(1999, "EUR"), Stock: 1000,
		Attributes: map[string]string{"Material": "Porzellan"}}
}

func TestListings(t *testing.T) {
	tests := []struct {
		name        string
		reject      float64
		want        domain.ListingStatus
		wantReasons bool
	}{
		{"accepted", 0, domain.ListingLive, false},
		{"rejected", 1, domain.ListingRejected, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dock(t, partnersim.MarketConfig{ReviewDelay: time.Minute, Faults: partnersim.Faults{RejectListings: tt.reject}}, false)
			ctx := context.Background()
			st, err := d.conn.Listings.UpsertListing(ctx, d.partner, teapot(1))
			if err != nil || st.Status != domain.ListingPending || st.PartnerListingID == "" {
				t.Fatalf("upsert = %+v, %v", st, err)
			}
			d.clk.Advance(time.Minute)
			states, err := d.conn.Listings.ListingStates(ctx, d.partner, []string{teapot(1).Marker, teapot(2).Marker})
			if err != nil || len(states) != 1 || states[0].Status != tt.want || (len(states[0].Reasons) > 0) != tt.wantReasons {
				t.Fatalf("states = %+v, %v", states, err)
			}
			w, err := d.conn.Listings.WithdrawListing(ctx, d.partner, teapot(1).Marker)
			if err != nil || w.Status != domain.ListingWithdrawn {
				t.Errorf("withdraw = %+v, %v", w, err)
			}
			if w, err := d.conn.Listings.WithdrawListing(ctx, d.partner, teapot(9).Marker); err != nil || w.Status != domain.ListingWithdrawn {
				t.Errorf("withdraw unknown = %+v, %v", w, err)
			}
		})
	}
}

// live pushes n listings and lets the review pass.
func (d docked) live(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		if _, err := d.conn.Listings.UpsertListing(context.Background(), d.partner, teapot(i)); err != nil {
			t.Fatal(err)
		}
	}
	d.clk.Advance(time.Hour)
}

func (d docked) order(t *testing.T, n int) partnersim.Order {
	t.Helper()
	o, err := d.market.PlaceOrder("anna", partnersim.Address{Recipient: "Anna", CountryCode: "DE", City: "Berlin"},
		[]partnersim.ItemInput{{Marker: teapot(n).Marker, Quantity: 2}, {Quantity: 1}}, true)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Orders page by page over the window, those still within the lag left out.
func TestListOrders(t *testing.T) {
	d := dock(t, partnersim.MarketConfig{VisibilityLag: time.Minute}, false)
	d.live(t, 1)
	from := d.clk.Now()
	var second string
	for i := range 120 {
		if o := d.order(t, 0); i == 1 {
			second = o.OrderID
		}
		d.clk.Advance(time.Second)
	}
	// The last 60 are within the lag.
	seen := map[string]domain.PartnerOrder{}
	pages := 0
	w := domain.Window{From: from, To: from.Add(time.Hour)}
	for next := ""; ; pages++ {
		page, err := d.conn.Orders.ListOrders(context.Background(), d.partner, w, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			seen[o.ID] = o
		}
		if next = page.Next; next == "" {
			break
		}
	}
	if len(seen) != 61 || pages != 1 {
		t.Errorf("%d orders in %d pages after the first, want 61 in 1", len(seen), pages)
	}
	o := seen[second]
	if o.Status != domain.OrderPaid || o.RawStatus != "ORDER_STATUS_PAID" || o.Address == nil || o.Address.City != "Berlin" ||
		len(o.Items) != 2 || o.Items[0].Marker != teapot(0).Marker || o.Items[1].Marker != "" ||
		o.Total.Currency != "EUR" || o.PaidAt == nil || len(o.Raw) == 0 {
		t.Errorf("order %+v", o)
	}
	got, err := d.conn.Orders.GetOrder(context.Background(), d.partner, second)
	if err != nil || got.ID != second || got.Items[0].UnitPrice != money.MustNew(1999, "EUR") {
		t.Errorf("GetOrder = %+v, %v", got, err)
	}
	if _, err := d.conn.Orders.GetOrder(context.Background(), d.partner, "po-nope"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("GetOrder of an unknown order: %v", err)
	}
}

func TestUnknownStatusIsHeld(t *testing.T) {
	d := dock(t, partnersim.MarketConfig{Faults: partnersim.Faults{UnknownStatus: 1}}, false)
	d.live(t, 1)
	d.order(t, 0)
	page, err := d.conn.Orders.ListOrders(context.Background(), d.partner, domain.Window{}, "")
	if err != nil || len(page.Orders) != 1 {
		t.Fatalf("ListOrders = %+v, %v", page, err)
	}
	if o := page.Orders[0]; o.Status != domain.OrderUnknown || o.RawStatus != "77" {
		t.Errorf("status %s, raw %q; want unknown, 77", o.Status, o.RawStatus)
	}
}

func TestShipmentsAndSettlements(t *testing.T) {
	d := dock(t, partnersim.MarketConfig{SettlementDelay: 24 * time.Hour, FeeBps: 1000, FixedFeeMinor: 30}, false)
	d.live(t, 1)
	o := d.order(t, 0)
	start := d.clk.Now()
	ctx := context.Background()
	tests := []struct {
		name        string
		waybill     string
		wantAlready bool
		wantReason  string
	}{
		{"first", "WB1", false, ""},
		{"again", "WB1", true, ""},
		{"another waybill", "WB2", false, "WAYBILL_CONFLICT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			already, err := d.conn.Shipments.ConfirmShipment(ctx, d.partner,
				domain.Shipment{PartnerOrderID: o.OrderID, CarrierCode: "dhl", Waybill: tt.waybill})
			var ae *apperr.Error
			if already != tt.wantAlready || (tt.wantReason == "") != (err == nil) ||
				(err != nil && (!errors.As(err, &ae) || ae.Kind != apperr.KindFailedPrecondition || ae.Reason != tt.wantReason)) {
				t.Errorf("= %v, %v; want %v, %q", already, err, tt.wantAlready, tt.wantReason)
			}
		})
	}
	if got := d.market.Confirmations()[o.OrderID]; got != 1 {
		t.Errorf("%d confirmations, want 1", got)
	}
	w := domain.Window{From: start, To: start.Add(72 * time.Hour)}
	for _, advance := range []time.Duration{0, 24 * time.Hour} {
		d.clk.Advance(advance)
		page, err := d.conn.Settlements.ListSettlements(ctx, d.partner, w, "")
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if advance > 0 {
			want = 1
		}
		if len(page.Lines) != want {
			t.Fatalf("after %v: %d lines, want %d", advance, len(page.Lines), want)
		}
		// 2 × 19.99 EUR, 10% (4.00) and 0.30 kept.
		if want == 1 && (page.Lines[0].Gross != money.MustNew(3998, "EUR") || page.Lines[0].Fees != money.MustNew(430, "EUR") ||
			page.Lines[0].PartnerOrderID != o.OrderID || len(page.Lines[0].Raw) == 0) {
			t.Errorf("line %+v", page.Lines[0])
		}
	}
}

func TestCallErrors(t *testing.T) {
	tests := []struct {
		name      string
		faults    partnersim.Faults
		wrongKey  bool
		wantAfter time.Duration
		wantKind  apperr.Kind
		reason    string
	}{
		{"rate limited", partnersim.Faults{RateLimit: 1, RetryAfter: 3 * time.Second}, false, 3 * time.Second, 0, ""},
		{"server error", partnersim.Faults{ServerError: 1}, false, 0, apperr.KindUnavailable, "PARTNER_UNREACHABLE"},
		{"wrong key", partnersim.Faults{}, true, 0, apperr.KindFailedPrecondition, "PARTNER_REFUSED"},
		{"timeout", partnersim.Faults{Timeout: 1, TimeoutDelay: 10 * time.Second}, false, 0, apperr.KindUnavailable, "PARTNER_UNREACHABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dock(t, partnersim.MarketConfig{Faults: tt.faults}, tt.wrongKey)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err := d.conn.Listings.ListingStates(ctx, d.partner, []string{"crossdock:x"})
			after, limited := app.RetryAfter(err)
			var ae *apperr.Error
			switch {
			case tt.wantAfter > 0:
				if !limited || after != tt.wantAfter {
					t.Errorf("= %v, want rate limited for %v", err, tt.wantAfter)
				}
			case !errors.As(err, &ae) || ae.Kind != tt.wantKind || ae.Reason != tt.reason:
				t.Errorf("= %v, want %v %s", err, tt.wantKind, tt.reason)
			}
		})
	}
}

// One connection per endpoint serves many calls, and Close ends them.
func TestConnectorClose(t *testing.T) {
	d := dock(t, partnersim.MarketConfig{}, false)
	for range 3 {
		if _, err := d.conn.Listings.ListingStates(context.Background(), d.partner, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := d.conn.Listings.(*marketplace.Connector)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListingStates(context.Background(), d.partner, nil); apperr.KindOf(err) != apperr.KindUnavailable {
		t.Errorf("after Close: %v", err)
	}
}

// A payout is the net of the lines booked since the last one, listed in the
// window it was made in, page by page.
func TestListPayouts(t *testing.T) {
	d := dock(t, partnersim.MarketConfig{FeeBps: 1000, PayoutEvery: time.Hour}, false)
	origin := d.clk.Now()
	d.live(t, 1)
	d.clk.Advance(30 * time.Minute)
	o := d.order(t, 0)
	if _, err := d.conn.Shipments.ConfirmShipment(context.Background(), d.partner, domain.Shipment{PartnerOrderID: o.OrderID, CarrierCode: "dhl", Waybill: "WB1"}); err != nil {
		t.Fatal(err)
	}
	d.clk.Advance(time.Hour)
	paidAt := origin.Add(2 * time.Hour)
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"the window it was made in", paidAt, paidAt.Add(time.Second), 1},
		{"a window ending at it", origin, paidAt, 0},
		{"a later window", paidAt.Add(time.Second), d.clk.Now(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := d.conn.Settlements.ListPayouts(context.Background(), d.partner, domain.Window{From: tt.from, To: tt.to}, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Payouts) != tt.want || page.Next != "" {
				t.Fatalf("payouts %+v, next %q; want %d", page.Payouts, page.Next, tt.want)
			}
			// 2 × 19.99 EUR less 10% (4.00).
			if tt.want == 1 && (page.Payouts[0].Amount != money.MustNew(3598, "EUR") || !page.Payouts[0].PaidAt.Equal(paidAt) ||
				page.Payouts[0].PayoutID == "" || len(page.Payouts[0].Raw) == 0) {
				t.Errorf("payout %+v", page.Payouts[0])
			}
		})
	}
}

// More payouts than the partner's page come on further pages, oldest first.
func TestListPayoutsPages(t *testing.T) {
	d := dock(t, partnersim.MarketConfig{}, false)
	d.live(t, 1)
	from := d.clk.Now()
	const n = 51 // partnersim's default page is 50
	for i := range n {
		o := d.order(t, 0)
		if _, err := d.market.ConfirmShipment(o.OrderID, nil, "dhl", fmt.Sprintf("WB%d", i)); err != nil {
			t.Fatal(err)
		}
		d.market.PayOut()
		d.clk.Advance(time.Second)
	}
	var got []domain.Payout
	page, pages := "", 0
	for {
		res, err := d.conn.Settlements.ListPayouts(context.Background(), d.partner, domain.Window{From: from, To: d.clk.Now()}, page)
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
	for i := 1; i < n; i++ {
		if !got[i].PaidAt.After(got[i-1].PaidAt) {
			t.Fatalf("payout %d at %v, not after %v", i, got[i].PaidAt, got[i-1].PaidAt)
		}
	}
}
