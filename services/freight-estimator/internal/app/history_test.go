package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/app"
	"github.com/crossdock/crossdock/services/freight-estimator/internal/domain"
)

func TestImportShipments(t *testing.T) {
	f := newFixture(t, "USD")
	good := f.input(rec{id: "a", vol: 1000, wt: 2000, val: 5000, freight: 1000})
	eur := f.input(rec{id: "eur", vol: 1000, wt: 2000, val: 4000, freight: 800})
	for _, m := range []*money.Money{&eur.DeclaredValue, &eur.TransactionAmount, &eur.GoodsPrice} {
		m.Currency = "EUR"
	}
	eur.RateToBase = "1.25"
	noRate := eur
	noRate.ShipmentID, noRate.RateToBase = "no-rate", ""
	negative := f.input(rec{id: "neg", vol: 1000, wt: 2000, val: 5000, freight: -1})
	badCode := f.input(rec{id: "bad-code", vol: 1000, wt: 2000, val: 5000, freight: 1})
	badCode.Route.DestinationCountry = "ZZ"
	// A NUL, which PostgreSQL does not store, is the record's problem: it
	// failed the whole import before.
	nul := f.input(rec{id: "n\x00l", vol: 1000, wt: 2000, val: 5000, freight: 1})

	res, err := f.svc.ImportShipments(ctx, admin, []domain.ShipmentInput{good, eur, noRate, negative, badCode, good, nul})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 2 || res.Duplicates != 1 || len(res.Rejected) != 4 {
		t.Fatalf("result = %+v, want 2 imported, 1 duplicate, 4 rejected", res)
	}
	wantRejected := []struct {
		index  int
		id     string
		reason string
	}{
		{2, "no-rate", "rate_to_base: is required"},
		{3, "neg", "negative freight"},
		{4, "bad-code", "route.destination_country_code"},
		{6, "n\x00l", "shipment_id: must not contain control characters"},
	}
	for i, w := range wantRejected {
		r := res.Rejected[i]
		if r.Index != w.index || r.ShipmentID != w.id || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("rejected[%d] = %+v, want index %d id %s reason with %q", i, r, w.index, w.id, w.reason)
		}
	}
	// The EUR record is stored in USD: freight 8.00 EUR × 1.25 = 10.00, value 40.00 × 1.25 = 50.00.
	var value, freight int64
	var rate string
	if err := f.pool.QueryRow(ctx, `SELECT value_minor, freight_minor, rate_to_base FROM shipments WHERE shipment_id = 'eur'`).Scan(&value, &freight, &rate); err != nil {
		t.Fatal(err)
	}
	if value != 5000 || freight != 1000 || rate != "1.25" {
		t.Errorf("EUR record stored as value %d freight %d rate %q", value, freight, rate)
	}
	if n := f.count(t, "rejected_shipments"); n != 3 {
		t.Errorf("%d rejections recorded, want 3", n)
	}

	// Again: everything known is a duplicate, the bad rows are counted twice.
	res, err = f.svc.ImportShipments(ctx, admin, []domain.ShipmentInput{good, eur, negative})
	if err != nil || res.Imported != 0 || res.Duplicates != 2 || len(res.Rejected) != 1 {
		t.Fatalf("second import = %+v, %v", res, err)
	}
	var rejections int
	if err := f.pool.QueryRow(ctx, `SELECT rejections FROM rejected_shipments WHERE shipment_id = 'neg'`).Scan(&rejections); err != nil || rejections != 2 {
		t.Errorf("negative-freight row counted %d times (%v), want 2", rejections, err)
	}
	if n := f.count(t, "shipments"); n != 2 {
		t.Errorf("%d shipments stored, want 2", n)
	}

	// Only admins import, and a batch has a limit.
	if _, err := f.svc.ImportShipments(ctx, buyer, []domain.ShipmentInput{good}); !errors.Is(err, app.ErrAdminsOnly) {
		t.Errorf("buyer import: %v", err)
	}
	if _, err := f.svc.ImportShipments(ctx, admin, make([]domain.ShipmentInput, app.MaxImportBatch+1)); !apperr.IsKind(err, apperr.KindInvalid) {
		t.Errorf("oversized batch: %v", err)
	}
}

