package app_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/marketplace"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
	"github.com/crossdock/crossdock/simulators/partnersim"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The partner's marketplace in BenchmarkPullTenThousandOrders: as the
// standard protocol's partners behave, an order shows in ListOrders 2 s
// after its update and 2 % of the calls are refused as rate limited, asking
// for a second's pause.
const (
	benchOrders    = 10_000
	benchSKUs      = 300
	benchSimLag    = 2 * time.Second
	benchRateLimit = 0.02
)

// benchTiming is docking's timing in the benchmark: the deployment's round
// and lookback, a pull every round, a lag clear of the partner's and a
// minute's overlap.
var benchTiming = app.Timing{Round: 2 * time.Second, PullEvery: 0, SettleEvery: time.Hour,
	Pull: domain.PullTiming{Lag: 5 * time.Second, Overlap: time.Minute}, Lookback: 24 * time.Hour, Retry: 30 * time.Second}

// BenchmarkPullTenThousandOrders pulls 10,000 paid partner orders from the
// partner simulator over gRPC on loopback and places them, until every one
// is recorded imported on a durable PostgreSQL. The orders were updated over
// the past hour, up to the moment the clock starts, so the last few are
// still within the partner's visibility lag and docking's own; rounds run
// as the service's Run paces them. The goal is 10,000 orders within 60 s.
//
// Local orders are placed in an in-memory double of the orders service:
// this measures docking (paging, rate limits, its records), not orders;
// docs/benchmarks.md says what orders' own cost implies for the whole.
func BenchmarkPullTenThousandOrders(b *testing.B) {
	for range b.N {
		b.StopTimer()
		clk := &benchClock{}
		market := partnersim.NewMarket(partnersim.MarketConfig{Now: clk.Now, VisibilityLag: benchSimLag, Seed: 7,
			Faults: partnersim.Faults{RateLimit: benchRateLimit, RetryAfter: time.Second}})
		fillMarket(b, market, clk, benchOrders)
		f := newPullFixture(b, market, benchTiming)
		b.StartTimer()
		start := time.Now()
		rounds := f.pullAll(b)
		total := time.Since(start)
		b.StopTimer()
		if got := f.orders.placed(); got != benchOrders {
			b.Fatalf("%d local orders placed for %d partner orders", got, benchOrders)
		}
		b.ReportMetric(total.Seconds(), "total-s")
		b.ReportMetric(benchOrders/total.Seconds(), "orders/s")
		b.ReportMetric(float64(rounds), "rounds")
		b.StartTimer()
	}
}

// pullFixture is docking's trade jobs docked onto one partner whose
// marketplace holds benchOrders paid orders.
type pullFixture struct {
	pool    *pgxpool.Pool
	trade   *app.Trade
	store   postgres.Trade
	partner uuid.UUID
	orders  *orderBook
}

