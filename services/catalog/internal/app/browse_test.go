package app_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/adapters/postgres"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

func TestSearchFiltersSortingAndPages(t *testing.T) {
	f := newFixture(t)
	f.listed(t, f.supplierA, "Alpha headphones", "A", map[string]int64{"black": 3000, "white": 1000})
	f.listed(t, f.supplierB, "Beta headphones", "B", map[string]int64{"black": 2000})
	f.listed(t, f.supplierA, "Gamma earbuds", "G", map[string]int64{"red": 5000})
	f.create(t, f.supplierA, "Delta headphones", "D", map[string]int64{"black": 10}) // a draft: never found

	tests := []struct {
		name string
		in   app.SearchInput
		want []string
	}{
		{"newest first by default", app.SearchInput{}, []string{"Gamma earbuds", "Beta headphones", "Alpha headphones"}},
		{"cheapest SKU first", app.SearchInput{Sort: app.SortPriceAsc}, []string{"Alpha headphones", "Beta headphones", "Gamma earbuds"}},
		{"dearest first", app.SearchInput{Sort: app.SortPriceDesc}, []string{"Gamma earbuds", "Beta headphones", "Alpha headphones"}},
		{"text", app.SearchInput{Query: "headphones", Sort: app.SortPriceAsc}, []string{"Alpha headphones", "Beta headphones"}},
		{"prefix", app.SearchInput{Query: "ear"}, []string{"Gamma earbuds"}},
		{"price range", app.SearchInput{MinPrice: &money.Money{Amount: 1500, Currency: "EUR"}, MaxPrice: &money.Money{Amount: 2500, Currency: "EUR"}},
			[]string{"Beta headphones"}},
		{"spec values", app.SearchInput{SpecValues: map[string]string{"colour": "black"}, Sort: app.SortPriceAsc},
			[]string{"Alpha headphones", "Beta headphones"}},
		{"brand", app.SearchInput{BrandID: f.brand.ID.String(), Query: "gamma"}, []string{"Gamma earbuds"}},
		{"punctuation only searches everything", app.SearchInput{Query: "?!", Sort: app.SortPriceAsc},
			[]string{"Alpha headphones", "Beta headphones", "Gamma earbuds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.search(t, tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("titles = %v, want %v", got, tt.want)
			}
		})
	}

	// Pages of one follow each other and end; a token only works for its
	// own query.
	for _, sort := range []app.SortOrder{app.SortRelevance, app.SortPriceAsc, app.SortPriceDesc, app.SortNewest} {
		in := app.SearchInput{Query: "bass", Sort: sort, PageSize: 1} // every description says "deep bass"
		var titles []string
		for range 5 {
			page := must(f.svc.SearchProducts(ctx, in))(t)
			for _, h := range page.Hits {
				titles = append(titles, h.Title)
			}
			if page.NextPageToken == "" {
				break
			}
			in.PageToken = page.NextPageToken
		}
		if len(titles) != 3 {
			t.Errorf("sort %d: paged %v", sort, titles)
		}
		if in.PageToken != "" {
			other := in
			other.Query = "headphones"
			_, err := f.svc.SearchProducts(ctx, other)
			wantKind(t, err, apperr.KindInvalid)
		}
	}
}

func TestGetListingAvailability(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Buds", "B", map[string]int64{"black": 1000, "white": 1000})
	black := p.Live.Content.SKUs[0].ID
	f.stock.available[black] = 7

	l := must(f.svc.GetListing(ctx, p.ID, ""))(t)
	if l.SKUs[0].Available != 7 || l.SKUs[1].Available != 0 || l.Text.Locale != "en" || l.Attributes["material"] != "aluminium" || l.AvailabilityUnknown {
		t.Errorf("listing = %+v", l)
	}
	// Inventory down: the listing still answers, showing nothing available,
	// and says so (docking's push waits rather than telling partners none
	// is in stock).
	f.stock.err = errors.New("connection refused")
	l = must(f.svc.GetListing(ctx, p.ID, ""))(t)
	if l.SKUs[0].Available != 0 || len(l.SKUs) != 2 || !l.AvailabilityUnknown {
		t.Errorf("listing without inventory = %+v, availability unknown %v", l.SKUs, l.AvailabilityUnknown)
	}
	_, err := f.svc.GetListing(ctx, p.ID, "???")
	wantKind(t, err, apperr.KindInvalid)
}

