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

// An unverified or suspended partner docks nothing: with a product queued
// and a paid order waiting on its platform, docking's rounds send it no
// listing and pull no order; verified (resumed), the same rounds dock.
func TestNothingDocksWithAPartnerThatMayNotDock(t *testing.T) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	ring, err := kek.Parse(kek.Generate("test"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &propClock{t: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
	market := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 3})
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: "quiet", Key: partnerKey, CrossdockClientID: "crossdock",
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
	p, err := domain.NewPartner(uuid.New(), domain.Partner{Name: "Quiet market", Code: "quiet", Protocol: domain.ProtocolStandardGRPC,
		Endpoint: l.Addr().String(), APIClientID: "quiet-client", Locales: []string{"en"}, CommissionBPS: 1000}, clk.Now())
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
