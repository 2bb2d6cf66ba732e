package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	logisticsv1 "github.com/crossdock/crossdock/gen/crossdock/logistics/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// CancelShipment cancels a booking the carrier has not picked up
// (services). The carrier is asked first, so a parcel it has picked up is
// refused (ALREADY_PICKED_UP) and stays live. A parcel without a waybill
// (its booking's answer lost, or still on its way) may be booked at the
// carrier all the same: it is booked again under the same reference,
// which answers the booking the carrier holds, and that is cancelled; a
// refusal of that booking means the carrier holds none. A parcel already
// cancelled whose carrier's side is not done is finished here rather than
// answered at once, so the caller's retry completes it.
func (s *Service) CancelShipment(ctx context.Context, c auth.Caller, id uuid.UUID, reason string) (View, error) {
	if err := requireService(c); err != nil {
		return View{}, err
	}
	sh, err := s.store.GetShipment(ctx, id, false)
	if err != nil {
		return View{}, err
	}
	if sh.Status != domain.StatusCancelled || sh.CarrierCancelPending() {
		if err := sh.Cancellable(); err != nil { // before calling the carrier
			return View{}, err
		}
		if _, err := s.cancel(ctx, sh, reason); err != nil {
			return View{}, err
		}
	}
	return s.view(ctx, id)
}

// cancel ends sh's booking at its carrier, then records in one
// transaction the cancellation (with its ShipmentCancelled event, unless
// it was cancelled already) and the carrier's side done. A carrier that
// refuses for good is the caller's answer for a parcel not yet cancelled;
// for one cancelled already the refusal is recorded and nothing more is
// tried. A booking stored meanwhile under another waybill is cancelled in
// turn.
func (s *Service) cancel(ctx context.Context, sh domain.Shipment, reason string) (domain.Shipment, error) {
	waybill, refusal, err := s.cancelAtCarrier(ctx, sh)
	if err == nil && refusal != nil && sh.Status != domain.StatusCancelled {
		err = refusal
	}
	if err != nil {
		return sh, err
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		cur, err := r.GetShipment(ctx, sh.ID, true)
		if err != nil {
			return err
		}
		now := s.clock()
		var events []Event
		if cur.Status != domain.StatusCancelled {
			if err := cur.Cancel(now); err != nil {
				return err
			}
			events = append(events, Event{Subject: SubjectShipmentCancelled, Payload: &logisticsv1.ShipmentCancelled{
				ShipmentId: cur.ID.String(), SubOrderId: cur.SubOrderID.String(), Reason: reason, CancelledAt: timestamppb.New(now),
			}})
		}
		why := ""
		if refusal != nil {
			why = refusal.Error()
		}
		cur.CarrierCancelled(waybill, why, now)
		sh = cur
		if err := r.SaveShipment(ctx, cur); err != nil {
			return err
		}
		return r.Emit(ctx, events...)
	})
	if err != nil || !sh.CarrierCancelPending() {
		return sh, err
	}
	return s.cancel(ctx, sh, reason)
}

// cancelAtCarrier cancels sh's booking at its carrier and returns its
// waybill, or "" when the carrier holds none: a parcel without a waybill
// is booked again under its reference first. refusal is the carrier's
// refusal for good to cancel (it has the parcel); err is anything a retry
// may get past. A waybill the carrier says it does not know
// (CarrierCodeResourceMissing) is cancelled there already: a carrier that
// holds no booking runs and charges nothing.
func (s *Service) cancelAtCarrier(ctx context.Context, sh domain.Shipment) (waybill string, refusal, err error) {
	_, ep, err := s.carrierOf(ctx, sh)
	if err != nil {
		return "", nil, err
	}
	waybill = sh.Waybill
	if waybill == "" {
		m, err := s.store.GetMethod(ctx, sh.MethodID)
		if err != nil {
			return "", nil, err
		}
		waybill, err = s.bookAtCarrier(ctx, ep, m, sh)
		if apperr.IsKind(err, apperr.KindInvalid) {
			return "", nil, nil // refused: the carrier holds no booking under the reference
		}
		if err != nil {
			return "", nil, err
		}
	}
	err = s.carriers.Cancel(ctx, ep, waybill)
	if errors.Is(err, errCarrierResourceMissing) {
		// The carrier says it knows no booking under the waybill (it forgot
		// it, or never kept it): there is nothing of it to cancel, or to
		// run. Any other 404 (a wrong URL, a proxy's page) proves nothing
		// and stays a refusal.
		return waybill, nil, nil
	}
	if refusedForGood(err) {
		return waybill, err, nil
	}
	return waybill, nil, err
}

// CarrierCodeResourceMissing is a carrier's error code (upper-cased) for a
// resource it holds none of, a 404's body saying the waybill is unknown.
const CarrierCodeResourceMissing = "RESOURCE_MISSING"

// errCarrierResourceMissing matches (errors.Is: its kind and reason) the
// carrier's 404 saying it holds no such resource.
var errCarrierResourceMissing = apperr.NotFound("carrier resource", "").WithReason(CarrierCodeResourceMissing)

// refusedForGood reports a carrier's refusal no retry changes: of the call
// itself, not of our credentials (which an operator fixes).
func refusedForGood(err error) bool {
	var e *apperr.Error
	return apperr.Permanent(err) && !(errors.As(err, &e) && e.Reason == ReasonCarrierCredentials)
}

// CarrierCancelGrace is how long a cancelled parcel's carrier side may stay
// open before the bookings worker finishes it and the failing-steps gauge
// counts it: long enough for the call that cancelled it to finish first.
const CarrierCancelGrace = time.Minute

// CancelAtCarriers finishes cancellations whose carrier side was left open
// (a booking's answer stored after its parcel was cancelled, and the
// carrier's cancellation then failed or the process stopped; parcels
// cancelled by an older version while their booking was live), longest
// cancelled first, and returns how many it finished. A carrier refusing
// for good (it has the parcel) is recorded, logged and not asked again.
func (s *Service) CancelAtCarriers(ctx context.Context, batch int, log *slog.Logger) (int, error) {
	list, err := s.store.UncancelledAtCarrier(ctx, s.clock().Add(-CarrierCancelGrace), batch)
	if err != nil {
		return 0, err
	}
	return perCarrier(list, func(sh domain.Shipment) error {
		done, err := s.cancel(ctx, sh, "")
		if err == nil && done.CarrierCancelRefusal != "" {
			log.Error("the carrier refused to cancel a cancelled parcel's booking; it may run the parcel", "shipment_id", sh.ID,
				"sub_order_id", sh.SubOrderID, "waybill", done.Waybill, "refusal", done.CarrierCancelRefusal)
		}
		return err
	})
}
