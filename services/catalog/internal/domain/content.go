package domain

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
)

// Limits of a product's content.
const (
	MaxImages        = 20
	MaxSKUs          = 100
	MaxImageURL      = 2048
	MaxWeightG       = 100_000_000 // 100 t
	MaxDimensionMM   = 100_000     // 100 m
	MaxTitle         = 200
	MaxDescription   = 10_000
	MaxTiersPerSKU   = 20
	maxAttributeKeys = MaxModelAttributes
)

var (
	skuCodePattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)
	tierCodePattern = regexp.MustCompile(`^[a-z0-9-]{2,32}$`)
)

// Dimensions of a SKU's package in millimetres; the zero value means unset.
type Dimensions struct {
	LengthMM, WidthMM, HeightMM int64
}

// IsZero reports whether no dimension is set.
func (d Dimensions) IsZero() bool { return d == Dimensions{} }

// TierPrice is a merchant tier's cost price of a SKU. Tiers belong to the
// users service; a code is checked for shape only.
type TierPrice struct {
	TierCode string
	Price    money.Money
}

// SKU is one sellable variant as a revision describes it. Its ID is stable
// across revisions: an edit that keeps the sku_code keeps the SKU.
type SKU struct {
	ID          uuid.UUID
	Code        string
	SpecValues  map[string]string
	RetailPrice money.Money
	TierPrices  []TierPrice
	WeightG     int64
	Dimensions  Dimensions
}

// TierPrice returns the SKU's cost price for tier.
func (s SKU) TierPrice(tier string) (money.Money, bool) {
	for _, t := range s.TierPrices {
		if t.TierCode == tier {
			return t.Price, true
		}
	}
	return money.Money{}, false
}

// Content is what a revision says about a product, in its default locale.
type Content struct {
	CategoryID  uuid.UUID
	BrandID     uuid.UUID // uuid.Nil for none
	Title       string
	Description string
	Images      []string
	Attributes  map[string]string
	SKUs        []SKU
}

// SKU returns the content's SKU with the given id.
func (c Content) SKU(id uuid.UUID) (SKU, bool) {
	for _, s := range c.SKUs {
		if s.ID == id {
			return s, true
		}
	}
	return SKU{}, false
}

// FromPrice is the cheapest SKU's retail price (all SKUs share a currency).
func (c Content) FromPrice() money.Money {
	var best money.Money
	for i, s := range c.SKUs {
		if i == 0 || s.RetailPrice.Amount < best.Amount {
			best = s.RetailPrice
		}
	}
	return best
}

// ContentInput is a revision's content as a request gives it; ids are still
// strings so that malformed ones are reported with everything else.
type ContentInput struct {
	CategoryID  string
	BrandID     string
	Title       string
	Description string
	Images      []string
	Attributes  map[string]string
	SKUs        []SKUInput
}

// SKUInput is one SKU as a request gives it.
type SKUInput struct {
	// SkuID is empty for a new SKU; otherwise it must be the id of this
	// product's SKU with the same code.
	SkuID       string
	SkuCode     string
	SpecValues  map[string]string
	RetailPrice money.Money // zero value: not given
	TierPrices  []TierPrice
	WeightG     int64
	Dimensions  Dimensions
}

// ContentRefs are the ids a content input names, for the caller to look up;
// malformed ids are left out (ValidateContent reports them).
type ContentRefs struct {
	CategoryID uuid.UUID
	BrandID    uuid.UUID
}

// Refs parses the category and brand ids of in.
func (in ContentInput) Refs() ContentRefs {
	var v violations
	return ContentRefs{
		CategoryID: parseID(&v, "", in.CategoryID, false),
		BrandID:    parseID(&v, "", in.BrandID, false),
	}
}

// ValidateContent checks content against the product's model and type
// (fields "content...."). model is nil when the product's model is unknown,
// and typ empty when the type is: the checks that need them are skipped,
// since their own fields already carry the violation. SKU ids are parsed but
// not resolved: matching them to existing SKUs needs the database.
func ValidateContent(in ContentInput, model *ProductModel, typ ProductType) (Content, error) {
	var v violations
	c := Content{
		CategoryID:  parseID(&v, "content.category_id", in.CategoryID, true),
		BrandID:     parseID(&v, "content.brand_id", in.BrandID, false),
		Title:       apperr.CheckText(&v, "content.title", in.Title, 1, MaxTitle),
		Description: apperr.CheckLongText(&v, "content.description", in.Description, 1, MaxDescription),
		Images:      checkImages(&v, in.Images),
	}
	c.Attributes = checkAttributes(&v, in.Attributes, model)
	c.SKUs = checkSKUs(&v, in.SKUs, model, typ)
	if err := v.Err(); err != nil {
		return Content{}, err
	}
	return c, nil
}

