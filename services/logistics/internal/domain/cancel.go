package domain

import (
	"time"

	"github.com/crossdock/crossdock/pkg/apperr"
)

// ErrPickedUp refuses to cancel a parcel the carrier already has.
var ErrPickedUp = apperr.FailedPrecondition("the carrier has picked the parcel up; it can no longer be cancelled").WithReason("ALREADY_PICKED_UP")

// Cancel marks a parcel cancelled by Crossdock; cancelling it again changes
// nothing. Its carrier's side is recorded apart (CarrierCancelled), since a
// booking may be live at the carrier whatever the row says.
func (s *Shipment) Cancel(at time.Time) error {
	if err := s.Cancellable(); err != nil || s.Status == StatusCancelled {
		return err
	}
	s.Status, s.CancelledAt, s.ETA = StatusCancelled, &at, nil
	return nil
}

// Cancellable says why the parcel cannot be cancelled, if it cannot: the
// carrier has it. A cancelled parcel can be, again.
func (s Shipment) Cancellable() error {
	if s.Status != StatusCancelled && (s.PickedUpAt != nil || s.Status != StatusBooked) {
		return ErrPickedUp
	}
	return nil
}

// CarrierCancelPending reports whether the parcel is cancelled here while
// its carrier may still hold a live booking for it.
func (s Shipment) CarrierCancelPending() bool {
	return s.Status == StatusCancelled && s.CarrierCancelDoneAt == nil
}

// CarrierCancelled records the carrier's side of a cancellation: it holds
// the booking waybill cancelled, or none at all when waybill is empty (it
// refused to book the parcel), or it refused for good to cancel it when
// refusal says why. A booking stored on the parcel meanwhile under another
// waybill is not the one that was cancelled, so it stays to cancel.
func (s *Shipment) CarrierCancelled(waybill, refusal string, at time.Time) {
	if s.Waybill == "" {
		s.Waybill = waybill
	}
	if s.Waybill == waybill {
		s.CarrierCancelDoneAt, s.CarrierCancelRefusal = &at, refusal
	}
}

// BookedAfterCancel records the waybill of a booking whose answer came
// after the parcel was cancelled: the booking is live at the carrier until
// it is cancelled there, so the carrier's side is open again.
func (s *Shipment) BookedAfterCancel(waybill string) {
	if s.Waybill == "" {
		s.Waybill, s.CarrierCancelDoneAt, s.CarrierCancelRefusal = waybill, nil, ""
	}
}
