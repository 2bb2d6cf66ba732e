package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// CancelOrder cancels an order before anything shipped: its buyer or an
// admin, and for an order of a partner channel an admin or a service
// (docking, when the partner's buyer cancelled it there). Cancelling a
// cancelled order answers it as it is.
func (s *Service) CancelOrder(ctx context.Context, c auth.Caller, id uuid.UUID, reason string) (domain.Order, error) {
	var v apperr.Violations
	if reason = apperr.CheckLongText(&v, "reason", reason, 0, 500); v.Err() != nil {
		return domain.Order{}, v.Err()
	}
	o, err := s.store.GetOrder(ctx, id, false)
	if err != nil {
		return domain.Order{}, err
	}
	// A service (docking) cancels an order of a partner channel its buyer
	// cancelled on the partner's platform; it reads no other order.
	channel := c.IsService() && o.External()
	if !isBuyerOf(c, o) && !c.IsAdmin() && !channel {
		return domain.Order{}, notFoundOrder(id)
	}
	if o.External() && !c.IsAdmin() && !channel {
		return domain.Order{}, apperr.FailedPrecondition("an order from a partner channel is cancelled on the partner's platform").WithReason("EXTERNAL_ORDER")
	}
	why := "buyer_request"
	switch {
	case channel:
		why = "channel_request"
	case c.IsAdmin() && !isBuyerOf(c, o):
		why = "operator_request"
	}
	if reason != "" {
		why += ": " + reason
	}
	if err := s.cancel(ctx, id, actor(c), why); err != nil {
		return domain.Order{}, err
	}
	return s.store.GetOrder(ctx, id, false)
}

// cancel cancels an order and every sub-order still open, and schedules
// the compensations: stock released, and for a paid order any booked
// parcel cancelled and the escrow refunded. An unpaid order whose payment
// started has its escrows looked at (and refunded) once that payment had
// time to settle: finance may take it after the cancel, and its answer and
// its event are not the only word on it.
func (s *Service) cancel(ctx context.Context, id uuid.UUID, by domain.Actor, reason string) error {
	_, err := s.cancelIf(ctx, id, by, reason, nil)
	return err
}

