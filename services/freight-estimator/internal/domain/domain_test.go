package domain_test

import (
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

func TestToleranceBounds(t *testing.T) {
	tests := []struct {
		x0     int64
		tol    string
		lo, hi int64
	}{
		{1000, "0.10", 900, 1100},         // 1000 ± 100 exactly: both ends inside
		{1001, "0.10", 901, 1101},         // 1001 ± 100.1: ⌈900.9⌉, ⌊1101.1⌋
		{999, "0.10", 900, 1098},          // 999 ± 99.9: ⌈899.1⌉, ⌊1098.9⌋
		{10, "0.333", 7, 13},              // 10 ± 3.33: ⌈6.67⌉, ⌊13.33⌋
		{5000, "0", 5000, 5000},           // no tolerance: only the value itself
		{5000, "1", 0, 10000},             // 100 %
		{1, "0.10", 1, 1},                 // 1 ± 0.1: ⌈0.9⌉, ⌊1.1⌋
		{3, "0.333333333333333334", 2, 4}, // 3 ± 1.000000000000000002: ⌈1.99…⌉ = 2, ⌊4.00…⌋ = 4
	}
	for _, tt := range tests {
		got := domain.ToleranceBounds(tt.x0, money.MustParseRate(tt.tol))
		if got != (domain.Bounds{Lo: tt.lo, Hi: tt.hi}) {
			t.Errorf("ToleranceBounds(%d, %s) = %+v, want [%d, %d]", tt.x0, tt.tol, got, tt.lo, tt.hi)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	tests := []struct {
		x        *big.Rat
		currency string
		want     string
	}{
		{big.NewRat(1234, 1), "USD", "12.34"},
		{big.NewRat(37, 2), "USD", "0.185"},                // 18.5 cents
		{big.NewRat(10, 3), "USD", "0.033333333333333333"}, // never ends: 18 places
		{big.NewRat(20, 3), "USD", "0.066666666666666667"}, // rounded to nearest at the 18th place
		{big.NewRat(1500, 1), "JPY", "1500"},               // no minor unit
		{big.NewRat(3001, 2), "JPY", "1500.5"},             // a half yen is shown
		{big.NewRat(1, 1), "KWD", "0.001"},                 // one fils
		{big.NewRat(0, 1), "USD", "0.00"},
	}
	for _, tt := range tests {
		if got := domain.FormatMinor(tt.x, tt.currency); got != tt.want {
			t.Errorf("FormatMinor(%s, %s) = %q, want %q", tt.x, tt.currency, got, tt.want)
		}
	}
}

func TestNewRoute(t *testing.T) {
	tests := []struct {
		name string
		in   domain.Route
		bad  []string
	}{
		{"valid, normalised", domain.Route{" cn ", "cn-gd", "US", "US-CA"}, nil},
		{"unknown origin country", domain.Route{"XX", "XX-1", "US", "US-CA"}, []string{"route.origin_country_code"}},
		{"region of another country", domain.Route{"CN", "US-CA", "US", "US-CA"}, []string{"route.origin_region_code"}},
		{"unknown region", domain.Route{"CN", "CN-GD", "US", "US-ZZ"}, []string{"route.destination_region_code"}},
		{"missing region", domain.Route{"CN", "CN-GD", "US", ""}, []string{"route.destination_region_code"}},
		{"everything missing", domain.Route{}, []string{"route.origin_country_code", "route.destination_country_code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := domain.NewRoute("route", tt.in)
			if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
			if err == nil && r.Key() != "CN/CN-GD>US/US-CA" {
				t.Errorf("key = %q", r.Key())
			}
		})
	}
}

func TestValidateParcel(t *testing.T) {
	usd := money.MustNew(5000, "USD")
	tests := []struct {
		name string
		in   domain.ParcelInput
		bad  []string
	}{
		{"valid", domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: usd}, nil},
		{"zero volume", domain.ParcelInput{VolumeCM3: 0, WeightG: 2000, DeclaredValue: usd}, []string{"parcel.volume_cm3"}},
		{"negative weight", domain.ParcelInput{VolumeCM3: 1000, WeightG: -1, DeclaredValue: usd}, []string{"parcel.weight_g"}},
		{"zero value", domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: money.Money{Currency: "USD"}}, []string{"parcel.declared_value.amount_minor"}},
		{"negative value", domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: money.Money{Amount: -5, Currency: "USD"}}, []string{"parcel.declared_value.amount_minor"}},
		{"no value", domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000}, []string{"parcel.declared_value"}},
		{"unknown currency", domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: money.Money{Amount: 5, Currency: "ABC"}}, []string{"parcel.declared_value.currency_code"}},
		{"bad dimensions", domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: usd, Dimensions: &domain.Dimensions{LengthMM: 10, WidthMM: 0, HeightMM: -1}},
			[]string{"parcel.dimensions.width_mm", "parcel.dimensions.height_mm"}},
		{"too large", domain.ParcelInput{VolumeCM3: domain.MaxVolumeCM3 + 1, WeightG: 2000, DeclaredValue: usd}, []string{"parcel.volume_cm3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if f := testkit.Fields(t, domain.ValidateParcel("parcel", tt.in)); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
		})
	}
}

