package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "github.com/crossdock/crossdock/gen/crossdock/common/v1"
	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// Payment refusals.
var (
	ErrAlreadyPaid = apperr.FailedPrecondition("the order is paid already; nothing was taken again").WithReason("ALREADY_PAID")
	ErrCancelled   = apperr.FailedPrecondition("the order is cancelled").WithReason("ORDER_CANCELLED")
	ErrDeadline    = apperr.FailedPrecondition("the payment deadline has passed").WithReason("PAYMENT_DEADLINE_PASSED")
)

// PayOrder pays a pending order from the buyer's wallet: it notes that the
// payment started (so the deadline asks finance before cancelling), asks
// finance to take it (idempotent on the order id), and marks the order
// paid. Finance's refusal (the wallet short) comes back as it is.
//
// Both writes are made in one round trip each on the order as read
// unlocked, on the condition that nothing wrote it in between (its
// version); when something did, they are redone under the order's lock.
func (s *Service) PayOrder(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Order, error) {
	o, _, err := s.pay(ctx, c, id)
	if errors.Is(err, ErrDeadline) {
		switch took, terr := s.tookAfterAll(ctx, id); {
		case terr != nil:
			return domain.Order{}, terr
		case took:
			return domain.Order{}, ErrAlreadyPaid.WithMetadata("order_id", id.String())
		}
	}
	return o, err
}

// tookAfterAll reports whether finance took an order's payment that its
// record does not show yet: a payment started before the deadline, taken,
// and its answer lost (the client gone before the order was written).
// Found, the order is marked paid, and its retry answers ALREADY_PAID, as a
// retry finding it paid does, not PAYMENT_DEADLINE_PASSED for a payment
// that went through.
func (s *Service) tookAfterAll(ctx context.Context, id uuid.UUID) (bool, error) {
	o, err := s.store.GetOrder(ctx, id, false)
	if err != nil || o.PaymentStartedAt == nil || o.Status != domain.PendingPayment || len(o.SubOrders) == 0 {
		return false, err
	}
	_, took, err := s.paidAtFinance(ctx, o)
	return took && err == nil, err
}

// paidAtFinance marks o paid when finance holds its payment (the escrow of
// its first sub-order: a checkout pays them all at once) though o's record
// does not show it: an answer lost, or another attempt's payment landing
// after this one was refused. took says whether finance held it; paid is
// markPaid's answer then.
func (s *Service) paidAtFinance(ctx context.Context, o domain.Order) (paid domain.Order, took bool, err error) {
	e, err := s.Finance.Escrow(ctx, o.SubOrders[0].ID)
	if err != nil || e == nil {
		return domain.Order{}, false, err
	}
	paid, err = s.markPaid(ctx, o.ID, system, false)
	return paid, true, err
}

// pay is PayOrder, also answering the order's version as the payment's
// start wrote it (0 when it did not get that far): a caller acting on
// finance's refusal acts only on an order nothing wrote since.
func (s *Service) pay(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Order, int64, error) {
	o, err := s.startPayment(ctx, c, id)
	if err != nil {
		return domain.Order{}, 0, err
	}
	started := o.Version
	if err := s.Finance.PayCheckout(ctx, o); err != nil {
		return domain.Order{}, started, err
	}
	by := domain.Actor{Kind: domain.ActorBuyer, ID: c.Subject}
	w, err := s.paidWrites(&o, by, true)
	if err != nil {
		return domain.Order{}, started, err
	}
	done, err := s.store.WriteAtVersion(ctx, started, w)
	if err != nil {
		return domain.Order{}, started, err
	}
	if !done {
		o, err := s.markPaid(ctx, id, by, true)
		return o, started, err
	}
	s.nudge()
	o.Version++
	return o, started, nil
}

// markStarted notes on o that its payment starts now.
func (s *Service) markStarted(o *domain.Order) {
	now := s.clock()
	o.PaymentStartedAt, o.UpdatedAt = &now, now
}

// startPayment notes on a payable order of the caller's that its payment
// started, and returns it as written.
func (s *Service) startPayment(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.Order, error) {
	o, err := s.store.GetOrder(ctx, id, false)
	if err != nil {
		return domain.Order{}, err
	}
	if !isBuyerOf(c, o) {
		return domain.Order{}, notFoundOrder(id)
	}
	if err := payable(o, s.clock()); err != nil {
		return domain.Order{}, err
	}
	s.markStarted(&o)
	done, err := s.store.SaveOrderRowAtVersion(ctx, o)
	if err != nil {
		return domain.Order{}, err
	}
	if done {
		o.Version++
		return o, nil
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		var err error
		if o, err = r.GetOrder(ctx, id, true); err != nil {
			return err
		}
		if err := payable(o, s.clock()); err != nil {
			return err
		}
		s.markStarted(&o)
		o.Version++
		return r.SaveOrderRow(ctx, o)
	})
	return o, err
}

