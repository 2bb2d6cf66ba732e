package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/inbox"
	"github.com/crossdock/crossdock/pkg/kek"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/events"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/partnertls"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/platform-docking/internal/adapters/supplyapi"
	"github.com/crossdock/crossdock/services/platform-docking/internal/app"
	"github.com/crossdock/crossdock/services/platform-docking/internal/domain"
	"github.com/crossdock/crossdock/services/platform-docking/migrations"
	"github.com/crossdock/crossdock/simulators/supplysim"
)

var admin = auth.Caller{Subject: "ops-1", Kind: auth.KindUser, Roles: []string{auth.RoleAdmin}}

// supplyFixture is docking with one supply platform: the real simulator
// over loopback HTTP, a real PostgreSQL, and a stand-in for the catalog and
// inventory services.
type supplyFixture struct {
	pool      *pgxpool.Pool
	store     postgres.Supply
	sim       *supplysim.Platform
	catalog   *catalogDouble
	shipments *shipmentsDouble
	supply    *app.Supply
	platform  domain.SupplyPlatform
	m1, m2    uuid.UUID
	clk       *stepClock
	consumer  *inbox.Consumer
	supplier  uuid.UUID
	erpClient string
	// placingDown makes the platform answer 503 to every purchase order
	// placed, without the simulator seeing it; placeCalls counts those.
	placingDown atomic.Bool
	placeCalls  atomic.Int32
	// trackingGone makes the platform answer 404 to every purchase order
	// read back; trackCalls counts those.
	trackingGone atomic.Bool
	trackCalls   atomic.Int32
	// stampedAt, when set, is the moment the platform stamps every change
	// with, as one bulk change in its database would be.
	stampedAt atomic.Pointer[time.Time]
}

// stepClock is docking's clock, stepped by the tests past backoffs and
// rate limits.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var supplyTestTiming = app.SupplyTiming{TrackEvery: time.Minute, Retry: time.Second}