func checkImages(v *violations, images []string) []string {
	if len(images) > MaxImages {
		v.Add("content.images", "must hold at most 20 images")
		return nil
	}
	out := make([]string, 0, len(images))
	for i, raw := range images {
		f := apperr.Index("content.images", i, "")
		raw = strings.TrimSpace(raw)
		u, err := url.Parse(raw)
		switch {
		case raw == "":
			v.Add(f, "is empty")
		case len(raw) > MaxImageURL:
			v.Add(f, "must be at most 2048 characters")
		case err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil:
			v.Add(f, "must be an https URL")
		case slices.Contains(out, raw):
			v.Add(f, "is listed twice")
		}
		out = append(out, raw)
	}
	return out
}

// checkAttributes validates the product-level (non-spec) attribute values.
func checkAttributes(v *violations, in map[string]string, model *ProductModel) map[string]string {
	out := make(map[string]string, len(in))
	if len(in) > maxAttributeKeys {
		v.Add("content.attributes", "must hold at most 50 values")
		return out
	}
	for _, name := range slices.Sorted(maps.Keys(in)) {
		f := apperr.MapKey("content.attributes", name)
		if model == nil {
			out[name] = in[name]
			continue
		}
		a, ok := model.Attribute(name)
		switch {
		case !ok:
			v.Add(f, "is not an attribute of the product model")
		case a.Spec:
			v.Add(f, "is a spec attribute: give it per SKU in spec_values")
		default:
			out[name] = checkValue(v, f, a, in[name])
		}
	}
	if model != nil {
		for _, a := range model.Attributes {
			if !a.Spec && a.Required {
				if _, ok := in[a.Name]; !ok {
					v.Add(apperr.MapKey("content.attributes", a.Name), "is required by the product model")
				}
			}
		}
	}
	return out
}

func checkSKUs(v *violations, in []SKUInput, model *ProductModel, typ ProductType) []SKU {
	switch {
	case len(in) == 0:
		v.Add("content.skus", "must hold at least one SKU")
		return nil
	case len(in) > MaxSKUs:
		v.Add("content.skus", "must hold at most 100 SKUs")
		return nil
	}
	var currency string // the product's: the first valid retail price's
	codes := map[string]bool{}
	var specs []map[string]string
	out := make([]SKU, 0, len(in))
	for i, s := range in {
		f := func(sub string) string { return apperr.Index("content.skus", i, sub) }
		sku := SKU{ID: parseID(v, f("sku_id"), s.SkuID, false)}

		sku.Code = strings.TrimSpace(s.SkuCode)
		switch {
		case sku.Code == "":
			v.Add(f("sku_code"), "is required")
		case !skuCodePattern.MatchString(sku.Code):
			v.Add(f("sku_code"), "must be 1 to 64 letters, digits, dots, dashes, underscores or slashes, starting with a letter or digit")
		case codes[sku.Code]:
			v.Add(f("sku_code"), "is used by another SKU of this product")
		}
		codes[sku.Code] = true

		sku.SpecValues = checkSpecValues(v, f("spec_values"), s.SpecValues, model)
		if model != nil && len(sku.SpecValues) == len(s.SpecValues) {
			if slices.ContainsFunc(specs, func(m map[string]string) bool { return maps.Equal(m, sku.SpecValues) }) {
				v.Add(f("spec_values"), "are the same as another SKU's")
			}
			specs = append(specs, sku.SpecValues)
		}

		sku.RetailPrice = checkPrice(v, f("retail_price"), s.RetailPrice, &currency)
		sku.TierPrices = checkTierPrices(v, f("tier_prices"), s.TierPrices, &currency)
		sku.WeightG, sku.Dimensions = checkPhysical(v, f, s, typ)
		out = append(out, sku)
	}
	return out
}

