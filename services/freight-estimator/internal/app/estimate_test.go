package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

// The parcel of the table: 1000 cm³, 2000 g, 50.00 USD. With the default 10 %
// tolerances a record is consistent in volume within [900, 1100] cm³, in
// weight within [1800, 2200] g and in value within [45.00, 55.00] USD, both
// ends included.
var p0 = parcel{vol: 1000, wt: 2000, val: 5000}

// Records far from p0 in a dimension: sizes consistent in none of the three.
const farVol, farWt, farVal = 5000, 9000, 20000

// baseline is a record in all three classes (S) with 10.00 USD of freight:
// alone, it estimates 10.00 × 1.5 = 15.00 USD.
var baseline = rec{vol: 1000, wt: 2000, val: 5000, freight: 1000}

// wantGroups are counts and means (major units) of S, C and F.
type wantGroups struct {
	counts [3]int64
	means  [3]string
}

func TestEstimateFromHistory(t *testing.T) {
	window := 90 * 24 * time.Hour
	tests := []struct {
		name   string
		recs   []rec
		total  string // before the multiplier, major units
		target int64  // cents
		groups wantGroups
	}{
		{
			// S = {10.00, 12.00} → 11.00; C = {8.00} → 8.00; F = {5.00, 7.00, 6.00} → 6.00.
			// (0.648·11 + 0.25·8 + 0.102·6) / (0.648 + 0.25 + 0.102) = 7.128 + 2 + 0.612 = 9.74; × 1.5 = 14.61.
			name: "all three groups",
			recs: []rec{
				{vol: 1000, wt: 2000, val: 5000, freight: 1000},    // S
				{vol: 1050, wt: 1900, val: 4800, freight: 1200},    // S
				{vol: 1000, wt: 2000, val: farVal, freight: 800},   // C: volume and weight
				{vol: 1000, wt: farWt, val: farVal, freight: 500},  // F: volume
				{vol: farVol, wt: 2000, val: farVal, freight: 700}, // F: weight
				{vol: farVol, wt: farWt, val: 5000, freight: 600},  // F: value
			},
			total: "9.74", target: 1461,
			groups: wantGroups{[3]int64{2, 1, 3}, [3]string{"11.00", "8.00", "6.00"}},
		},
		{
			// C is empty: (0.648·11 + 0.102·6) / (0.648 + 0.102) = 7.74 / 0.75 = 10.32; × 1.5 = 15.48.
			name: "secondary group empty: weights renormalised",
			recs: []rec{
				{vol: 1000, wt: 2000, val: 5000, freight: 1000},
				{vol: 1050, wt: 1900, val: 4800, freight: 1200},
				{vol: 1000, wt: farWt, val: farVal, freight: 500},
				{vol: farVol, wt: 2000, val: farVal, freight: 700},
				{vol: farVol, wt: farWt, val: 5000, freight: 600},
			},
			total: "10.32", target: 1548,
			groups: wantGroups{[3]int64{2, 0, 3}, [3]string{"11.00", "", "6.00"}},
		},
		{
			// Only F: 0.102·6 / 0.102 = 6.00; × 1.5 = 9.00.
			name: "two groups empty",
			recs: []rec{
				{vol: 1000, wt: farWt, val: farVal, freight: 500},
				{vol: farVol, wt: farWt, val: 5000, freight: 700},
			},
			total: "6.00", target: 900,
			groups: wantGroups{[3]int64{0, 0, 2}, [3]string{"", "", "6.00"}},
		},
		{
			// In all three classes: S alone, 10.00 × 1.5 = 15.00.
			name:  "a record matching all three classes",
			recs:  []rec{baseline},
			total: "10.00", target: 1500,
			groups: wantGroups{[3]int64{1, 0, 0}, [3]string{"10.00", "", ""}},
		},
		{
			// Volume and value, not weight: C alone, 10.00 × 1.5.
			name:  "a record matching two classes",
			recs:  []rec{{vol: 1000, wt: farWt, val: 5000, freight: 1000}},
			total: "10.00", target: 1500,
			groups: wantGroups{[3]int64{0, 1, 0}, [3]string{"", "10.00", ""}},
		},
		{
			// Weight only: F alone, 10.00 × 1.5.
			name:  "a record matching one class",
			recs:  []rec{{vol: farVol, wt: 2000, val: farVal, freight: 1000}},
			total: "10.00", target: 1500,
			groups: wantGroups{[3]int64{0, 0, 1}, [3]string{"", "", "10.00"}},
		},
		{
			// Completed exactly 90 days ago: inside. S = {10.00, 20.00} → 15.00; × 1.5 = 22.50.
			name:  "record at the window's start",
			recs:  []rec{baseline, {vol: 1000, wt: 2000, val: 5000, freight: 2000, age: window}},
			total: "15.00", target: 2250,
			groups: wantGroups{[3]int64{2, 0, 0}, [3]string{"15.00", "", ""}},
		},
		{
			// One microsecond older: outside; only the baseline counts.
			name:  "record outside the window",
			recs:  []rec{baseline, {vol: 1000, wt: 2000, val: 5000, freight: 2000, age: window + time.Microsecond}},
			total: "10.00", target: 1500,
			groups: wantGroups{[3]int64{1, 0, 0}, [3]string{"10.00", "", ""}},
		},
		{
			// The same sizes on another route do not count.
			name:  "record on a different route",
			recs:  []rec{baseline, {route: routeR2, vol: 1000, wt: 2000, val: 5000, freight: 2000}},
			total: "10.00", target: 1500,
			groups: wantGroups{[3]int64{1, 0, 0}, [3]string{"10.00", "", ""}},
		},
		{
			// Transaction 49.00 below goods 50.00: refused at import, never counted.
			name:  "negative freight ignored",
			recs:  []rec{baseline, {vol: 1000, wt: 2000, val: 5000, freight: -100}},
			total: "10.00", target: 1500,
			groups: wantGroups{[3]int64{1, 0, 0}, [3]string{"10.00", "", ""}},
		},
	}
	// Each tolerance's edges: a record consistent in that dimension only, on
	// the boundary (inside: F = {20.00}) or one unit beyond it (outside).
	// Inside: (0.648·10 + 0.102·20) / 0.75 = 8.52 / 0.75 = 11.36; × 1.5 = 17.04.
	inside := wantGroups{[3]int64{1, 0, 1}, [3]string{"10.00", "", "20.00"}}
	outside := wantGroups{[3]int64{1, 0, 0}, [3]string{"10.00", "", ""}}
	for _, e := range []struct {
		name         string
		vol, wt, val int64
		in           bool
	}{
		{"volume +10 %", 1100, farWt, farVal, true}, {"volume +10 % + 1", 1101, farWt, farVal, false},
		{"volume −10 %", 900, farWt, farVal, true}, {"volume −10 % − 1", 899, farWt, farVal, false},
		{"weight +10 %", farVol, 2200, farVal, true}, {"weight +10 % + 1", farVol, 2201, farVal, false},
		{"weight −10 %", farVol, 1800, farVal, true}, {"weight −10 % − 1", farVol, 1799, farVal, false},
		{"value +10 %", farVol, farWt, 5500, true}, {"value +10 % + 1", farVol, farWt, 5501, false},
		{"value −10 %", farVol, farWt, 4500, true}, {"value −10 % − 1", farVol, farWt, 4499, false},
	} {
		tt := struct {
			name   string
			recs   []rec
			total  string
			target int64
			groups wantGroups
		}{name: e.name, recs: []rec{baseline, {vol: e.vol, wt: e.wt, val: e.val, freight: 2000}}}
		if e.in {
			tt.name += " (boundary, inside)"
			tt.total, tt.target, tt.groups = "11.36", 1704, inside
		} else {
			tt.name += " (outside)"
			tt.total, tt.target, tt.groups = "10.00", 1500, outside
		}
		tests = append(tests, tt)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "USD")
			f.importRecs(t, tt.recs...)
			res := f.estimate(t, routeR, p0)
			checkHistory(t, res, "USD", tt.total, tt.target, tt.groups)
			if res.Multiplier.Value.String() != "1.5" || res.Multiplier.Route {
				t.Errorf("multiplier = %+v, want the global 1.5", res.Multiplier)
			}
		})
	}
}