// tallies builds groups from freights: S, C and F in minor units.
func tallies(s, c, f []int64) domain.Tallies {
	var ts domain.Tallies
	for _, x := range s {
		ts.Add(3, x)
	}
	for _, x := range c {
		ts.Add(2, x)
	}
	for _, x := range f {
		ts.Add(1, x)
	}
	return ts
}

func TestHistoryEstimate(t *testing.T) {
	cfg := domain.DefaultConfig()
	global := domain.Multiplier{Value: cfg.Multiplier}
	tests := []struct {
		name     string
		ts       domain.Tallies
		currency string
		m        domain.Multiplier
		total    *big.Rat // minor units
		target   int64
	}{
		// (0.648·1100 + 0.25·800 + 0.102·600) / 1 = 712.8 + 200 + 61.2 = 974; ×1.5 = 1461.
		{"all three groups", tallies([]int64{1000, 1200}, []int64{800}, []int64{500, 700, 600}), "USD", global, big.NewRat(974, 1), 1461},
		// (0.648·1100 + 0.102·600) / (0.648 + 0.102) = 774 / 0.75 = 1032; ×1.5 = 1548.
		{"secondary empty", tallies([]int64{1000, 1200}, nil, []int64{500, 700, 600}), "USD", global, big.NewRat(1032, 1), 1548},
		// 0.102·600 / 0.102 = 600; ×1.5 = 900.
		{"only end", tallies(nil, nil, []int64{500, 700}), "USD", global, big.NewRat(600, 1), 900},
		// 0.25·850 / 0.25 = 850; ×1.5 = 1275.
		{"only secondary", tallies(nil, []int64{800, 900}, nil), "USD", global, big.NewRat(850, 1), 1275},
		// mean 3001/3 = 1000.33…; ×1.5 = 1500.5, rounded up to 1501 (half-even would say 1500).
		{"rounds up a half yen", tallies([]int64{1000, 1000, 1001}, nil, nil), "JPY", global, big.NewRat(3001, 3), 1501},
		// the same in fils: 1.5005 KWD rounds up to 1.501.
		{"rounds up a half fils", tallies([]int64{1000, 1000, 1001}, nil, nil), "KWD", global, big.NewRat(3001, 3), 1501},
		// 1000 × 2 = 2000: the route's own multiplier.
		{"route multiplier", tallies([]int64{1000}, nil, nil), "USD", domain.Multiplier{Value: money.MustParseRate("2"), Route: true}, big.NewRat(1000, 1), 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			est, ok, err := domain.HistoryEstimate(tt.ts, cfg, tt.m, tt.currency)
			if err != nil || !ok {
				t.Fatalf("HistoryEstimate = %v, %v", ok, err)
			}
			if est.Total.Cmp(tt.total) != 0 || est.Target != money.MustNew(tt.target, tt.currency) {
				t.Fatalf("total %s target %v, want %s and %d %s", est.Total, est.Target, tt.total, tt.target, tt.currency)
			}
			if est.Basis != domain.BasisHistory || est.Multiplier != tt.m {
				t.Errorf("basis %v multiplier %v", est.Basis, est.Multiplier)
			}
		})
	}
	if _, ok, _ := domain.HistoryEstimate(domain.Tallies{}, cfg, global, "USD"); ok {
		t.Error("an empty history gave a history estimate")
	}
}

