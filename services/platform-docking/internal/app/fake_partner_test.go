package app_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
)

// staleConn is a partner whose order search lags the reads of one order:
// it lists list while GetOrder answers get.
type staleConn struct {
	mu       sync.Mutex
	list     []domain.PartnerOrder
	get      map[string]domain.PartnerOrder
	upserts  int
	limitAll bool
	// failing fails every listing upsert with it.
	failing error
	// refuse fails the upserts of these markers; pushed is every listing
	// upserted, by marker.
	refuse map[string]error
	pushed map[string]domain.Listing
	// withdrawals counts the withdrawals asked.
	withdrawals int
	// duringUpsert runs as an upsert reaches the partner.
	duringUpsert func()
}

func (c *staleConn) ListOrders(context.Context, domain.Partner, domain.Window, string) (domain.OrderPage, error) {
	return domain.OrderPage{Orders: c.list}, nil
}
func (c *staleConn) GetOrder(_ context.Context, _ domain.Partner, id string) (domain.PartnerOrder, error) {
	return c.get[id], nil
}
func (c *staleConn) UpsertListing(_ context.Context, _ domain.Partner, l domain.Listing) (domain.ListingState, error) {
	if c.duringUpsert != nil {
		c.duringUpsert()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.upserts++
	if c.limitAll {
		return domain.ListingState{}, &app.RateLimited{After: 30 * time.Second}
	}
	if c.failing != nil {
		return domain.ListingState{}, c.failing
	}
	if err := c.refuse[l.Marker]; err != nil {
		return domain.ListingState{}, err
	}
	if c.pushed == nil {
		c.pushed = map[string]domain.Listing{}
	}
	c.pushed[l.Marker] = l
	return domain.ListingState{Marker: l.Marker, Status: domain.ListingPending}, nil
}
func (c *staleConn) WithdrawListing(context.Context, domain.Partner, string) (domain.ListingState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.withdrawals++
	return domain.ListingState{}, nil
}
func (c *staleConn) ListingStates(context.Context, domain.Partner, []string) ([]domain.ListingState, error) {
	return nil, nil
}

// staleCatalog has one listed product of one SKU in stock, whatever the id.
type staleCatalog struct{}

func (c staleCatalog) Product(_ context.Context, id uuid.UUID) (app.CatalogProduct, error) {
	return app.CatalogProduct{ID: id, SupplierID: uuid.New(), SKUCodes: map[string]string{},
		Facts: domain.ProductFacts{Listed: true, DefaultLocale: "de-DE"}}, nil
}
func (c staleCatalog) Content(_ context.Context, id uuid.UUID, _ string) (app.CatalogContent, error) {
	return app.CatalogContent{Locale: "de-DE", Title: "t", SKUs: []app.CatalogSKU{{ID: uuid.NewString(), Available: 5,
		Price: money.Money{Amount: 100, Currency: "EUR"}}}}, nil
}
func (staleCatalog) ListedProducts(context.Context, string) ([]uuid.UUID, string, error) {
	return nil, "", nil
}

func staleTrade(t *testing.T, conn *staleConn, orders app.Orders, listings bool) (*app.Trade, postgres.Trade, uuid.UUID) {
	return staleTradeOf(t, conn, orders, listings, staleCatalog{})
}

// staleTradeOf is staleTrade over catalog.
func staleTradeOf(t *testing.T, conn *staleConn, orders app.Orders, listings bool, catalog app.Catalog) (*app.Trade, postgres.Trade, uuid.UUID) {
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	ring, _ := kek.Parse(kek.Generate("probe"))
	partners := postgres.New(pool, ring)
	now := time.Now()
	p, err := domain.NewPartner(uuid.New(), domain.Partner{Name: "P", Code: "probe", Protocol: domain.ProtocolStandardGRPC,
		Endpoint: "127.0.0.1:1", APIClientID: "pc-probe", Locales: []string{"de-DE"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := partners.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := partners.UpdatePartner(ctx, p.ID, func(p *domain.Partner) error { return p.MarkVerified(now) }); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewTrade(pool)
	c := app.Connector{Orders: conn}
	if listings {
		c.Listings = conn
	}
	tr := app.NewTrade(partners, store, map[domain.Protocol]app.Connector{domain.ProtocolStandardGRPC: c},
		catalog, orders, noFinance{}, testTiming, slog.New(slog.DiscardHandler))
	return tr, store, p.ID
}

// The partner's order search lags the reads of one order: a webhook's read
// shows the order cancelled, the search still lists it paid, an older
// version. Docking neither places it nor rewrites its record with the older
// status; before, it placed the cancelled order and recorded it imported
// and paid.
func TestAnOlderListedVersionOfAnOrderIsNotActedOn(t *testing.T) {
	sku := uuid.NewString()
	t1 := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	t2 := t1.Add(time.Minute)
	item := []domain.OrderItem{{ItemID: "i1", Marker: domain.Marker(sku), Quantity: 1, UnitPrice: money.MustNew(1999, "EUR")}}
	addr := &domain.Address{Recipient: "A", CountryCode: "DE", City: "B", Lines: []string{"x"}}
	paid := domain.PartnerOrder{ID: "po-1", Status: domain.OrderPaid, RawStatus: "PAID", BuyerRef: "b", Items: item, Address: addr, UpdatedAt: t1, Raw: []byte(`{}`)}
	cancelled := paid
	cancelled.Status, cancelled.RawStatus, cancelled.UpdatedAt = domain.OrderCancelled, "CANCELLED", t2
	conn := &staleConn{list: []domain.PartnerOrder{paid}, get: map[string]domain.PartnerOrder{"po-1": cancelled}}
	book := newOrderBook()
	tr, store, pid := staleTrade(t, conn, book, false)
	ctx := context.Background()
	if _, err := store.PullState(ctx, pid, t1.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.RequestPull(ctx, pid, "po-1", time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := tr.Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	o, _, err := store.GetPulledOrder(ctx, pid, "po-1")
	if err != nil {
		t.Fatal(err)
	}
	if book.placed() != 0 || o.State == app.PulledImported || o.PartnerStatus != "CANCELLED" || !o.PartnerUpdatedAt.Equal(t2) {
		t.Errorf("placed %d local orders; record %s, %s as of %s; want none placed, the cancelled version recorded",
			book.placed(), o.State, o.PartnerStatus, o.PartnerUpdatedAt)
	}
}

// A partner that rate limits a push is asked nothing more in the round:
// the other queued products wait for the time it asked for. Before, every
// product of the round called it again.
func TestAPushRateLimitedLeavesThePartnerAloneForTheRound(t *testing.T) {
	for _, tc := range []struct {
		name string
		conn *staleConn
	}{
		{"rate limited", &staleConn{limitAll: true}},
		// Down, or hanging until the call's timeout, as rate limited: its
		// products wait for its next turn, and the other partners' work is
		// not held behind one timeout per product.
		{"down", &staleConn{failing: apperr.Unavailable("the partner is down")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, store, _ := staleTrade(t, tc.conn, newOrderBook(), true)
			ctx := context.Background()
			ids := make([]uuid.UUID, 10)
			for i := range ids {
				ids[i] = uuid.New()
			}
			if err := store.QueueProducts(ctx, ids, time.Now().Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			_ = tr.Round(ctx)
			if tc.conn.upserts != 1 {
				t.Errorf("%d listing upserts in the round, want 1: the first failed", tc.conn.upserts)
			}
			due, err := store.DueProducts(ctx, time.Now(), time.Minute, 20)
			if err != nil || len(due) != 0 {
				t.Errorf("%d products due right after the round (%v); want all deferred to the partner's time", len(due), err)
			}
		})
	}
}

// A paid partner order whose placing the mesh refuses as taken by other
// content (AlreadyExists: the partner changed its lines after a placing
// whose stock holds stayed) is held for an operator at once, as one
// refused for want of stock is, rather than retried: retried, it failed
// its page of the pull every round.
func TestAPartnerOrderWhoseKeyIsTakenIsHeld(t *testing.T) {
	sku := uuid.NewString()
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	paid := domain.PartnerOrder{ID: "po-7", Status: domain.OrderPaid, RawStatus: "PAID", BuyerRef: "b", UpdatedAt: at, Raw: []byte(`{}`),
		Items:   []domain.OrderItem{{ItemID: "i1", Marker: domain.Marker(sku), Quantity: 2, UnitPrice: money.MustNew(1999, "EUR")}},
		Address: &domain.Address{Recipient: "A", CountryCode: "DE", City: "B", Lines: []string{"x"}}}
	conn := &staleConn{get: map[string]domain.PartnerOrder{"po-7": paid}}
	book := newOrderBook()
	book.fail["po-7"] = apperr.AlreadyExists("reservation exists with other lines")
	tr, store, pid := staleTrade(t, conn, book, false)
	ctx := context.Background()
	if _, err := store.PullState(ctx, pid, at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.RequestPull(ctx, pid, "po-7", time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	_ = tr.Round(ctx)
	if o, _, _ := store.GetPulledOrder(ctx, pid, "po-7"); o.State != app.PulledHeld || !strings.Contains(o.Problem, "other lines") {
		t.Fatalf("refused as taken by other content: %+v, want held with the refusal", o)
	}
}

// A paid partner order the mesh refused (its goods out of stock) is held;
// once its goods are back, an operator retries it and the next round
// places it. Before, a held order was read again only within a pull's
// overlap, and one held longer stayed held for good. Only a held order is
// retried.
func TestAHeldPartnerOrderIsRetriedByAnOperator(t *testing.T) {
	sku := uuid.NewString()
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	paid := domain.PartnerOrder{ID: "po-9", Status: domain.OrderPaid, RawStatus: "PAID", BuyerRef: "b", UpdatedAt: at, Raw: []byte(`{}`),
		Items:   []domain.OrderItem{{ItemID: "i1", Marker: domain.Marker(sku), Quantity: 1, UnitPrice: money.MustNew(1999, "EUR")}},
		Address: &domain.Address{Recipient: "A", CountryCode: "DE", City: "B", Lines: []string{"x"}}}
	conn := &staleConn{get: map[string]domain.PartnerOrder{"po-9": paid}}
	book := newOrderBook()
	book.fail["po-9"] = apperr.FailedPrecondition("not enough stock").WithReason("INSUFFICIENT_STOCK")
	tr, store, pid := staleTrade(t, conn, book, false)
	ctx := context.Background()
	if _, err := store.PullState(ctx, pid, at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.RequestPull(ctx, pid, "po-9", time.Now().Add(-time.Second)); err != nil { // the partner's webhook
		t.Fatal(err)
	}
	if err := tr.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if o, _, _ := store.GetPulledOrder(ctx, pid, "po-9"); o.State != app.PulledHeld {
		t.Fatalf("refused for want of stock: %s, want held", o.State)
	}
	if _, err := tr.RetryPartnerOrder(ctx, auth.Caller{Subject: "buyer-1", Kind: auth.KindUser, Roles: []string{auth.RoleBuyer}}, pid, "po-9"); apperr.KindOf(err) != apperr.KindPermissionDenied {
		t.Errorf("a buyer retried it: %v", err)
	}
	delete(book.fail, "po-9") // restocked
	if err := tr.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if book.placed() != 0 {
		t.Fatal("placed without a retry")
	}
	if _, err := tr.RetryPartnerOrder(ctx, admin, pid, "po-9"); err != nil {
		t.Fatal(err)
	}
	if err := tr.Round(ctx); err != nil {
		t.Fatal(err)
	}
	o, _, _ := store.GetPulledOrder(ctx, pid, "po-9")
	if o.State != app.PulledImported || book.placed() != 1 {
		t.Fatalf("after the retry: %s, %d placed; want imported", o.State, book.placed())
	}
	var e *apperr.Error
	if _, err := tr.RetryPartnerOrder(ctx, admin, pid, "po-9"); !errors.As(err, &e) || e.Reason != "PARTNER_ORDER_NOT_HELD" {
		t.Errorf("retrying an imported order: %v, want PARTNER_ORDER_NOT_HELD", err)
	}
	if _, err := tr.RetryPartnerOrder(ctx, admin, pid, "po-unknown"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("retrying an order never pulled: %v, want NotFound", err)
	}
}

// A held order is read again every few minutes for a day: held for a
// passing cause (goods out of stock for a while), it is placed once the
// cause is gone, without an operator.
func TestAHeldPartnerOrderIsReadAgainOnItsOwn(t *testing.T) {
	sku := uuid.NewString()
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	paid := domain.PartnerOrder{ID: "po-8", Status: domain.OrderPaid, RawStatus: "PAID", BuyerRef: "b", UpdatedAt: at, Raw: []byte(`{}`),
		Items:   []domain.OrderItem{{ItemID: "i1", Marker: domain.Marker(sku), Quantity: 1, UnitPrice: money.MustNew(1999, "EUR")}},
		Address: &domain.Address{Recipient: "A", CountryCode: "DE", City: "B", Lines: []string{"x"}}}
	conn := &staleConn{get: map[string]domain.PartnerOrder{"po-8": paid}}
	book := newOrderBook()
	book.fail["po-8"] = apperr.FailedPrecondition("not enough stock").WithReason("INSUFFICIENT_STOCK")
	tr, store, pid := staleTrade(t, conn, book, false)
	now := time.Now()
	tr.SetClock(func() time.Time { return now })
	ctx := context.Background()
	if _, err := store.PullState(ctx, pid, at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := store.RequestPull(ctx, pid, "po-8", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if o, _, _ := store.GetPulledOrder(ctx, pid, "po-8"); o.State != app.PulledHeld {
		t.Fatalf("refused for want of stock: %s, want held", o.State)
	}
	delete(book.fail, "po-8") // restocked
	now = now.Add(time.Minute)
	if err := tr.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if book.placed() != 0 {
		t.Fatal("read again within a minute")
	}
	now = now.Add(5 * time.Minute)
	for range 2 { // the request, then its pull
		if err := tr.Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if o, _, _ := store.GetPulledOrder(ctx, pid, "po-8"); o.State != app.PulledImported || book.placed() != 1 {
		t.Fatalf("six minutes after the restock: %s, %d placed; want imported", o.State, book.placed())
	}
}

// pricedCatalog has one listed product of one SKU in stock at price.
type pricedCatalog struct {
	sku   string
	price *int64
	// stock is the SKU's available stock; nil for 5.
	stock *int64
}

func (c pricedCatalog) Product(_ context.Context, id uuid.UUID) (app.CatalogProduct, error) {
	return staleCatalog{}.Product(context.Background(), id)
}
func (c pricedCatalog) Content(context.Context, uuid.UUID, string) (app.CatalogContent, error) {
	available := int64(5)
	if c.stock != nil {
		available = *c.stock
	}
	return app.CatalogContent{Locale: "de-DE", Title: "t", SKUs: []app.CatalogSKU{{ID: c.sku, Available: available,
		Price: money.Money{Amount: *c.price, Currency: "EUR"}}}}, nil
}
func (pricedCatalog) ListedProducts(context.Context, string) ([]uuid.UUID, string, error) {
	return nil, "", nil
}

// A push that fails leaves the listing as the partner still shows it: its
// price is the one last pushed, so a sale there at that price is not taken
// for one below our price. The push is retried, and once through the new
// price is the listed one.
func TestAFailedPushKeepsTheListedPrice(t *testing.T) {
	conn := &staleConn{}
	sku, price := uuid.NewString(), int64(100)
	tr, store, pid := staleTradeOf(t, conn, newOrderBook(), true, pricedCatalog{sku: sku, price: &price})
	ctx := context.Background()
	push := pushRound(t, tr, store)
	listed := func() int64 {
		t.Helper()
		prices, err := store.ListedPrices(ctx, pid, []string{sku})
		if err != nil {
			t.Fatal(err)
		}
		return prices[sku].Amount
	}
	push()
	if got := listed(); got != 100 {
		t.Fatalf("listed at %d after the first push, want 100", got)
	}
	price, conn.failing = 120, apperr.Unavailable("the partner is down")
	push()
	if got := listed(); got != 100 {
		t.Errorf("listed at %d after a push of 120 failed, want the 100 the partner still shows", got)
	}
	conn.failing = nil
	push()
	if got := listed(); got != 120 {
		t.Errorf("listed at %d once the push went through, want 120", got)
	}
}

// A stock change landing while a product's first listing is pushed (no
// listing row yet, so the change's event queues nothing) reaches the
// partner: the first push queues the product once more. Before, the partner
// kept the stock read before the change until the next change.
func TestAStockChangeDuringAFirstPushReachesThePartner(t *testing.T) {
	conn := &staleConn{}
	sku, price, stock := uuid.NewString(), int64(100), int64(5)
	tr, store, _ := staleTradeOf(t, conn, newOrderBook(), true, pricedCatalog{sku: sku, price: &price, stock: &stock})
	conn.duringUpsert = func() { stock = 3 } // sold meanwhile
	pushRound(t, tr, store)()
	conn.duringUpsert = nil
	if got := conn.pushed[domain.Marker(sku)].Stock; got != 5 {
		t.Fatalf("the first push sent stock %d, want 5", got)
	}
	if err := tr.Round(context.Background()); err != nil { // nothing queued anew by the test
		t.Fatal(err)
	}
	if got := conn.pushed[domain.Marker(sku)].Stock; got != 3 {
		t.Errorf("the partner shows stock %d, want 3", got)
	}
}

// A push still running when the round's budget (inside the lease on its
// products) runs out is cut short and keeps its lease: it is pushed again
// once the lease has run out, not while its last calls may be landing. The
// products the round did not start are released, and the next round, of
// any replica, pushes them at once. Before, a push started late could run
// past the lease while another replica pushed the product too; then the
// products not started kept their lease to its end, minutes late.
func TestAPushRoundsCallsEndInsideTheLease(t *testing.T) {
	conn := &staleConn{}
	catalog := &readCatalog{read: map[uuid.UUID]int{}}
	tr, store, _ := staleTradeOf(t, conn, newOrderBook(), true, catalog)
	now := time.Now()
	tr.SetClock(func() time.Time { return now })
	tr.SetPushBudget(50 * time.Millisecond)
	conn.duringUpsert = func() { time.Sleep(100 * time.Millisecond) } // slow, within its own timeout
	ctx := context.Background()
	first, second := uuid.New(), uuid.New()
	if err := store.QueueProducts(ctx, []uuid.UUID{first, second}, now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	_ = tr.Round(ctx)
	if got := catalog.read[first] + catalog.read[second]; got != 1 {
		t.Fatalf("%d products pushed in a round whose first push outran its budget, want 1 cut short", got)
	}
	cut, left := first, second
	if catalog.read[second] == 1 {
		cut, left = second, first
	}
	conn.duringUpsert = nil
	tr.SetPushBudget(time.Minute)
	_ = tr.Round(ctx)
	if catalog.read[left] != 1 {
		t.Errorf("the product the round did not start was pushed %d times by the next round, want 1 (released)", catalog.read[left])
	}
	if catalog.read[cut] != 1 {
		t.Fatal("the product cut short was pushed again while its lease held")
	}
	now = now.Add(6 * time.Minute) // past the lease
	_ = tr.Round(ctx)
	if catalog.read[cut] != 2 {
		t.Errorf("the product cut short was pushed %d times once its lease ran out, want 2", catalog.read[cut])
	}
}

// readCatalog is staleCatalog counting the reads of each product.
type readCatalog struct {
	staleCatalog
	mu   sync.Mutex
	read map[uuid.UUID]int
}

func (c *readCatalog) Product(ctx context.Context, id uuid.UUID) (app.CatalogProduct, error) {
	c.mu.Lock()
	c.read[id]++
	c.mu.Unlock()
	return c.staleCatalog.Product(ctx, id)
}

// pushRound returns a round that pushes one product, queued anew each
// time.
func pushRound(t *testing.T, tr *app.Trade, store postgres.Trade) func() {
	product := uuid.New()
	return func() {
		t.Helper()
		ctx := context.Background()
		if err := store.QueueProducts(ctx, []uuid.UUID{product}, time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		_ = tr.Round(ctx)
	}
}

// relistedCatalog has one product of one SKU, listed or not as listed
// says.
type relistedCatalog struct {
	sku    string
	listed *bool
}

func (c relistedCatalog) Product(_ context.Context, id uuid.UUID) (app.CatalogProduct, error) {
	p, err := staleCatalog{}.Product(context.Background(), id)
	p.Facts.Listed = *c.listed
	return p, err
}
func (c relistedCatalog) Content(context.Context, uuid.UUID, string) (app.CatalogContent, error) {
	return pricedCatalog{sku: c.sku, price: new(int64(100))}.Content(context.Background(), uuid.Nil, "")
}
func (relistedCatalog) ListedProducts(context.Context, string) ([]uuid.UUID, string, error) {
	return nil, "", nil
}

// A product delisted, relisted with its push failing (applied by the
// partner, its answer lost), then delisted again is withdrawn again.
// Before, the failed push kept the listing's withdrawn status, the second
// withdrawal was skipped as done, and the listing stayed buyable there.
func TestARelistedListingWhosePushFailedIsWithdrawnAgain(t *testing.T) {
	conn := &staleConn{}
	listed := true
	tr, store, _ := staleTradeOf(t, conn, newOrderBook(), true, relistedCatalog{sku: uuid.NewString(), listed: &listed})
	push := pushRound(t, tr, store)
	push()
	listed = false
	push()
	if conn.withdrawals != 1 {
		t.Fatalf("%d withdrawals once delisted, want 1", conn.withdrawals)
	}
	listed, conn.failing = true, apperr.Unavailable("the answer was lost")
	push()
	listed, conn.failing = false, nil
	push()
	if conn.withdrawals != 2 {
		t.Errorf("%d withdrawals after the relisting's push failed and the product was delisted again, want 2", conn.withdrawals)
	}
}

// skusCatalog has one listed product of the SKUs given, in order, each
// with its stock.
type skusCatalog []struct {
	id    string
	stock int64
}

func (c skusCatalog) Product(_ context.Context, id uuid.UUID) (app.CatalogProduct, error) {
	return staleCatalog{}.Product(context.Background(), id)
}
func (c skusCatalog) Content(context.Context, uuid.UUID, string) (app.CatalogContent, error) {
	out := app.CatalogContent{Locale: "de-DE", Title: "t"}
	for _, sku := range c {
		out.SKUs = append(out.SKUs, app.CatalogSKU{ID: sku.id, Available: sku.stock, Price: money.Money{Amount: 100, Currency: "EUR"}})
	}
	return out, nil
}
func (skusCatalog) ListedProducts(context.Context, string) ([]uuid.UUID, string, error) {
	return nil, "", nil
}

// One SKU of a product that the partner refuses does not hold back the
// product's other SKUs: a sold-out SKU's stock of 0 still reaches the
// partner. Before, the push stopped at the refused SKU, every round, and
// the sold-out SKU stayed buyable there.
func TestASKUThePartnerRefusesDoesNotHoldBackTheOthers(t *testing.T) {
	refused, soldOut := uuid.NewString(), uuid.NewString()
	conn := &staleConn{refuse: map[string]error{domain.Marker(refused): apperr.FailedPrecondition("the category does not take this item")}}
	tr, store, _ := staleTradeOf(t, conn, newOrderBook(), true, skusCatalog{{refused, 3}, {soldOut, 0}}) // the refused one first
	ctx := context.Background()
	if err := store.QueueProducts(ctx, []uuid.UUID{uuid.New()}, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	_ = tr.Round(ctx)
	got, ok := conn.pushed[domain.Marker(soldOut)]
	if !ok || got.Stock != 0 {
		t.Errorf("the sold-out SKU's listing pushed: %v, stock %d; want pushed with 0", ok, got.Stock)
	}
}

// An order seen before (waiting for its payment) that comes back unreadable
// (its time garbled, so no time to order it by) is held for an operator,
// not taken for an older version and passed over without a word.
func TestAnOrderSeenBeforeThatComesBackUnreadableIsHeld(t *testing.T) {
	sku := uuid.NewString()
	t1 := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	item := []domain.OrderItem{{ItemID: "i1", Marker: domain.Marker(sku), Quantity: 1, UnitPrice: money.MustNew(1999, "EUR")}}
	addr := &domain.Address{Recipient: "A", CountryCode: "DE", City: "B", Lines: []string{"x"}}
	unpaid := domain.PartnerOrder{ID: "po-1", Status: domain.OrderAwaitingPayment, RawStatus: "10", BuyerRef: "b", Items: item, Address: addr, UpdatedAt: t1, Raw: []byte(`{}`)}
	unreadable := unpaid
	unreadable.RawStatus, unreadable.UpdatedAt = "20", time.Time{}
	unreadable.MarkUnreadable([]string{`modified: time "yesterday" is not a time`})
	conn := &staleConn{list: []domain.PartnerOrder{unpaid}, get: map[string]domain.PartnerOrder{"po-1": unpaid}}
	tr, store, pid := staleTrade(t, conn, newOrderBook(), false)
	ctx := context.Background()
	if _, err := store.PullState(ctx, pid, t1.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		t.Helper()
		if err := tr.Round(ctx); err != nil {
			t.Fatal(err)
		}
		o, _, err := store.GetPulledOrder(ctx, pid, "po-1")
		if err != nil {
			t.Fatal(err)
		}
		return o.State
	}
	if got := state(); got != app.PulledWaiting {
		t.Fatalf("the unpaid order is %s, want waiting", got)
	}
	conn.mu.Lock()
	conn.list, conn.get["po-1"] = []domain.PartnerOrder{unreadable}, unreadable
	conn.mu.Unlock()
	if err := store.RequestPull(ctx, pid, "po-1", time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := state(); got != app.PulledHeld {
		t.Errorf("the order back unreadable is %s, want held", got)
	}
}

// A held order whose id is too long for a pull by id is not retried by
// id: the operator is told why, rather than answered an internal error.
func TestAHeldOrderWithAnIDTooLongToPullIsNotRetried(t *testing.T) {
	sku := uuid.NewString()
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	long := domain.PartnerOrder{ID: strings.Repeat("9", app.MaxPullOrderID+1), Status: domain.OrderPaid, RawStatus: "PAID", BuyerRef: "b", UpdatedAt: at, Raw: []byte(`{}`),
		Items:   []domain.OrderItem{{ItemID: "i1", Marker: domain.Marker(sku), Quantity: 1, UnitPrice: money.MustNew(1999, "EUR")}},
		Address: &domain.Address{Recipient: "A", CountryCode: "DE", City: "B", Lines: []string{"x"}}}
	conn := &staleConn{list: []domain.PartnerOrder{long}}
	book := newOrderBook()
	book.fail[long.ID] = apperr.FailedPrecondition("not enough stock").WithReason("INSUFFICIENT_STOCK")
	tr, store, pid := staleTrade(t, conn, book, false)
	ctx := context.Background()
	if _, err := store.PullState(ctx, pid, at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if o, _, _ := store.GetPulledOrder(ctx, pid, long.ID); o.State != app.PulledHeld {
		t.Fatalf("refused for want of stock: %s, want held", o.State)
	}
	var e *apperr.Error
	if _, err := tr.RetryPartnerOrder(ctx, admin, pid, long.ID); !errors.As(err, &e) || e.Reason != "PARTNER_ORDER_ID_UNPULLABLE" {
		t.Errorf("retrying a held order whose id is too long to pull: %v, want PARTNER_ORDER_ID_UNPULLABLE", err)
	}
}

// An operator's look at a partner's activity before its first pull leaves
// the pull's start where the first round puts it, a lookback before the
// partner was registered: before, the view created the pull state at its
// own time, and the first pull skipped the lookback's orders.
func TestViewingActivityBeforeTheFirstPullKeepsTheLookback(t *testing.T) {
	tr, store, pid := staleTrade(t, &staleConn{}, newOrderBook(), false)
	ctx := context.Background()
	if _, err := tr.Activity(ctx, admin, pid); err != nil {
		t.Fatal(err)
	}
	st, err := store.PullState(ctx, pid, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if latest := time.Now().Add(-testTiming.Lookback + time.Minute); st.Watermark.After(latest) {
		t.Errorf("the first pull starts at %v after a view of the activity; want the lookback, before %v", st.Watermark, latest)
	}
}
