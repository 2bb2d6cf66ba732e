package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/logistics/internal/domain"
)

// PayLegs pays confirmed legs of outbound parcels from their sub-order's
// escrow (a partner platform's order: from the platform's freight
// expense), oldest first, and returns how many it paid. Finance is idempotent
// on the id it is sent, the leg's stored payment reference, so a leg paid
// whose mark was lost is paid once, and two carriers' legs of one id are
// paid one each. A leg
// finance refuses for good (the escrow is settled, say) is marked refused
// with finance's reason, logged, and not offered again; the others go on.
// Finance out of reach, or refusing this service's identity
// (PermissionDenied is no refusal of the leg: apperr.RefusedForGood), ends
// the round; any other failure is the leg's own (Aborted: its escrow
// changed under the payment; finance's internal error on its escrow): it is
// offered again next round, and the legs behind it go on, their failures
// returned at the end. Before, such a leg, the oldest, ended every round
// first: no later leg was paid, and orders, waiting for a parcel's legs to
// be paid before settling, settled nothing.
func (s *Service) PayLegs(ctx context.Context, batch int, log *slog.Logger) (int, error) {
	legs, err := s.store.UnpaidLegs(ctx, batch)
	if err != nil {
		return 0, err
	}
	paid := 0
	var failed []error
	for _, l := range legs {
		if err := s.finance.PayFreightLeg(ctx, l.Payment()); err != nil {
			if apperr.RefusedForGood(err) {
				log.Error("finance refused a freight leg; it stays unpaid", "leg_id", l.LegID, "payment_ref", l.PaymentRef,
					"carrier_id", l.CarrierID, "sub_order_id", l.SubOrderID, "error", err)
				if err := s.store.MarkLegRefused(ctx, l.CarrierID, l.LegID, err.Error(), s.clock()); err != nil {
					return paid, errors.Join(append(failed, err)...)
				}
				continue
			}
			if ctx.Err() != nil || peerOutOfService(err) {
				return paid, errors.Join(append(failed, err)...)
			}
			failed = append(failed, fmt.Errorf("leg %s of carrier %s: %w", l.LegID, l.CarrierID, err))
			continue
		}
		if err := s.store.MarkLegPaid(ctx, l.CarrierID, l.LegID, s.clock()); err != nil {
			return paid, errors.Join(append(failed, err)...)
		}
		paid++
	}
	return paid, errors.Join(failed...)
}

// CommitStock commits the inventory reservation of parcels the carrier
// picked up, and returns how many it committed. A reservation inventory
// refuses for good (expired, released, unknown) is not marked committed:
// the goods left while inventory still counts them on hand and may sell
// them again, so the refusal is recorded, logged and counted among the
// failing steps ("stock_commit_refused") for an operator, and not asked
// again; the other parcels go on. Inventory out of reach, or refusing this
// service's identity, ends the round; any other failure is the parcel's
// own (inventory's internal error on its reservation, say): it is reported,
// offered again next round, and the parcels behind it go on, however many
// fail so. Before, one such parcel, the oldest, ended every round first and
// no stock was committed for anyone.
func (s *Service) CommitStock(ctx context.Context, batch int, log *slog.Logger) (int, error) {
	list, err := s.store.ShipmentsToCommit(ctx, batch)
	if err != nil {
		return 0, err
	}
	n := 0
	var failed []error
	for _, sh := range list {
		if err := s.inventory.Commit(ctx, sh.ReservationID, *sh.PickedUpAt); err != nil {
			if !apperr.RefusedForGood(err) {
				if ctx.Err() != nil || peerOutOfService(err) {
					return n, errors.Join(append(failed, err)...)
				}
				failed = append(failed, fmt.Errorf("shipment %s: %w", sh.ID, err))
				continue
			}
			log.Error("inventory refused to commit a picked-up parcel's reservation; its goods are still on hand there until an operator acts",
				"shipment_id", sh.ID, "sub_order_id", sh.SubOrderID, "reservation_id", sh.ReservationID, "error", err)
			if err := s.store.MarkStockCommitRefused(ctx, sh.ID, err.Error(), s.clock()); err != nil {
				return n, err
			}
			continue
		}
		if err := s.store.MarkCommitted(ctx, sh.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, errors.Join(failed...)
}

// peerOutOfService reports a failure that is the peer's as a whole, not
// one item's: unreachable or overloaded, or refusing this service's
// identity.
func peerOutOfService(err error) bool {
	switch apperr.KindOf(err) {
	case apperr.KindUnavailable, apperr.KindResourceExhausted, apperr.KindPermissionDenied, apperr.KindUnauthenticated:
		return true
	}
	return false
}

// PollCarriers reads every active carrier's feed once.
func (s *Service) PollCarriers(ctx context.Context, pageSize int, log *slog.Logger) error {
	cars, err := s.store.ListCarriers(ctx)
	if err != nil {
		return err
	}
	for _, car := range cars {
		n, err := s.PollCarrier(ctx, car, pageSize, log)
		if err != nil {
			log.Warn("reading a carrier's event feed failed; the next poll resumes", "carrier", car.Code, "error", err)
			continue
		}
		if n > 0 {
			log.Info("events caught up from a carrier's feed", "carrier", car.Code, "events", n)
		}
	}
	return nil
}

// Every runs fn every interval until ctx ends, and at once when it did
// work, so a backlog drains without waiting. Errors are logged; the next
// round tries again.
func Every(ctx context.Context, interval time.Duration, log *slog.Logger, name string, fn func(context.Context) (int, error)) error {
	for {
		n, err := fn(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn(name+" failed; retrying", "error", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// bookingGrace is how long a parcel may stay without a waybill before the
// bookings worker books it itself: long enough for the call that created
// it to finish or retry first.
const bookingGrace = time.Minute

// RetryBookings books parcels whose carrier answer was lost (no waybill a
// minute after creation), under the reference they were first booked
// with, so the carrier answers the same waybill. It returns how many it
// booked; a parcel the carrier refuses is deleted, as at creation. One the
// carrier turns away for another lasting reason (our credentials, say) is
// not counted: it is tried again a round later, not at once, so a carrier
// refusing us is not asked in a tight loop until an operator steps in.
func (s *Service) RetryBookings(ctx context.Context, batch int, log *slog.Logger) (int, error) {
	list, err := s.store.Unbooked(ctx, s.clock().Add(-bookingGrace), batch)
	if err != nil {
		return 0, err
	}
	booked := 0
	_, err = perCarrier(list, func(sh domain.Shipment) error {
		_, err := s.book(ctx, sh)
		switch {
		case err == nil:
			booked++
		case apperr.IsKind(err, apperr.KindInvalid):
			log.Error("a parcel's booking was refused on retry; it is dropped", "shipment_id", sh.ID, "sub_order_id", sh.SubOrderID, "error", err)
		case apperr.Permanent(err):
			log.Error("a parcel's booking failed on retry; it is tried again next round", "shipment_id", sh.ID, "sub_order_id", sh.SubOrderID, "error", err)
		default:
			return err
		}
		return nil
	})
	return booked, err
}

// perCarrier runs step on each parcel and returns how many it did. A
// carrier whose call failed for now (step's error) has the rest of its
// parcels left for the next round, and the others go on: one carrier down
// holds up none of the others'.
func perCarrier(list []domain.Shipment, step func(domain.Shipment) error) (int, error) {
	n := 0
	down := map[uuid.UUID]bool{}
	var errs []error
	for _, sh := range list {
		if down[sh.CarrierID] {
			continue
		}
		if err := step(sh); err != nil {
			down[sh.CarrierID] = true
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
