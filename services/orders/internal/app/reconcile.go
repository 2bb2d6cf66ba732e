package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// The reconciliation of the states only another service's event moves on.
// JetStream may lose an acknowledged event (see the architecture), and a
// sub-order awaiting its top-up, or shipped by a parcel of ours, has no
// timer of its own: without these steps a lost finance.escrow.settled or
// logistics.shipment.delivered would leave it there for ever. Each step asks
// the service that owns the fact and, when the fact is there, applies it
// through the event's own handler in a transaction of its own, so the step
// and the event are idempotent against each other: whichever comes first
// moves the sub-order, and the other finds it moved and does nothing.

// Timing of the top-up check. A top-up is paid by the buyer, usually
// within minutes of being asked or days later: the first look comes soon
// after the request, then the looks back off, doubling, to one every six
// hours, so a sub-order whose event was lost completes within hours while
// one the buyer never pays costs four calls a day.
const (
	topUpCheckFirst = 5 * time.Minute
	topUpCheckMax   = 6 * time.Hour
)

// deliveryCheckEvery is how long after shipping, and then between looks,
// the delivery check asks logistics. Parcels take days to weeks to arrive,
// and logistics' event arrives within seconds of the carrier's scan, so
// the check only bounds what a lost event costs: at most a day's delay
// before the sub-order's automatic completion (a week) and after-sale
// window start, for one call per parcel in flight per day.
const deliveryCheckEvery = 24 * time.Hour

// topUpCheckAfter is how long the top-up check waits after its attempts-th
// look: topUpCheckFirst doubled per look, at most topUpCheckMax.
func topUpCheckAfter(attempts int) time.Duration {
	return min(topUpCheckFirst<<min(max(attempts, 0), 10), topUpCheckMax)
}

// checkTopUp completes a sub-order awaiting its top-up once finance says
// its escrow is settled (EscrowSettled, as if the event came); otherwise it
// looks again later. A sub-order no longer awaiting needs nothing.
func (s *Service) checkTopUp(ctx context.Context, orderID, subID uuid.UUID, attempts int) error {
	o, err := s.store.GetOrder(ctx, orderID, false)
	if err != nil {
		return err
	}
	if sub := o.SubOrder(subID); sub == nil || sub.Status != domain.AwaitingTopUp {
		return nil
	}
	e, err := s.Finance.Escrow(ctx, subID)
	if err != nil {
		return err
	}
	if e == nil || !e.Settled {
		return errNotYet{until: s.clock().Add(topUpCheckAfter(attempts))}
	}
	err = s.store.InTx(ctx, func(r Repository) error { return s.EscrowSettled(ctx, r, subID) })
	s.nudge()
	return err
}

// checkDelivery delivers a sub-order shipped by a parcel of ours once
// logistics says the parcel was delivered (ShipmentDelivered, as if the
// event came); otherwise it looks again a day later. A parcel cancelled
// meanwhile is noted for an operator and not looked at again. A sub-order
// no longer shipped needs nothing; one shipped outside our logistics has
// its own timer (TaskPresumeDelivered).
func (s *Service) checkDelivery(ctx context.Context, orderID, subID uuid.UUID) error {
	o, err := s.store.GetOrder(ctx, orderID, false)
	if err != nil {
		return err
	}
	if sub := o.SubOrder(subID); sub == nil || sub.Status != domain.Shipped || sub.ExternalParcel() {
		return nil
	}
	p, err := s.Logistics.Parcel(ctx, subID)
	if err != nil {
		return err
	}
	if ended, err := s.applyParcelEnd(ctx, subID, p); ended || err != nil {
		return err
	}
	if p != nil && p.Cancelled() {
		// Nothing will deliver it: asked daily it would wait for ever, out
		// of every operator's sight.
		return s.noteForOperator(ctx, orderID, subID,
			"its parcel was cancelled at logistics while it is shipped: nothing will deliver it; needs an operator (DeclareParcelLost refunds its buyer)")
	}
	return errNotYet{until: s.clock().Add(deliveryCheckEvery)}
}

// applyParcelEnd applies how a shipped sub-order's parcel ended, when
// logistics says it did (delivered, or returned to its sender), as the
// event would have; ended reports whether it had.
func (s *Service) applyParcelEnd(ctx context.Context, subID uuid.UUID, p *Parcel) (ended bool, err error) {
	switch {
	case p != nil && p.ReturnedToSender():
		err = s.store.InTx(ctx, func(r Repository) error { return s.ShipmentReturned(ctx, r, subID, p.Shipment) })
	case p != nil && p.Delivered():
		err = s.store.InTx(ctx, func(r Repository) error { return s.ShipmentDelivered(ctx, r, subID, p.Shipment) })
	default:
		return false, nil
	}
	s.nudge()
	return true, err
}

// awaitTopUp records the top-up request finance answered a settlement
// with, and schedules its check. Finance answered before this records it,
// so the buyer may already have paid it and finance.escrow.settled
// completed the sub-order: one no longer delivered is left as it is.
func (s *Service) awaitTopUp(ctx context.Context, orderID, subID uuid.UUID, topUp TopUpRequest) error {
	err := s.store.InTx(ctx, func(r Repository) error {
		o, err := r.GetOrder(ctx, orderID, true)
		if err != nil {
			return err
		}
		if sub := o.SubOrder(subID); sub == nil || sub.Status != domain.Delivered {
			return nil
		}
		_, err = s.moveIn(ctx, r, o, subID, domain.AwaitingTopUp, system, "escrow short: top-up requested",
			func(o *domain.Order, sub *domain.SubOrder, now time.Time) ([]Task, []Event) {
				sub.TopUpRequestID, sub.TopUp = topUp.ID, topUp.Amount.Amount
				return []Task{task(TaskCheckTopUp, sub.ID, o.ID, now.Add(topUpCheckFirst))}, nil
			})
		return err
	})
	s.nudge()
	return err
}
