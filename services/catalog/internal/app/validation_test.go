package app_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/app"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

// Bad input is refused with the right code and the fields named after the
// contract, and writes nothing at all: not a row, not an event.
func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	draft := f.create(t, f.supplierA, "Draft buds", "DRAFT", map[string]int64{"black": 1000})
	listed := f.listed(t, f.supplierA, "Listed buds", "LIST", map[string]int64{"black": 1000, "white": 1100})
	other := f.listed(t, f.supplierA, "Other buds", "OTHER", map[string]int64{"black": 1000})
	inReview := must(f.svc.SubmitProduct(ctx, f.supplierA, draft.ID))(t)

	create := func(change func(*domain.ProductInput)) func() error {
		return func() error {
			in := f.productInput("New buds", "NEW", map[string]int64{"black": 1000, "white": 1200})
			change(&in)
			_, err := f.svc.CreateProduct(ctx, f.supplierA, in, "")
			return err
		}
	}
	update := func(id uuid.UUID, change func(*domain.ContentInput)) func() error {
		return func() error {
			c := f.content("Listed buds", "LIST", map[string]int64{"black": 1000, "white": 1100})
			change(&c)
			_, err := f.svc.UpdateProduct(ctx, f.supplierA, id, c, time.Time{})
			return err
		}
	}
	tests := []struct {
		name   string
		run    func() error
		kind   apperr.Kind
		fields []string
	}{
		{"unknown category", create(func(in *domain.ProductInput) { in.Content.CategoryID = uuid.NewString() }),
			apperr.KindInvalid, []string{"content.category_id"}},
		{"unknown brand and model", create(func(in *domain.ProductInput) { in.Content.BrandID, in.ModelID = uuid.NewString(), uuid.NewString() }),
			apperr.KindInvalid, []string{"content.brand_id", "model_id"}},
		{"spec value outside the model", create(func(in *domain.ProductInput) { in.Content.SKUs[0].SpecValues["colour"] = "purple" }),
			apperr.KindInvalid, []string{"content.skus[0].spec_values.colour"}},
		{"negative price and weight", create(func(in *domain.ProductInput) {
			in.Content.SKUs[0].RetailPrice = money.Money{Amount: -100, Currency: "EUR"}
			in.Content.SKUs[1].WeightG = -5
		}), apperr.KindInvalid, []string{"content.skus[0].retail_price.amount_minor", "content.skus[1].weight_g"}},
		{"duplicate SKU code within the product", create(func(in *domain.ProductInput) { in.Content.SKUs[1].SkuCode = in.Content.SKUs[0].SkuCode }),
			apperr.KindInvalid, []string{"content.skus[1].sku_code"}},
		{"SKU code of another product", create(func(in *domain.ProductInput) { in.Content.SKUs[1].SkuCode = "LIST-black" }),
			apperr.KindAlreadyExists, []string{"content.skus[1].sku_code"}},
		{"SKU id on a new product", create(func(in *domain.ProductInput) { in.Content.SKUs[0].SkuID = uuid.NewString() }),
			apperr.KindInvalid, []string{"content.skus[0].sku_id"}},
		{"bad origin and locale", create(func(in *domain.ProductInput) {
			in.Origin, in.DefaultLocale = domain.Origin{CountryCode: "ZZ"}, "english please"
		}), apperr.KindInvalid, []string{"default_locale", "origin.country_code"}},
		{"update: SKU code of another product", update(listed.ID, func(c *domain.ContentInput) { c.SKUs[1].SkuCode = "OTHER-black" }),
			apperr.KindAlreadyExists, []string{"content.skus[1].sku_code"}},
		{"update: SKU id of another SKU", update(listed.ID, func(c *domain.ContentInput) { c.SKUs[0].SkuID = other.Live.Content.SKUs[0].ID.String() }),
			apperr.KindInvalid, []string{"content.skus[0].sku_id"}},
		{"update: spec value and unknown category", update(listed.ID, func(c *domain.ContentInput) {
			c.SKUs[0].SpecValues["colour"] = "purple"
			c.CategoryID = uuid.NewString()
		}), apperr.KindInvalid, []string{"content.category_id", "content.skus[0].spec_values.colour"}},
		{"update: in review", func() error {
			_, err := f.svc.UpdateProduct(ctx, f.supplierA, inReview.ID, f.content("X", "DRAFT", map[string]int64{"black": 1}), time.Time{})
			return err
		}, apperr.KindFailedPrecondition, nil},
		{"approve a listed product with nothing submitted", func() error { _, err := f.svc.ApproveProduct(ctx, f.reviewer, listed.ID, time.Time{}); return err },
			apperr.KindFailedPrecondition, nil},
		{"reject without reason", func() error {
			_, err := f.svc.RejectProduct(ctx, f.reviewer, inReview.ID, " ", time.Time{})
			return err
		},
			apperr.KindInvalid, []string{"reason"}},
		{"list twice", func() error { _, err := f.svc.ListProduct(ctx, f.supplierA, listed.ID); return err },
			apperr.KindFailedPrecondition, nil},
		{"restore a product not in the bin", func() error { _, err := f.svc.RestoreProduct(ctx, f.supplierA, listed.ID); return err },
			apperr.KindFailedPrecondition, nil},
		{"translation into the default locale", func() error {
			_, err := f.svc.UpsertTranslation(ctx, f.translator, listed.ID, domain.TranslationInput{Locale: "en", Title: "X"})
			return err
		}, apperr.KindInvalid, []string{"translation.locale"}},
		{"translation label of no attribute", func() error {
			_, err := f.svc.UpsertTranslation(ctx, f.translator, listed.ID, domain.TranslationInput{Locale: "de", AttributeLabels: map[string]string{"size": "Größe"}})
			return err
		}, apperr.KindInvalid, []string{"translation.attribute_labels.size"}},
		{"category under an unknown parent", func() error {
			_, err := f.svc.CreateCategory(ctx, f.admin, domain.CategoryInput{ParentID: uuid.NewString(), Name: "X", Slug: "x"})
			return err
		}, apperr.KindInvalid, []string{"parent_id"}},
		{"taken category slug", func() error {
			_, err := f.svc.CreateCategory(ctx, f.admin, domain.CategoryInput{ParentID: f.electronics.ID.String(), Name: "Audio", Slug: "audio"})
			return err
		}, apperr.KindAlreadyExists, []string{"slug"}},
		{"taken brand", func() error { _, err := f.svc.CreateBrand(ctx, f.admin, "sonic"); return err }, apperr.KindAlreadyExists, []string{"name"}},
		{"bad model", func() error {
			_, err := f.svc.CreateProductModel(ctx, f.admin, "", []domain.Attribute{{Name: "x", Kind: domain.KindChoice}})
			return err
		}, apperr.KindInvalid, []string{"attributes[0].allowed_values", "name"}},
		{"search: bad locale", func() error {
			_, err := f.svc.SearchProducts(ctx, app.SearchInput{Locale: "!!", CategoryID: uuid.NewString()})
			return err
		}, apperr.KindInvalid, []string{"locale"}},
		{"search: prices", func() error {
			_, err := f.svc.SearchProducts(ctx, app.SearchInput{MinPrice: &money.Money{Amount: 500, Currency: "EUR"}, MaxPrice: &money.Money{Amount: 100, Currency: "USD"}})
			return err
		}, apperr.KindInvalid, []string{"max_price.currency_code"}},
		{"search: unknown category", func() error {
			_, err := f.svc.SearchProducts(ctx, app.SearchInput{CategoryID: uuid.NewString()})
			return err
		}, apperr.KindInvalid, []string{"category_id"}},
		{"search: foreign page token", func() error {
			_, err := f.svc.SearchProducts(ctx, app.SearchInput{PageToken: "bm90IGEgdG9rZW4"})
			return err
		}, apperr.KindInvalid, []string{"page.page_token"}},
		{"too many SKUs asked", func() error {
			_, _, err := f.svc.BatchGetSkus(ctx, f.service, make([]string, app.MaxBatchSKUs+1), "")
			return err
		}, apperr.KindInvalid, []string{"sku_ids"}},
		{"malformed SKU id", func() error {
			_, _, err := f.svc.BatchGetSkus(ctx, f.service, []string{listed.Live.Content.SKUs[0].ID.String(), "nope"}, "")
			return err
		}, apperr.KindInvalid, []string{"sku_ids[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.rowCounts(t)
			err := tt.run()
			wantKind(t, err, tt.kind)
			if got := testkit.FieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Errorf("violations = %v, want %v", got, tt.fields)
			}
			if after := f.rowCounts(t); !maps.Equal(before, after) {
				t.Errorf("rows changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// A listed product keeps its currency: a revision priced in another is
// refused, where before its approval turned the SKUs' prices, and the
// merchants' tier cost prices, into another currency overnight.
func TestARevisionKeepsTheListedProductsCurrency(t *testing.T) {
	f := newFixture(t)
	p := f.listed(t, f.supplierA, "Buds", "X", map[string]int64{"black": 1000})
	c := f.content("Buds", "X", map[string]int64{"black": 1000})
	c.SKUs[0].RetailPrice = money.MustNew(500, "JPY")
	c.SKUs[0].TierPrices[0].Price = money.MustNew(300, "JPY")
	_, err := f.svc.UpdateProduct(ctx, f.supplierA, p.ID, c, time.Time{})
	if fields := testkit.Fields(t, err); len(fields) != 1 || fields[0] != "content.skus[0].retail_price.currency_code" {
		t.Fatalf("a revision in JPY of a EUR product: fields %v (%v)", fields, err)
	}
	c.SKUs[0].RetailPrice, c.SKUs[0].TierPrices[0].Price = money.MustNew(1200, "EUR"), money.MustNew(700, "EUR")
	if _, err := f.svc.UpdateProduct(ctx, f.supplierA, p.ID, c, time.Time{}); err != nil {
		t.Errorf("a revision in EUR: %v", err)
	}
}