// payable refuses paying an order that is not waiting for payment.
func payable(o domain.Order, now time.Time) error {
	switch {
	case o.Status == domain.Paid || o.Status == domain.Completed:
		return ErrAlreadyPaid.WithMetadata("order_id", o.ID.String())
	case o.Status == domain.Cancelled:
		return ErrCancelled.WithMetadata("order_id", o.ID.String())
	case !now.Before(o.PaymentDueAt):
		return ErrDeadline.WithMetadata("order_id", o.ID.String())
	}
	return nil
}

// markPaid records that finance took the payment: the order and its
// sub-orders paid, their stock held for fulfilment, the deadline gone, and
// orders.order.paid listing the sub-orders for their suppliers. Marking a
// paid order again changes nothing. Finance's word is final: a payment it
// took is recorded even if the deadline passed meanwhile. answered says
// finance answered our PayCheckout; a payment learnt otherwise (its event,
// the deadline's look at the escrow) is confirmed with finance by a step of
// its own.
//
// A payment that lands on an order cancelled meanwhile (the buyer's cancel,
// the deadline, committed while finance was taking it) is refunded: its
// refund steps are scheduled here, so the money goes back whether or not
// finance's event arrives, and the answer is ErrCancelled, not the
// cancelled order as if it were paid. The steps are keyed by sub-order
// (and finance's refund by "cancel:<sub-order>"), so scheduling them again
// from the event refunds nothing twice.
func (s *Service) markPaid(ctx context.Context, id uuid.UUID, by domain.Actor, answered bool) (domain.Order, error) {
	var o domain.Order
	err := s.store.InTx(ctx, func(r Repository) error {
		var err error
		if o, err = r.GetOrder(ctx, id, true); err != nil {
			return err
		}
		switch {
		case o.Status == domain.PendingPayment:
			return s.recordPaid(ctx, r, &o, by, answered)
		case o.Status == domain.Cancelled:
			return r.Schedule(ctx, refunds(o, s.clock())...)
		case answered:
			// The payment's event got here first; finance's answer is
			// the confirmation its step would have asked for.
			return r.Unschedule(ctx, TaskConfirmPayment, o.ID)
		}
		return nil
	})
	s.nudge()
	if err == nil && o.Status == domain.Cancelled {
		return domain.Order{}, ErrCancelled.WithMetadata("order_id", o.ID.String())
	}
	return o, err
}

// refunds are the steps that give what a cancelled order's escrows hold
// back to the payer, due at due.
func refunds(o domain.Order, due time.Time) []Task {
	tasks := make([]Task, 0, len(o.SubOrders))
	for _, sub := range o.SubOrders {
		tasks = append(tasks, task(TaskRefund, sub.ID, o.ID, due))
	}
	return tasks
}

// recordPaid moves a pending order to paid in r's transaction.
func (s *Service) recordPaid(ctx context.Context, r Repository, o *domain.Order, by domain.Actor, answered bool) error {
	w, err := s.paidWrites(o, by, answered)
	if err != nil {
		return err
	}
	return r.Write(ctx, w)
}

// paidWrites moves a pending order to paid and returns what records it.
func (s *Service) paidWrites(o *domain.Order, by domain.Actor, answered bool) (Writes, error) {
	now := s.clock()
	changes, err := o.RecordPayment(by, now)
	if err != nil {
		return Writes{}, err
	}
	o.PaidAt, o.UpdatedAt = &now, now
	for i := range o.SubOrders {
		o.SubOrders[i].PaidAt, o.SubOrders[i].UpdatedAt = &now, now
	}
	tasks := []Task{task(TaskHoldOrderStock, o.ID, o.ID, now)}
	if !answered {
		tasks = append(tasks, task(TaskConfirmPayment, o.ID, o.ID, s.confirmAt(*o, now)))
	}
	return Writes{
		Order: o, Changes: changes, Unschedule: []Task{{Kind: TaskPaymentDeadline, Subject: o.ID}}, Schedule: tasks,
		Events: []Event{{Subject: SubjectOrderPaid, Payload: paidEvent(*o)}},
	}, nil
}

// confirmDelay is how long the confirmation of a payment learnt from its
// event waits while the payer's own call may still be waiting for finance's
// answer: the event usually arrives a few milliseconds before it, and the
// answer makes the confirmation unnecessary (markPaid drops it).
const confirmDelay = 5 * time.Second

