package app_test

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/webhook"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

// A parcel delivered before its last-mile charge arrived (the charge's
// webhook lost, the feed not read yet) does not complete: completing would
// settle its sub-order, and teach the estimator, without that leg. Once the
// charge is in, it completes with the whole bill. Before, it completed at
// once with the legs known then. The wait counts from when the delivery
// was learned of: here its webhook came ten minutes after the carrier's
// date, past the grace counted from that date.
func TestCompletionWaitsForTheLastMileCharge(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 5, UnservedCountries: []string{}}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	lastMile, charged := f.postAllButTheLastMile(t, sh.ID.String(), func(e *carrierapi.EventJSON) {
		if e.Type == "tracking" && e.Status == "delivered" {
			e.OccurredAt = time.Now().Add(-10 * time.Minute)
		}
	})
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "delivered" || !v.FreightPending {
		t.Fatalf("before the last-mile charge the parcel is %s, freight pending %v; want delivered, pending", v.Status, v.FreightPending)
	}
	var e *apperr.Error
	if _, err := f.svc.CompleteShipment(ctx, orders, sh.ID); !errors.As(err, &e) || e.Kind != apperr.KindUnavailable || e.Reason != "FREIGHT_PENDING" || e.RetryDelay <= 0 {
		t.Fatalf("completing without the last-mile charge = %v, want UNAVAILABLE FREIGHT_PENDING with a retry delay", err)
	}
	f.post(t, lastMile)
	if v, err = f.svc.CompleteShipment(ctx, orders, sh.ID); err != nil {
		t.Fatalf("completing with every charge in: %v", err)
	}
	if v.FreightPending || v.ActualFreight.Amount != charged {
		t.Errorf("completed with freight %v (pending %v), the carrier charged %d", v.ActualFreight, v.FreightPending, charged)
	}
	if got := f.completedFreight(t, sh.ID.String()); got != charged {
		t.Errorf("logistics.shipment.completed says freight %d, the carrier charged %d", got, charged)
	}
}

// A parcel returned to its sender is freight pending, as a delivered one
// is, until the last-mile charge of its delivery attempts is in: its
// sub-order's escrow is refunded once nothing is pending, and a charge
// after that could not be paid from it.
func TestAReturnedParcelWaitsForItsLastMileCharge(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 5, UnservedCountries: []string{},
		FailedAttemptRate: 1}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	lastMile, _ := f.postAllButTheLastMile(t, sh.ID.String(), func(*carrierapi.EventJSON) {})
	v, err := f.svc.GetShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "returned" || !v.FreightPending {
		t.Fatalf("before the last-mile charge the parcel is %s, freight pending %v; want returned, pending", v.Status, v.FreightPending)
	}
	f.post(t, lastMile)
	if v, err = f.svc.GetShipment(ctx, orders, sh.ID); err != nil || v.FreightPending {
		t.Fatalf("with every charge in: freight pending %v (%v), want not", v.FreightPending, err)
	}
}

// The wait for a last-mile charge ends FreightGrace after delivery: a
// carrier that never charges it does not hold the sub-order for good.
func TestCompletionTakesTheBillAsItIsAfterTheGrace(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 5, UnservedCountries: []string{}}, 4,
		func(c *app.Config) { c.FreightGrace = 50 * time.Millisecond })
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	var charged int64
	for _, e := range f.allSimEvents(t) {
		if e.Reference != sh.ID.String() || (e.Type == "charge" && e.Charge.Kind == "last_mile") {
			continue
		}
		if e.Type == "charge" {
			charged += e.Charge.Amount
		}
		f.post(t, e)
	}
	time.Sleep(100 * time.Millisecond)
	v, err := f.svc.CompleteShipment(ctx, orders, sh.ID)
	if err != nil {
		t.Fatalf("completing once the grace ran out: %v", err)
	}
	if v.ActualFreight.Amount != charged || f.completedFreight(t, sh.ID.String()) != charged {
		t.Errorf("completed with freight %v, the legs charged came to %d", v.ActualFreight, charged)
	}
}

