package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// catalogSkus answers the app's Catalog port from a fixed set, standing for
// what the catalog's BatchGetSkus returns (the peers adapter's test covers
// that mapping; the catalog itself lives in another module). As the catalog
// does, it takes an id in any form uuid.Parse takes and answers the SKU
// under its own id.
type catalogSkus map[string]domain.SkuInfo

func (c catalogSkus) Skus(_ context.Context, ids []string) (map[string]domain.SkuInfo, error) {
	out := map[string]domain.SkuInfo{}
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil {
			id = u.String()
		}
		if s, ok := c[id]; ok {
			out[s.ID] = s
		}
	}
	return out, nil
}

// A SKU id in another form than the catalog's (upper case, without its
// hyphens) is the same SKU. Before, the catalog's answer, under the id's
// own form, was not found, and the line was refused as an unknown SKU.
func TestSkuLinesTakeAnyFormOfTheSkuID(t *testing.T) {
	id := "0190abcd-1234-7abc-8def-0123456789ab"
	skus := catalogSkus{id: {ID: id, WeightG: 500, Dimensions: domain.Dimensions{LengthMM: 100, WidthMM: 100, HeightMM: 100},
		Price: money.MustNew(2000, "USD"), OriginCountry: "CN", OriginRegion: "CN-GD", OnSale: true}}
	f := newFixture(t, "USD", app.WithCatalog(skus))
	dest := domain.Route{DestinationCountry: "US", DestinationRegion: "US-CA"}
	for _, form := range []string{id, strings.ToUpper(id), strings.ReplaceAll(id, "-", ""), " " + id + " "} {
		res, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: dest, Lines: []domain.SkuLine{{SkuID: form, Quantity: 2}}})
		if err != nil || res.Parcel.WeightG != 1000 {
			t.Errorf("SKU id %q: parcel %+v, %v; want the SKU's two units", form, res.Parcel, err)
		}
	}
}

// An estimate by SKU lines reveals a SKU's weight, size, price and origin,
// so only SKUs on sale, or the caller's own, are looked up; any other is
// answered exactly like an id the catalog does not know.
func TestEstimateSeesOnlyListedOrOwnSkus(t *testing.T) {
	sku := func(id, supplier string, onSale, deleted bool) domain.SkuInfo {
		return domain.SkuInfo{ID: id, WeightG: 500, Dimensions: domain.Dimensions{LengthMM: 100, WidthMM: 100, HeightMM: 100},
			Price: money.MustNew(2000, "USD"), OriginCountry: "CN", OriginRegion: "CN-GD",
			SupplierID: supplier, OnSale: onSale, Deleted: deleted}
	}
	skus := catalogSkus{
		"listed":        sku("listed", "org-a", true, false),
		"draft-a":       sku("draft-a", "org-a", false, false),
		"deleted-a":     sku("deleted-a", "org-a", false, true),
		"other-draft":   sku("other-draft", "org-b", false, false),
		"other-deleted": sku("other-deleted", "org-b", false, true),
	}
	f := newFixture(t, "USD", app.WithCatalog(skus))
	supplierA := auth.Caller{Subject: "u-a", Kind: auth.KindUser, Roles: []string{auth.RoleSupplier}, OrganizationID: "org-a"}
	service := auth.Caller{Subject: "orders", Kind: auth.KindService, Roles: []string{auth.RoleService}}
	// A service token without the service role (none is issued today) is
	// trusted no further than its organization, like any other caller.
	roleless := auth.Caller{Subject: "svc-x", Kind: auth.KindService}
	dest := domain.Route{DestinationCountry: "US", DestinationRegion: "US-CA"}

	for _, tt := range []struct {
		name    string
		caller  auth.Caller
		sku     string
		visible bool
	}{
		{"a listed SKU, to a buyer", buyer, "listed", true},
		{"another supplier's listed SKU", supplierA, "listed", true},
		{"an unlisted SKU, to a buyer", buyer, "draft-a", false},
		{"the supplier's own unlisted SKU", supplierA, "draft-a", true},
		{"the supplier's own deleted SKU", supplierA, "deleted-a", false},
		{"another supplier's unlisted SKU", supplierA, "other-draft", false},
		{"another supplier's deleted SKU", supplierA, "other-deleted", false},
		{"an unknown SKU", supplierA, "ghost", false},
		{"an unlisted SKU, to a service", service, "other-draft", true},
		{"an unlisted SKU, to a service token without the role", roleless, "other-draft", false},
		{"a listed SKU, to a service token without the role", roleless, "listed", true},
		{"an unlisted SKU, to an admin", admin, "other-draft", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.svc.Estimate(ctx, tt.caller, app.EstimateRequest{Route: dest, Lines: []domain.SkuLine{{SkuID: tt.sku, Quantity: 2}}})
			if tt.visible {
				if err != nil || res.Parcel.WeightG != 1000 || res.Route.OriginRegion != "CN-GD" {
					t.Fatalf("estimate = %+v, %v; want 1000 g from CN-GD", res.Parcel, err)
				}
				return
			}
			if apperr.KindOf(err) != apperr.KindInvalid {
				t.Fatalf("error %v, want the unknown-SKU answer", err)
			}
			if got := testkit.Fields(t, err); len(got) != 1 || got[0] != "lines.lines[0].sku_id" {
				t.Errorf("fields %v", got)
			}
			if err.Error() != "invalid request: lines.lines[0].sku_id: is not a known SKU" {
				t.Errorf("message %q differs from an unknown SKU's", err.Error())
			}
		})
	}
}