func checkSpecValues(v *violations, field string, in map[string]string, model *ProductModel) map[string]string {
	out := make(map[string]string, len(in))
	if model == nil {
		maps.Copy(out, in)
		return out
	}
	for _, name := range slices.Sorted(maps.Keys(in)) {
		f := apperr.MapKey(field, name)
		a, ok := model.Attribute(name)
		switch {
		case !ok:
			v.Add(f, "is not an attribute of the product model")
		case !a.Spec:
			v.Add(f, "is not a spec attribute: give it once in content.attributes")
		default:
			before := len(*v)
			value := checkValue(v, f, a, in[name])
			if len(*v) == before {
				out[name] = value
			}
		}
	}
	for _, a := range model.Attributes {
		if a.Spec && a.Required {
			if _, ok := in[a.Name]; !ok {
				v.Add(apperr.MapKey(field, a.Name), "is required by the product model")
			}
		}
	}
	return out
}

// checkPrice validates a positive amount in a known currency; the first
// valid currency seen becomes the product's, and every other price must use
// it: a product has one currency.
func checkPrice(v *violations, field string, m money.Money, currency *string) money.Money {
	switch {
	case m.Currency == "" && m.Amount == 0:
		v.Add(field, "is required")
		return m
	case m.Validate() != nil:
		v.Add(field+".currency_code", "must be an ISO 4217 currency code such as USD")
		return m
	case *currency == "":
		*currency = m.Currency
	case m.Currency != *currency:
		v.Add(field+".currency_code", "must be the product's currency, "+*currency)
	}
	switch {
	case m.Amount < 0:
		v.Add(field+".amount_minor", "must not be negative")
	case m.Amount == 0:
		v.Add(field+".amount_minor", "must be positive")
	}
	return m
}

func checkTierPrices(v *violations, field string, in []TierPrice, currency *string) []TierPrice {
	if len(in) > MaxTiersPerSKU {
		v.Add(field, "must hold at most 20 tier prices")
		return nil
	}
	out := make([]TierPrice, 0, len(in))
	for j, t := range in {
		f := apperr.Index(field, j, "")
		t.TierCode = strings.TrimSpace(t.TierCode)
		switch {
		case !tierCodePattern.MatchString(t.TierCode):
			v.Add(f+".tier_code", "must be 2 to 32 lower-case letters, digits or dashes")
		case slices.ContainsFunc(out, func(o TierPrice) bool { return o.TierCode == t.TierCode }):
			v.Add(f+".tier_code", "has another price on this SKU")
		}
		t.Price = checkPrice(v, f+".price", t.Price, currency)
		out = append(out, t)
	}
	return out
}

// checkPhysical validates weight and dimensions: required and positive for
// physical goods, absent for virtual ones, never negative.
func checkPhysical(v *violations, f func(string) string, s SKUInput, typ ProductType) (int64, Dimensions) {
	d := s.Dimensions
	dims := []struct {
		name  string
		value int64
	}{{"length_mm", d.LengthMM}, {"width_mm", d.WidthMM}, {"height_mm", d.HeightMM}}
	switch {
	case s.WeightG < 0:
		v.Add(f("weight_g"), "must not be negative")
	case s.WeightG > MaxWeightG:
		v.Add(f("weight_g"), "must be at most 100000000 (100 t)")
	case typ == ProductPhysical && s.WeightG == 0:
		v.Add(f("weight_g"), "is required for a physical product")
	case typ == ProductVirtual && s.WeightG != 0:
		v.Add(f("weight_g"), "must not be set for a virtual product")
	}
	if typ == ProductVirtual && !d.IsZero() {
		v.Add(f("dimensions"), "must not be set for a virtual product")
		return s.WeightG, d
	}
	if typ == ProductPhysical && d.IsZero() {
		v.Add(f("dimensions"), "are required for a physical product")
		return s.WeightG, d
	}
	for _, dim := range dims {
		switch {
		case dim.value < 0:
			v.Add(f("dimensions."+dim.name), "must not be negative")
		case dim.value > MaxDimensionMM:
			v.Add(f("dimensions."+dim.name), "must be at most 100000 (100 m)")
		case dim.value == 0 && typ == ProductPhysical:
			v.Add(f("dimensions."+dim.name), "is required for a physical product")
		}
	}
	return s.WeightG, d
}