func TestRateCardQuote(t *testing.T) {
	card, err := domain.DefaultRateCard("USD")
	if err != nil {
		t.Fatal(err)
	}
	toCA := domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD", DestinationCountry: "US", DestinationRegion: "US-CA"}
	toAK := toCA
	toAK.DestinationRegion = "US-AK"
	usd := money.MustNew(5000, "USD")
	tests := []struct {
		name                          string
		p                             domain.Parcel
		dest                          domain.Route
		method                        string
		zone                          string
		volumetric, chargeable, perKg int64
		price                         *big.Rat
	}{
		// 400·300·200 mm = 24,000,000 mm³ / 5000 = 4800 g > 2000 g; 4.8 kg × 9.00 = 43.20.
		{"volumetric wins", domain.Parcel{VolumeCM3: 24000, WeightG: 2000, Value: usd, Dimensions: &domain.Dimensions{LengthMM: 400, WidthMM: 300, HeightMM: 200}},
			toCA, "", "NA", 4800, 4800, 900, big.NewRat(4320, 1)},
		// 1000 cm³ · 1000 / 5000 = 200 g < 6000 g; 6 kg × 9.00 = 54.00.
		{"actual wins", domain.Parcel{VolumeCM3: 1000, WeightG: 6000, Value: usd}, toCA, "", "NA", 200, 6000, 900, big.NewRat(5400, 1)},
		// 1.234 kg × 9.00 = 11.106: a part kilogram pro rata, 1110.6 cents.
		{"part kilogram", domain.Parcel{VolumeCM3: 1000, WeightG: 1234, Value: usd}, toCA, "", "NA", 200, 1234, 900, big.NewRat(5553, 5)},
		// 1 cm³ · 1000 / 5000 = 0.2 g, rounded up to 1 g.
		{"volumetric rounds up to the gram", domain.Parcel{VolumeCM3: 1, WeightG: 0, Value: usd}, toCA, "", "NA", 1, 1, 900, big.NewRat(9, 10)},
		// Alaska's region overrides the United States' zone: 2 kg × 15.00.
		{"region overrides country", domain.Parcel{VolumeCM3: 1000, WeightG: 2000, Value: usd}, toAK, "", "REMOTE", 200, 2000, 1500, big.NewRat(3000, 1)},
		// express in NA: 2 kg × 17.50.
		{"named method", domain.Parcel{VolumeCM3: 1000, WeightG: 2000, Value: usd}, toCA, "express", "NA", 200, 2000, 1750, big.NewRat(3500, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := card.Quote(tt.p, tt.dest, tt.method)
			if err != nil {
				t.Fatal(err)
			}
			if q.Zone != tt.zone || q.VolumetricG != tt.volumetric || q.ChargeableG != tt.chargeable || q.PerKg.Amount != tt.perKg || q.Price.Cmp(tt.price) != 0 {
				t.Fatalf("quote = %+v (price %s), want zone %s volumetric %d chargeable %d per kg %d price %s",
					q, q.Price, tt.zone, tt.volumetric, tt.chargeable, tt.perKg, tt.price)
			}
		})
	}
	// A destination no zone covers, and a method the zone has no price for.
	toKE := domain.Route{DestinationCountry: "KE", DestinationRegion: "KE-30"}
	if _, err := card.Quote(domain.Parcel{VolumeCM3: 1, WeightG: 1, Value: usd}, toKE, ""); !errors.Is(err, domain.ErrNoZone) {
		t.Errorf("no zone: %v", err)
	}
	if _, err := card.Quote(domain.Parcel{VolumeCM3: 1, WeightG: 1, Value: usd}, toCA, "sea"); !errors.Is(err, domain.ErrNoPrice) {
		t.Errorf("no price: %v", err)
	}
}

