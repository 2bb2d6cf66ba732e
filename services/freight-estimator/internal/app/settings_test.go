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

var newSettings = domain.ConfigInput{
	Window: 30 * 24 * time.Hour, VolumeTolerance: "0.20", WeightTolerance: "0.20", ValueTolerance: "0.20",
	FirstWeight: "0.5", SecondaryWeight: "0.3", EndWeight: "0.2", Multiplier: "1.2", Reason: "tighter window",
}

// A new version applies from its effective time: estimates before it use the
// version then in force, after it the new one.
func TestConfigVersions(t *testing.T) {
	f := newFixture(t, "USD")
	// S = {10.00}; F = {20.00} at 1150 cm³ (inside 20 %, outside 10 %), 40 days old.
	f.importRecs(t, baseline, rec{vol: 1150, wt: farWt, val: farVal, freight: 2000, age: 10 * 24 * time.Hour},
		rec{vol: 1000, wt: 2000, val: 5000, freight: 3000, age: 40 * 24 * time.Hour})
	// Version 1: S = {10.00, 30.00} → 20.00; × 1.5 = 30.00.
	if res := f.estimate(t, routeR, p0); res.Target.Amount != 3000 || res.Config.Version != 1 {
		t.Fatalf("version 1: %v (config %d)", res.Target, res.Config.Version)
	}
	in := newSettings
	in.EffectiveFrom = t0.Add(time.Hour)
	cfg, err := f.svc.UpdateConfig(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 2 || cfg.ChangedBy != "admin-1" || !cfg.EffectiveFrom.Equal(t0.Add(time.Hour)) {
		t.Fatalf("new version = %+v", cfg)
	}
	if res := f.estimate(t, routeR, p0); res.Config.Version != 1 {
		t.Errorf("before its effective time: version %d in force", res.Config.Version)
	}
	f.clock.Set(t0.Add(time.Hour))
	// Version 2: a 30-day window drops the 40-day record; 20 % takes in the
	// 1150 cm³ record: S = {10.00}, F = {20.00}.
	// (0.5·10 + 0.2·20) / 0.7 = 9 / 0.7 = 12.857142…; × 1.2 = 15.428571… → 15.43.
	res := f.estimate(t, routeR, p0)
	if res.Config.Version != 2 || res.Target.Amount != 1543 || res.Groups[0].Count != 1 || res.Groups[2].Count != 1 {
		t.Fatalf("version 2: target %v config %d groups %+v", res.Target, res.Config.Version, res.Groups)
	}
	if got := domain.FormatMinor(res.Total, "USD"); got != "12.857142857142857143" {
		t.Errorf("total = %s", got)
	}
	// Another version, then the list pages through all three, newest first.
	in.EffectiveFrom, in.Reason = time.Time{}, "again"
	if _, err := f.svc.UpdateConfig(ctx, admin, in); err != nil {
		t.Fatal(err)
	}
	var versions []int64
	token := ""
	for pages := 0; ; pages++ {
		page, err := f.svc.ListConfigVersions(ctx, admin, 2, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			versions = append(versions, v.Version)
		}
		if token = page.NextPageToken; token == "" || pages > 3 {
			break
		}
	}
	if len(versions) != 3 || versions[0] != 3 || versions[2] != 1 {
		t.Errorf("versions = %v, want [3 2 1]", versions)
	}
	if _, err := f.svc.ListConfigVersions(ctx, admin, 2, "garbage"); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("bad token: %v", err)
	}
	// Each change was announced.
	var events int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE subject = $1`, app.SubjectConfigChanged).Scan(&events); err != nil || events != 2 {
		t.Errorf("%d config events (%v), want 2", events, err)
	}
}

func TestSettingsAuthorization(t *testing.T) {
	f := newFixture(t, "USD")
	reviewer := buyer
	reviewer.Roles = []string{"reviewer"}
	if _, err := f.svc.UpdateConfig(ctx, reviewer, newSettings); !errors.Is(err, app.ErrAdminsOnly) {
		t.Errorf("reviewer UpdateConfig: %v", err)
	}
	if _, err := f.svc.GetConfig(ctx, reviewer, nil); err != nil {
		t.Errorf("reviewer GetConfig: %v", err)
	}
	if _, err := f.svc.GetConfig(ctx, buyer, nil); !errors.Is(err, app.ErrOperatorsOnly) {
		t.Errorf("buyer GetConfig: %v", err)
	}
	if _, err := f.svc.GetRateCard(ctx, buyer); !errors.Is(err, app.ErrOperatorsOnly) {
		t.Errorf("buyer GetRateCard: %v", err)
	}
	if err := f.svc.SetRouteMultiplier(ctx, reviewer, domain.RouteMultiplierInput{Route: routeR, Multiplier: "2", Reason: "x"}); !errors.Is(err, app.ErrAdminsOnly) {
		t.Errorf("reviewer SetRouteMultiplier: %v", err)
	}
	// Bad input changes nothing.
	bad := newSettings
	bad.Multiplier = "-1"
	if _, err := f.svc.UpdateConfig(ctx, admin, bad); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("bad multiplier: %v", err)
	}
	if n := f.count(t, "config_versions"); n != 1 {
		t.Errorf("%d config versions after refused changes, want 1", n)
	}
}

func TestRateCardVersions(t *testing.T) {
	f := newFixture(t, "USD")
	card, err := f.svc.GetRateCard(ctx, admin)
	if err != nil || card.Version != 1 || card.DefaultMethod != "standard" || card.Prices[0].PerKg.Currency != "USD" {
		t.Fatalf("default rate card = %+v, %v", card, err)
	}
	next, err := f.svc.SetRateCard(ctx, admin, domain.RateCard{
		Zones:         []domain.Zone{{Code: "US", Countries: []string{"US"}}},
		Prices:        []domain.ZonePrice{{Zone: "US", Method: "ground", PerKg: money.MustNew(500, "USD")}},
		DefaultMethod: "ground",
	})
	if err != nil || next.Version != 2 {
		t.Fatalf("SetRateCard = %+v, %v", next, err)
	}
	f.clock.Set(t0.Add(time.Second))
	// 2 kg × 5.00 = 10.00; × 1.5 = 15.00.
	if res := f.estimate(t, routeR, p0); res.Basis != domain.BasisRateCard || res.Target.Amount != 1500 || res.RateCard.Zone != "US" {
		t.Errorf("estimate on the new card = %v %+v", res.Target, res.RateCard)
	}
	// Germany is in no zone of the new card.
	_, err = f.svc.Estimate(ctx, buyer, app.EstimateRequest{Route: routeR2, Parcel: &domain.ParcelInput{VolumeCM3: 1, WeightG: 1, DeclaredValue: money.MustNew(1, "USD")}})
	if !errors.Is(err, domain.ErrNoZone) {
		t.Errorf("no zone: %v", err)
	}
	_, err = f.svc.SetRateCard(ctx, admin, domain.RateCard{
		Zones:         []domain.Zone{{Code: "US", Countries: []string{"US"}}},
		Prices:        []domain.ZonePrice{{Zone: "US", Method: "ground", PerKg: money.MustNew(500, "EUR")}},
		DefaultMethod: "ground",
	})
	if !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("price in another currency: %v", err)
	}
}

// The base currency is pinned: a restart with another one is refused.
func TestBaseCurrencyIsPinned(t *testing.T) {
	f := newFixture(t, "USD")
	other, err := app.New(f.store, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.EnsureDefaults(ctx); !errors.Is(err, app.ErrBaseCurrencyChanged) {
		t.Fatalf("EnsureDefaults with EUR: %v", err)
	}
	// Until the process stops, the one started with EUR records and
	// estimates nothing: the shipments it is fed are delivered again to a
	// process that can take them. Before, its consumer and its estimates
	// ran beside the check.
	shipments := f.count(t, "shipments")
	if _, _, err := other.RecordCompletedShipment(ctx, f.store, f.input(rec{vol: 1000, wt: 500, val: 2000, freight: 700})); !errors.Is(err, app.ErrBaseCurrencyUnchecked) {
		t.Errorf("a shipment recorded by the process with EUR: %v, want it refused for now", err)
	}
	if n := f.count(t, "shipments"); n != shipments {
		t.Errorf("%d shipments after it, want %d", n, shipments)
	}
	soon, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := other.Estimate(soon, buyer, app.EstimateRequest{Route: routeR, Parcel: &domain.ParcelInput{VolumeCM3: 1000, WeightG: 500,
		DeclaredValue: money.MustNew(2000, "EUR")}}); err == nil {
		t.Error("the process with EUR estimated")
	}
	if err := f.svc.EnsureDefaults(ctx); err != nil {
		t.Fatalf("EnsureDefaults again: %v", err)
	}
	if n := f.count(t, "rate_cards"); n != 1 {
		t.Errorf("%d rate cards, want the one default", n)
	}
}
