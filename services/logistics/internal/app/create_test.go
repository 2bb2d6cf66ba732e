package app_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/pkg/testkit"
	"github.com/crossdock/crossdock/services/logistics/internal/adapters/carrierapi"
	"github.com/crossdock/crossdock/services/logistics/internal/app"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
	"github.com/crossdock/crossdock/simulators/carriersim"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func violationOn(err error, field string) bool {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.KindInvalid {
		return false
	}
	for _, v := range e.Violations {
		if v.Field == field {
			return true
		}
	}
	return false
}

// Bad input is refused with the field named, and nothing is booked: no
// shipment row, no booking at the carrier.
func TestCreateShipmentRefusesBadInput(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 1, UnservedCountries: []string{"KP"}}, 4)
	zoned, err := f.svc.CreateMethod(ctx, admin, domain.Method{CarrierID: f.carrier.ID, Code: "eu-only", Name: "EU only",
		Mode: domain.ModeGround, Speed: domain.Speed{HandlingHours: 24, DomesticKmPerDay: 500, InternationalKmPerDay: 800, LastMileKmPerDay: 300},
		Zones: []string{"DE", "FR"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, field string
		change      func(*domain.NewShipmentInput)
	}{
		{"unknown method", "method_id", func(in *domain.NewShipmentInput) { in.MethodID = uuid.New() }},
		{"no weight", "weight_g", func(in *domain.NewShipmentInput) { in.WeightG = 0 }},
		{"a destination the method does not serve", "to.country_code", func(in *domain.NewShipmentInput) {
			in.MethodID, in.To = zoned.ID, address(1, true) // US
		}},
		{"a destination the carrier does not serve", "to.country_code", func(in *domain.NewShipmentInput) {
			in.To = domain.Address{Recipient: "R", Country: "KP", City: "Pyongyang", Lines: []string{"1"}}
		}},
		{"no country", "to.country_code", func(in *domain.NewShipmentInput) { in.To.Country = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := f.input(0, "air")
			tc.change(&in)
			_, _, err := f.svc.CreateShipment(ctx, orders, in)
			if !violationOn(err, tc.field) {
				t.Fatalf("CreateShipment = %v, want InvalidArgument on %s", err, tc.field)
			}
		})
	}
	if n := f.count(t, `SELECT count(*) FROM shipments`); n != 0 {
		t.Errorf("%d shipments stored from refused requests", n)
	}
	var feed struct {
		Events []json.RawMessage `json:"events"`
	}
	f.simGet(t, "/v1/events?after=0", &feed)
	if len(feed.Events) != 0 {
		t.Errorf("the carrier has %d events from refused bookings", len(feed.Events))
	}
	if _, _, err := f.svc.CreateShipment(ctx, admin, f.input(0, "air")); !apperr.IsKind(err, apperr.KindPermissionDenied) {
		t.Errorf("an admin creating a shipment = %v, want PermissionDenied (services only)", err)
	}
}

// Creating twice with the same sub-order returns the same shipment and
// waybill; the same sub-order with other details is AlreadyExists with the
// reason every service gives a key reused with other parameters.
func TestCreateShipmentIsIdempotent(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 1}, 4)
	in := f.input(2, "sea")
	first, replayed, err := f.svc.CreateShipment(ctx, orders, in)
	if err != nil || replayed || first.Waybill == "" {
		t.Fatalf("first create = %+v, %v, %v", first, replayed, err)
	}
	again, replayed, err := f.svc.CreateShipment(ctx, orders, in)
	if err != nil || !replayed || again.ID != first.ID || again.Waybill != first.Waybill {
		t.Fatalf("second create = %s %s %v %v; want %s %s replayed", again.ID, again.Waybill, replayed, err, first.ID, first.Waybill)
	}
	other := in
	other.WeightG++
	if _, _, err := f.svc.CreateShipment(ctx, orders, other); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Fatalf("same sub-order, other weight = %v, want AlreadyExists %s", err, idempotency.ReasonKeyReused)
	}
	v, err := f.svc.GetShipment(ctx, orders, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.ETA == nil || !v.ETA.After(time.Now()) {
		t.Errorf("a booked parcel's ETA = %v, want in the future", v.ETA)
	}
	if v.DistanceBasis == "" || v.DistanceLeftKm <= 0 {
		t.Errorf("a booked parcel shows %.0f km left (%s)", v.DistanceLeftKm, v.DistanceBasis)
	}
	if c, err := f.svc.CancelShipment(ctx, orders, first.ID, "buyer cancelled"); err != nil || c.Status != domain.StatusCancelled {
		t.Fatalf("cancel before pick-up = %v, %v", c.Status, err)
	}
	if truth := f.truth(t, first.Waybill); truth.Status != "cancelled" {
		t.Errorf("the carrier says %s after a cancel", truth.Status)
	}
	if _, err := f.svc.CompleteShipment(ctx, orders, first.ID); !apperr.IsKind(err, apperr.KindFailedPrecondition) {
		t.Errorf("completing a cancelled parcel = %v, want FailedPrecondition", err)
	}
}