func TestCompareOffers(t *testing.T) {
	f := newFixture(t)
	mine := f.listed(t, f.supplierA, "Mine", "M", map[string]int64{"black": 3000, "white": 3100})
	f.listed(t, f.supplierB, "Cheaper black", "C", map[string]int64{"black": 2500})
	f.listed(t, f.supplierB, "Red only", "R", map[string]int64{"red": 100})
	f.listed(t, f.supplierB, "Dear white", "W", map[string]int64{"white": 9000})
	// Same specs in another category: not comparable.
	other := f.productInput("Elsewhere", "E", map[string]int64{"black": 10})
	other.Content.CategoryID = f.audio.ID.String()
	p := must(f.svc.CreateProduct(ctx, f.supplierB, other, ""))(t)
	must(f.svc.SubmitProduct(ctx, f.supplierB, p.ID))(t)
	must(f.svc.ApproveProduct(ctx, f.reviewer, p.ID, time.Time{}))(t)
	must(f.svc.ListProduct(ctx, f.supplierB, p.ID))(t)
	// Not listed: not an offer.
	f.create(t, f.supplierB, "Draft black", "DB", map[string]int64{"black": 10})

	offers := must(f.svc.CompareOffers(ctx, mine.ID, "", 0))(t)
	var got []string
	for _, o := range offers {
		got = append(got, o.Title+"/"+o.SpecValues["colour"])
	}
	want := []string{"Cheaper black/black", "Mine/black", "Mine/white", "Dear white/white"}
	if !slices.Equal(got, want) {
		t.Errorf("offers = %v, want %v", got, want)
	}
	if offers[1].ProductID != mine.ID || offers[1].SKUID != mine.Live.Content.SKUs[0].ID {
		t.Errorf("own offer = %+v", offers[1])
	}
	if offers := must(f.svc.CompareOffers(ctx, mine.ID, "", 2))(t); len(offers) != 2 {
		t.Errorf("limit 2 gave %d", len(offers))
	}
	_, err := f.svc.CompareOffers(ctx, mine.ID, "", -1)
	wantKind(t, err, apperr.KindInvalid)
}

func TestMerchantPrices(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Buds", "B", map[string]int64{"black": 1000, "white": 2000})

	_, err := f.svc.GetMerchantPrices(ctx, f.merchant, p.ID)
	if !errors.Is(err, app.ErrNoMerchantTier) {
		t.Fatalf("without a tier = %v", err)
	}
	f.setTier(t, f.merchant, "gold")
	prices := must(f.svc.GetMerchantPrices(ctx, f.merchant, p.ID))(t)
	if len(prices) != 2 || prices[0].TierCode != "gold" || *prices[0].Cost != eur(600) || prices[1].Retail != eur(2000) {
		t.Errorf("gold prices = %+v", prices)
	}
	f.clock.Advance(1)
	f.setTier(t, f.merchant, "silver") // the supplier set no silver price
	prices = must(f.svc.GetMerchantPrices(ctx, f.merchant, p.ID))(t)
	if prices[0].TierCode != "silver" || prices[0].Cost != nil {
		t.Errorf("silver prices = %+v", prices[0])
	}
}