func newSupplyFixture(t *testing.T, faults supplysim.Faults) *supplyFixture {
	t.Helper()
	ctx := context.Background()
	pool := testkit.Database(t, testkit.Migrations{Name: "platform-docking", FS: migrations.FS})
	ring, err := kek.Parse(kek.Generate("supply"))
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	f := &supplyFixture{pool: pool, catalog: newCatalogDouble(), shipments: &shipmentsDouble{shipped: map[uuid.UUID]string{}}, m1: uuid.New(), m2: uuid.New(),
		clk: &stepClock{t: time.Now().UTC()}, supplier: uuid.New(), erpClient: "erp-wholesale"}
	sim := supplysim.New(supplysim.Config{Accounts: map[string]string{"acc-default": "key-default", "acc-m1": "key-m1", "acc-m2": "key-m2"},
		Faults: supplysim.Faults{ServerError: faults.ServerError, RateLimit: faults.RateLimit, RetryAfter: faults.RetryAfter, LostAnswer: faults.LostAnswer}, Seed: 7,
		Now: func() time.Time {
			if at := f.stampedAt.Load(); at != nil {
				return *at
			}
			return time.Now()
		}})
	f.sim = sim
	api := sim.API()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/purchase-orders" && f.placingDown.Load() {
			f.placeCalls.Add(1)
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/purchase-orders/") && f.trackingGone.Load() {
			f.trackCalls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","code":"order_not_found","message":"no such order"}}`))
			return
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	// The simulator serves plaintext, as in a development installation.
	f.store = postgres.NewSupply(pool, ring)
	f.supply = app.NewSupply(f.store, supplyapi.New(partnertls.Transport{Plaintext: true}, 5*time.Second), f.catalog, f.shipments, supplyTestTiming,
		slog.New(slog.DiscardHandler), app.WithPlaintextSupply(true))
	f.supply.SetClock(f.clk.Now)
	f.platform, err = f.supply.CreateSupplyPlatform(ctx, admin, domain.SupplyPlatform{Code: "wholesale", Name: "Wholesale", Endpoint: srv.URL,
		SupplierOrgID: f.supplier, ERPClientID: f.erpClient, ERPKey: base64.StdEncoding.EncodeToString(key.Seed()),
		Defaults: domain.SupplyDefaults{ModelID: uuid.NewString(), CategoryID: uuid.NewString(), BrandID: uuid.NewString(),
			OriginCountry: "CN", OriginRegion: "CN-ZJ", Locale: "zh-CN", WarehouseID: uuid.NewString()},
		Default: domain.SupplyAccount{AccountID: "acc-default", APIKey: "key-default"},
		Merchants: map[uuid.UUID]domain.SupplyAccount{
			f.m1: {AccountID: "acc-m1", APIKey: "key-m1"},
			f.m2: {AccountID: "acc-m2", APIKey: "key-m2"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range (events.Consumers{Now: f.clk.Now}).All() {
		if c.Name == "docking-supply" {
			f.consumer = c
		}
	}
	return f
}

// secondPlatform registers another supply platform, a simulator of its
// own, for another supplier organization (returned).
func (f *supplyFixture) secondPlatform(t *testing.T) (*supplysim.Platform, uuid.UUID) {
	t.Helper()
	sim := supplysim.New(supplysim.Config{Accounts: map[string]string{"acc-default": "key-default"}, Seed: 8})
	srv := httptest.NewServer(sim.API())
	t.Cleanup(srv.Close)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	supplier := uuid.New()
	if _, err := f.supply.CreateSupplyPlatform(context.Background(), admin, domain.SupplyPlatform{Code: "second", Name: "Second", Endpoint: srv.URL,
		SupplierOrgID: supplier, ERPClientID: "erp-second", ERPKey: base64.StdEncoding.EncodeToString(key.Seed()),
		Defaults: domain.SupplyDefaults{ModelID: uuid.NewString(), CategoryID: uuid.NewString(), BrandID: uuid.NewString(),
			OriginCountry: "CN", OriginRegion: "CN-ZJ", Locale: "zh-CN", WarehouseID: uuid.NewString()},
		Default: domain.SupplyAccount{AccountID: "acc-default", APIKey: "key-default"}}); err != nil {
		t.Fatal(err)
	}
	return sim, supplier
}

// round runs the supply jobs once, then steps the clock past any backoff
// or rate limit.
func (f *supplyFixture) round(t *testing.T) error {
	t.Helper()
	err := f.supply.Round(context.Background())
	f.clk.Add(2 * time.Hour)
	return err
}

// rounds runs n rounds, each as round does, and stops the test at a
// round's failure.
func (f *supplyFixture) rounds(t *testing.T, n int) {
	t.Helper()
	for range n {
		if err := f.round(t); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *supplyFixture) seed(t *testing.T, id, price string, stock int64, codes ...string) {
	t.Helper()
	p := supplysim.Product{ID: id, Title: "Product " + id, Description: "From the platform"}
	for _, c := range codes {
		p.SKUs = append(p.SKUs, supplysim.SKU{Code: c, Price: price, WeightG: 500, Package: supplysim.Package{Length: 200, Width: 150, Height: 100}, Stock: stock})
	}
	if _, err := f.sim.PutProduct(p); err != nil {
		t.Fatal(err)
	}
}

// paid delivers an orders.order.paid event to docking's consumer.
func (f *supplyFixture) paid(t *testing.T, ev *ordersv1.OrderPaid) {
	t.Helper()
	f.deliver(t, "orders.order.paid", ev)
}

// cancelledSub delivers the orders.sub_order.cancelled event of sub.
func (f *supplyFixture) cancelledSub(t *testing.T, sub string) {
	t.Helper()
	f.deliver(t, "orders.sub_order.cancelled", &ordersv1.SubOrderCancelled{SubOrderId: sub, Reason: "buyer"})
}

// deliver delivers an event to docking's supply consumer in a
// transaction, as the inbox does.
func (f *supplyFixture) deliver(t *testing.T, subject string, ev proto.Message) {
	t.Helper()
	payload, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := pg.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		return f.consumer.Handler(ctx, tx, inbox.Message{EventID: uuid.New(), Subject: subject, Payload: payload, Delivery: 1})
	}); err != nil {
		t.Fatal(err)
	}
}

// paidOrder is an order with one sub-order of supplier for codes' SKUs
// (one of each), for merchant (uuid.Nil: a buyer's order).
func (f *supplyFixture) paidOrder(merchant, supplier uuid.UUID, codes ...string) (*ordersv1.OrderPaid, string) {
	sub := &ordersv1.PaidSubOrder{SubOrderId: uuid.NewString(), SupplierId: supplier.String(), Type: "physical",
		Goods: &commonv1.Money{CurrencyCode: "CNY", AmountMinor: 100}}
	for _, c := range codes {
		sub.Lines = append(sub.Lines, &ordersv1.SubOrderLine{SkuId: f.catalog.skuID(c), ProductId: uuid.NewString(), Quantity: 1})
	}
	ev := &ordersv1.OrderPaid{OrderId: uuid.NewString(), BuyerId: uuid.NewString(), Channel: "own_store", SubOrders: []*ordersv1.PaidSubOrder{sub}}
	if merchant != uuid.Nil {
		ev.MerchantOrgId = merchant.String()
	}
	return ev, sub.SubOrderId
}

// catalogDouble stands in for the catalog and inventory services as one
// supplier's ERP sees them: SKU codes unique within the supplier (so a
// second create of a product is AlreadyExists), catalog's review workflow
// (a revision waiting for review cannot be edited or submitted again; an
// approved or sent-back one starts a new revision when edited), stock
// levels by code. It records what docking asked, and loses the answers of
// loseSubmits submissions after making them, as a network would.
type catalogDouble struct {
	mu          sync.Mutex
	products    map[uuid.UUID]*doubleProduct
	codes       map[string]uuid.UUID // SKU id by code
	stock       map[string]int64
	syncs       map[string]bool
	calls       map[string]int
	callers     map[string]bool
	loseSubmits int
	// refusals are the answers to a call ("create", "update", "submit")
	// for the product whose first SKU has the code, by call and code, in
	// place of the catalogue's own.
	refusals map[string]error
}

type doubleProduct struct {
	skus map[string]uuid.UUID
	// content is the pending revision's, or the live one's when none is
	// pending; category and brand are the defaults it was given.
	content         domain.ImportedProduct
	category, brand string
	status          string // the product's: draft, submitted, approved, listed, rejected
	pending         string // the pending revision's: draft, submitted, changes_requested, rejected; "" when none
	live            bool   // it has an approved revision
	revision        int    // revisions started
	submits         int    // revisions sent to review
}

// Catalog's refusals, as they cross the wire.
var (
	errDoubleUnderReview = apperr.FailedPrecondition("the pending revision is waiting for review and cannot be edited").
				WithReason("REVISION_UNDER_REVIEW")
	errDoubleNothingToSubmit = apperr.FailedPrecondition("there is no draft or sent-back revision to submit").
					WithReason("NOTHING_TO_SUBMIT")
)

func newCatalogDouble() *catalogDouble {
	return &catalogDouble{products: map[uuid.UUID]*doubleProduct{}, codes: map[string]uuid.UUID{}, stock: map[string]int64{},
		syncs: map[string]bool{}, calls: map[string]int{}, callers: map[string]bool{}, refusals: map[string]error{}}
}

func (c *catalogDouble) skuID(code string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.codes[code]; ok {
		return id.String()
	}
	return uuid.NewString() // never imported
}

func (c *catalogDouble) count(call string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[call]
}

func (c *catalogDouble) product(code string) doubleProduct {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.products {
		if _, ok := p.skus[code]; ok {
			return *p
		}
	}
	return doubleProduct{}
}

// refuse makes the catalogue answer err to call for the product whose
// first SKU has the code; nil takes the refusal back.
func (c *catalogDouble) refuse(call, code string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.refusals, call+" "+code)
		return
	}
	c.refusals[call+" "+code] = err
}

func (c *catalogDouble) loseNextSubmits(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loseSubmits = n
}

// approve approves every revision waiting for review, as a reviewer
// would: a first approval makes the product approved, a later one swaps
// the revision in while the product stays listed.
func (c *catalogDouble) approve() {
	c.review("approved")
}

// reject refuses every revision waiting for review.
func (c *catalogDouble) reject() {
	c.review("rejected")
}

func (c *catalogDouble) review(verdict string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.products {
		if p.pending != "submitted" {
			continue
		}
		switch verdict {
		case "approved":
			p.pending, p.live = "", true
			if p.status != "listed" {
				p.status = "approved"
			}
		default:
			p.pending = verdict
			if !p.live {
				p.status = verdict
			}
		}
	}
}

func (c *catalogDouble) enter(call string, as app.SupplyERP) {
	c.calls[call]++
	c.callers[as.ClientID] = true
}

func (c *catalogDouble) imported(id uuid.UUID, p *doubleProduct) app.CatalogImport {
	skus := map[string]uuid.UUID{}
	for k, v := range p.skus {
		skus[k] = v
	}
	return app.CatalogImport{ProductID: id, SKUs: skus}
}

func (c *catalogDouble) CreateProduct(_ context.Context, as app.SupplyERP, d domain.SupplyDefaults, p domain.ImportedProduct) (app.CatalogImport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enter("create", as)
	if err := c.refusals["create "+p.SKUs[0].Code]; err != nil {
		return app.CatalogImport{}, err
	}
	for _, s := range p.SKUs {
		if _, ok := c.codes[s.Code]; ok {
			return app.CatalogImport{}, apperr.AlreadyExists("SKU code " + s.Code + " exists")
		}
	}
	id := uuid.New()
	dp := &doubleProduct{skus: map[string]uuid.UUID{}, content: p, category: d.CategoryID, brand: d.BrandID, status: "draft", pending: "draft", revision: 1}
	for _, s := range p.SKUs {
		dp.skus[s.Code] = uuid.New()
		c.codes[s.Code] = dp.skus[s.Code]
	}
	c.products[id] = dp
	return c.imported(id, dp), nil
}

func (c *catalogDouble) FindProduct(_ context.Context, as app.SupplyERP, code string) (app.CatalogImport, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enter("find", as)
	for id, p := range c.products {
		if _, ok := p.skus[code]; ok {
			return c.imported(id, p), true, nil
		}
	}
	return app.CatalogImport{}, false, nil
}

func (c *catalogDouble) UpdateProduct(_ context.Context, as app.SupplyERP, id uuid.UUID, d domain.SupplyDefaults, p domain.ImportedProduct) (app.CatalogImport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enter("update", as)
	if err := c.refusals["update "+p.SKUs[0].Code]; err != nil {
		return app.CatalogImport{}, err
	}
	dp, ok := c.products[id]
	if !ok {
		return app.CatalogImport{}, apperr.NotFound("product", id.String())
	}
	switch dp.pending {
	case "submitted":
		return app.CatalogImport{}, errDoubleUnderReview
	case "draft", "changes_requested":
		// edited in place
	default:
		dp.revision, dp.pending = dp.revision+1, "draft"
		if !dp.live {
			dp.status = "draft"
		}
	}
	dp.content, dp.category, dp.brand = p, d.CategoryID, d.BrandID
	for _, s := range p.SKUs {
		if _, ok := dp.skus[s.Code]; !ok {
			dp.skus[s.Code] = uuid.New()
			c.codes[s.Code] = dp.skus[s.Code]
		}
	}
	return c.imported(id, dp), nil
}

func (c *catalogDouble) SubmitProduct(_ context.Context, as app.SupplyERP, id uuid.UUID) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enter("submit", as)
	dp, ok := c.products[id]
	if !ok {
		return apperr.NotFound("product", id.String())
	}
	if err := c.refusals["submit "+dp.content.SKUs[0].Code]; err != nil {
		return err
	}
	if dp.pending != "draft" && dp.pending != "changes_requested" {
		return errDoubleNothingToSubmit
	}
	dp.pending, dp.submits = "submitted", dp.submits+1
	if !dp.live {
		dp.status = "submitted"
	}
	if c.loseSubmits > 0 {
		c.loseSubmits--
		return apperr.Unavailable("the answer was lost")
	}
	return nil
}