// A booking whose carrier could not be reached leaves a row without a
// waybill; the bookings worker books it a minute later under the same
// reference, and the caller's retry then answers that same booking.
func TestLostBookingsAreBookedAgain(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 1}, 4)
	down := []domain.Endpoint{{Environment: "sandbox", APIURL: "http://127.0.0.1:1"}}
	if _, err := f.svc.UpdateCarrier(ctx, admin, f.carrier.ID, app.CarrierUpdate{Endpoints: down}); err != nil {
		t.Fatal(err)
	}
	in := f.input(4, "ground")
	if _, _, err := f.svc.CreateShipment(ctx, orders, in); !apperr.IsKind(err, apperr.KindUnavailable) {
		t.Fatalf("booking with the carrier down = %v, want Unavailable", err)
	}
	if n := f.count(t, `SELECT count(*) FROM shipments WHERE waybill IS NULL`); n != 1 {
		t.Fatalf("%d parcels wait for a waybill, want 1", n)
	}
	up := []domain.Endpoint{{Environment: "sandbox", APIURL: f.simURL}}
	if _, err := f.svc.UpdateCarrier(ctx, admin, f.carrier.ID, app.CarrierUpdate{Endpoints: up}); err != nil {
		t.Fatal(err)
	}
	log := testkit.Logger(t)
	if n, err := f.svc.RetryBookings(ctx, 10, log); err != nil || n != 0 {
		t.Fatalf("RetryBookings before the grace = %d, %v; want nothing yet", n, err)
	}
	later := app.New(f.store, carrierapi.New(5*time.Second), f.finance, f.inventory, app.DefaultConfig(),
		app.WithClock(func() time.Time { return time.Now().Add(2 * time.Minute) }))
	refusing := []domain.Endpoint{{Environment: "sandbox", APIURL: f.simURL, APIKey: "not-the-key"}}
	if _, err := f.svc.UpdateCarrier(ctx, admin, f.carrier.ID, app.CarrierUpdate{Endpoints: refusing}); err != nil {
		t.Fatal(err)
	}
	// The carrier refusing our key books nothing, and says so: the worker
	// waits its interval instead of asking again at once.
	if n, err := later.RetryBookings(ctx, 10, log); err != nil || n != 0 {
		t.Fatalf("RetryBookings with our key refused = %d, %v; want 0 booked", n, err)
	}
	if n := f.count(t, `SELECT count(*) FROM shipments WHERE waybill IS NULL`); n != 1 {
		t.Fatalf("%d parcels wait for a waybill after a refused retry, want 1", n)
	}
	keyed := []domain.Endpoint{{Environment: "sandbox", APIURL: f.simURL, APIKey: apiKey}}
	if _, err := f.svc.UpdateCarrier(ctx, admin, f.carrier.ID, app.CarrierUpdate{Endpoints: keyed}); err != nil {
		t.Fatal(err)
	}
	if n, err := later.RetryBookings(ctx, 10, log); err != nil || n != 1 {
		t.Fatalf("RetryBookings = %d, %v; want 1", n, err)
	}
	if n, err := later.RetryBookings(ctx, 10, log); err != nil || n != 0 {
		t.Fatalf("a second round booked %d (%v)", n, err)
	}
	sh, replayed, err := f.svc.CreateShipment(ctx, orders, in)
	if err != nil || !replayed || sh.Waybill == "" {
		t.Fatalf("the caller's retry = %q, %v, %v; want the booking made", sh.Waybill, replayed, err)
	}
	if truth := f.truth(t, sh.Waybill); truth.Waybill != sh.Waybill {
		t.Errorf("the carrier does not know waybill %s", sh.Waybill)
	}
}