// confirmAt is when a payment learnt otherwise than by finance's answer is
// confirmed: at once, unless a payer's call started it within the payment
// settle time and may still be answered.
func (s *Service) confirmAt(o domain.Order, now time.Time) time.Time {
	if o.PaymentStartedAt != nil && now.Before(o.PaymentStartedAt.Add(s.cfg.PaymentSettle)) {
		return now.Add(confirmDelay)
	}
	return now
}

func paidEvent(o domain.Order) *ordersv1.OrderPaid {
	ev := &ordersv1.OrderPaid{
		OrderId: o.ID.String(), BuyerId: o.BuyerID, PaymentId: "pay:" + o.ID.String(),
		Amount: &commonv1.Money{CurrencyCode: o.Currency, AmountMinor: o.Total}, OccurredAt: timestamppb.New(*o.PaidAt),
		Channel: o.Channel, ExternalOrderId: o.ExternalOrderID,
	}
	if o.MerchantOrgID != uuid.Nil {
		ev.MerchantOrgId = o.MerchantOrgID.String()
	}
	for _, sub := range o.SubOrders {
		ps := &ordersv1.PaidSubOrder{
			SubOrderId: sub.ID.String(), SupplierId: sub.SupplierID.String(), Type: string(sub.Type),
			Goods: moneyProto(sub.Goods), Freight: moneyProto(sub.Freight),
		}
		for _, l := range sub.Lines {
			ps.Lines = append(ps.Lines, &ordersv1.SubOrderLine{SkuId: l.SKUID.String(), ProductId: l.ProductID.String(), Quantity: l.Quantity, UnitPrice: moneyProto(l.UnitPrice)})
		}
		ev.SubOrders = append(ev.SubOrders, ps)
	}
	return ev
}

// paymentDeadline runs at an order's deadline. A paid or cancelled order
// needs nothing. When a payment was started, finance is asked whether it
// took it (after the payment had time to finish): if it did, the order is
// paid; otherwise it is cancelled and its stock released. A payment that
// started after the step read the order postpones the cancel (see below).
func (s *Service) paymentDeadline(ctx context.Context, id uuid.UUID) error {
	o, err := s.store.GetOrder(ctx, id, false)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	if err != nil || o.Status != domain.PendingPayment {
		return err
	}
	if o.PaymentStartedAt != nil {
		if settled := o.PaymentStartedAt.Add(s.cfg.PaymentSettle); s.clock().Before(settled) {
			return errNotYet{until: settled}
		}
		_, took, err := s.paidAtFinance(ctx, o)
		if took && errors.Is(err, ErrCancelled) {
			return nil // cancelled meanwhile: its refund is scheduled
		}
		if took || err != nil {
			return err
		}
	}
	// The order was read without its lock: it is cancelled only if, locked,
	// it is still pending with no payment started since that read (one
	// started at the deadline's last moment is given its settle time and
	// finance is asked again).
	seen := o.PaymentStartedAt
	_, err = s.cancelIf(ctx, id, system, "payment_timeout", func(cur domain.Order) (bool, error) {
		switch started := cur.PaymentStartedAt; {
		case cur.Status != domain.PendingPayment:
			return false, nil
		case started != nil && (seen == nil || !started.Equal(*seen)):
			return false, errNotYet{until: started.Add(s.cfg.PaymentSettle)}
		}
		return true, nil
	})
	return err
}

// holdStock extends the reservations of a paid order's sub-orders (of subs
// only, when given) for FulfilmentHold from now, in one inventory call: at
// payment, until their suppliers ship, and again when one ships by a parcel
// of ours, until the carrier picks it up (the pick-up commits the
// reservation; holding a committed one again changes nothing). A
// reservation that lapsed before the payment arrived cannot be held: its
// sub-order is cancelled and its escrow refunded. One that lapsed before a
// parcel of ours was booked cannot be taken again under its key and its
// goods are on their way: that is noted for an operator, not retried.
func (s *Service) holdStock(ctx context.Context, orderID uuid.UUID, subs ...uuid.UUID) error {
	o, err := s.store.GetOrder(ctx, orderID, false)
	if err != nil {
		return err
	}
	waiting := slices.DeleteFunc(o.SubOrders, func(sub domain.SubOrder) bool {
		return !awaitsPickUp(sub) || (len(subs) > 0 && !slices.Contains(subs, sub.ID))
	})
	holds := holdsOf(waiting, s.cfg.FulfilmentHold)
	if len(holds) == 0 {
		return nil
	}
	answers, err := s.Inventory.ReserveMany(ctx, holds)
	if err != nil {
		return err
	}
	var errs []error
	if err := s.checkHoldsAtTheirEnd(ctx, orderID, waiting); err != nil {
		errs = append(errs, err)
	}
	for i, a := range answers {
		switch {
		case a.Err != nil:
			errs = append(errs, a.Err)
		case !a.Held && waiting[i].Status == domain.Shipped:
			errs = append(errs, s.noteForOperator(ctx, orderID, holds[i].Key,
				"stock hold lapsed before the carrier's pick-up, inventory's count needs an operator"))
		case !a.Held:
			errs = append(errs, s.cancelSubOrder(ctx, orderID, holds[i].Key, system, "stock_lost"))
		}
	}
	return errors.Join(errs...)
}

