package app_test

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/marketplace"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

// onePartner is docking's jobs over one standard-protocol partner
// simulator (its market on a test clock), the partner registered and not
// verified, and a catalogue of one SKU.
type onePartner struct {
	pool     *pgxpool.Pool
	clk      *testkit.Clock
	market   *partnersim.Market
	partners *postgres.Store
	store    postgres.Trade
	trade    *app.Trade
	p        domain.Partner
	cat      propCatalog
	orders   *propOrders
}

func newOnePartner(t *testing.T, code string) *onePartner {
	t.Helper()
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	ring, err := kek.Parse(kek.Generate("test"))
	if err != nil {
		t.Fatal(err)
	}
	clk := testkit.NewClock(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC))
	market := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 3})
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: code, Key: partnerKey, CrossdockClientID: "crossdock",
		CrossdockKey: crossdock.Public().(ed25519.PublicKey), Market: market})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = sim.Serve(l) }()
	t.Cleanup(sim.Stop)
	conn := marketplace.NewConnector(marketplace.Signer{ClientID: "crossdock", Key: crossdock}, 2*time.Second,
		partnertls.Transport{Plaintext: true})
	t.Cleanup(func() { _ = conn.Close() })

	partners := postgres.New(pool, ring)
	p, err := domain.NewPartner(uuid.New(), domain.Partner{Name: code + " market", Code: code, Protocol: domain.ProtocolStandardGRPC,
		Endpoint: l.Addr().String(), APIClientID: code + "-client", Locales: []string{"en"}, CommissionBPS: 1000}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := partners.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	cat := propCatalog{skus: []propSKU{{id: uuid.NewString(), product: uuid.NewString(), supplier: uuid.NewString(), price: 1500}}}
	orders := &propOrders{cat: cat, rnd: rand.New(rand.NewPCG(9, 9)), placed: map[string]app.PlacedOrder{}}
	store := postgres.NewTrade(pool)
	trade := app.NewTrade(partners, store, map[domain.Protocol]app.Connector{domain.ProtocolStandardGRPC: conn.App()}, cat, orders,
		&propFinance{rnd: rand.New(rand.NewPCG(8, 8)), credits: map[string]domain.SupplierCredit{}},
		app.Timing{Round: time.Second, PullEvery: time.Second, SettleEvery: time.Second, Pull: domain.PullTiming{Lag: time.Second, Overlap: time.Minute},
			Lookback: time.Hour, Retry: time.Second}, slog.New(slog.DiscardHandler))
	trade.SetClock(clk.Now)

	return &onePartner{pool: pool, clk: clk, market: market, partners: partners, store: store, trade: trade, p: p, cat: cat, orders: orders}
}

// listedPrice is the price the partner lists the catalogue's SKU at (0:
// not listed).
func (f *onePartner) listedPrice() int64 {
	l := f.market.Listings([]string{domain.Marker(f.cat.skus[0].id)})
	if len(l) == 0 {
		return 0
	}
	return l[0].PriceMinor
}

// round runs one of docking's rounds two seconds after the last.
func (f *onePartner) round(t *testing.T) {
	t.Helper()
	f.clk.Advance(2 * time.Second)
	if err := f.trade.Round(context.Background()); err != nil {
		t.Logf("round: %v", err) // the partner's refusals
	}
}