// newPullFixture starts a fresh database, the partner's simulator over
// market and docking's jobs on both, with timing.
func newPullFixture(b testing.TB, market *partnersim.Market, timing app.Timing) *pullFixture {
	b.Helper()
	ctx := context.Background()
	pool := testkit.Database(b, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	ring, err := kek.Parse(kek.Generate("bench"))
	if err != nil {
		b.Fatal(err)
	}
	partners := postgres.New(pool, ring)

	endpoint := servePartner(b, market)

	now := time.Now()
	p, err := domain.NewPartner(uuid.New(), domain.Partner{Name: "Bench partner", Code: "bench",
		Protocol: domain.ProtocolStandardGRPC, Endpoint: endpoint, APIClientID: "pc-bench", Locales: []string{"de-DE"}}, now)
	if err != nil {
		b.Fatal(err)
	}
	if err := partners.CreatePartner(ctx, p); err != nil {
		b.Fatal(err)
	}
	if _, err := partners.UpdatePartner(ctx, p.ID, func(p *domain.Partner) error { return p.MarkVerified(now) }); err != nil {
		b.Fatal(err)
	}

	conn := marketplace.NewConnector(marketplace.Signer{ClientID: crossdockClientID, Key: crossdockKey}, 10*time.Second,
		partnertls.Transport{Plaintext: true})
	b.Cleanup(func() { conn.Close() })
	f := &pullFixture{pool: pool, store: postgres.NewTrade(pool), partner: p.ID, orders: newOrderBook()}
	f.trade = app.NewTrade(partners, f.store, map[domain.Protocol]app.Connector{domain.ProtocolStandardGRPC: conn.App()},
		noCatalog{}, f.orders, noFinance{}, timing, slog.New(slog.DiscardHandler))
	return f
}

// pullAll runs rounds as Run does, one per tick or at once after a round
// longer than a tick, until every partner order is imported, and returns
// how many rounds it took.
func (f *pullFixture) pullAll(b *testing.B) int {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tick := time.NewTicker(benchTiming.Round)
	defer tick.Stop()
	for rounds := 1; ; rounds++ {
		// A rate-limited pull fails the round; it is recorded on the partner
		// and the next round tries again, as in the service.
		_ = f.trade.Round(ctx)
		a, err := f.store.Activity(ctx, f.partner, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if a.OrdersImported == benchOrders {
			return rounds
		}
		select {
		case <-ctx.Done():
			b.Fatalf("%d of %d orders imported after %d rounds", a.OrdersImported, benchOrders, rounds)
		case <-tick.C:
		}
	}
}

// benchClock is the marketplace's clock: set while the orders are placed
// in the past, the real time afterwards.
type benchClock struct {
	mu sync.Mutex
	at *time.Time
}

func (c *benchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != nil {
		return *c.at
	}
	return time.Now()
}

func (c *benchClock) set(at *time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

// fillMarket lists benchSKUs of ours (live at once: no review delay) and
// places n paid orders of 1 to 3 of them, updated evenly over the hour
// before now.
func fillMarket(b testing.TB, m *partnersim.Market, clk *benchClock, n int) {
	b.Helper()
	end := time.Now()
	at := end.Add(-time.Hour)
	clk.set(&at)
	defer clk.set(nil)
	supplier := uuid.NewString()
	markers := make([]string, benchSKUs)
	for i := range markers {
		sku := uuid.NewString()
		markers[i] = domain.Marker(sku)
		if _, err := m.UpsertListing(partnersim.ListingInput{Marker: markers[i], ProductID: uuid.NewString(), SKUID: sku,
			SKUCode: fmt.Sprintf("T-%03d", i), SupplierID: supplier, Locale: "de-DE", Title: fmt.Sprintf("Teekanne %d", i),
			Currency: "EUR", PriceMinor: 1999, Stock: 1_000_000, WeightG: 800}); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	addr := partnersim.Address{Recipient: "Anna Schmidt", CountryCode: "DE", City: "Berlin", Postcode: "10115", Lines: []string{"Torstr. 1"}}
	for i := range n {
		t := end.Add(-time.Hour + time.Duration(i)*time.Hour/time.Duration(n))
		clk.set(&t)
		items := make([]partnersim.ItemInput, 1+r.IntN(3))
		for j := range items {
			items[j] = partnersim.ItemInput{Marker: markers[r.IntN(len(markers))], Quantity: int32(1 + r.IntN(2))}
		}
		if _, err := m.PlaceOrder(fmt.Sprintf("buyer-%d", i%500), addr, items, true); err != nil {
			b.Fatal(err)
		}
	}
}

// crossdockClientID and crossdockKey are who docking signs as; the
// simulator knows the key.
var (
	crossdockClientID = "crossdock"
	crossdockKey, _   = auth.GenerateRequestKey()
)

// servePartner serves the marketplace over the standard protocol on a
// loopback port and returns its address.
func servePartner(b testing.TB, m *partnersim.Market) string {
	b.Helper()
	partnerKey, err := auth.GenerateRequestKey()
	if err != nil {
		b.Fatal(err)
	}
	sim, err := partnersim.New(partnersim.Config{Code: "bench", Key: partnerKey, CrossdockClientID: crossdockClientID,
		CrossdockKey: crossdockKey.Public().(ed25519.PublicKey), Market: m})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = sim.Serve(l) }()
	b.Cleanup(sim.Stop)
	return l.Addr().String()
}

// orderBook plays the orders service's PlaceExternal in memory, idempotent
// on channel and partner order id as the service is, and as fast as a map:
// one sub-order per order, with every SKU of it.
type orderBook struct {
	mu    sync.Mutex
	byKey map[string]app.PlacedOrder
	// calls counts the calls by partner order id; fail fails those of the
	// partner orders in it; lose places those in it and fails the call,
	// as an answer lost on the way.
	calls map[string]int
	fail  map[string]error
	lose  map[string]bool
	// cancels counts the cancel calls by local order; cancelled holds the
	// orders cancelled; cancelFails answers the cancels of the orders in
	// it (ALREADY_SHIPPED, or orders down).
	cancels     map[uuid.UUID]int
	cancelled   map[uuid.UUID]bool
	cancelFails map[uuid.UUID]error
}

func newOrderBook() *orderBook {
	return &orderBook{byKey: map[string]app.PlacedOrder{}, calls: map[string]int{}, fail: map[string]error{}, lose: map[string]bool{},
		cancels: map[uuid.UUID]int{}, cancelled: map[uuid.UUID]bool{}, cancelFails: map[uuid.UUID]error{}}
}

func (o *orderBook) CancelExternal(_ context.Context, orderID uuid.UUID, _ string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cancels[orderID]++
	if err := o.cancelFails[orderID]; err != nil {
		return err
	}
	o.cancelled[orderID] = true
	return nil
}

func (o *orderBook) PlaceExternal(ctx context.Context, in []app.ExternalOrder) ([]app.Placing, error) {
	return app.OneAtATime(o.placeOne).PlaceExternal(ctx, in)
}

func (o *orderBook) placeOne(_ context.Context, in app.ExternalOrder) (app.PlacedOrder, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[in.ExternalOrderID]++
	if err := o.fail[in.ExternalOrderID]; err != nil {
		return app.PlacedOrder{}, err
	}
	key := in.Channel + "\x00" + in.ExternalOrderID
	if placed, ok := o.byKey[key]; ok {
		return placed, nil
	}
	if in.ExistingOnly {
		return app.PlacedOrder{}, apperr.NotFound("external order", in.ExternalOrderID)
	}
	sub := app.PlacedSubOrder{SettledSubOrder: domain.SettledSubOrder{SubOrderID: uuid.NewString(), SupplierID: uuid.NewString(),
		Currency: "EUR"}}
	for _, l := range in.Lines {
		sub.SKUIDs = append(sub.SKUIDs, l.SKUID)
		sub.GoodsMinor += l.UnitPrice.Amount * l.Quantity
	}
	placed := app.PlacedOrder{OrderID: uuid.New(), SubOrders: []app.PlacedSubOrder{sub}}
	o.byKey[key] = placed
	if o.lose[in.ExternalOrderID] {
		return app.PlacedOrder{}, apperr.Unavailable("the answer was lost")
	}
	return placed, nil
}

// placed is how many local orders were placed.
func (o *orderBook) placed() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.byKey)
}

// noCatalog is a catalogue with nothing on sale: the benchmark pushes
// nothing.
type noCatalog struct{}

func (noCatalog) Product(_ context.Context, id uuid.UUID) (app.CatalogProduct, error) {
	return app.CatalogProduct{}, apperr.NotFound("product", id.String())
}

func (noCatalog) Content(_ context.Context, id uuid.UUID, _ string) (app.CatalogContent, error) {
	return app.CatalogContent{}, apperr.NotFound("product", id.String())
}

func (noCatalog) ListedProducts(context.Context, string) ([]uuid.UUID, string, error) {
	return nil, "", nil
}

// noFinance credits nothing: no settlement line is booked in the
// benchmark.
type noFinance struct{}

func (noFinance) CreditPartnerSettlement(context.Context, uuid.UUID, string, domain.SupplierCredit) error {
	return nil
}

func (noFinance) RecordPartnerWithdrawal(context.Context, uuid.UUID, string, money.Money, bool) (int64, error) {
	return 0, nil
}