func TestListsPage(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := range 5 {
		p := f.create(t, f.supplierA, "Product", "P"+string(rune('a'+i)), map[string]int64{"black": 100})
		must(f.svc.SubmitProduct(ctx, f.supplierA, p.ID))(t)
		ids = append(ids, p.ID.String())
		f.clock.Advance(1e6)
	}
	var mine, queue []string
	token := ""
	for {
		page := must(f.svc.ListSupplierProducts(ctx, f.supplierA, domain.StatusSubmitted, false, 2, token))(t)
		for _, p := range page.Products {
			mine = append(mine, p.ID.String())
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	for {
		page := must(f.svc.ListReviewQueue(ctx, f.reviewer, 2, token))(t)
		for _, p := range page.Products {
			queue = append(queue, p.ID.String())
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	reversed := slices.Clone(ids)
	slices.Reverse(reversed)
	if !slices.Equal(mine, reversed) {
		t.Errorf("supplier list = %v, want newest first %v", mine, reversed)
	}
	if !slices.Equal(queue, ids) {
		t.Errorf("review queue = %v, want oldest first %v", queue, ids)
	}
	if page := must(f.svc.ListSupplierProducts(ctx, f.supplierA, domain.StatusDraft, false, 0, ""))(t); len(page.Products) != 0 {
		t.Errorf("drafts = %d", len(page.Products))
	}
	first := must(f.svc.ListReviewQueue(ctx, f.reviewer, 2, ""))(t)
	_, err := f.svc.ListSupplierProducts(ctx, f.supplierA, "", false, 2, first.NextPageToken)
	wantKind(t, err, apperr.KindInvalid)
}

// A buyer in a German storefront may still type the product's original
// words: a search in a locale matches the translation and the original
// text, ranks a match in the buyer's own language first, and always shows
// the translation.
func TestSearchInALocaleAlsoMatchesTheOriginalLanguage(t *testing.T) {
	f := newFixture(t)
	translate := func(p domain.Product, title string) {
		t.Helper()
		tr := must(f.svc.UpsertTranslation(ctx, f.translator, p.ID, domain.TranslationInput{
			Locale: "de", Title: title, Description: title + " mit tiefem Bass",
			AttributeLabels: map[string]string{"colour": "Farbe", "material": "Material"},
		}))(t)
		if !tr.Complete {
			t.Fatalf("translation incomplete: %+v", tr)
		}
	}
	// Listed older than the other, so only the rank can put it first.
	translate(f.listed(t, f.supplierB, "Studio monitor", "S", map[string]int64{"black": 9000}), "Headphones-Verstärker")
	f.clock.Advance(time.Minute)
	translate(f.listed(t, f.supplierA, "Wireless headphones", "W", map[string]int64{"black": 3000}), "Kabellose Kopfhörer")
	f.listed(t, f.supplierA, "Gamma earbuds", "G", map[string]int64{"red": 5000}) // English only

	tests := []struct {
		name string
		in   app.SearchInput
		want []string
	}{
		{"original words in German", app.SearchInput{Locale: "de", Query: "wireless"}, []string{"Kabellose Kopfhörer"}},
		{"original prefix in a regional locale", app.SearchInput{Locale: "de-AT", Query: "wirel head"}, []string{"Kabellose Kopfhörer"}},
		{"translated words", app.SearchInput{Locale: "de", Query: "kopfhörer"}, []string{"Kabellose Kopfhörer"}},
		{"a match in the buyer's language ranks first", app.SearchInput{Locale: "de", Query: "headphones"},
			[]string{"Headphones-Verstärker", "Kabellose Kopfhörer"}},
		{"untranslated products in the default locale", app.SearchInput{Locale: "de", Query: "earbuds"}, []string{"Gamma earbuds"}},
		{"the original locale does not match translations", app.SearchInput{Locale: "en", Query: "kopfhörer"}, nil},
		{"no locale does not match translations", app.SearchInput{Query: "verstärker"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.search(t, tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("titles = %v, want %v", got, tt.want)
			}
		})
	}
}

// countingTiers is the store counting its merchant tier reads.
type countingTiers struct {
	*postgres.Store
	reads *atomic.Int64
}

func (c countingTiers) MerchantTier(ctx context.Context, merchantID uuid.UUID) (string, error) {
	c.reads.Add(1)
	return c.Store.MerchantTier(ctx, merchantID)
}

// BatchGetSkus tells each SKU's category and, for a named merchant, its
// tier cost price: read once for the whole batch, unset where the supplier
// set no price for the tier, refused for a merchant without a known tier.
func TestBatchGetSkusMerchantCostAndCategory(t *testing.T) {
	f := newFixture(t)
	var reads atomic.Int64
	svc := app.New(countingTiers{postgres.New(f.pool), &reads}, app.DefaultConfig(), app.WithClock(f.clock.Now), app.WithLogger(testkit.Logger(t)))
	listed := f.listed(t, f.supplierA, "Buds", "B", map[string]int64{"black": 1000, "white": 2000})
	draft := f.create(t, f.supplierB, "Draft buds", "D", map[string]int64{"red": 500}) // only a pending revision
	skus := []string{listed.Live.Content.SKUs[0].ID.String(), listed.Live.Content.SKUs[1].ID.String(), draft.Pending.Content.SKUs[0].ID.String()}
	merchant := f.merchant.OrganizationID

	tests := []struct {
		name     string
		tier     string // set before the call; "" leaves the merchant unknown
		merchant string
		kind     apperr.Kind
		cost     func(retail money.Money) *money.Money
	}{
		{name: "no merchant: no cost", merchant: "", cost: func(money.Money) *money.Money { return nil }},
		{name: "a merchant whose tier is unknown", merchant: merchant, kind: apperr.KindFailedPrecondition},
		{name: "a merchant that is no UUID", merchant: "merchant-1", kind: apperr.KindInvalid},
		{name: "gold: the supplier's gold price", tier: "gold", merchant: merchant, cost: func(r money.Money) *money.Money {
			c := eur(r.Amount * 6 / 10)
			return &c
		}},
		{name: "silver: no silver price set", tier: "silver", merchant: merchant, cost: func(money.Money) *money.Money { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tier != "" {
				f.clock.Advance(1)
				f.setTier(t, f.merchant, tt.tier)
			}
			reads.Store(0)
			infos, missing, err := svc.BatchGetSkus(ctx, f.service, skus, tt.merchant)
			if tt.kind != apperr.KindUnknown {
				wantKind(t, err, tt.kind)
				if tt.kind == apperr.KindFailedPrecondition && !errors.Is(err, app.ErrNoMerchantTier) {
					t.Errorf("unknown tier = %v, want ErrNoMerchantTier", err)
				}
				return
			}
			if err != nil || len(infos) != 3 || len(missing) != 0 {
				t.Fatalf("BatchGetSkus = %+v, %v, %v", infos, missing, err)
			}
			if n := reads.Load(); tt.merchant != "" && n != 1 {
				t.Errorf("%d tier reads for %d SKUs, want one", n, len(skus))
			}
			for i, info := range infos {
				if info.CategoryID != f.headphones.ID {
					t.Errorf("SKU %d: category %v, want %v", i, info.CategoryID, f.headphones.ID)
				}
				want := tt.cost(info.RetailPrice)
				if (want == nil) != (info.CostPrice == nil) || (want != nil && *want != *info.CostPrice) {
					t.Errorf("SKU %d (retail %v): cost %v, want %v", i, info.RetailPrice, info.CostPrice, want)
				}
			}
		})
	}
}