func (c *catalogDouble) PendingRevision(_ context.Context, as app.SupplyERP, id uuid.UUID) (app.PendingRevision, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enter("get", as)
	dp, ok := c.products[id]
	if !ok {
		return app.PendingRevision{}, apperr.NotFound("product", id.String())
	}
	if dp.pending == "" {
		return app.PendingRevision{}, nil
	}
	content := dp.content
	content.Fingerprint = "" // docking's own, not the catalogue's
	return app.PendingRevision{UnderReview: dp.pending == "submitted", CategoryID: dp.category, BrandID: dp.brand,
		Content: content, SKUs: c.imported(id, dp).SKUs}, nil
}

func (c *catalogDouble) ProductApproved(_ context.Context, as app.SupplyERP, id uuid.UUID) (bool, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enter("get", as)
	dp := c.products[id]
	return dp.status == "approved" || dp.status == "listed", dp.status == "listed", nil
}

func (c *catalogDouble) ListProduct(_ context.Context, as app.SupplyERP, id uuid.UUID) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enter("list", as)
	if dp := c.products[id]; dp.status != "approved" {
		return apperr.FailedPrecondition("not approved")
	}
	c.products[id].status = "listed"
	return nil
}

func (c *catalogDouble) SyncStock(_ context.Context, as app.SupplyERP, syncID, _ string, levels map[string]int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enter("sync", as)
	if c.syncs[syncID] {
		return nil
	}
	c.syncs[syncID] = true
	for code, n := range levels {
		c.stock[code] = n
	}
	return nil
}

