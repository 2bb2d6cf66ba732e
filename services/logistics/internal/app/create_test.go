package app_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
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
// waybill; the same sub-order with other details is AlreadyExists.
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
	if _, _, err := f.svc.CreateShipment(ctx, orders, other); !apperr.IsKind(err, apperr.KindAlreadyExists) {
		t.Fatalf("same sub-order, other weight = %v, want AlreadyExists", err)
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
