package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
	"github.com/crossdock/crossdock/services/catalog/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

// stock is an inventory stand-in: fixed figures, or a failure.
type stock struct {
	mu        sync.Mutex
	available map[uuid.UUID]int64
	err       error
}

func (s *stock) Available(_ context.Context, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	out := map[uuid.UUID]int64{}
	for _, id := range ids {
		if n, ok := s.available[id]; ok {
			out[id] = n
		}
	}
	return out, nil
}

// fixture is a catalog on a fresh database with a small taxonomy and one
// caller of every kind.
type fixture struct {
	svc   *app.Service
	pool  *pgxpool.Pool
	clock *testkit.Clock
	stock *stock

	admin, reviewer, translator, buyer, service auth.Caller
	supplierA, supplierB, merchant              auth.Caller

	electronics, audio, headphones, books domain.Category
	brand                                 domain.Brand
	model                                 domain.ProductModel
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "catalog", FS: migrations.FS})
	f := &fixture{pool: pool, clock: testkit.NewClock(time.Now().UTC()), stock: &stock{available: map[uuid.UUID]int64{}}}
	f.svc = app.New(postgres.New(pool), app.DefaultConfig(), app.WithClock(f.clock.Now), app.WithAvailability(f.stock),
		app.WithLogger(testkit.Logger(t)))
	user := func(roles ...string) auth.Caller {
		return auth.Caller{Subject: uuid.NewString(), Kind: auth.KindUser, Roles: roles}
	}
	f.admin, f.reviewer, f.translator, f.buyer = user(auth.RoleAdmin), user(auth.RoleReviewer), user(auth.RoleTranslator), user(auth.RoleBuyer)
	f.supplierA, f.supplierB, f.merchant = user(auth.RoleSupplier), user(auth.RoleSupplier), user(auth.RoleMerchant)
	f.supplierA.OrganizationID, f.supplierB.OrganizationID, f.merchant.OrganizationID = uuid.NewString(), uuid.NewString(), uuid.NewString()
	f.service = auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}

	var err error
	cat := func(parent *domain.Category, name, slug string) domain.Category {
		in := domain.CategoryInput{Name: name, Slug: slug}
		if parent != nil {
			in.ParentID = parent.ID.String()
		}
		c, err := f.svc.CreateCategory(ctx, f.admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.electronics = cat(nil, "Electronics", "electronics")
	f.audio = cat(&f.electronics, "Audio", "audio")
	f.headphones = cat(&f.audio, "Headphones", "headphones")
	f.books = cat(nil, "Books", "books")
	if f.brand, err = f.svc.CreateBrand(ctx, f.reviewer, "Sonic"); err != nil {
		t.Fatal(err)
	}
	if f.model, err = f.svc.CreateProductModel(ctx, f.admin, "Headphones", []domain.Attribute{
		{Name: "colour", Kind: domain.KindChoice, AllowedValues: []string{"black", "white", "red"}, Required: true, Spec: true},
		{Name: "material", Kind: domain.KindText, Required: true},
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func eur(amount int64) money.Money { return money.MustNew(amount, "EUR") }

// content is a valid headphones content with one SKU per colour, codes
// prefixed with code.
func (f *fixture) content(title, code string, prices map[string]int64) domain.ContentInput {
	c := domain.ContentInput{
		CategoryID: f.headphones.ID.String(), BrandID: f.brand.ID.String(), Title: title,
		Description: title + " with deep bass", Images: []string{"https://img.example.com/" + code + ".jpg"},
		Attributes: map[string]string{"material": "aluminium"},
	}
	for _, colour := range []string{"black", "white", "red"} {
		price, ok := prices[colour]
		if !ok {
			continue
		}
		c.SKUs = append(c.SKUs, domain.SKUInput{
			SkuCode: code + "-" + colour, SpecValues: map[string]string{"colour": colour}, RetailPrice: eur(price),
			TierPrices: []domain.TierPrice{{TierCode: "gold", Price: eur(price * 6 / 10)}},
			WeightG:    250, Dimensions: domain.Dimensions{LengthMM: 200, WidthMM: 180, HeightMM: 90},
		})
	}
	return c
}

func (f *fixture) productInput(title, code string, prices map[string]int64) domain.ProductInput {
	return domain.ProductInput{
		ModelID: f.model.ID.String(), Type: domain.ProductPhysical,
		Origin:        domain.Origin{CountryCode: "CN", RegionCode: "CN-GD"},
		DefaultLocale: "en", Content: f.content(title, code, prices),
	}
}

func (f *fixture) create(t testing.TB, supplier auth.Caller, title, code string, prices map[string]int64) domain.Product {
	t.Helper()
	p, err := f.svc.CreateProduct(ctx, supplier, f.productInput(title, code, prices), "")
	if err != nil {
		t.Fatalf("CreateProduct(%s): %v", title, err)
	}
	return p
}

// listed creates a product and takes it through review onto sale.
func (f *fixture) listed(t testing.TB, supplier auth.Caller, title, code string, prices map[string]int64) domain.Product {
	t.Helper()
	p := f.create(t, supplier, title, code, prices)
	must(f.svc.SubmitProduct(ctx, supplier, p.ID))(t)
	must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	return must(f.svc.ListProduct(ctx, supplier, p.ID))(t)
}

// must returns v once the test has checked err: must(call())(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// rowCounts counts every table a command could write.
func (f *fixture) rowCounts(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"categories", "brands", "product_models", "products", "product_revisions", "skus",
		"product_translations", "product_transitions", "listing_docs", "listing_skus", "outbox"} {
		var n int
		if err := f.pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// events returns the outbox subjects in order.
func (f *fixture) events(t testing.TB) []string {
	t.Helper()
	rows, err := f.pool.Query(ctx, "SELECT subject FROM outbox ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	s, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// payloads returns the payloads of the outbox events with subject, in order.
func (f *fixture) payloads(t testing.TB, subject string) [][]byte {
	t.Helper()
	rows, err := f.pool.Query(ctx, "SELECT payload FROM outbox WHERE subject = $1 ORDER BY seq", subject)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) setTier(t testing.TB, merchant auth.Caller, tier string) {
	t.Helper()
	id := uuid.MustParse(merchant.OrganizationID)
	if err := pg.InTx(ctx, f.pool, func(tx pgx.Tx) error { return postgres.ApplyMerchantTier(ctx, tx, id, tier, f.clock.Now()) }); err != nil {
		t.Fatal(err)
	}
}

// search returns the titles found.
func (f *fixture) search(t testing.TB, in app.SearchInput) []string {
	t.Helper()
	page, err := f.svc.SearchProducts(ctx, in)
	if err != nil {
		t.Fatalf("SearchProducts(%+v): %v", in, err)
	}
	var titles []string
	for _, h := range page.Hits {
		titles = append(titles, h.Title)
	}
	return titles
}

// wantKind fails unless err is an apperr error of kind k.
func wantKind(t testing.TB, err error, k apperr.Kind) {
	t.Helper()
	if apperr.KindOf(err) != k {
		t.Fatalf("error = %v (%v), want %v", err, apperr.KindOf(err), k)
	}
}
