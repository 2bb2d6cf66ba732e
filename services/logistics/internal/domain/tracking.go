package domain

import (
	"time"

	"github.com/crossdock/crossdock/pkg/geo"
)

// TrackingEvent is one scan or status report of a carrier.
type TrackingEvent struct {
	// CarrierEventID identifies the event at its carrier; it is applied once.
	CarrierEventID string
	Waybill        string
	OccurredAt     time.Time
	// Seq is the carrier's number of the event within its booking, in the
	// order events happened (0: not given); it orders the booking's events
	// whatever the dates its scanners' clocks gave them.
	Seq          int64
	Status       Status
	Leg          LegKind
	LocationName string
	Point        *geo.Point
	Description  string
	// Stage is the booking the event reports on: 1 the first (to the
	// address, or to the central warehouse), 2 the onward one.
	Stage int
}

// FutureTolerance is how far ahead of its arrival a carrier may date an
// event: carriers' clocks drift a little.
const FutureTolerance = 15 * time.Minute

// DatedAhead reports an event dated further ahead of its arrival than
// FutureTolerance (a carrier's clock off).
func DatedAhead(reported, received time.Time) bool {
	return reported.After(received.Add(FutureTolerance))
}

// AsApplied is ev as it moves a parcel: one dated ahead (DatedAhead) is
// taken as occurring when it arrived. Applied at its own date it would
// stay the parcel's latest event until then, every real event after it
// joining the history only; left out, a delivery dated ahead would never
// deliver the parcel. The history keeps the date the carrier gave.
func AsApplied(ev TrackingEvent, received time.Time) TrackingEvent {
	if DatedAhead(ev.OccurredAt, received) {
		ev.OccurredAt = received
	}
	return ev
}

// ApplyReceived applies ev as received at received (AsApplied), and notes
// when a delivery or return was learned of.
func (s *Shipment) ApplyReceived(ev TrackingEvent, received time.Time, speed Speed, timing Timing) Effects {
	fx := s.Apply(AsApplied(ev, received), speed, timing)
	if fx.Delivered || fx.Returned {
		s.DeliveryReceivedAt = &received
	}
	return fx
}

// ValidReported reports whether a carrier may report status s.
func ValidReported(s Status) bool {
	switch s {
	case StatusPickedUp, StatusInTransit, StatusCustomsHold, StatusOutForDelivery,
		StatusDelivered, StatusException, StatusReturned:
		return true
	}
	return false
}

// Effects is what applying an event changed, for the events to publish and
// the work to start.
type Effects struct {
	// Moved is true when the event was the latest yet and moved the parcel;
	// false when it only joins the history.
	Moved    bool
	PickedUp bool // the parcel reached the carrier (first time)
	// AtCentral: the first booking ended at the central warehouse.
	AtCentral bool
	Delivered bool
	Returned  bool
}

// failedAttemptDelay is how long after a failed delivery attempt the next
// one is expected: carriers try again the next working day.
const failedAttemptDelay = 24 * time.Hour

// Apply applies a tracking event. An event earlier than the last applied
// one (see later) is history only: it never moves
// the parcel backwards. A final shipment moves no more. The ETA is
// recomputed from the method's speed and the time scale of the carrier.
func (s *Shipment) Apply(ev TrackingEvent, speed Speed, timing Timing) Effects {
	var fx Effects
	stage := max(ev.Stage, 1)
	if stage == 1 && (s.PickedUpAt == nil || ev.OccurredAt.Before(*s.PickedUpAt)) {
		if ev.Status != StatusBooked && s.Status != StatusCancelled {
			if s.PickedUpAt == nil {
				fx.PickedUp = true
			}
			at := ev.OccurredAt
			s.PickedUpAt = &at
		}
	}
	// A final event (delivered, returned) dated before the latest one still
	// ends the parcel: nothing comes after it to move the parcel again, and
	// its sub-order waits for it. A carrier's clocks disagreeing between
	// scans would otherwise freeze the parcel short of delivery.
	if s.Status.Final() || stage < max(s.Stage, 1) || (stage == 1 && s.AtCentralAt != nil) || (!s.later(ev, stage) && !ev.Status.Final()) {
		return fx
	}
	fx.Moved = true
	s.LastEventAt, s.LastEventSeq, s.LastEventStage = ev.OccurredAt, ev.Seq, stage
	s.Status = ev.Status
	if ev.Leg.Valid() {
		s.Leg = ev.Leg
	}
	if ev.Point != nil {
		s.Position = &Position{Point: *ev.Point, Name: ev.LocationName, At: ev.OccurredAt}
	}
	switch {
	case ev.Status == StatusDelivered && s.Central != nil && stage == 1:
		// The first booking ends at the central warehouse: the parcel waits
		// there for its onward booking.
		at := ev.OccurredAt
		s.AtCentralAt, s.Status, fx.AtCentral = &at, StatusInTransit, true
		eta := at.Add(timing.Scaled(timing.Consolidation + Remaining(s.onward(), speed, LegDomestic, nil)))
		s.ETA = &eta
	case ev.Status == StatusDelivered:
		at := ev.OccurredAt
		s.DeliveredAt, s.ETA, fx.Delivered = &at, nil, true
	case ev.Status == StatusReturned:
		s.ETA, fx.Returned = nil, true
	default:
		var pos *geo.Point
		if s.Position != nil {
			pos = &s.Position.Point
		} else {
			o := s.Origin()
			pos = &o
		}
		left := timing.Scaled(s.remaining(speed, s.Leg, pos, timing.Consolidation))
		if ev.Status == StatusException {
			left += timing.Scaled(failedAttemptDelay)
		}
		eta := ev.OccurredAt.Add(left)
		s.ETA = &eta
	}
	return fx
}

// later reports whether ev, reporting on booking stage, comes after the
// last applied event: always when it is of a later booking; by the
// carrier's numbering when both are of the same booking and numbered (it
// is the order they happened in: a scanner's clock running fast, or an
// event dated ahead and applied as received, does not make a
// later-numbered event earlier), else by time, then number.
func (s *Shipment) later(ev TrackingEvent, stage int) bool {
	if s.LastEventAt.IsZero() {
		return true
	}
	if s.LastEventStage > 0 && stage > s.LastEventStage {
		return true // the onward booking's events follow the first's
	}
	if stage == s.LastEventStage && ev.Seq > 0 && s.LastEventSeq > 0 {
		return ev.Seq > s.LastEventSeq
	}
	if !ev.OccurredAt.Equal(s.LastEventAt) {
		return ev.OccurredAt.After(s.LastEventAt)
	}
	return ev.Seq > s.LastEventSeq
}