// An unverified or suspended partner docks nothing: with a product queued
// and a paid order waiting on its platform, docking's rounds send it no
// listing and pull no order; verified (resumed), the same rounds dock.
func TestNothingDocksWithAPartnerThatMayNotDock(t *testing.T) {
	ctx := context.Background()
	f := newOnePartner(t, "quiet")
	clk, market, partners, trade, p, cat, orders := f.clk, f.market, f.partners, f.trade, f.p, f.cat, f.orders
	// A listing the partner already has (from before), live, and a paid
	// order for it.
	marker := domain.Marker(cat.skus[0].id)
	if _, err := market.UpsertListing(partnersim.ListingInput{Marker: marker, SKUID: cat.skus[0].id, Title: "Teapot", Locale: "en", Currency: "EUR",
		PriceMinor: 1500, Stock: 10}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	market.Listings(nil) // the review runs on a read
	if _, err := market.PlaceOrder("b", partnersim.Address{Recipient: "E", CountryCode: "DE", City: "Berlin", Lines: []string{"1"}},
		[]partnersim.ItemInput{{Marker: marker, Quantity: 1}}, true); err != nil {
		t.Fatal(err)
	}
	upserts := func() int { return market.Listings([]string{marker})[0].Upserts }
	before := upserts()

	rounds := func() {
		if err := trade.QueueAllProducts(ctx); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			clk.Advance(2 * time.Second)
			if err := trade.Round(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	rounds() // unverified
	if _, err := partners.UpdatePartner(ctx, p.ID, func(cur *domain.Partner) error {
		if err := cur.MarkVerified(clk.Now()); err != nil {
			return err
		}
		cur.Suspend(clk.Now())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rounds() // suspended
	if got := upserts(); got != before || len(orders.placed) != 0 {
		t.Fatalf("a partner that may not dock got %d pushes and %d orders pulled", got-before, len(orders.placed))
	}

	if _, err := partners.UpdatePartner(ctx, p.ID, func(cur *domain.Partner) error { cur.Resume(clk.Now()); return nil }); err != nil {
		t.Fatal(err)
	}
	rounds()
	if got := upserts(); got == before || len(orders.placed) != 1 {
		t.Fatalf("the resumed partner got %d pushes and %d orders pulled, want a push and the order", got-before, len(orders.placed))
	}
}

// A product changed while its partner is left alone after a rate limit
// reaches that partner when it is asked again: its turn waits for the
// partner instead of being spent without it.
func TestPushWaitsForARateLimitedPartner(t *testing.T) {
	ctx := context.Background()
	f := newOnePartner(t, "busy")
	if _, err := f.partners.UpdatePartner(ctx, f.p.ID, func(cur *domain.Partner) error { return cur.MarkVerified(f.clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	price, round := f.listedPrice, func() { f.round(t) }
	if err := f.trade.QueueAllProducts(ctx); err != nil {
		t.Fatal(err)
	}
	round()
	if got := price(); got != 1500 {
		t.Fatalf("the partner lists the SKU at %d, want 1500", got)
	}

	// The partner rate limits every call for a minute: docking leaves it
	// alone. The price changes meanwhile, and the partner is fine again
	// before docking asks.
	if err := f.market.SetCallFaults(partnersim.CallFaults{RateLimit: 1, RetryAfter: time.Minute}); err != nil {
		t.Fatal(err)
	}
	round()
	f.cat.skus[0].price = 1700
	if err := f.trade.QueueAllProducts(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.market.SetCallFaults(partnersim.CallFaults{}); err != nil {
		t.Fatal(err)
	}
	round()
	if got := price(); got != 1500 {
		t.Fatalf("a partner left alone was pushed the new price (%d)", got)
	}
	for range 31 {
		round()
	}
	if got := price(); got != 1700 {
		t.Errorf("after the partner's wait the SKU is listed at %d, want the new price 1700", got)
	}
}

// A partner resumed after a suspension catches up on the products that
// changed meanwhile (pushed to nobody, they left the queue) without their
// changing again; so does one verified after docking started.
func TestResumedPartnerCatchesUp(t *testing.T) {
	ctx := context.Background()
	f := newOnePartner(t, "back")
	f.listedThenSuspended(t)
	f.cat.skus[0].price = 1800
	if err := f.trade.QueueAllProducts(ctx); err != nil { // the catalogue's event
		t.Fatal(err)
	}
	f.round(t)
	if got := f.listedPrice(); got != 1500 {
		t.Fatalf("a suspended partner was pushed the new price (%d)", got)
	}
	if _, err := f.partners.UpdatePartner(ctx, f.p.ID, func(cur *domain.Partner) error { cur.Resume(f.clk.Now()); return nil }); err != nil {
		t.Fatal(err)
	}
	f.round(t)
	if got := f.listedPrice(); got != 1800 {
		t.Errorf("after its resumption the partner lists the SKU at %d, want the new price 1800", got)
	}
}

// A product delisted while its partner was suspended is withdrawn there
// once the partner is resumed: the delisting's push ran without that
// partner, and the catalogue's products on sale no longer name it, so only
// docking's own listings can bring it back to the queue.
func TestResumedPartnerWithdrawsWhatWasDelistedMeanwhile(t *testing.T) {
	ctx := context.Background()
	f := newOnePartner(t, "back")
	f.listedThenSuspended(t)
	f.round(t)
	f.cat.skus[0].delisted = true
	product := uuid.MustParse(f.cat.skus[0].product)
	if err := f.store.QueueProducts(ctx, []uuid.UUID{product}, f.clk.Now()); err != nil { // the delisting's event
		t.Fatal(err)
	}
	f.round(t)
	if got := f.market.Listings([]string{domain.Marker(f.cat.skus[0].id)}); len(got) != 1 || got[0].Status == partnersim.ListingWithdrawn {
		t.Fatalf("a suspended partner's listing was touched: %+v", got)
	}
	if _, err := f.partners.UpdatePartner(ctx, f.p.ID, func(cur *domain.Partner) error { cur.Resume(f.clk.Now()); return nil }); err != nil {
		t.Fatal(err)
	}
	f.round(t)
	f.round(t)
	if got := f.market.Listings([]string{domain.Marker(f.cat.skus[0].id)}); len(got) != 1 || got[0].Status != partnersim.ListingWithdrawn {
		t.Errorf("after its resumption the partner's listing of the delisted product is %+v, want withdrawn", got)
	}
}

// listedThenSuspended runs docking before the partner is verified (so its
// verification is seen as joining), verifies it, has the SKU listed there
// at 1500, then suspends it.
func (f *onePartner) listedThenSuspended(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	f.round(t)
	if _, err := f.partners.UpdatePartner(ctx, f.p.ID, func(cur *domain.Partner) error { return cur.MarkVerified(f.clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	f.round(t)
	if got := f.listedPrice(); got != 1500 {
		t.Fatalf("after its verification the partner lists the SKU at %d, want 1500", got)
	}
	if _, err := f.partners.UpdatePartner(ctx, f.p.ID, func(cur *domain.Partner) error { cur.Suspend(f.clk.Now()); return nil }); err != nil {
		t.Fatal(err)
	}
}

// A partner's terms changed by an operator (now wanting a passed quality
// check, or other locales) reach its listings in the next rounds, without
// waiting for each product to change: a product that no longer qualifies
// is withdrawn there. Before, it stayed live on the partner.
func TestAPartnersNewTermsReachItsListings(t *testing.T) {
	ctx := context.Background()
	f := newOnePartner(t, "strict")
	clk, market, partners, trade, p, cat := f.clk, f.market, f.partners, f.trade, f.p, f.cat
	if _, err := partners.UpdatePartner(ctx, p.ID, func(cur *domain.Partner) error { return cur.MarkVerified(clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	rounds := func() {
		t.Helper()
		for range 3 {
			clk.Advance(2 * time.Second)
			if err := trade.Round(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := trade.QueueAllProducts(ctx); err != nil {
		t.Fatal(err)
	}
	rounds()
	marker := domain.Marker(cat.skus[0].id)
	status := func() string { return market.Listings([]string{marker})[0].Status }
	if got := status(); got == partnersim.ListingWithdrawn || got == "" {
		t.Fatalf("the listing is %q after the first push", got)
	}
	if _, err := partners.UpdatePartner(ctx, p.ID, func(cur *domain.Partner) error { cur.QualityCheckRequired = true; return nil }); err != nil {
		t.Fatal(err)
	}
	rounds()
	if got := status(); got != partnersim.ListingWithdrawn {
		t.Errorf("the listing of a product without a passed check is %q on a partner now wanting one, want withdrawn", got)
	}
}

// verifiedAndListed verifies the partner and gives it a live listing of
// the catalogue's SKU, whose marker it returns.
func (f *onePartner) verifiedAndListed(t *testing.T) string {
	t.Helper()
	if _, err := f.partners.UpdatePartner(context.Background(), f.p.ID, func(cur *domain.Partner) error { return cur.MarkVerified(f.clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	marker := domain.Marker(f.cat.skus[0].id)
	if _, err := f.market.UpsertListing(partnersim.ListingInput{Marker: marker, SKUID: f.cat.skus[0].id, Title: "Teapot", Locale: "en",
		Currency: "EUR", PriceMinor: 1500, Stock: 10}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(time.Second)
	f.market.Listings(nil) // the review runs on a read
	return marker
}

// A partner that is down (or hangs) when waybills are confirmed is asked
// about its first waybill of the round only, as a rate-limited one: the
// others wait for the next round, and the other partners' waybills are not
// held behind one timeout each.
func TestWaybillsToAPartnerDownWaitForTheNextRound(t *testing.T) {
	ctx := context.Background()
	f := newOnePartner(t, "down")
	marker := f.verifiedAndListed(t)
	for range 3 {
		if _, err := f.market.PlaceOrder("b", partnersim.Address{Recipient: "E", CountryCode: "DE", City: "Berlin", Lines: []string{"1"}},
			[]partnersim.ItemInput{{Marker: marker, Quantity: 1}}, true); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		f.round(t)
	}
	f.orders.mu.Lock()
	var waybills []app.Waybill
	for key, o := range f.orders.placed {
		for _, sub := range o.SubOrders {
			waybills = append(waybills, app.Waybill{SubOrderID: uuid.MustParse(sub.SubOrderID), PartnerCode: "down",
				PartnerOrderID: key[len("partner:down|"):], CarrierCode: "sim", Waybill: "WB-" + sub.SubOrderID[:13], QueuedAt: f.clk.Now()})
		}
	}
	f.orders.mu.Unlock()
	if len(waybills) != 3 {
		t.Fatalf("%d sub-orders imported, want 3", len(waybills))
	}
	for _, w := range waybills {
		if err := postgres.QueueWaybill(ctx, f.pool, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.market.SetCallFaults(partnersim.CallFaults{ServerError: 1}); err != nil {
		t.Fatal(err)
	}
	f.round(t)
	var asked int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM waybills WHERE attempts > 0`).Scan(&asked); err != nil {
		t.Fatal(err)
	}
	if asked != 1 {
		t.Errorf("%d waybills sent to the partner while it was down, want the first only", asked)
	}
}

// A sub-order of a partner order shipped in several, none of whose items
// on the partner are recorded as its own, is held for an operator: no item
// ids would confirm every item of ours, the other parcels' goods with it.
func TestWaybillOfASubOrderWithoutItsItemsIsHeld(t *testing.T) {
	ctx := context.Background()
	f := newOnePartner(t, "items")
	marker := f.verifiedAndListed(t)
	placed, err := f.market.PlaceOrder("b", partnersim.Address{Recipient: "E", CountryCode: "DE", City: "Berlin", Lines: []string{"1"}},
		[]partnersim.ItemInput{{Marker: marker, Quantity: 1}}, true)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		f.round(t)
	}
	var sub uuid.UUID
	if err := f.pool.QueryRow(ctx, `SELECT sub_order_id FROM partner_sub_orders WHERE partner_order_id = $1`, placed.OrderID).Scan(&sub); err != nil {
		t.Fatalf("the order's import: %v", err)
	}
	// Its items paired with another sub-order of the same partner order.
	if _, err := f.pool.Exec(ctx, `INSERT INTO partner_sub_orders (partner_id, partner_order_id, sub_order_id, supplier_id, currency, goods_minor, item_ids)
		SELECT partner_id, partner_order_id, $2, supplier_id, currency, goods_minor, item_ids FROM partner_sub_orders WHERE sub_order_id = $1`, sub, uuid.New()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE partner_sub_orders SET item_ids = '{}' WHERE sub_order_id = $1`, sub); err != nil {
		t.Fatal(err)
	}
	if err := postgres.QueueWaybill(ctx, f.pool, app.Waybill{SubOrderID: sub, PartnerCode: "items", PartnerOrderID: placed.OrderID,
		CarrierCode: "sim", Waybill: "WB-1", QueuedAt: f.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	f.round(t)
	var held bool
	if err := f.pool.QueryRow(ctx, `SELECT held FROM waybills WHERE sub_order_id = $1`, sub).Scan(&held); err != nil || !held {
		t.Errorf("the waybill held: %v, %v; want held", held, err)
	}
	if o, _ := f.market.Order(placed.OrderID); len(o.Shipments) != 0 {
		t.Errorf("the partner was sent %+v", o.Shipments)
	}
}
