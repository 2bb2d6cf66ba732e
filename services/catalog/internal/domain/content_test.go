package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/catalog/internal/domain"
)

func TestValidateContent(t *testing.T) {
	model := shirtModel()
	tests := []struct {
		name   string
		change func(*domain.ContentInput)
		typ    domain.ProductType
		bad    []string
	}{
		{"valid", func(*domain.ContentInput) {}, domain.ProductPhysical, nil},
		{"missing category, title and description", func(c *domain.ContentInput) { c.CategoryID, c.Title, c.Description = "", " ", "" },
			domain.ProductPhysical, []string{"content.category_id", "content.description", "content.title"}},
		{"malformed ids", func(c *domain.ContentInput) { c.CategoryID, c.BrandID = "cat", "brand" },
			domain.ProductPhysical, []string{"content.brand_id", "content.category_id"}},
		{"nil UUIDs", func(c *domain.ContentInput) {
			c.CategoryID, c.BrandID, c.SKUs[0].SkuID = uuid.Nil.String(), uuid.Nil.String(), uuid.Nil.String()
		}, domain.ProductPhysical, []string{"content.brand_id", "content.category_id", "content.skus[0].sku_id"}},
		{"http image", func(c *domain.ContentInput) { c.Images = []string{"http://img.example.com/a.jpg", "not a url"} },
			domain.ProductPhysical, []string{"content.images[0]", "content.images[1]"}},
		{"unknown attribute and missing required one", func(c *domain.ContentInput) { c.Attributes = map[string]string{"fabric": "linen"} },
			domain.ProductPhysical, []string{"content.attributes.fabric", "content.attributes.material"}},
		{"spec attribute given for the product", func(c *domain.ContentInput) { c.Attributes["size"] = "S" },
			domain.ProductPhysical, []string{"content.attributes.size"}},
		{"bad number", func(c *domain.ContentInput) { c.Attributes["weight_class"] = "1e3" },
			domain.ProductPhysical, []string{"content.attributes.weight_class"}},
		{"no SKUs", func(c *domain.ContentInput) { c.SKUs = nil }, domain.ProductPhysical, []string{"content.skus"}},
		{"spec value outside the model", func(c *domain.ContentInput) { c.SKUs[0].SpecValues["size"] = "XXL" },
			domain.ProductPhysical, []string{"content.skus[0].spec_values.size"}},
		{"required spec missing", func(c *domain.ContentInput) { c.SKUs[1].SpecValues = map[string]string{"colour": "red"} },
			domain.ProductPhysical, []string{"content.skus[1].spec_values.size"}},
		{"non-spec attribute per SKU", func(c *domain.ContentInput) { c.SKUs[0].SpecValues["material"] = "silk" },
			domain.ProductPhysical, []string{"content.skus[0].spec_values.material"}},
		{"same spec values twice", func(c *domain.ContentInput) { c.SKUs[1].SpecValues = map[string]string{"size": "S"} },
			domain.ProductPhysical, []string{"content.skus[1].spec_values"}},
		{"duplicate SKU code", func(c *domain.ContentInput) { c.SKUs[1].SkuCode = "SHIRT-S" },
			domain.ProductPhysical, []string{"content.skus[1].sku_code"}},
		{"bad SKU code", func(c *domain.ContentInput) { c.SKUs[0].SkuCode = "with space" },
			domain.ProductPhysical, []string{"content.skus[0].sku_code"}},
		{"negative price", func(c *domain.ContentInput) { c.SKUs[0].RetailPrice = money.Money{Amount: -1, Currency: "USD"} },
			domain.ProductPhysical, []string{"content.skus[0].retail_price.amount_minor"}},
		{"zero price", func(c *domain.ContentInput) { c.SKUs[0].RetailPrice = money.Money{Currency: "USD"} },
			domain.ProductPhysical, []string{"content.skus[0].retail_price.amount_minor"}},
		{"missing price", func(c *domain.ContentInput) { c.SKUs[0].RetailPrice = money.Money{} },
			domain.ProductPhysical, []string{"content.skus[0].retail_price"}},
		{"unknown currency", func(c *domain.ContentInput) { c.SKUs[0].RetailPrice = money.Money{Amount: 5, Currency: "XYZ"} },
			domain.ProductPhysical, []string{"content.skus[0].retail_price.currency_code"}},
		{"two currencies", func(c *domain.ContentInput) { c.SKUs[1].RetailPrice = money.MustNew(100, "EUR") },
			domain.ProductPhysical, []string{"content.skus[1].retail_price.currency_code"}},
		{"tier price in another currency, duplicate tier", func(c *domain.ContentInput) {
			c.SKUs[0].TierPrices = []domain.TierPrice{{TierCode: "gold", Price: money.MustNew(1, "EUR")}, {TierCode: "gold", Price: usd(5)}}
		}, domain.ProductPhysical, []string{"content.skus[0].tier_prices[0].price.currency_code", "content.skus[0].tier_prices[1].tier_code"}},
		{"negative tier price", func(c *domain.ContentInput) { c.SKUs[0].TierPrices[0].Price = usd(-5) },
			domain.ProductPhysical, []string{"content.skus[0].tier_prices[0].price.amount_minor"}},
		{"negative weight", func(c *domain.ContentInput) { c.SKUs[0].WeightG = -1 },
			domain.ProductPhysical, []string{"content.skus[0].weight_g"}},
		{"physical without weight or dimensions", func(c *domain.ContentInput) { c.SKUs[0].WeightG, c.SKUs[0].Dimensions = 0, domain.Dimensions{} },
			domain.ProductPhysical, []string{"content.skus[0].dimensions", "content.skus[0].weight_g"}},
		{"negative and missing dimension", func(c *domain.ContentInput) { c.SKUs[0].Dimensions = domain.Dimensions{LengthMM: -3, WidthMM: 2} },
			domain.ProductPhysical, []string{"content.skus[0].dimensions.height_mm", "content.skus[0].dimensions.length_mm"}},
		{"virtual with weight", func(c *domain.ContentInput) { c.SKUs[1].WeightG, c.SKUs[1].Dimensions = 0, domain.Dimensions{} },
			domain.ProductVirtual, []string{"content.skus[0].dimensions", "content.skus[0].weight_g"}},
		{"long title", func(c *domain.ContentInput) { c.Title = strings.Repeat("x", 201) },
			domain.ProductPhysical, []string{"content.title"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validContent()
			tt.change(&in)
			c, err := domain.ValidateContent(in, &model, tt.typ)
			if got := testkit.Fields(t, err); !slices.Equal(got, tt.bad) {
				t.Fatalf("violations = %v, want %v", got, tt.bad)
			}
			if err == nil && (len(c.SKUs) != 2 || c.FromPrice() != usd(1999)) {
				t.Errorf("content = %+v", c)
			}
		})
	}
}

