package domain_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

var (
	now   = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	route = domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD", DestinationCountry: "US", DestinationRegion: "US-CA"}
)

func shipment(cur string, declared, transaction, goods int64) domain.ShipmentInput {
	return domain.ShipmentInput{
		ShipmentID: "s-1", Route: route, VolumeCM3: 1000, WeightG: 2000,
		DeclaredValue: money.MustNew(declared, cur), TransactionAmount: money.MustNew(transaction, cur),
		GoodsPrice: money.MustNew(goods, cur), CompletedAt: now.Add(-time.Hour),
	}
}

func TestNewShipment(t *testing.T) {
	eur := shipment("EUR", 4000, 5000, 4000)
	eur.RateToBase = "1.085"
	eurBaseValue := eur
	eurBaseValue.DeclaredValue = money.MustNew(4340, "USD")
	jpy := shipment("JPY", 5000, 6501, 5000)
	jpy.RateToBase = "0.0066"
	tests := []struct {
		name           string
		in             domain.ShipmentInput
		value, freight int64
	}{
		// 50.00 − 40.00 = 10.00 USD.
		{"base currency", shipment("USD", 4000, 5000, 4000), 4000, 1000},
		// Freight 10.00 EUR × 1.085 = 10.85 USD; value 40.00 EUR × 1.085 = 43.40 USD.
		{"foreign currency", eur, 4340, 1085},
		// A declared value already in the base currency is kept.
		{"declared value in base", eurBaseValue, 4340, 1085},
		// 1501 JPY × 0.0066 = 9.9066 USD → 991 cents (half-even); 5000 JPY = 33.00 USD.
		{"zero-decimal currency", jpy, 3300, 991},
		// Zero freight is data, not an error.
		{"zero freight", shipment("USD", 4000, 4000, 4000), 4000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := domain.NewShipment(tt.in, "USD", now)
			if err != nil {
				t.Fatal(err)
			}
			if s.Value != tt.value || s.Freight != tt.freight {
				t.Fatalf("value %d freight %d, want %d and %d", s.Value, s.Freight, tt.value, tt.freight)
			}
		})
	}
}

func TestNewShipmentRefusesBadData(t *testing.T) {
	noRate := shipment("EUR", 4000, 5000, 4000)
	mixed := shipment("USD", 4000, 5000, 4000)
	mixed.GoodsPrice = money.MustNew(4000, "EUR")
	foreignValue := shipment("EUR", 4000, 5000, 4000)
	foreignValue.RateToBase = "1.1"
	foreignValue.DeclaredValue = money.MustNew(4000, "GBP")
	badRate := shipment("EUR", 4000, 5000, 4000)
	badRate.RateToBase = "1,1"
	future := shipment("USD", 4000, 5000, 4000)
	future.CompletedAt = now.Add(time.Hour)
	noRoute := shipment("USD", 4000, 5000, 4000)
	noRoute.Route = domain.Route{}
	badCodes := shipment("USD", 4000, 5000, 4000)
	badCodes.Route.OriginCountry, badCodes.Route.DestinationRegion = "QQ", "US-ZZ"
	sizes := shipment("USD", 4000, 5000, 4000)
	sizes.VolumeCM3, sizes.WeightG, sizes.ShipmentID = 0, -3, " "
	tests := []struct {
		name string
		in   domain.ShipmentInput
		bad  []string
	}{
		{"missing rate", noRate, []string{"rate_to_base"}},
		{"goods in another currency", mixed, []string{"goods_price.currency_code"}},
		{"value in a third currency", foreignValue, []string{"declared_value.currency_code"}},
		{"malformed rate", badRate, []string{"rate_to_base"}},
		{"completed in the future", future, []string{"completed_at"}},
		{"no route", noRoute, []string{"route"}},
		{"unknown codes", badCodes, []string{"route.origin_country_code", "route.destination_region_code"}},
		{"sizes and id", sizes, []string{"shipment_id", "volume_cm3", "weight_g"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.NewShipment(tt.in, "USD", now)
			if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
		})
	}
	_, err := domain.NewShipment(shipment("USD", 4000, 3999, 4000), "USD", now)
	if !errors.Is(err, domain.ErrNegativeFreight) || !apperr.IsKind(err, apperr.KindInvalid) {
		t.Fatalf("negative freight: %v", err)
	}
	if r := apperr.Summary(err); r != "transaction_amount: is below goods_price: negative freight" {
		t.Errorf("reason = %q", r)
	}
}