// post delivers a carrier event as its webhook would.
func (f *fixture) post(t *testing.T, e carrierapi.EventJSON) {
	t.Helper()
	body := mustJSON(t, e)
	if _, err := f.svc.HandleWebhook(ctx, carrierCode, webhook.Sign([]byte(webhookSecret), time.Now(), body), body); err != nil {
		t.Fatalf("webhook %s: %v", e.ID, err)
	}
}

// completedFreight is the actual freight the parcel's completion event
// carries.
func (f *fixture) completedFreight(t *testing.T, shipmentID string) int64 {
	t.Helper()
	return f.completion(t, shipmentID).GetActualFreight().GetAmountMinor()
}

// completion is the parcel's completion event, the only one in the outbox.
func (f *fixture) completion(t *testing.T, shipmentID string) *logisticsv1.ShipmentCompleted {
	t.Helper()
	var payload []byte
	if err := f.pool.QueryRow(ctx, `SELECT payload FROM outbox WHERE subject = $1`, app.SubjectShipmentCompleted).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var ev logisticsv1.ShipmentCompleted
	if err := proto.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.GetShipmentId() != shipmentID {
		t.Fatalf("completion event of %s, want %s", ev.GetShipmentId(), shipmentID)
	}
	return &ev
}

// A parcel whose goods are priced in a currency finance has no rate to the
// base currency for (an operator recorded only the other direction)
// completes all the same, its event without the rate: the rate only feeds
// the freight estimator's history, which sets such a record aside. Before,
// finance's NotFound came back from CompleteShipment, on a parcel that
// exists, and the sub-order's settlement waited for that rate for ever.
// Finance out of reach still holds the completion: it is asked again.
func TestCompletionDoesNotWaitForAMissingRate(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, LoseRate: 1, Seed: 5, UnservedCountries: []string{}}, 4)
	sh := f.create(t, f.input(0, "express"))
	f.waitQuiet(t, time.Minute)
	lastMile, _ := f.postAllButTheLastMile(t, sh.ID.String(), func(*carrierapi.EventJSON) {})
	f.post(t, lastMile)
	f.finance.rate = func() (string, error) { return "", apperr.Unavailable("finance is down") }
	if _, err := f.svc.CompleteShipment(ctx, orders, sh.ID); !apperr.IsKind(err, apperr.KindUnavailable) {
		t.Fatalf("completing with finance down = %v, want Unavailable", err)
	}
	f.finance.rate = func() (string, error) { return "", apperr.NotFound("exchange rate", "EUR/USD") }
	v, err := f.svc.CompleteShipment(ctx, orders, sh.ID)
	if err != nil || v.CompletedAt == nil {
		t.Fatalf("completing without a rate: %+v, %v; want it completed", v, err)
	}
	if ev := f.completion(t, sh.ID.String()); ev.GetRateToBase() != "" || ev.GetGoodsPrice().GetCurrencyCode() != "EUR" {
		t.Errorf("the completion event: rate %q for goods in %s, want none", ev.GetRateToBase(), ev.GetGoodsPrice().GetCurrencyCode())
	}
}

// postAllButTheLastMile posts as webhooks every event the carrier made of
// the parcel with reference ref, each first given to edit, but its
// last-mile charge, which it returns with the sum of every charge.
func (f *fixture) postAllButTheLastMile(t *testing.T, ref string, edit func(*carrierapi.EventJSON)) (lastMile carrierapi.EventJSON, charged int64) {
	t.Helper()
	found := false
	for _, e := range f.allSimEvents(t) {
		if e.Reference != ref {
			continue
		}
		if e.Type == "charge" {
			charged += e.Charge.Amount
			if e.Charge.Kind == "last_mile" {
				lastMile, found = e, true
				continue
			}
		}
		edit(&e)
		f.post(t, e)
	}
	if !found {
		t.Fatal("the carrier charged no last-mile leg")
	}
	return lastMile, charged
}