// SKU lines sold below retail (a merchant's tier cost) are compared with
// history at what they were sold for, converted to the base currency; the
// retail prices summed are the value only when none is given.
func TestSkuLinesAreValuedAtWhatTheyWereSoldFor(t *testing.T) {
	skus := catalogSkus{"lamp": {ID: "lamp", WeightG: 500, Dimensions: domain.Dimensions{LengthMM: 100, WidthMM: 100, HeightMM: 100},
		Price: money.MustNew(2000, "USD"), OriginCountry: "CN", OriginRegion: "CN-GD", OnSale: true}}
	f := newFixture(t, "USD", app.WithCatalog(skus), app.WithRates(rates{{"EUR", "USD"}: "1.25"}))
	dest := domain.Route{DestinationCountry: "US", DestinationRegion: "US-CA"}
	lines := []domain.SkuLine{{SkuID: "lamp", Quantity: 3}}
	eur := money.MustNew(3000, "EUR")
	for _, tt := range []struct {
		name string
		sold *money.Money
		want money.Money
	}{
		{"retail", nil, money.MustNew(6000, "USD")},
		{"sold at cost", &money.Money{Amount: 4500, Currency: "USD"}, money.MustNew(4500, "USD")},
		{"sold in another currency", &eur, money.MustNew(3750, "USD")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: dest, Lines: lines, LinesValue: tt.sold})
			if err != nil || res.Parcel.Value != tt.want || res.Parcel.WeightG != 1500 {
				t.Fatalf("parcel %+v, %v; want valued at %v", res.Parcel, err, tt.want)
			}
		})
	}
	_, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: dest, Lines: lines, LinesValue: &money.Money{Currency: "USD"}})
	if got := testkit.Fields(t, err); !slices.Equal(got, []string{"lines.declared_value.amount_minor"}) {
		t.Fatalf("a zero value: %v", got)
	}
}

// SKU lines shipping from two origins are estimated on a route that names
// its origin, as the contract says; on one that names none they are
// refused (SEVERAL_ORIGINS). Before, they were refused either way, and the
// refusal's own advice (name the origin) did not help.
func TestSkuLinesFromTwoOriginsNeedTheRouteToNameOne(t *testing.T) {
	sku := func(id, region string) domain.SkuInfo {
		return domain.SkuInfo{ID: id, WeightG: 500, Dimensions: domain.Dimensions{LengthMM: 100, WidthMM: 100, HeightMM: 100},
			Price: money.MustNew(2000, "USD"), OriginCountry: "CN", OriginRegion: region, OnSale: true}
	}
	f := newFixture(t, "USD", app.WithCatalog(catalogSkus{"gd": sku("gd", "CN-GD"), "zj": sku("zj", "CN-ZJ")}))
	lines := []domain.SkuLine{{SkuID: "gd", Quantity: 1}, {SkuID: "zj", Quantity: 1}}
	named := domain.Route{OriginCountry: "CN", OriginRegion: "CN-ZJ", DestinationCountry: "US", DestinationRegion: "US-CA"}
	res, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: named, Lines: lines})
	if err != nil || res.Route.OriginRegion != "CN-ZJ" || res.Parcel.WeightG != 1000 {
		t.Fatalf("estimate from the named origin = %+v, %v; want 1000 g from CN-ZJ", res, err)
	}
	unnamed := domain.Route{DestinationCountry: "US", DestinationRegion: "US-CA"}
	if _, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: unnamed, Lines: lines}); !errors.Is(err, domain.ErrSeveralOrigins) {
		t.Errorf("estimate naming no origin = %v, want SEVERAL_ORIGINS", err)
	}
	// One origin the catalogue left empty is no second origin: it is the
	// SKU's bad origin that is refused.
	bare := sku("bare", "")
	bare.OriginCountry = ""
	f2 := newFixture(t, "USD", app.WithCatalog(catalogSkus{"bare": bare}))
	_, err = f2.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: unnamed, Lines: []domain.SkuLine{{SkuID: "bare", Quantity: 1}}})
	if errors.Is(err, domain.ErrSeveralOrigins) || err == nil {
		t.Errorf("estimate of a SKU without an origin = %v, want its origin refused, not SEVERAL_ORIGINS", err)
	}
}