// Records older than twice the window are pruned; younger ones stay, also in
// memory.
func TestPrune(t *testing.T) {
	f := newFixture(t, "USD")
	day := 24 * time.Hour
	f.importRecs(t,
		rec{vol: 1000, wt: 2000, val: 5000, freight: 1000, age: day},
		rec{vol: 1000, wt: 2000, val: 5000, freight: 1000, age: 179 * day},
		rec{vol: 1000, wt: 2000, val: 5000, freight: 1000, age: 181 * day},
		rec{vol: 1000, wt: 2000, val: 5000, freight: 1000, age: 400 * day})
	f.estimate(t, routeR, p0) // loads the route into memory
	n, err := f.svc.Prune(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want 2", n, err)
	}
	if c := f.count(t, "shipments"); c != 2 {
		t.Errorf("%d shipments left, want 2", c)
	}
	if res := f.estimate(t, routeR, p0); res.Groups[0].Count != 1 {
		t.Errorf("after pruning: %+v", res.Groups)
	}
	if _, records := f.svc.History().Stats(); records != 1 {
		t.Errorf("%d records in memory after compaction, want 1 (the one in the window)", records)
	}
}

// Warming the history with more than the cache holds keeps the busiest
// routes: quieter routes are loaded first and evicted first. Before, the
// busiest were loaded first, so their snapshots were the least recently
// used, and the first routes evicted.
func TestWarmingKeepsTheBusiestRoutes(t *testing.T) {
	f := newFixture(t, "USD", app.WithHistoryLimit(5))
	routeR3 := domain.Route{OriginCountry: "CN", OriginRegion: "CN-GD", DestinationCountry: "FR", DestinationRegion: "FR-IDF"}
	r := func(route domain.Route) rec { return rec{route: route, vol: 1000, wt: 2000, val: 5000, freight: 1000} }
	f.importRecs(t, r(routeR), r(routeR)) // the busiest route: three writes, five records
	f.importRecs(t, r(routeR), r(routeR))
	f.importRecs(t, r(routeR))
	f.importRecs(t, r(routeR2), r(routeR2))
	f.importRecs(t, r(routeR3))
	if _, err := f.svc.WarmHistory(ctx); err != nil {
		t.Fatal(err)
	}
	if routes, records := f.svc.History().Stats(); routes != 1 || records != 5 {
		t.Errorf("after warming: %d routes, %d records held; want the busiest route's 5 alone", routes, records)
	}
}

// A completed shipment whose completion time is ahead of this service's
// clock (logistics' clock runs fast) is learned, as completed now: before,
// it was refused as bad data and never entered the history.
func TestAShipmentCompletedByAClockAheadIsLearned(t *testing.T) {
	f := newFixture(t, "USD")
	in := f.input(rec{vol: 1000, wt: 500, val: 2000, freight: 700})
	in.CompletedAt = f.clock.Now().Add(30 * time.Minute)
	var outcome app.Outcome
	var reason string
	err := f.store.InTx(ctx, func(r app.Repository) (err error) {
		outcome, reason, err = f.svc.RecordCompletedShipment(ctx, r, in)
		return err
	})
	if err != nil || outcome != app.OutcomeAdded {
		t.Fatalf("a shipment completed half an hour ahead of our clock = %v (%q), %v; want added", outcome, reason, err)
	}
	var completed time.Time
	if err := f.pool.QueryRow(ctx, `SELECT completed_at FROM shipments WHERE shipment_id = $1`, in.ShipmentID).Scan(&completed); err != nil {
		t.Fatal(err)
	}
	if !completed.Equal(f.clock.Now()) {
		t.Errorf("recorded as completed at %v, want now (%v)", completed, f.clock.Now())
	}
	// A day ahead is no clock drift: refused as bad data, as before.
	wrong := f.input(rec{vol: 1000, wt: 500, val: 2000, freight: 700})
	wrong.CompletedAt = f.clock.Now().Add(24 * time.Hour)
	err = f.store.InTx(ctx, func(r app.Repository) (err error) {
		outcome, reason, err = f.svc.RecordCompletedShipment(ctx, r, wrong)
		return err
	})
	if err != nil || outcome != app.OutcomeRejected {
		t.Errorf("a shipment completed a day ahead = %v (%q), %v; want rejected", outcome, reason, err)
	}
}

// A completed-shipment event whose id holds a NUL is bad data: refused and
// acknowledged, as any other, rather than failing its transaction every
// delivery until it is dead-lettered.
func TestAShipmentEventWithAnUnstorableIDIsRejected(t *testing.T) {
	f := newFixture(t, "USD")
	in := f.input(rec{id: "n\x00l", vol: 1000, wt: 500, val: 2000, freight: 700})
	var outcome app.Outcome
	var reason string
	err := f.store.InTx(ctx, func(r app.Repository) (err error) {
		outcome, reason, err = f.svc.RecordCompletedShipment(ctx, r, in)
		return err
	})
	if err != nil || outcome != app.OutcomeRejected || !strings.Contains(reason, "control characters") {
		t.Fatalf("a shipment id with a NUL = %v (%q), %v; want rejected", outcome, reason, err)
	}
}
