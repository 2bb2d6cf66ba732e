package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/outbox"
	"github.com/crossdock/crossdock/pkg/pg"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
	"github.com/crossdock/crossdock/services/catalog/migrations"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var ctx = context.Background()

func newStore(t *testing.T) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	pool := testkit.Database(t, testkit.Migrations{Name: "catalog", FS: migrations.FS})
	return postgres.New(pool), pool
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func category(t *testing.T, s *postgres.Store, parent *domain.Category, slug string) domain.Category {
	t.Helper()
	c, err := domain.NewCategory(domain.CategoryInput{Name: slug, Slug: slug}, parent, now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCategory(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func model(t *testing.T, s *postgres.Store) domain.ProductModel {
	t.Helper()
	m, err := domain.NewProductModel("Headphones "+uuid.NewString()[:8], []domain.Attribute{
		{Name: "colour", Kind: domain.KindChoice, AllowedValues: []string{"black", "white"}, Required: true, Spec: true},
		{Name: "driver_mm", Kind: domain.KindNumber},
	}, now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProductModel(ctx, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// listedProduct stores a listed product of supplier in category with one
// SKU per colour at the given prices.
func listedProduct(t *testing.T, s *postgres.Store, m domain.ProductModel, supplier uuid.UUID, cat domain.Category, title string, prices map[string]int64) domain.Product {
	t.Helper()
	in := domain.ProductInput{ModelID: m.ID.String(), Type: domain.ProductVirtual, Origin: domain.Origin{CountryCode: "DE", RegionCode: "DE-BY"},
		DefaultLocale: "en", Content: domain.ContentInput{CategoryID: cat.ID.String(), Title: title, Description: title + " for everyone",
			Images: []string{"https://img.example.com/" + title + ".jpg"}}}
	for colour, price := range prices {
		in.Content.SKUs = append(in.Content.SKUs, domain.SKUInput{
			SkuCode: title + "-" + colour, SpecValues: map[string]string{"colour": colour}, RetailPrice: money.MustNew(price, "EUR")})
	}
	p, err := domain.NewProduct(in, &m, supplier, now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Pending.Content.SKUs {
		p.Pending.Content.SKUs[i].ID = uuid.Must(uuid.NewV7())
	}
	for _, step := range []func() error{
		func() error { _, err := p.Submit("s", now()); return err },
		func() error { _, _, err := p.Approve("r", now()); return err },
		func() error { _, err := p.List("s", now()); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	err = s.InTx(ctx, func(r app.Repository) error {
		if err := r.CreateProduct(ctx, p); err != nil {
			return err
		}
		if err := r.CreateSKUs(ctx, supplier, p.ID, p.Live.Content.SKUs, now()); err != nil {
			return err
		}
		return r.RefreshListing(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCategories(t *testing.T) {
	s, _ := newStore(t)
	root := category(t, s, nil, "electronics")
	audio := category(t, s, &root, "audio")
	phones := category(t, s, &audio, "headphones")
	other := category(t, s, nil, "books")

	dup, _ := domain.NewCategory(domain.CategoryInput{Name: "Audio again", Slug: "audio"}, &root, now())
	if err := s.CreateCategory(ctx, dup); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("sibling with the same slug = %v, want AlreadyExists", err)
	}
	sameSlugElsewhere, _ := domain.NewCategory(domain.CategoryInput{Name: "Audio books", Slug: "audio"}, &other, now())
	if err := s.CreateCategory(ctx, sameSlugElsewhere); err != nil {
		t.Errorf("same slug under another parent: %v", err)
	}
	rootDup, _ := domain.NewCategory(domain.CategoryInput{Name: "Electronics 2", Slug: "electronics"}, nil, now())
	if err := s.CreateCategory(ctx, rootDup); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("root with a taken slug = %v, want AlreadyExists", err)
	}

	sub, err := s.CategoryAndDescendants(ctx, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(sub, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	want := []uuid.UUID{root.ID, audio.ID, phones.ID}
	slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	if !slices.Equal(sub, want) {
		t.Errorf("descendants of root = %v, want %v", sub, want)
	}
	if sub, _ := s.CategoryAndDescendants(ctx, uuid.New()); len(sub) != 0 {
		t.Errorf("descendants of nothing = %v", sub)
	}
	all, err := s.ListCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, c := range all {
		order = append(order, c.Slug)
	}
	// Depth first, siblings by name: books, its audio, electronics, its subtree.
	if !slices.Equal(order, []string{"books", "audio", "electronics", "audio", "headphones"}) {
		t.Errorf("tree order = %v", order)
	}
	if _, err := s.GetCategory(ctx, uuid.New()); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("missing category = %v", err)
	}
}

func TestBrandsAndModels(t *testing.T) {
	s, _ := newStore(t)
	b, _ := domain.NewBrand("Sonic", now())
	if err := s.CreateBrand(ctx, b); err != nil {
		t.Fatal(err)
	}
	again, _ := domain.NewBrand("SONIC", now())
	if err := s.CreateBrand(ctx, again); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("brand differing in case = %v, want AlreadyExists", err)
	}
	m := model(t, s)
	got, err := s.GetProductModel(ctx, m.ID)
	if err != nil || len(got.Attributes) != 2 || got.Attributes[0].AllowedValues[1] != "white" || !got.Attributes[0].Spec || got.Attributes[1].Kind != domain.KindNumber {
		t.Errorf("model round trip = %+v, %v", got, err)
	}
}

// A product round-trips with its live and pending revisions; old revisions
// stay stored; SKU codes are unique per supplier.
func TestProductRoundTrip(t *testing.T) {
	s, pool := newStore(t)
	cat := category(t, s, nil, "audio")
	m := model(t, s)
	supplier := uuid.New()
	p := listedProduct(t, s, m, supplier, cat, "buds", map[string]int64{"black": 4999})

	c := p.Live.Content
	c.Title = "Buds 2"
	if _, err := s.UpdateProduct(ctx, p.ID, func(p *domain.Product) ([]outbox.Message, error) {
		_, _, err := p.Edit(c, "s", now())
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetProduct(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Live.Content.Title != "buds" || got.Pending.Content.Title != "Buds 2" || got.Pending.Number != 2 ||
		got.Status != domain.StatusListed || got.ListedAt.IsZero() || got.Live.Content.SKUs[0].RetailPrice != money.MustNew(4999, "EUR") {
		t.Errorf("round trip = live %+v pending %+v status %s", got.Live, got.Pending, got.Status)
	}
	var revisions int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM product_revisions WHERE product_id = $1`, p.ID).Scan(&revisions); err != nil {
		t.Fatal(err)
	}
	if revisions != 2 {
		t.Errorf("revisions stored = %d, want 2", revisions)
	}

	// Another product of the same supplier cannot take the code.
	err = s.InTx(ctx, func(r app.Repository) error {
		return r.CreateSKUs(ctx, supplier, p.ID, []domain.SKU{{ID: uuid.New(), Code: "buds-black"}}, now())
	})
	if !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Errorf("taken code = %v, want AlreadyExists", err)
	}
	owners, err := s.SKUCodeOwners(ctx, supplier, []string{"buds-black", "other"})
	if err != nil || len(owners) != 1 || owners["buds-black"] != p.ID {
		t.Errorf("code owners = %v, %v", owners, err)
	}
	if owners, _ := s.SKUCodeOwners(ctx, uuid.New(), []string{"buds-black"}); len(owners) != 0 {
		t.Errorf("another supplier sees codes: %v", owners)
	}
	if _, err := s.GetProduct(ctx, uuid.New()); !apperr.IsKind(err, apperr.KindNotFound) {
		t.Errorf("missing product = %v", err)
	}
}

func TestSearchProjection(t *testing.T) {
	s, _ := newStore(t)
	root := category(t, s, nil, "electronics")
	audio := category(t, s, &root, "audio")
	books := category(t, s, nil, "books")
	m := model(t, s)
	supplier := uuid.New()
	buds := listedProduct(t, s, m, supplier, audio, "wireless-buds", map[string]int64{"black": 4999, "white": 5999})
	cans := listedProduct(t, s, m, supplier, audio, "studio-headphones", map[string]int64{"black": 19999})
	listedProduct(t, s, m, supplier, books, "headphone-repair-manual", map[string]int64{"white": 1500})

	// A German translation of the buds only.
	tr, _, err := buds.Translate(domain.TranslationInput{Locale: "de", Title: "Kabellose Ohrhörer", Description: "Für alle",
		AttributeLabels: map[string]string{"colour": "Farbe", "driver_mm": "Treiber"}}, m, "t", now())
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(r app.Repository) error {
		if err := r.SaveTranslation(ctx, buds.ID, tr); err != nil {
			return err
		}
		return r.RefreshListing(ctx, buds)
	})
	if err != nil {
		t.Fatal(err)
	}

	search := func(q app.SearchQuery) []string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 10
		}
		hits, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, h := range hits {
			titles = append(titles, h.Title)
		}
		return titles
	}
	subtree, _ := s.CategoryAndDescendants(ctx, root.ID)
	tests := []struct {
		name string
		q    app.SearchQuery
		want []string
	}{
		{"prefix text", app.SearchQuery{Text: "head", Sort: app.SortPriceAsc}, []string{"headphone-repair-manual", "studio-headphones"}},
		{"text within a subtree", app.SearchQuery{Text: "head", CategoryIDs: subtree, Sort: app.SortPriceAsc}, []string{"studio-headphones"}},
		{"cheapest first", app.SearchQuery{CategoryIDs: subtree, Sort: app.SortPriceAsc}, []string{"wireless-buds", "studio-headphones"}},
		{"dearest first", app.SearchQuery{CategoryIDs: subtree, Sort: app.SortPriceDesc}, []string{"studio-headphones", "wireless-buds"}},
		{"price bound on the cheapest SKU", app.SearchQuery{Currency: "EUR", MinPrice: ptr(int64(4000)), MaxPrice: ptr(int64(5000)), Sort: app.SortPriceAsc},
			[]string{"wireless-buds"}},
		{"other currency", app.SearchQuery{Currency: "USD", MinPrice: ptr(int64(0))}, nil},
		{"spec value", app.SearchQuery{SpecValues: map[string]string{"colour": "white"}, Sort: app.SortPriceAsc},
			[]string{"headphone-repair-manual", "wireless-buds"}},
		{"German, falling back", app.SearchQuery{Locales: []string{"de-AT", "de"}, CategoryIDs: subtree, Sort: app.SortPriceAsc},
			[]string{"Kabellose Ohrhörer", "studio-headphones"}},
		{"German text", app.SearchQuery{Locales: []string{"de"}, Text: "ohrh"}, []string{"Kabellose Ohrhörer"}},
		{"German words are not found in English", app.SearchQuery{Text: "ohrh"}, nil},
		{"several words", app.SearchQuery{Text: "wireless buds"}, []string{"wireless-buds"}},
		{"no match", app.SearchQuery{Text: "toaster"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := search(tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("hits = %v, want %v", got, tt.want)
			}
		})
	}

	// Keyset pages cover everything once.
	var seen []uuid.UUID
	q := app.SearchQuery{Limit: 1, Sort: app.SortNewest}
	for {
		hits, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			break
		}
		h := hits[0]
		seen = append(seen, h.ProductID)
		q.After = &app.SearchCursor{ListedAt: h.ListedAt, ProductID: h.ProductID}
	}
	if len(seen) != 3 {
		t.Errorf("paged through %d products, want 3", len(seen))
	}

	// Offers: same category and spec values, cheapest first, titles in the
	// locale.
	offers, err := s.Offers(ctx, app.OfferQuery{CategoryID: audio.ID, SpecValues: []map[string]string{{"colour": "black"}},
		Currency: "EUR", Locales: []string{"de"}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 2 || offers[0].Title != "Kabellose Ohrhörer" || offers[0].Price.Amount != 4999 || offers[1].ProductID != cans.ID {
		t.Errorf("offers = %+v", offers)
	}

	// Off sale: gone from the projection.
	if _, err := buds.Delist("s", "", now()); err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(r app.Repository) error { return r.RefreshListing(ctx, buds) }); err != nil {
		t.Fatal(err)
	}
	if got := search(app.SearchQuery{CategoryIDs: subtree}); !slices.Equal(got, []string{"studio-headphones"}) {
		t.Errorf("after delisting = %v", got)
	}
}

func ptr[T any](v T) *T { return &v }

func TestMerchantTiersIgnoreOlderChanges(t *testing.T) {
	s, pool := newStore(t)
	merchant := uuid.New()
	t0 := now()
	apply := func(tier string, at time.Time) {
		t.Helper()
		if err := pg.InTx(ctx, pool, func(tx pgx.Tx) error { return postgres.ApplyMerchantTier(ctx, tx, merchant, tier, at) }); err != nil {
			t.Fatal(err)
		}
	}
	if tier, _ := s.MerchantTier(ctx, merchant); tier != "" {
		t.Fatalf("unknown merchant tier = %q", tier)
	}
	apply("gold", t0)
	apply("silver", t0.Add(-time.Hour)) // late, older news
	if tier, _ := s.MerchantTier(ctx, merchant); tier != "gold" {
		t.Errorf("tier = %q, want gold", tier)
	}
	apply("platinum", t0.Add(time.Hour))
	if tier, _ := s.MerchantTier(ctx, merchant); tier != "platinum" {
		t.Errorf("tier = %q, want platinum", tier)
	}
}

func TestPurge(t *testing.T) {
	s, pool := newStore(t)
	cat := category(t, s, nil, "audio")
	m := model(t, s)
	p := listedProduct(t, s, m, uuid.New(), cat, "buds", map[string]int64{"black": 100})
	kept := listedProduct(t, s, m, uuid.New(), cat, "cans", map[string]int64{"black": 100})
	if _, err := s.UpdateProduct(ctx, p.ID, func(p *domain.Product) ([]outbox.Message, error) {
		_, err := p.Delete("s", now().Add(-48*time.Hour))
		return nil, err
	}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeDeletedBefore(ctx, now().Add(-24*time.Hour), 10)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
	for table, column := range map[string]string{"products": "id", "product_revisions": "product_id", "skus": "product_id",
		"product_transitions": "product_id", "listing_docs": "product_id", "listing_skus": "product_id"} {
		var left int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE `+column+` = $1`, p.ID).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%s keeps %d rows of the purged product", table, left)
		}
	}
	if _, err := s.GetProduct(ctx, kept.ID); err != nil {
		t.Errorf("the other product: %v", err)
	}
}