func checkHistory(t *testing.T, res app.EstimateResult, currency, total string, target int64, g wantGroups) {
	t.Helper()
	if res.Basis != domain.BasisHistory {
		t.Fatalf("basis = %v, want history", res.Basis)
	}
	if got := domain.FormatMinor(res.Total, currency); got != total || res.Target != money.MustNew(target, currency) {
		t.Fatalf("total %s target %v, want %s and %d %s", got, res.Target, total, target, currency)
	}
	for i, gr := range res.Groups {
		mean := ""
		if gr.Mean != nil {
			mean = domain.FormatMinor(gr.Mean, currency)
		}
		if gr.Count != g.counts[i] || mean != g.means[i] {
			t.Errorf("group %d: %d records, mean %q; want %d, %q", i, gr.Count, mean, g.counts[i], g.means[i])
		}
	}
}

func TestEstimateFromRateCard(t *testing.T) {
	toAK := routeR
	toAK.DestinationRegion = "US-AK"
	tests := []struct {
		name                   string
		route                  domain.Route
		in                     domain.ParcelInput
		method                 string
		zone                   string
		volumetric, chargeable int64
		target                 int64
	}{
		{
			// 400·300·200 mm / 5000 = 4800 g beats 2000 g: 4.8 kg × 9.00 (NA,
			// standard) = 43.20; × 1.5 = 64.80.
			name: "volumetric weight wins", route: routeR,
			in: domain.ParcelInput{VolumeCM3: 24000, WeightG: 2000, DeclaredValue: money.MustNew(5000, "USD"),
				Dimensions: &domain.Dimensions{LengthMM: 400, WidthMM: 300, HeightMM: 200}},
			zone: "NA", volumetric: 4800, chargeable: 4800, target: 6480,
		},
		{
			// 1000 cm³ × 1000 / 5000 = 200 g, below 6000 g: 6 kg × 9.00 = 54.00; × 1.5 = 81.00.
			name: "actual weight wins", route: routeR,
			in:   domain.ParcelInput{VolumeCM3: 1000, WeightG: 6000, DeclaredValue: money.MustNew(5000, "USD")},
			zone: "NA", volumetric: 200, chargeable: 6000, target: 8100,
		},
		{
			// 1.234 kg × 9.00 = 11.106; × 1.5 = 16.659, rounded up to 16.66.
			name: "part kilogram, rounded up", route: routeR,
			in:   domain.ParcelInput{VolumeCM3: 1000, WeightG: 1234, DeclaredValue: money.MustNew(5000, "USD")},
			zone: "NA", volumetric: 200, chargeable: 1234, target: 1666,
		},
		{
			// Alaska's zone overrides the country's: 2 kg × 29.00 (express) = 58.00; × 1.5 = 87.00.
			name: "region zone and express", route: toAK, method: "express",
			in:   domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: money.MustNew(5000, "USD")},
			zone: "REMOTE", volumetric: 200, chargeable: 2000, target: 8700,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "USD")
			// History on another route, and an inconsistent record on this
			// one, do not count as matching history.
			f.importRecs(t, rec{route: routeR2, vol: 1000, wt: 2000, val: 5000, freight: 999},
				rec{route: tt.route, vol: 1, wt: 1, val: 1, freight: 999})
			in := tt.in
			res, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: tt.route, Parcel: &in, ShippingMethod: tt.method})
			if err != nil {
				t.Fatal(err)
			}
			q := res.RateCard
			if res.Basis != domain.BasisRateCard || q == nil {
				t.Fatalf("basis = %v, want the rate card", res.Basis)
			}
			if q.Zone != tt.zone || q.VolumetricG != tt.volumetric || q.ChargeableG != tt.chargeable || q.ActualG != tt.in.WeightG || q.Divisor != 5000 {
				t.Errorf("breakdown = %+v", q)
			}
			if res.Target != money.MustNew(tt.target, "USD") {
				t.Errorf("target = %v, want %d cents", res.Target, tt.target)
			}
			for _, g := range res.Groups {
				if g.Count != 0 {
					t.Errorf("groups = %+v, want none", res.Groups)
				}
			}
		})
	}
}