// cancelIf is cancel for a caller that decided on the order as it read it
// before: may, given the order as locked, says whether it is still to be
// cancelled (nil: always). It reports whether this call cancelled it.
func (s *Service) cancelIf(ctx context.Context, id uuid.UUID, by domain.Actor, reason string, may func(domain.Order) (bool, error)) (bool, error) {
	cancelled := false
	err := s.store.InTx(ctx, func(r Repository) error {
		cancelled = false
		o, err := r.GetOrder(ctx, id, true)
		if err != nil || o.Status == domain.Cancelled {
			return err
		}
		if may != nil {
			if ok, err := may(o); err != nil || !ok {
				return err
			}
		}
		wasPaid := o.Status == domain.Paid
		before := map[uuid.UUID]domain.Status{}
		for _, sub := range o.SubOrders {
			before[sub.ID] = sub.Status
		}
		changes, err := o.Cancel(by, reason, s.clock())
		if err != nil {
			return err
		}
		o.CancelReason, o.UpdatedAt = reason, s.clock()
		var tasks []Task
		var events []Event
		for _, sub := range o.SubOrders {
			if before[sub.ID] == domain.Cancelled {
				continue
			}
			tasks = append(tasks, compensations(o, sub, wasPaid, s.clock())...)
			events = append(events, cancelledEvent(o, sub, reason, s.clock()))
		}
		if started := o.PaymentStartedAt; !wasPaid && started != nil {
			tasks = append(tasks, refunds(o, later(s.clock(), started.Add(s.cfg.PaymentSettle)))...)
		}
		events = append(events, orderCancelledEvent(o, reason, s.clock()))
		if err := s.RestoreCoupon(ctx, r, o.ID); err != nil {
			return err
		}
		cancelled = true
		return s.saveMoves(ctx, r, o, changes, tasks, events)
	})
	s.nudge()
	return cancelled && err == nil, err
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// cancelSubOrder cancels one sub-order of a paid order (its stock lapsed)
// with the same compensations; the order finishes when nothing else is
// open.
func (s *Service) cancelSubOrder(ctx context.Context, orderID, subID uuid.UUID, by domain.Actor, reason string) error {
	err := s.store.InTx(ctx, func(r Repository) error {
		o, err := r.GetOrder(ctx, orderID, true)
		if err != nil {
			return err
		}
		return s.cancelSubOrderIn(ctx, r, o, subID, by, reason)
	})
	s.nudge()
	return err
}

// cancelSubOrderIn cancels a sub-order of the locked order o in r's
// transaction; one that cannot be cancelled any more is left alone.
func (s *Service) cancelSubOrderIn(ctx context.Context, r Repository, o domain.Order, subID uuid.UUID, by domain.Actor, reason string) error {
	sub := o.SubOrder(subID)
	if sub == nil || sub.Status.Terminal() || !sub.Cancellable() {
		return nil
	}
	wasPaid := sub.Status != domain.PendingPayment
	return s.endSubOrder(ctx, r, o, subID, by, reason, func(o domain.Order, sub domain.SubOrder, now time.Time) []Task {
		return compensations(o, sub, wasPaid, now)
	})
}

// endSubOrder cancels a sub-order with its event, and its order with its
// own when no other sub-order is open (the order's coupon then restored),
// scheduling the steps undo returns for what must be undone.
func (s *Service) endSubOrder(ctx context.Context, r Repository, o domain.Order, subID uuid.UUID, by domain.Actor, reason string,
	undo func(o domain.Order, sub domain.SubOrder, now time.Time) []Task) error {
	now := s.clock()
	changes, err := o.MoveSubOrder(subID, domain.Cancelled, by, reason, now)
	if err != nil {
		return err
	}
	cancelled := *o.SubOrder(subID)
	events := []Event{cancelledEvent(o, cancelled, reason, now)}
	if o.Status == domain.Cancelled {
		o.CancelReason = reason
		events = append(events, orderCancelledEvent(o, reason, now))
		if err := s.RestoreCoupon(ctx, r, o.ID); err != nil {
			return err
		}
	}
	return s.saveMoves(ctx, r, o, changes, undo(o, cancelled, now), events)
}

// compensations are what a cancelled sub-order must undo.
func compensations(o domain.Order, sub domain.SubOrder, paid bool, now time.Time) []Task {
	tasks := []Task{task(TaskReleaseStock, sub.ID, o.ID, now)}
	if !paid {
		return tasks
	}
	if sub.Type == domain.Physical {
		tasks = append(tasks, task(TaskCancelShipment, sub.ID, o.ID, now))
	}
	if !o.External() {
		tasks = append(tasks, task(TaskRefund, sub.ID, o.ID, now))
	}
	return tasks
}

func orderCancelledEvent(o domain.Order, reason string, at time.Time) Event {
	return Event{Subject: SubjectOrderCancelled, Payload: &ordersv1.OrderCancelled{
		OrderId: o.ID.String(), BuyerId: o.BuyerID, Reason: reason, OccurredAt: timestamppb.New(at),
	}}
}

func cancelledEvent(o domain.Order, sub domain.SubOrder, reason string, at time.Time) Event {
	return Event{Subject: SubjectSubOrderCancelled, Payload: &ordersv1.SubOrderCancelled{
		SubOrderId: sub.ID.String(), OrderId: o.ID.String(), SupplierId: sub.SupplierID.String(), Channel: o.Channel,
		Reason: reason, OccurredAt: timestamppb.New(at),
	}}
}

// saveMoves writes an order's moves with their log, tasks and events.
func (s *Service) saveMoves(ctx context.Context, r Repository, o domain.Order, changes []domain.Change, tasks []Task, events []Event) error {
	now := s.clock()
	o.UpdatedAt = now
	for i := range o.SubOrders {
		o.SubOrders[i].UpdatedAt = now
	}
	if err := r.SaveOrder(ctx, o); err != nil {
		return err
	}
	if err := r.AppendChanges(ctx, changes); err != nil {
		return err
	}
	if o.Status.Terminal() {
		if err := r.Unschedule(ctx, TaskPaymentDeadline, o.ID); err != nil {
			return err
		}
	}
	if err := r.Schedule(ctx, tasks...); err != nil {
		return err
	}
	return r.Emit(ctx, events...)
}

// refundStep is a cancelled sub-order's refund step (refundCancelled). An
// order cancelled unpaid whose payment was started may yet be paid while
// finance can take it: its quotes are locked until the payment deadline,
// PaymentSettle more and, a quote reused, QuoteReuse more; a payment finance
// commits late (stalled past its payer's call) may see its captured event
// lost too. Until then, and a settle time more for a commit in flight, an
// escrow not there is not the last word: the step looks again every few
// minutes, and refunds what lands. (An order in one currency has no quote
// to end finance's window; its looks end at the same time.)
func (s *Service) refundStep(ctx context.Context, orderID, subID uuid.UUID) error {
	if err := s.refundCancelled(ctx, subID); err != nil {
		return err
	}
	o, err := s.store.GetOrder(ctx, orderID, false)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.Status != domain.Cancelled || o.PaidAt != nil || o.PaymentStartedAt == nil {
		return nil
	}
	last := o.PaymentDueAt.Add(2*s.cfg.PaymentSettle + s.cfg.QuoteReuse)
	now := s.clock()
	if !now.Before(last) {
		return nil
	}
	next := now.Add(latePaymentLook)
	if next.After(last) {
		next = last
	}
	return errNotYet{until: next}
}

// latePaymentLook is how often the refund step of an order cancelled unpaid
// looks again for a payment landing late.
const latePaymentLook = 5 * time.Minute

// refundCancelled returns what a cancelled sub-order's escrow still holds
// to the buyer (nothing when it was never paid).
func (s *Service) refundCancelled(ctx context.Context, subID uuid.UUID) error {
	// A parcel that travelled (returned to its sender) may still have
	// freight legs to pay from escrow, or one on its way (its last-mile
	// charge): the refund is what they leave.
	p, err := s.Logistics.Parcel(ctx, subID)
	if err != nil {
		return err
	}
	if p != nil && (p.UnpaidLegs > 0 || p.FreightPending) {
		return errNotYet{until: s.clock().Add(5 * time.Second)}
	}
	e, err := s.Finance.Escrow(ctx, subID)
	if err != nil || e == nil || e.Settled || e.Balance.Amount <= 0 {
		return err
	}
	_, err = s.Finance.Refund(ctx, subID, "cancel:"+subID.String(), e.Balance)
	return err
}