func TestNewRateCard(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	usd := func(n int64) money.Money { return money.MustNew(n, "USD") }
	good := domain.RateCard{
		Zones:         []domain.Zone{{Code: "eu", Countries: []string{"de", "FR"}}, {Code: "ISL", Regions: []string{"FR-20R"}}},
		Prices:        []domain.ZonePrice{{Zone: "EU", Method: "standard", PerKg: usd(700)}, {Zone: "ISL", Method: "standard", PerKg: usd(900)}},
		DefaultMethod: "standard",
	}
	card, err := domain.NewRateCard(good, "USD", "admin-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if card.Divisor != 5000 || card.Zones[0].Code != "EU" || card.Zones[0].Countries[0] != "DE" || !card.EffectiveFrom.Equal(now) {
		t.Errorf("normalised card = %+v", card)
	}
	if z, _ := card.ZoneOf("FR", "FR-20R"); z != "ISL" {
		t.Errorf("Corsica's zone = %s, want ISL", z)
	}
	if z, _ := card.ZoneOf("FR", "FR-IDF"); z != "EU" {
		t.Errorf("Île-de-France's zone = %s, want EU", z)
	}

	bad := domain.RateCard{
		Zones: []domain.Zone{
			{Code: "EU", Countries: []string{"DE", "XX"}},
			{Code: "EU", Countries: []string{"DE"}, Regions: []string{"ZZ-9"}},
			{Code: "x y"},
		},
		Prices: []domain.ZonePrice{
			{Zone: "MARS", Method: "standard", PerKg: usd(700)},
			{Zone: "EU", Method: "Fast!", PerKg: money.MustNew(700, "EUR")},
			{Zone: "EU", Method: "sea", PerKg: usd(0)},
		},
		Divisor:       -1,
		DefaultMethod: "air",
		EffectiveFrom: now.Add(-time.Hour),
	}
	_, err = domain.NewRateCard(bad, "USD", "admin-1", now)
	want := []string{
		"rate_card.volumetric_divisor",
		"rate_card.zones[0].country_codes[1]",
		"rate_card.zones[1].code",
		"rate_card.zones[1].country_codes[0]",
		"rate_card.zones[1].region_codes[0]",
		"rate_card.zones[2].code",
		"rate_card.zones[2]",
		"rate_card.prices[0].zone",
		"rate_card.prices[1].shipping_method",
		"rate_card.prices[1].price_per_kg.currency_code",
		"rate_card.prices[2].price_per_kg.amount_minor",
		"rate_card.default_shipping_method",
		"rate_card.effective_from",
	}
	if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(want))) {
		t.Errorf("violations =\n%v\nwant\n%v", f, want)
	}
}

func TestNewConfig(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	good := domain.ConfigInput{
		Window: 30 * 24 * time.Hour, VolumeTolerance: "0.05", WeightTolerance: "0.1", ValueTolerance: "0.2",
		FirstWeight: "0.6", SecondaryWeight: "0.3", EndWeight: "0.1", Multiplier: "1.25", Reason: "peak season",
	}
	cfg, err := domain.NewConfig(good, "admin-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.EffectiveFrom.Equal(now) || cfg.Multiplier.String() != "1.25" || cfg.ChangedBy != "admin-1" {
		t.Errorf("config = %+v", cfg)
	}
	tests := []struct {
		name   string
		change func(*domain.ConfigInput)
		bad    []string
	}{
		{"no window", func(c *domain.ConfigInput) { c.Window = 0 }, []string{"config.window"}},
		{"window too short", func(c *domain.ConfigInput) { c.Window = time.Hour }, []string{"config.window"}},
		{"tolerance above 100 %", func(c *domain.ConfigInput) { c.VolumeTolerance = "1.5" }, []string{"config.volume_tolerance"}},
		{"negative tolerance", func(c *domain.ConfigInput) { c.WeightTolerance = "-0.1" }, []string{"config.weight_tolerance"}},
		{"zero weight", func(c *domain.ConfigInput) { c.EndWeight = "0" }, []string{"config.end_weight"}},
		{"float syntax", func(c *domain.ConfigInput) { c.FirstWeight = "6e-1" }, []string{"config.first_weight"}},
		{"too many places", func(c *domain.ConfigInput) { c.SecondaryWeight = "0.1234567890123456789" }, []string{"config.secondary_weight"}},
		{"zero multiplier", func(c *domain.ConfigInput) { c.Multiplier = "0" }, []string{"config.multiplier"}},
		{"huge multiplier", func(c *domain.ConfigInput) { c.Multiplier = "101" }, []string{"config.multiplier"}},
		{"in the past", func(c *domain.ConfigInput) { c.EffectiveFrom = now.Add(-time.Hour) }, []string{"config.effective_from"}},
		{"no reason", func(c *domain.ConfigInput) { c.Reason = " " }, []string{"config.reason"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.change(&in)
			_, err := domain.NewConfig(in, "admin-1", now)
			if f := testkit.Fields(t, err); !slices.Equal(f, slices.Sorted(slices.Values(tt.bad))) {
				t.Fatalf("violations = %v, want %v", f, tt.bad)
			}
		})
	}
}
