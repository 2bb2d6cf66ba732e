package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// The events orders awaits, applied in the inbox's transaction (r), so each
// changes the saga exactly once; each is also safe to apply to a state that
// already moved on.

// PaymentCaptured: finance took a checkout's payment. A pending order is
// paid (the buyer's call may have been lost); a cancelled one (the deadline
// passed while the payment was in flight) is refunded.
//
// Mostly the event arrives while the payer's call that started the payment
// is about to record finance's answer, or just after it did. A paid order
// never goes back, so its status alone answers, without the order's lock.
// A payment started moments ago (within the settle time) is left to that
// call: locking the order in this batch's transaction would make the call
// wait for the whole batch and then write the order again. A step records
// it a few seconds on if the call did not (its answer was lost).
func (s *Service) PaymentCaptured(ctx context.Context, r Repository, orderID uuid.UUID) error {
	status, started, err := r.PaymentStatus(ctx, orderID)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	now := s.clock()
	switch {
	case err != nil:
		return err
	case status != domain.PendingPayment && status != domain.Cancelled:
		return nil
	case status == domain.PendingPayment && started != nil && now.Before(started.Add(s.cfg.PaymentSettle)):
		return r.Schedule(ctx, task(TaskRecordPayment, orderID, orderID, now.Add(confirmDelay)))
	}
	return s.captured(ctx, r, orderID)
}

// captured records a captured payment on a pending order, or has a
// cancelled order's payment confirmed and refunded, in r's transaction.
func (s *Service) captured(ctx context.Context, r Repository, orderID uuid.UUID) error {
	o, err := r.GetOrder(ctx, orderID, true)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch o.Status {
	case domain.PendingPayment:
		return s.recordPaid(ctx, r, &o, system, false)
	case domain.Cancelled:
		// Confirmed with finance first, then refunded (confirmPayment).
		return r.Schedule(ctx, task(TaskConfirmPayment, o.ID, o.ID, s.clock()))
	}
	return nil
}

// EscrowSettled: finance settled a sub-order: the supplier is paid and the
// escrow closed. Finance settles only when our settle step asks (escrow
// sufficing), or when the buyer pays the top-up request that step was
// answered with, so the sub-order completes: awaiting its top-up, or still
// delivered when the event overtakes the step recording finance's answer
// (the step then finds it completed and leaves it so). Later states need
// nothing. TaskCheckTopUp applies the same fact when the event is lost.
func (s *Service) EscrowSettled(ctx context.Context, r Repository, subID uuid.UUID) error {
	o, sub, err := lockSubOrder(ctx, r, subID)
	if err != nil || sub == nil {
		return err
	}
	var why string
	switch sub.Status {
	case domain.AwaitingTopUp:
		why = "top-up paid; settled"
	case domain.Delivered:
		why = "settled"
	default:
		return nil
	}
	_, err = s.moveIn(ctx, r, o, subID, domain.Completed, system, why, completed)
	return err
}

// ShipmentBooked: logistics booked a sub-order's parcel (or an exchange's
// replacement). It is recorded if the supplier's call did not get to; a
// parcel booked for a sub-order cancelled meanwhile, or shipped meanwhile
// by a parcel outside our logistics, is cancelled.
func (s *Service) ShipmentBooked(ctx context.Context, r Repository, subID uuid.UUID, sh Shipment) error {
	o, sub, err := lockSubOrder(ctx, r, subID)
	if err != nil {
		return err
	}
	if sub == nil {
		// An exchange's replacement travels under its request's id.
		return s.ReplacementBooked(ctx, r, subID, sh)
	}
	switch sub.Status {
	case domain.Paid, domain.Accepted:
		_, err = s.moveIn(ctx, r, o, subID, domain.Shipped, system, "shipped: waybill "+sh.Waybill, shipped(sh, ""))
		return err
	case domain.Cancelled:
		if sub.ShipmentID != nil && *sub.ShipmentID == sh.ID {
			// The parcel it shipped with before it was cancelled (declared
			// lost): cancel_lost_parcel deals with it.
			return nil
		}
		return r.Schedule(ctx, task(TaskCancelShipment, subID, o.ID, s.clock()))
	}
	if sub.ExternalParcel() {
		return r.Schedule(ctx, task(TaskCancelShipment, subID, o.ID, s.clock()))
	}
	return nil
}