// A booking whose answer was lost, moved by the carrier's events before
// the bookings worker came round (the carrier found it by its reference):
// the worker still books it, storing the waybill and announcing the
// booking, where before it looked only at parcels still booked, and the
// parcel stayed without a waybill, its delivery announced without one.
func TestALostBookingMovedByItsCarrierIsStillBooked(t *testing.T) {
	f := newFixture(t, carriersim.Config{TimeScale: 3e6, Tick: 5 * time.Millisecond, Seed: 5, UnservedCountries: []string{}}, 4)
	lost := make(chan string, 1)
	f.script(carrierScript{"book 1": answerLost(lost)})
	in := f.input(0, "express")
	if _, _, err := f.svc.CreateShipment(ctx, orders, in); !apperr.IsKind(err, apperr.KindUnavailable) {
		t.Fatalf("create with the answer lost = %v, want Unavailable", err)
	}
	waybill := <-lost
	f.waitQuiet(t, time.Minute)
	f.catchUp(t)
	sh, err := f.svc.GetSubOrderShipment(ctx, orders, in.SubOrderID)
	if err != nil || sh.Status == "booked" || sh.Waybill != "" {
		t.Fatalf("before the worker: %s, waybill %q, %v; want moved by the carrier, no waybill", sh.Status, sh.Waybill, err)
	}
	// What the carrier's events made known names the parcel by the
	// waybill they carry, though the booking is not stored yet: orders
	// records it, and partners are sent it.
	var picked logisticsv1.ShipmentPickedUp
	if err := proto.Unmarshal(f.payload(t, "logistics.shipment.picked_up"), &picked); err != nil || picked.GetWaybill() != waybill {
		t.Errorf("the pick-up announced with waybill %q (%v), want the carrier's %s", picked.GetWaybill(), err, waybill)
	}
	later := app.New(f.store, carrierapi.New(5*time.Second), f.finance, f.inventory, app.DefaultConfig(),
		app.WithClock(func() time.Time { return time.Now().Add(2 * time.Minute) }))
	if n, err := later.RetryBookings(ctx, 10, testkit.Logger(t)); err != nil || n != 1 {
		t.Fatalf("RetryBookings = %d, %v; want the parcel booked", n, err)
	}
	after, err := f.svc.GetSubOrderShipment(ctx, orders, in.SubOrderID)
	if err != nil || after.Waybill != waybill || after.Status != sh.Status {
		t.Errorf("after the worker: %s, waybill %q, %v; want %s with the carrier's %s", after.Status, after.Waybill, err, sh.Status, waybill)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox WHERE subject = 'logistics.shipment.booked'`); n != 1 {
		t.Errorf("%d logistics.shipment.booked events, want 1", n)
	}
}

// An admin's update of a carrier made while another's is under way (a
// secret rotated as the carrier is renamed) keeps the other's change: it
// reads the carrier once that one committed. Before, it read the carrier
// first and wrote back the old name (or the old secret) over the change.
func TestCarrierUpdatesAtOnceKeepEachOthersChanges(t *testing.T) {
	f := newFixture(t, carriersim.Config{}, 4)
	tx, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// The other update, under way: the carrier renamed, not committed yet.
	if _, err := tx.Exec(ctx, `UPDATE carriers SET name = 'Renamed Express' WHERE carrier_id = $1`, f.carrier.ID); err != nil {
		t.Fatal(err)
	}
	inactive := false
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.UpdateCarrier(ctx, admin, f.carrier.ID, app.CarrierUpdate{Active: &inactive})
		done <- err
	}()
	testkit.AwaitLockWaiter(t, f.pool) // this update waits for the carrier meanwhile
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := f.store.GetCarrier(ctx, f.carrier.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Renamed Express" || got.Active {
		t.Errorf("carrier %q, active %v; want the rename kept and the carrier inactive", got.Name, got.Active)
	}
}