// checkHoldsAtTheirEnd schedules, for the sub-orders whose hold was just
// taken and that are not shipped, the check that cancels one still not
// shipped once the hold ended (TaskHoldLapsed): inventory's expiry event
// does it first, but may be lost.
func (s *Service) checkHoldsAtTheirEnd(ctx context.Context, orderID uuid.UUID, subs []domain.SubOrder) error {
	at := s.clock().Add(s.cfg.FulfilmentHold + holdLapseGrace)
	return s.store.InTx(ctx, func(r Repository) error {
		for _, sub := range subs {
			if sub.Status == domain.Shipped {
				continue
			}
			if err := r.Schedule(ctx, task(TaskHoldLapsed, sub.ID, orderID, at)); err != nil {
				return err
			}
		}
		return nil
	})
}

// holdLapseGrace is how long after a hold's end its check runs: inventory's
// own expiry, and its event, come first.
const holdLapseGrace = 10 * time.Minute

// holdLapsed applies a lapsed hold as inventory's event would have, once
// logistics is asked for the sub-order's parcel: one booked that orders
// never recorded (the supplier's call lost its answer, the booking's event
// behind) is recorded as shipped, not cancelled and refunded while the
// carrier carries the goods to the buyer.
func (s *Service) holdLapsed(ctx context.Context, subID uuid.UUID) error {
	p, err := s.Logistics.Parcel(ctx, subID)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		if p != nil && !p.Cancelled() && !p.ReturnedToSender() {
			if err := s.ShipmentBooked(ctx, r, subID, p.Shipment); err != nil {
				return err
			}
		}
		return s.ReservationLapsed(ctx, r, subID)
	})
	s.nudge()
	return err
}

// awaitsPickUp reports whether a sub-order's goods are still in its
// supplier's warehouse, their stock held: not shipped yet (a step may run
// before the payment it follows is recorded), or shipped by a parcel of
// ours the carrier may not have picked up yet. Goods delivered, shipped by
// an external parcel (committed at once), or cancelled hold nothing.
func awaitsPickUp(sub domain.SubOrder) bool {
	switch sub.Status {
	case domain.PendingPayment, domain.Paid, domain.Accepted:
		return true
	case domain.Shipped:
		return sub.ShipmentID != nil
	}
	return false
}

// recordPayment records a payment whose event arrived while its payer's
// call was under way (PaymentCaptured), when that call did not: its answer
// was lost, or the call failed after finance took the money. Finance's
// answer to the replay is the confirmation.
func (s *Service) recordPayment(ctx context.Context, id uuid.UUID) error {
	status, _, err := s.store.PaymentStatus(ctx, id)
	switch {
	case apperr.IsKind(err, apperr.KindNotFound):
		return nil
	case err != nil:
		return err
	case status != domain.PendingPayment && status != domain.Cancelled:
		return nil // the payer's call recorded it
	}
	return s.confirmPayment(ctx, id)
}

// confirmPayment asks finance for the order's payment again (a replay,
// idempotent on the order id) when orders learnt of it otherwise than by
// finance's answer: finance finishes what a crash between its ledger
// command and its escrow records left undone. A pending order is then
// paid; a payment that landed on a cancelled order is refunded.
func (s *Service) confirmPayment(ctx context.Context, id uuid.UUID) error {
	o, err := s.store.GetOrder(ctx, id, false)
	if err != nil {
		return err
	}
	if err := s.Finance.PayCheckout(ctx, o); err != nil {
		return err
	}
	switch o.Status {
	case domain.PendingPayment:
		_, err := s.markPaid(ctx, id, system, true)
		if errors.Is(err, ErrCancelled) {
			return nil // cancelled meanwhile: markPaid scheduled its refund
		}
		return err
	case domain.Cancelled:
	default:
		return nil
	}
	err = s.store.InTx(ctx, func(r Repository) error { return r.Schedule(ctx, refunds(o, s.clock())...) })
	s.nudge()
	return err
}
