package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// A cancelled parcel's carrier side is done only once the booking it holds
// is the one the carrier cancelled (or none was ever made); a booking whose
// answer arrives after the cancellation opens it again.
func TestCarrierSideOfACancellation(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		waybill     string // the parcel's before
		steps       func(s *domain.Shipment)
		wantWaybill string
		wantPending bool
		wantRefusal string
	}{
		{"cancelled, the carrier not asked yet", "", func(s *domain.Shipment) {}, "", true, ""},
		{"the waybill cancelled at the carrier", "W1", func(s *domain.Shipment) { s.CarrierCancelled("W1", "", at) }, "W1", false, ""},
		{"the lost booking found and cancelled", "", func(s *domain.Shipment) { s.CarrierCancelled("W1", "", at) }, "W1", false, ""},
		{"no booking at the carrier", "", func(s *domain.Shipment) { s.CarrierCancelled("", "", at) }, "", false, ""},
		{"a booking stored meanwhile, not the one cancelled", "W1", func(s *domain.Shipment) { s.CarrierCancelled("", "", at) }, "W1", true, ""},
		{"a booking answered after the cancellation", "", func(s *domain.Shipment) {
			s.CarrierCancelled("", "", at)
			s.BookedAfterCancel("W1")
		}, "W1", true, ""},
		{"then cancelled at the carrier", "", func(s *domain.Shipment) {
			s.CarrierCancelled("", "", at)
			s.BookedAfterCancel("W1")
			s.CarrierCancelled("W1", "", at)
		}, "W1", false, ""},
		{"refused by the carrier", "W1", func(s *domain.Shipment) { s.CarrierCancelled("W1", "picked up", at) }, "W1", false, "picked up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := shipment()
			s.Waybill = tc.waybill
			if err := s.Cancel(at); err != nil {
				t.Fatal(err)
			}
			tc.steps(&s)
			if s.Waybill != tc.wantWaybill || s.CarrierCancelPending() != tc.wantPending || s.CarrierCancelRefusal != tc.wantRefusal {
				t.Errorf("waybill %q, pending %v, refusal %q; want %q, %v, %q", s.Waybill, s.CarrierCancelPending(), s.CarrierCancelRefusal,
					tc.wantWaybill, tc.wantPending, tc.wantRefusal)
			}
		})
	}
}

// Only a parcel the carrier has not picked up is cancelled; cancelling
// again changes nothing.
func TestCancel(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	earlier := at.Add(-time.Hour)
	for _, tc := range []struct {
		name    string
		change  func(s *domain.Shipment)
		wantErr error
		wantAt  time.Time
	}{
		{"booked", func(s *domain.Shipment) {}, nil, at},
		{"cancelled already", func(s *domain.Shipment) { s.Status, s.CancelledAt = domain.StatusCancelled, &earlier }, nil, earlier},
		{"picked up", func(s *domain.Shipment) { s.PickedUpAt = &earlier }, domain.ErrPickedUp, time.Time{}},
		{"in transit", func(s *domain.Shipment) { s.Status = domain.StatusInTransit }, domain.ErrPickedUp, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := shipment()
			tc.change(&s)
			err := s.Cancel(at)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Cancel = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if s.Status == domain.StatusCancelled {
					t.Error("a refused cancellation cancelled the parcel")
				}
				return
			}
			if s.Status != domain.StatusCancelled || s.CancelledAt == nil || !s.CancelledAt.Equal(tc.wantAt) || s.ETA != nil {
				t.Errorf("cancelled parcel: %s at %v, ETA %v", s.Status, s.CancelledAt, s.ETA)
			}
		})
	}
}