// shipmentsDouble stands in for orders' RecordExternalShipment as orders
// answers it: the same waybill again is harmless, another is refused, and
// so is a sub-order cancelled meanwhile; down answers Unavailable.
type shipmentsDouble struct {
	mu        sync.Mutex
	down      bool
	cancelled map[uuid.UUID]bool
	shipped   map[uuid.UUID]string // sub-order → carrier/waybill
	suppliers map[uuid.UUID]bool
	calls     int
}

func (d *shipmentsDouble) RecordExternalShipment(_ context.Context, supplier, sub uuid.UUID, carrier, waybill string) (app.SupplierSubOrder, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return app.SupplierSubOrder{ID: sub}, d.record(supplier, sub, carrier, waybill)
}

func (d *shipmentsDouble) SubOrder(_ context.Context, sub uuid.UUID) (app.SupplierSubOrder, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.down:
		return app.SupplierSubOrder{}, apperr.Unavailable("orders is down")
	case d.cancelled[sub]:
		return app.SupplierSubOrder{ID: sub, Status: app.SubOrderCancelled}, nil
	}
	return app.SupplierSubOrder{ID: sub, Status: app.SubOrderPaid}, nil
}

func (d *shipmentsDouble) record(supplier, sub uuid.UUID, carrier, waybill string) error {
	d.calls++
	if d.suppliers == nil {
		d.suppliers = map[uuid.UUID]bool{}
	}
	d.suppliers[supplier] = true
	switch parcel := carrier + "/" + waybill; {
	case d.down:
		return apperr.Unavailable("orders is down")
	case d.cancelled[sub]:
		return apperr.FailedPrecondition("the sub-order is cancelled and cannot ship").WithReason("INVALID_TRANSITION")
	case d.shipped[sub] != "" && d.shipped[sub] != parcel:
		return apperr.FailedPrecondition("the sub-order shipped by another parcel").WithReason("ALREADY_SHIPPED")
	default:
		d.shipped[sub] = parcel
		return nil
	}
}

func (d *shipmentsDouble) set(change func(d *shipmentsDouble)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	change(d)
}

func (d *shipmentsDouble) parcel(sub uuid.UUID) (string, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.shipped[sub], d.calls
}