func TestSumLines(t *testing.T) {
	skus := map[string]domain.SkuInfo{
		// 100·50·20 mm = 100,000 mm³ = 100 cm³, 300 g, 12.50 USD.
		"case": {ID: "case", WeightG: 300, Dimensions: domain.Dimensions{LengthMM: 100, WidthMM: 50, HeightMM: 20}, Price: money.MustNew(1250, "USD"), OriginCountry: "CN", OriginRegion: "CN-GD"},
		// 11·11·11 mm = 1331 mm³, 5 g, 9.99 EUR.
		"pin":  {ID: "pin", WeightG: 5, Dimensions: domain.Dimensions{LengthMM: 11, WidthMM: 11, HeightMM: 11}, Price: money.MustNew(999, "EUR"), OriginCountry: "CN", OriginRegion: "CN-GD"},
		"far":  {ID: "far", WeightG: 5, Dimensions: domain.Dimensions{LengthMM: 1, WidthMM: 1, HeightMM: 1}, Price: money.MustNew(1, "USD"), OriginCountry: "DE", OriginRegion: "DE-BY"},
		"bare": {ID: "bare", Price: money.MustNew(1, "USD"), OriginCountry: "CN", OriginRegion: "CN-GD"},
	}
	// 2 cases + 3 pins: 200,000 + 3,993 = 203,993 mm³ → 204 cm³ (rounded up);
	// 600 + 15 = 615 g; 25.00 USD and 29.97 EUR.
	sum, err := domain.SumLines([]domain.SkuLine{{"case", 2}, {"pin", 3}}, skus)
	if err != nil {
		t.Fatal(err)
	}
	if sum.VolumeCM3 != 204 || sum.WeightG != 615 || sum.Values["USD"] != 2500 || sum.Values["EUR"] != 2997 ||
		sum.Origin != (domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD"}) {
		t.Fatalf("sum = %+v", sum)
	}
	// 29.97 EUR × 1.085 = 32.51745 → 32.52 USD; + 25.00 = 57.52 USD.
	v, err := sum.ValueIn("USD", map[string]money.Rate{"EUR": money.MustParseRate("1.085")})
	if err != nil || v != money.MustNew(5752, "USD") {
		t.Fatalf("ValueIn = %v, %v", v, err)
	}
	if _, err := sum.ValueIn("USD", nil); err == nil {
		t.Error("ValueIn without the EUR rate succeeded")
	}

	// Two origins: no one origin for a route that names none; a route
	// that names its origin is estimated all the same.
	two, err := domain.SumLines([]domain.SkuLine{{"case", 1}, {"far", 1}}, skus)
	if err != nil {
		t.Fatalf("two origins: %v", err)
	}
	if _, err := two.OneOrigin(); !errors.Is(err, domain.ErrSeveralOrigins) {
		t.Errorf("the one origin of two: %v, want SEVERAL_ORIGINS", err)
	}
	if _, err := domain.SumLines([]domain.SkuLine{{"bare", 1}}, skus); !errors.Is(err, domain.ErrNoFreightData) {
		t.Errorf("SKU without sizes: %v", err)
	}
	_, err = domain.SumLines([]domain.SkuLine{{"case", 1}, {"ghost", 1}}, skus)
	if f := testkit.Fields(t, err); !slices.Equal(f, []string{"lines.lines[1].sku_id"}) {
		t.Errorf("unknown SKU: %v", f)
	}
	err = domain.ValidateLines([]domain.SkuLine{{"", 1}, {"case", 0}})
	if f := testkit.Fields(t, err); !slices.Equal(f, []string{"lines.lines[0].sku_id", "lines.lines[1].quantity"}) {
		t.Errorf("bad lines: %v", f)
	}
}