// ShipmentDelivered: the parcel reached the buyer; the sub-order completes
// after the automatic delay unless the buyer confirms first.
// TaskCheckDelivery applies the same fact when the event is lost.
func (s *Service) ShipmentDelivered(ctx context.Context, r Repository, subID uuid.UUID, sh Shipment) error {
	o, sub, err := lockSubOrder(ctx, r, subID)
	if err != nil {
		return err
	}
	if sub == nil {
		// An exchange's replacement travels under its request's id.
		return s.ReplacementDelivered(ctx, r, subID, sh)
	}
	if sub.Status == domain.Paid || sub.Status == domain.Accepted {
		// The booking's event is behind this one: record the shipment first.
		if _, err := s.moveIn(ctx, r, o, subID, domain.Shipped, system, "shipped: waybill "+sh.Waybill, shipped(sh, "")); err != nil {
			return err
		}
		if o, err = r.GetOrder(ctx, o.ID, true); err != nil {
			return err
		}
		sub = o.SubOrder(subID)
	}
	if sub.Status != domain.Shipped {
		return nil
	}
	_, err = s.moveIn(ctx, r, o, subID, domain.Delivered, system, "delivered by the carrier", s.delivered)
	return err
}

// ShipmentReturned: the carrier could not deliver the sub-order's parcel
// (the buyer absent at every attempt, say) and took it back to its
// sender. The sub-order is cancelled and the buyer refunded what escrow
// holds once the parcel's freight legs are paid: the goods and the freight
// buffer the legs did not spend. The supplier has its goods back; their
// stock, committed at pick-up, is the supplier's to count again. Applied
// in the inbox's transaction, or by the delivery check should the event be
// lost. An exchange's replacement returned is ReplacementReturned.
func (s *Service) ShipmentReturned(ctx context.Context, r Repository, subID uuid.UUID, sh Shipment) error {
	o, sub, err := lockSubOrder(ctx, r, subID)
	if err != nil {
		return err
	}
	if sub == nil {
		// An exchange's replacement travels under its request's id.
		return s.ReplacementReturned(ctx, r, subID, sh)
	}
	if sub.Status != domain.Shipped || sub.ExternalParcel() {
		return nil
	}
	// Stock went with the parcel (committed at pick-up) and the parcel is
	// over: only the money is undone.
	return s.endSubOrder(ctx, r, o, subID, system, "returned_to_sender", func(o domain.Order, sub domain.SubOrder, now time.Time) []Task {
		if o.External() {
			return nil
		}
		return []Task{task(TaskRefund, sub.ID, o.ID, now)}
	})
}

// ReservationLapsed: inventory let a sub-order's hold expire. Before
// payment that is the deadline's business; a paid sub-order not shipped
// lost its stock and is cancelled and refunded.
func (s *Service) ReservationLapsed(ctx context.Context, r Repository, subID uuid.UUID) error {
	o, sub, err := lockSubOrder(ctx, r, subID)
	if err != nil || sub == nil || (sub.Status != domain.Paid && sub.Status != domain.Accepted) {
		return err
	}
	return s.cancelSubOrderIn(ctx, r, o, subID, system, "stock_lost")
}

// lockSubOrder locks a sub-order's order; nil when the sub-order is not
// ours (an event about another channel's reservation, say).
func lockSubOrder(ctx context.Context, r Repository, subID uuid.UUID) (domain.Order, *domain.SubOrder, error) {
	orderID, err := r.OrderOf(ctx, subID)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return domain.Order{}, nil, nil
	}
	if err != nil {
		return domain.Order{}, nil, err
	}
	o, err := r.GetOrder(ctx, orderID, true)
	if err != nil {
		return o, nil, err
	}
	return o, o.SubOrder(subID), nil
}