func TestValidateContentVirtual(t *testing.T) {
	model := shirtModel()
	in := validContent()
	for i := range in.SKUs {
		in.SKUs[i].WeightG, in.SKUs[i].Dimensions = 0, domain.Dimensions{}
	}
	if _, err := domain.ValidateContent(in, &model, domain.ProductVirtual); err != nil {
		t.Fatalf("virtual product without weight: %v", err)
	}
}

// Without a model (its id was bad) the model's checks are skipped, so the
// client is not told about attributes that may be fine.
func TestValidateContentWithoutModel(t *testing.T) {
	in := validContent()
	in.Attributes = map[string]string{"anything": "goes"}
	if _, err := domain.ValidateContent(in, nil, domain.ProductPhysical); err != nil {
		t.Fatalf("without model: %v", err)
	}
}

func TestNewProduct(t *testing.T) {
	model := shirtModel()
	p, err := domain.NewProduct(validProduct(), &model, [16]byte{1}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != domain.StatusDraft || p.Pending == nil || p.Pending.Number != 1 || p.Live != nil ||
		p.Origin != (domain.Origin{CountryCode: "CN", RegionCode: "CN-GD"}) || p.DefaultLocale != "en" {
		t.Errorf("product = %+v", p)
	}
	tests := []struct {
		name   string
		change func(*domain.ProductInput)
		bad    []string
	}{
		{"unknown country", func(in *domain.ProductInput) { in.Origin.CountryCode = "QQ" }, []string{"origin.country_code"}},
		{"missing region", func(in *domain.ProductInput) { in.Origin.RegionCode = "" }, []string{"origin.region_code"}},
		{"region of another country", func(in *domain.ProductInput) { in.Origin.RegionCode = "DE-BY" }, []string{"origin.region_code"}},
		{"bad locale and type", func(in *domain.ProductInput) { in.DefaultLocale, in.Type = "not a locale!", "" },
			[]string{"default_locale", "type"}},
		{"missing model and content problems", func(in *domain.ProductInput) { in.ModelID, in.Content.Title = "", "" },
			[]string{"content.title", "model_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validProduct()
			tt.change(&in)
			_, err := domain.NewProduct(in, &model, [16]byte{1}, now)
			if got := testkit.Fields(t, err); !slices.Equal(got, tt.bad) {
				t.Fatalf("violations = %v, want %v", got, tt.bad)
			}
		})
	}
}

func TestNewProductModel(t *testing.T) {
	tests := []struct {
		name  string
		attrs []domain.Attribute
		bad   []string
	}{
		{"empty model", nil, nil},
		{"bad name and duplicate", []domain.Attribute{{Name: "Size", Kind: domain.KindText}, {Name: "ok", Kind: domain.KindText}, {Name: "ok", Kind: domain.KindText}},
			[]string{"attributes[0].name", "attributes[2].name"}},
		{"choice without values", []domain.Attribute{{Name: "size", Kind: domain.KindChoice}}, []string{"attributes[0].allowed_values"}},
		{"values on text", []domain.Attribute{{Name: "size", Kind: domain.KindText, AllowedValues: []string{"S"}}}, []string{"attributes[0].allowed_values"}},
		{"repeated value", []domain.Attribute{{Name: "size", Kind: domain.KindChoice, AllowedValues: []string{"S", "S"}}}, []string{"attributes[0].allowed_values[1]"}},
		{"no kind", []domain.Attribute{{Name: "size"}}, []string{"attributes[0].kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.NewProductModel("Model", tt.attrs, now)
			if got := testkit.Fields(t, err); !slices.Equal(got, tt.bad) {
				t.Fatalf("violations = %v, want %v", got, tt.bad)
			}
		})
	}
}

func TestCategoryTree(t *testing.T) {
	root, err := domain.NewCategory(domain.CategoryInput{Name: "Electronics", Slug: "electronics"}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	child, err := domain.NewCategory(domain.CategoryInput{ParentID: root.ID.String(), Name: "Audio", Slug: "audio"}, &root, now)
	if err != nil {
		t.Fatal(err)
	}
	if root.Depth() != 1 || child.Depth() != 2 || !strings.HasPrefix(child.Path, root.Path) || child.ParentID != root.ID {
		t.Errorf("root %+v child %+v", root, child)
	}
	deepest := child
	for deepest.Depth() < domain.MaxCategoryDepth {
		next, err := domain.NewCategory(domain.CategoryInput{Name: "Level", Slug: "level"}, &deepest, now)
		if err != nil {
			t.Fatal(err)
		}
		deepest = next
	}
	_, err = domain.NewCategory(domain.CategoryInput{Name: "Too deep", Slug: "too-deep"}, &deepest, now)
	if got := testkit.Fields(t, err); !slices.Equal(got, []string{"parent_id"}) {
		t.Errorf("too deep: %v", got)
	}
	_, err = domain.NewCategory(domain.CategoryInput{ParentID: "x", Name: "", Slug: "Not A Slug"}, nil, now)
	if got := testkit.Fields(t, err); !slices.Equal(got, []string{"name", "parent_id", "slug"}) {
		t.Errorf("bad category: %v", got)
	}
}

func TestLocales(t *testing.T) {
	for raw, want := range map[string]string{"en": "en", "pt-br": "pt-BR", "DE-at": "de-AT", "zh-Hant-TW": "zh-Hant-TW"} {
		if got, ok := domain.ParseLocale(raw); !ok || got != want {
			t.Errorf("ParseLocale(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	for _, raw := range []string{"", "und", "not a locale", "x-private", strings.Repeat("a", 40)} {
		if got, ok := domain.ParseLocale(raw); ok {
			t.Errorf("ParseLocale(%q) = %q, accepted", raw, got)
		}
	}
	if got := domain.LocaleChain("de-AT"); !slices.Equal(got, []string{"de-AT", "de"}) {
		t.Errorf("chain of de-AT = %v", got)
	}
	if got := domain.LocaleChain("de"); !slices.Equal(got, []string{"de"}) {
		t.Errorf("chain of de = %v", got)
	}
}