// A route's own multiplier overrides the global one, on that route only and
// from its effective time; removing it restores the global one.
func TestRouteMultiplierOverridesGlobal(t *testing.T) {
	f := newFixture(t, "USD")
	f.importRecs(t, baseline, rec{route: routeR2, vol: 1000, wt: 2000, val: 5000, freight: 1000})
	err := f.svc.SetRouteMultiplier(ctx, admin, domain.RouteMultiplierInput{Route: routeR, Multiplier: "2", Reason: "customs delays"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(time.Second))
	// 10.00 × 2 = 20.00 on R; 10.00 × 1.5 = 15.00 on R2.
	if res := f.estimate(t, routeR, p0); res.Target.Amount != 2000 || !res.Multiplier.Route || res.Multiplier.Value.String() != "2" {
		t.Errorf("on R: target %v multiplier %+v, want 20.00 with the route's 2", res.Target, res.Multiplier)
	}
	if res := f.estimate(t, routeR2, p0); res.Target.Amount != 1500 || res.Multiplier.Route {
		t.Errorf("on R2: target %v multiplier %+v, want 15.00 with the global 1.5", res.Target, res.Multiplier)
	}
	// A scheduled change applies from its time only.
	err = f.svc.SetRouteMultiplier(ctx, admin, domain.RouteMultiplierInput{Route: routeR, Multiplier: "3", EffectiveFrom: t0.Add(time.Hour), Reason: "later"})
	if err != nil {
		t.Fatal(err)
	}
	if res := f.estimate(t, routeR, p0); res.Target.Amount != 2000 {
		t.Errorf("before the scheduled change: %v, want 20.00", res.Target)
	}
	f.clock.Set(t0.Add(time.Hour))
	if res := f.estimate(t, routeR, p0); res.Target.Amount != 3000 {
		t.Errorf("after the scheduled change: %v, want 30.00", res.Target)
	}
	if err := f.svc.SetRouteMultiplier(ctx, admin, domain.RouteMultiplierInput{Route: routeR, Reason: "back to normal"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(time.Hour + time.Second))
	if res := f.estimate(t, routeR, p0); res.Target.Amount != 1500 || res.Multiplier.Route {
		t.Errorf("after removing the override: %v %+v, want 15.00 global", res.Target, res.Multiplier)
	}
	view, err := f.svc.GetConfig(ctx, admin, &routeR)
	if err != nil || view.Multiplier.Route || view.Multiplier.Value.String() != "1.5" {
		t.Errorf("GetConfig = %+v, %v", view, err)
	}
}

// Rounding goes up to the minor unit in a zero-decimal and a three-decimal
// base currency, even where half-even would go down.
func TestEstimateRoundsUpInTheBaseCurrency(t *testing.T) {
	for _, tt := range []struct {
		currency, total, mean string
	}{
		// S = {1000, 1000, 1001} yen → 3001/3 = 1000.333… yen; × 1.5 = 1500.5 → 1501 yen.
		{"JPY", "1000.333333333333333333", "1000.333333333333333333"},
		// The same in fils: 1.000333… KWD; × 1.5 = 1.5005 KWD → 1.501 KWD.
		{"KWD", "1.000333333333333333", "1.000333333333333333"},
	} {
		t.Run(tt.currency, func(t *testing.T) {
			f := newFixture(t, tt.currency)
			f.importRecs(t,
				rec{vol: 1000, wt: 2000, val: 5000, freight: 1000},
				rec{vol: 1000, wt: 2000, val: 5000, freight: 1000},
				rec{vol: 1000, wt: 2000, val: 5000, freight: 1001})
			res := f.estimate(t, routeR, p0)
			checkHistory(t, res, tt.currency, tt.total, 1501, wantGroups{[3]int64{3, 0, 0}, [3]string{tt.mean, "", ""}})
		})
	}
}

// rates is a fixed table of exchange rates.
type rates map[[2]string]string

func (r rates) Rate(_ context.Context, from, to string, _ time.Time) (money.Rate, error) {
	s, ok := r[[2]string{from, to}]
	if !ok {
		return money.Rate{}, apperr.NotFound("exchange rate", from+"/"+to)
	}
	return money.ParseRate(s)
}

// A declared value in another currency is converted to the base currency for
// matching, and the target can be shown in another currency (half-even).
func TestEstimateConvertsCurrencies(t *testing.T) {
	f := newFixture(t, "USD", app.WithRates(rates{{"EUR", "USD"}: "1.25", {"USD", "JPY"}: "151.5"}))
	f.importRecs(t, baseline)
	// 40.00 EUR × 1.25 = 50.00 USD: the baseline's value, so S.
	res, err := f.svc.Estimate(ctx, buyer, app.EstimateRequest{
		Route:           routeR,
		Parcel:          &domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: money.MustNew(4000, "EUR")},
		DisplayCurrency: "JPY",
	})
	if err != nil {
		t.Fatal(err)
	}
	// 15.00 USD × 151.5 = 2272.5 JPY → 2272 (half-even).
	if res.Parcel.Value != money.MustNew(5000, "USD") || res.Groups[0].Count != 1 || res.Target.Amount != 1500 ||
		res.Display == nil || *res.Display != money.MustNew(2272, "JPY") || res.DisplayRate != "151.5" {
		t.Fatalf("result = %+v display %v", res, res.Display)
	}
	_, err = f.svc.Estimate(ctx, buyer, app.EstimateRequest{
		Route: routeR, Parcel: &domain.ParcelInput{VolumeCM3: 1000, WeightG: 2000, DeclaredValue: money.MustNew(5000, "USD")},
		DisplayCurrency: "GBP",
	})
	if !errors.Is(err, app.ErrNoRate) {
		t.Errorf("display without a rate: %v", err)
	}
}
