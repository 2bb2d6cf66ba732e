package app_test

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
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

// payoutFixture is docking on PostgreSQL with a verified partner served by
// partnersim over loopback, one live listing there, and doubles of orders
// and of a calm finance that refuses withdrawals its virtual account does
// not hold.
type payoutFixture struct {
	clk      *testkit.Clock
	market   *partnersim.Market
	pool     *pgxpool.Pool
	partners *postgres.Store
	store    postgres.Trade
	trade    *app.Trade
	orders   *propOrders
	finance  *propFinance
	partner  uuid.UUID
	marker   string
}

func newPayoutFixture(t *testing.T, visibilityLag time.Duration) *payoutFixture {
	t.Helper()
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	ring, err := kek.Parse(kek.Generate("test"))
	if err != nil {
		t.Fatal(err)
	}
	clk := testkit.NewClock(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC))
	market := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, Seed: 5, FeeBps: 1000, VisibilityLag: visibilityLag})
	crossdock, _ := auth.GenerateRequestKey()
	partnerKey, _ := auth.GenerateRequestKey()
	sim, err := partnersim.New(partnersim.Config{Code: "payer", Key: partnerKey, CrossdockClientID: "crossdock",
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
	p, err := domain.NewPartner(uuid.New(), domain.Partner{Name: "Paying market", Code: "payer", Protocol: domain.ProtocolStandardGRPC,
		Endpoint: l.Addr().String(), APIClientID: "payer-client", Locales: []string{"en"}, CommissionBPS: 1000}, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := partners.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := partners.UpdatePartner(ctx, p.ID, func(cur *domain.Partner) error { return cur.MarkVerified(clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	cat := propCatalog{skus: []propSKU{{id: uuid.NewString(), product: uuid.NewString(), supplier: uuid.NewString(), price: 1500}}}
	orders := &propOrders{cat: cat, rnd: rand.New(rand.NewPCG(4, 4)), placed: map[string]app.PlacedOrder{}}
	finance := &propFinance{calm: true, credits: map[string]domain.SupplierCredit{}}
	store := postgres.NewTrade(pool)
	trade := app.NewTrade(partners, store, map[domain.Protocol]app.Connector{domain.ProtocolStandardGRPC: conn.App()}, cat, orders, finance,
		app.Timing{Round: time.Second, PullEvery: time.Second, SettleEvery: time.Second,
			Pull: domain.PullTiming{Lag: time.Second, Overlap: 2 * time.Minute}, Lookback: time.Hour, Retry: time.Second},
		slog.New(slog.DiscardHandler))
	trade.SetClock(clk.Now)
	marker := domain.Marker(cat.skus[0].id)
	if _, err := market.UpsertListing(partnersim.ListingInput{Marker: marker, SKUID: cat.skus[0].id, Title: "Teapot", Locale: "en",
		Currency: "EUR", PriceMinor: 1500, Stock: 100}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	market.Listings(nil) // the review runs on a read
	return &payoutFixture{clk: clk, market: market, pool: pool, partners: partners, store: store, trade: trade, orders: orders, finance: finance,
		partner: p.ID, marker: marker}
}

// sell places a paid order of two units (3000 EUR gross, 300 fees: 2700
// net) and ships it on the partner, booking its settlement line now.
func (f *payoutFixture) sell(t *testing.T) partnersim.Order {
	t.Helper()
	o, err := f.market.PlaceOrder("b", partnersim.Address{Recipient: "E", CountryCode: "DE", City: "Berlin", Lines: []string{"1"}},
		[]partnersim.ItemInput{{Marker: f.marker, Quantity: 2}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.market.ConfirmShipment(o.OrderID, nil, "dhl", "WB-"+o.OrderID); err != nil {
		t.Fatal(err)
	}
	return o
}

// rounds runs n rounds two seconds apart.
func (f *payoutFixture) rounds(t *testing.T, n int) {
	t.Helper()
	for range n {
		f.clk.Advance(2 * time.Second)
		if err := f.trade.Round(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// payoutRow is what docking stored of a payout.
type payoutRow struct {
	amount    int64
	recorded  bool
	lastError string
}

func (f *payoutFixture) stored(t *testing.T) map[string]payoutRow {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT payout_id, amount_minor, recorded_at IS NOT NULL, last_error FROM partner_payouts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]payoutRow{}
	for rows.Next() {
		var id string
		var r payoutRow
		if err := rows.Scan(&id, &r.amount, &r.recorded, &r.lastError); err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *payoutFixture) unrecorded(t *testing.T) int64 {
	t.Helper()
	a, err := f.store.Activity(context.Background(), f.partner, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return a.PayoutsUnrecorded
}

// A payout of matched, credited lines is recorded in finance once: the
// rounds after it read it again (the windows overlap) and ask finance
// nothing more.
func TestPayoutRecordedOnce(t *testing.T) {
	f := newPayoutFixture(t, 0)
	o, err := f.market.PlaceOrder("b", partnersim.Address{Recipient: "E", CountryCode: "DE", City: "Berlin", Lines: []string{"1"}},
		[]partnersim.ItemInput{{Marker: f.marker, Quantity: 2}}, true)
	if err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 3)
	if _, err := f.market.ConfirmShipment(o.OrderID, nil, "dhl", "WB1"); err != nil {
		t.Fatal(err)
	}
	f.rounds(t, 3)
	if got := f.finance.balance(f.partner, "EUR"); got != 2700 {
		t.Fatalf("virtual account %d after the line, want 2700 credited", got)
	}
	payouts := f.market.PayOut()
	if len(payouts) != 1 || payouts[0].AmountMinor != 2700 {
		t.Fatalf("payouts %+v", payouts)
	}
	id := payouts[0].PayoutID
	f.rounds(t, 10)
	recorded := f.finance.recorded(f.partner)
	if len(recorded) != 1 || recorded[id].Amount != 2700 || recorded[id].Currency != "EUR" {
		t.Fatalf("finance recorded %v, want %s of 2700 EUR", recorded, id)
	}
	if asked := f.finance.asked[f.partner.String()+"|"+id]; asked != 1 {
		t.Errorf("finance asked %d times to record %s, want once", asked, id)
	}
	if got := f.finance.balance(f.partner, "EUR"); got != 0 {
		t.Errorf("virtual account %d after the payout, want 0", got)
	}
	if rows := f.stored(t); len(rows) != 1 || rows[id] != (payoutRow{amount: 2700, recorded: true}) {
		t.Errorf("stored %+v", rows)
	}
	if n := f.unrecorded(t); n != 0 {
		t.Errorf("%d payouts unrecorded in the activity", n)
	}
}

// A payout of lines docking has not matched yet (their order is still
// invisible in the partner's order search) is more than the virtual
// account holds: finance refuses it, docking keeps it unrecorded with the
// refusal, counts it for operators and records it once the lines are
// matched.
func TestPayoutAheadOfItsLinesWaitsForThem(t *testing.T) {
	f := newPayoutFixture(t, 30*time.Second)
	f.sell(t)
	payouts := f.market.PayOut()
	if len(payouts) != 1 {
		t.Fatalf("payouts %+v", payouts)
	}
	id := payouts[0].PayoutID
	f.rounds(t, 4)
	if len(f.orders.placed) != 0 {
		t.Fatal("the order was imported within its visibility lag")
	}
	rows := f.stored(t)
	if r := rows[id]; len(rows) != 1 || r.recorded || r.amount != 2700 || !strings.Contains(r.lastError, "exceeds") {
		t.Fatalf("stored %+v, want %s unrecorded with finance's refusal", rows, id)
	}
	if f.finance.refused == 0 || len(f.finance.recorded(f.partner)) != 0 {
		t.Fatalf("finance refused %d, recorded %v", f.finance.refused, f.finance.recorded(f.partner))
	}
	if n := f.unrecorded(t); n != 1 {
		t.Errorf("%d payouts unrecorded in the activity, want 1", n)
	}

	f.clk.Advance(30 * time.Second)
	f.rounds(t, 5)
	if len(f.orders.placed) != 1 {
		t.Fatalf("%d orders imported after the lag, want 1", len(f.orders.placed))
	}
	if recorded := f.finance.recorded(f.partner); len(recorded) != 1 || recorded[id].Amount != 2700 {
		t.Fatalf("finance recorded %v once the line was matched, want %s", recorded, id)
	}
	if rows := f.stored(t); rows[id] != (payoutRow{amount: 2700, recorded: true}) {
		t.Errorf("stored %+v", rows)
	}
	if n := f.unrecorded(t); n != 0 {
		t.Errorf("%d payouts unrecorded in the activity", n)
	}
	if got := f.finance.balance(f.partner, "EUR"); got != 0 {
		t.Errorf("virtual account %d, want 0", got)
	}
}

// A payout finance refuses for good (an amount it cannot take) keeps the
// refusal for an operator and holds up none of the partner's later
// payouts. Before, every round ended at it, the oldest unrecorded, and the
// later payouts were never recorded.
func TestAPayoutRefusedForGoodHoldsUpNoOther(t *testing.T) {
	f := newPayoutFixture(t, 0)
	f.sell(t)
	f.rounds(t, 3)
	first := f.market.PayOut()
	if len(first) != 1 {
		t.Fatalf("payouts %+v", first)
	}
	f.finance.mu.Lock()
	f.finance.refusePayout = first[0].PayoutID
	f.finance.mu.Unlock()
	f.sell(t)
	f.rounds(t, 3)
	second := f.market.PayOut()
	if len(second) != 1 {
		t.Fatalf("payouts %+v", second)
	}
	f.rounds(t, 10)
	if recorded := f.finance.recorded(f.partner); len(recorded) != 1 || recorded[second[0].PayoutID].Amount != 2700 {
		t.Fatalf("finance recorded %v, want the later payout %s", recorded, second[0].PayoutID)
	}
	rows := f.stored(t)
	if r := rows[first[0].PayoutID]; r.recorded || !strings.Contains(r.lastError, "more than finance takes") {
		t.Errorf("the refused payout is stored %+v, want unrecorded with finance's refusal", r)
	}
	if n := f.unrecorded(t); n != 1 {
		t.Errorf("%d payouts unrecorded in the activity, want the refused one", n)
	}
}
