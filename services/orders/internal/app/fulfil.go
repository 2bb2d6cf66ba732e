package app

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// ErrNotPhysical and ErrNotVirtual refuse the wrong fulfilment for a
// sub-order's goods.
var (
	ErrNotPhysical = apperr.FailedPrecondition("virtual goods do not ship: deliver the sub-order instead").WithReason("NOT_PHYSICAL")
	ErrNotVirtual  = apperr.FailedPrecondition("physical goods are delivered by their carrier: ship the sub-order instead").WithReason("NOT_VIRTUAL")
)

// supplierCommand loads a sub-order for its supplier, or for a service
// relaying for the supplier it names (onBehalfOf, uuid.Nil when none):
// anyone else, and the supplier too while the sub-order was never paid, is
// told it does not exist.
func (s *Service) supplierCommand(ctx context.Context, c auth.Caller, subID, onBehalfOf uuid.UUID) (domain.Order, domain.SubOrder, error) {
	o, sub, err := s.subOrder(ctx, subID)
	if err != nil {
		return o, sub, err
	}
	supplier := isSupplierOf(c, sub) || relaysFor(c, onBehalfOf, sub.SupplierID)
	if !c.IsAdmin() && (!supplier || !everPaid(sub)) {
		return o, sub, notFoundSubOrder(subID)
	}
	return o, sub, nil
}

func (s *Service) subOrder(ctx context.Context, subID uuid.UUID) (domain.Order, domain.SubOrder, error) {
	orderID, err := s.store.OrderOf(ctx, subID)
	if err != nil {
		return domain.Order{}, domain.SubOrder{}, err
	}
	o, err := s.store.GetOrder(ctx, orderID, false)
	if err != nil {
		return o, domain.SubOrder{}, err
	}
	return o, *o.SubOrder(subID), nil
}

// moveSubOrder moves a sub-order in a transaction of its own (moveIn).
func (s *Service) moveSubOrder(ctx context.Context, orderID, subID uuid.UUID, to domain.Status, by domain.Actor, reason string, also alsoFunc) (domain.SubOrder, error) {
	var out domain.SubOrder
	err := s.store.InTx(ctx, func(r Repository) error {
		o, err := r.GetOrder(ctx, orderID, true)
		if err != nil {
			return err
		}
		out, err = s.moveIn(ctx, r, o, subID, to, by, reason, also)
		return err
	})
	s.nudge()
	return out, err
}

// alsoFunc edits a sub-order as it moves and lists the tasks and events that
// go with the move.
type alsoFunc func(o *domain.Order, sub *domain.SubOrder, now time.Time) ([]Task, []Event)

// moveIn moves a sub-order of the locked order o in r's transaction. A
// sub-order already at to is left as it is (a retry).
func (s *Service) moveIn(ctx context.Context, r Repository, o domain.Order, subID uuid.UUID, to domain.Status, by domain.Actor, reason string, also alsoFunc) (domain.SubOrder, error) {
	sub := o.SubOrder(subID)
	if sub == nil {
		return domain.SubOrder{}, notFoundSubOrder(subID)
	}
	if sub.Status == to {
		return *sub, nil
	}
	now := s.clock()
	changes, err := o.MoveSubOrder(subID, to, by, reason, now)
	if err != nil {
		return domain.SubOrder{}, err
	}
	var tasks []Task
	var events []Event
	if also != nil {
		tasks, events = also(&o, o.SubOrder(subID), now)
	}
	return *o.SubOrder(subID), s.saveMoves(ctx, r, o, changes, tasks, events)
}

// AcceptSubOrder records that the supplier will fulfil a paid sub-order.
func (s *Service) AcceptSubOrder(ctx context.Context, c auth.Caller, subID uuid.UUID) (domain.SubOrder, error) {
	o, _, err := s.supplierCommand(ctx, c, subID, uuid.Nil)
	if err != nil {
		return domain.SubOrder{}, err
	}
	return s.moveSubOrder(ctx, o.ID, subID, domain.Accepted, actor(c), "accepted", nil)
}

// ShipSubOrder books a physical sub-order's parcel and marks it shipped. The
// booking is logistics' (idempotent on the sub-order), so a retry after a
// lost answer books nothing twice; if the parcel was booked but this call
// never recorded it, logistics.shipment.booked does. Its supplier's members
// and ERP ship it, and so does a service relaying for the supplier it names
// in onBehalfOf (docking for an ERP's signed call; uuid.Nil for everyone
// else): a service naming none, or another supplier, is told the sub-order
// does not exist.
func (s *Service) ShipSubOrder(ctx context.Context, c auth.Caller, subID, methodID uuid.UUID, from domain.Address, onBehalfOf uuid.UUID) (domain.SubOrder, error) {
	var v apperr.Violations
	if methodID == uuid.Nil {
		v.Add("method_id", "is required: a shipping method of logistics")
	}
	domain.CheckAddress(&v, "from", from)
	if err := v.Err(); err != nil {
		return domain.SubOrder{}, err
	}
	o, sub, err := s.shippable(ctx, c, subID, onBehalfOf)
	if err != nil {
		return domain.SubOrder{}, err
	}
	if sub.ExternalParcel() {
		return domain.SubOrder{}, ErrAlreadyShipped
	}
	// Shipped already is a retry: logistics answers the parcel it booked.
	if err := cannotShip(sub); err != nil && sub.Status != domain.Shipped {
		return domain.SubOrder{}, err
	}
	sh, err := s.Logistics.Ship(ctx, ShipInput{Order: o, SubOrder: sub, MethodID: methodID, From: from, PlatformPays: o.FreightPaidByPlatform()})
	if err != nil {
		return domain.SubOrder{}, err
	}
	return s.recordShipped(ctx, o.ID, subID, sh, methodID.String(), actor(c))
}

// shippable loads a physical sub-order for its supplier to ship
// (supplierCommand).
func (s *Service) shippable(ctx context.Context, c auth.Caller, subID, onBehalfOf uuid.UUID) (domain.Order, domain.SubOrder, error) {
	o, sub, err := s.supplierCommand(ctx, c, subID, onBehalfOf)
	if err == nil && sub.Type != domain.Physical {
		err = ErrNotPhysical
	}
	return o, sub, err
}

// cannotShip refuses to ship a sub-order that is not paid or accepted.
func cannotShip(sub domain.SubOrder) error {
	if sub.Status == domain.Paid || sub.Status == domain.Accepted {
		return nil
	}
	return apperr.FailedPrecondition("the sub-order is " + string(sub.Status) + " and cannot ship").WithReason("INVALID_TRANSITION")
}

// recordShipped marks a sub-order shipped with its parcel. Shipped by this
// parcel already is a retry; shipped by a parcel outside our logistics
// (recorded while this one was being booked) is ALREADY_SHIPPED, and the
// parcel just booked is cancelled rather than left booked for goods that
// went another way; so is one booked while the order was cancelled.
func (s *Service) recordShipped(ctx context.Context, orderID, subID uuid.UUID, sh Shipment, method string, by domain.Actor) (domain.SubOrder, error) {
	var out domain.SubOrder
	err := s.store.InTx(ctx, func(r Repository) error {
		o, err := r.GetOrder(ctx, orderID, true)
		if err != nil {
			return err
		}
		switch sub := o.SubOrder(subID); {
		case sub != nil && (sub.ExternalParcel() || sub.Status == domain.Cancelled):
			// Gone another way, or cancelled while this parcel was being
			// booked (the cancellation's step found no parcel yet): the
			// parcel is cancelled rather than left booked.
			out = *sub
			return r.Schedule(ctx, task(TaskCancelShipment, subID, orderID, s.clock()))
		case sub != nil && sub.ShipmentID != nil && *sub.ShipmentID != sh.ID:
			// Another booking of ours: logistics keys parcels by
			// sub-order, so cancelling "this" one would cancel that.
			out = *sub
			return nil
		}
		out, err = s.moveIn(ctx, r, o, subID, domain.Shipped, by, "shipped: waybill "+sh.Waybill, shipped(sh, method))
		return err
	})
	s.nudge()
	switch {
	case err == nil && out.Status == domain.Cancelled:
		return domain.SubOrder{}, ErrCancelled
	case err == nil && (out.ExternalParcel() || out.ShipmentID != nil && *out.ShipmentID != sh.ID):
		return domain.SubOrder{}, ErrAlreadyShipped
	}
	return out, err
}

// shipped records our parcel on a sub-order that ships. Its stock is held
// again for FulfilmentHold from now (TaskHoldStock): the carrier's pick-up
// commits the reservation, and a parcel booked near the end of the hold
// taken at payment would otherwise find it lapsed, its goods sold again.
// Its delivery is checked with logistics a day on (TaskCheckDelivery), in
// case logistics' event is lost.
func shipped(sh Shipment, method string) alsoFunc {
	return func(o *domain.Order, sub *domain.SubOrder, now time.Time) ([]Task, []Event) {
		sub.ShipmentID, sub.Waybill, sub.CarrierCode, sub.ShippedAt = &sh.ID, sh.Waybill, sh.CarrierCode, &now
		if method != "" {
			sub.MethodID = method
		}
		tasks := []Task{task(TaskHoldStock, sub.ID, o.ID, now), task(TaskCheckDelivery, sub.ID, o.ID, now.Add(deliveryCheckEvery))}
		return tasks, []Event{{Subject: SubjectSubOrderShipped, Payload: &ordersv1.SubOrderShipped{
			SubOrderId: sub.ID.String(), OrderId: o.ID.String(), SupplierId: sub.SupplierID.String(), Channel: o.Channel,
			ExternalOrderId: o.ExternalOrderID, ShipmentId: sh.ID.String(), CarrierCode: sh.CarrierCode, Waybill: sh.Waybill,
			OccurredAt: timestamppb.New(now),
		}}}
	}
}

// DeliverSubOrder records that a virtual sub-order's goods reached the
// buyer: its stock is committed and it completes after the automatic
// delay unless the buyer confirms first.
func (s *Service) DeliverSubOrder(ctx context.Context, c auth.Caller, subID uuid.UUID) (domain.SubOrder, error) {
	o, sub, err := s.supplierCommand(ctx, c, subID, uuid.Nil)
	if err != nil {
		return domain.SubOrder{}, err
	}
	if sub.Type != domain.Virtual {
		return domain.SubOrder{}, ErrNotVirtual
	}
	if sub.Status == domain.Paid {
		// Delivering a paid virtual sub-order accepts it on the way.
		if _, err := s.moveSubOrder(ctx, o.ID, subID, domain.Accepted, actor(c), "accepted", nil); err != nil {
			return domain.SubOrder{}, err
		}
	}
	return s.recordDelivered(ctx, o.ID, subID, actor(c), "delivered by the supplier")
}

// recordDelivered moves a sub-order to delivered and starts its automatic
// completion; a virtual one's stock is committed.
func (s *Service) recordDelivered(ctx context.Context, orderID, subID uuid.UUID, by domain.Actor, why string) (domain.SubOrder, error) {
	return s.moveSubOrder(ctx, orderID, subID, domain.Delivered, by, why, s.delivered)
}

// delivered starts a delivered sub-order's automatic completion and, for
// virtual goods, commits its stock.
func (s *Service) delivered(o *domain.Order, sub *domain.SubOrder, now time.Time) ([]Task, []Event) {
	completes := now.Add(s.cfg.AutoComplete)
	sub.DeliveredAt, sub.CompletesAt = &now, &completes
	tasks := []Task{task(TaskSettle, sub.ID, o.ID, completes)}
	if sub.Type == domain.Virtual {
		tasks = append(tasks, task(TaskCommitStock, sub.ID, o.ID, now))
	}
	return tasks, nil
}

// ConfirmReceipt is the buyer confirming a delivered sub-order: it settles
// now. A sub-order shipped by an external parcel is delivered by the
// confirmation. Confirming again, or once it completed, answers it as it
// is.
func (s *Service) ConfirmReceipt(ctx context.Context, c auth.Caller, subID uuid.UUID) (domain.SubOrder, error) {
	o, sub, err := s.subOrder(ctx, subID)
	if err != nil {
		return domain.SubOrder{}, err
	}
	if !isBuyerOf(c, o) {
		return domain.SubOrder{}, notFoundSubOrder(subID)
	}
	switch {
	case sub.Status == domain.Delivered:
	case sub.Status == domain.AwaitingTopUp, sub.Status == domain.Completed:
		return sub, nil
	case sub.Status == domain.Shipped && sub.ExternalParcel():
		// Nobody but the buyer reports an external parcel's arrival.
		if _, err := s.recordDelivered(ctx, o.ID, subID, actor(c), "delivered: the buyer confirmed receipt"); err != nil {
			return domain.SubOrder{}, err
		}
	default:
		return domain.SubOrder{}, apperr.FailedPrecondition("the sub-order is " + string(sub.Status) + ", not delivered").WithReason("NOT_DELIVERED")
	}
	err = s.store.InTx(ctx, func(r Repository) error {
		o, err := r.GetOrder(ctx, o.ID, true)
		if err != nil {
			return err
		}
		cur := o.SubOrder(subID)
		sub = *cur
		if cur.Status != domain.Delivered {
			return nil
		}
		now := s.clock()
		if cur.CompletesAt == nil || cur.CompletesAt.After(now) {
			cur.CompletesAt, sub.CompletesAt = &now, &now
			if err := r.SaveOrder(ctx, o); err != nil {
				return err
			}
		}
		if err := r.AppendChanges(ctx, []domain.Change{{OrderID: o.ID, SubOrderID: subID, From: domain.Delivered, To: domain.Delivered,
			Actor: actor(c), Reason: "receipt confirmed", At: now}}); err != nil {
			return err
		}
		return r.Schedule(ctx, task(TaskSettle, subID, o.ID, now))
	})
	if err != nil {
		return domain.SubOrder{}, err
	}
	s.nudge()
	return sub, nil
}

// returnsWait is how long past the after-sale window a sub-order's
// settlement waits for its open requests.
const returnsWait = 30 * 24 * time.Hour

// returnsAwaitedUntil is when a delivered sub-order settles whatever
// requests are still open.
func (s *Service) returnsAwaitedUntil(sub domain.SubOrder) time.Time {
	if sub.DeliveredAt == nil {
		return s.clock()
	}
	return sub.DeliveredAt.Add(s.cfg.AfterSaleWindow + returnsWait)
}

// settle completes a delivered sub-order: once every freight leg the
// carrier confirmed is paid from escrow, the last one included (it may
// arrive after the delivery), logistics records the actual bill
// and finance pays the supplier and refunds the buyer the rest. Escrow
// short, the sub-order awaits the buyer's top-up. A partner channel's
// sub-order has no escrow: its money comes with the partner's settlement.
func (s *Service) settle(ctx context.Context, orderID, subID uuid.UUID) error {
	// A first look, unlocked, at whether settlement waits (startSettling
	// looks again under the order's lock): the requests first, then the
	// order, so a request read as refunded is counted by the order read.
	afterSales, err := s.store.AfterSalesOf(ctx, subID)
	if err != nil {
		return err
	}
	o, err := s.store.GetOrder(ctx, orderID, false)
	if err != nil {
		return err
	}
	sub := o.SubOrder(subID)
	if sub == nil || sub.Status != domain.Delivered {
		return nil
	}
	if err := s.settleWait(*sub, afterSales); err != nil {
		return err
	}
	if sub.Type == domain.Physical && sub.ShipmentID != nil {
		p, err := s.Logistics.Parcel(ctx, subID)
		if err != nil {
			return err
		}
		if p != nil && (p.UnpaidLegs > 0 || p.FreightPending) {
			return errNotYet{until: s.clock().Add(5 * time.Second)}
		}
		if err := s.Logistics.Complete(ctx, *sub.ShipmentID); err != nil {
			return err
		}
	}
	o, afterSales, err = s.startSettling(ctx, orderID, subID)
	if err != nil {
		return err
	}
	if sub = o.SubOrder(subID); sub.Status != domain.Delivered {
		return nil
	}
	returned := sub.ReturnedDiscount(afterSales)
	if !o.External() && sub.DiscountFundedBy == domain.FundedByPlatform && sub.CouponID != "" {
		// The platform's coupon pays its discount in, so the supplier is
		// settled on the full goods, less the discount of the goods that
		// came back (to nothing when all did). The funding is set, not
		// added, so a retry sets the same.
		f := money.Money{Amount: sub.PlatformFunding(returned), Currency: sub.Goods.Currency}
		if err := s.Finance.FundCoupon(ctx, subID, sub.CouponID, f); err != nil {
			return err
		}
	}
	var topUp *TopUpRequest
	if !o.External() {
		// Goods that came to nothing (all of them back before settlement,
		// or a coupon of the supplier's took off their whole price) settle
		// at 0 all the same: the supplier is paid nothing, escrow pays back
		// the freight the platform advanced as far as it holds, and the
		// rest goes back to the buyer. Before, the rest was refunded
		// outright and the advance never recovered.
		goods := sub.SettledGoods(returned)
		goods.Amount = max(goods.Amount, 0)
		if topUp, err = s.Finance.Settle(ctx, subID, goods); err != nil {
			return err
		}
	}
	if topUp != nil {
		return s.awaitTopUp(ctx, orderID, subID, *topUp)
	}
	_, err = s.complete(ctx, orderID, subID, "settled")
	return err
}

// settleWait is errNotYet while a delivered sub-order's settlement waits
// for its requests: an open one (for so long), a return being refunded
// (for good). Once settling began it waits for none: the requests read
// then are the ones it counts, and a refund after it is clawed back.
func (s *Service) settleWait(sub domain.SubOrder, afterSales []domain.AfterSale) error {
	if sub.SettlingAt != nil {
		return nil
	}
	if slices.ContainsFunc(afterSales, func(a domain.AfterSale) bool { return a.Status.Open() }) {
		// A return refunded from escrow lowers what settles: wait for it,
		// but not for ever (goods never sent back, a dispute nobody
		// decides): past the wait the supplier is paid, and a request
		// refunded later is clawed back from it.
		if until := s.returnsAwaitedUntil(sub); s.clock().Before(until) {
			return errNotYet{until: s.clock().Add(time.Minute)}
		}
	}
	if slices.ContainsFunc(afterSales, refundDue) {
		// Even past the wait: a return whose goods are back is being
		// refunded from escrow now (its refund may be paid and not yet
		// recorded), and settling the goods whole would ask the buyer to
		// top up what was just refunded.
		return errNotYet{until: s.clock().Add(time.Minute)}
	}
	return nil
}

// startSettling marks a delivered sub-order settling under its order's
// lock, its requests read and waited for again under it, and returns the
// order and the requests settlement counts. The after-sale moves take the
// same lock, so a return is either received before (and waited for) or
// refunded after settlement (refundReturn waits for the sub-order to
// complete, and clawed back then).
// Before, a refund from escrow landing between the settle step's reads and
// finance's settlement was settled as goods kept, or asked of the buyer
// again as a top-up. A sub-order no longer delivered is returned as it is.
func (s *Service) startSettling(ctx context.Context, orderID, subID uuid.UUID) (domain.Order, []domain.AfterSale, error) {
	var o domain.Order
	var afterSales []domain.AfterSale
	err := s.store.InTx(ctx, func(r Repository) error {
		var err error
		if o, err = r.GetOrder(ctx, orderID, true); err != nil {
			return err
		}
		sub := o.SubOrder(subID)
		if sub == nil {
			return notFoundSubOrder(subID)
		}
		if afterSales, err = r.AfterSalesOf(ctx, subID); err != nil || sub.Status != domain.Delivered || sub.SettlingAt != nil {
			return err
		}
		if err := s.settleWait(*sub, afterSales); err != nil {
			return err
		}
		now := s.clock()
		sub.SettlingAt = &now
		return r.SaveOrder(ctx, o)
	})
	return o, afterSales, err
}

// refundDue reports a return whose goods the supplier has back and whose
// refund is the next step.
func refundDue(a domain.AfterSale) bool {
	return a.Kind == domain.Return && a.Status == domain.AfterSaleReceived
}

// complete marks a sub-order completed and emits its completion.
func (s *Service) complete(ctx context.Context, orderID, subID uuid.UUID, why string) (domain.SubOrder, error) {
	return s.moveSubOrder(ctx, orderID, subID, domain.Completed, system, why, completed)
}

// completed stamps a sub-order's completion and emits it.
func completed(o *domain.Order, sub *domain.SubOrder, now time.Time) ([]Task, []Event) {
	sub.CompletedAt = &now
	return nil, []Event{{Subject: SubjectSubOrderCompleted, Payload: &ordersv1.SubOrderCompleted{
		SubOrderId: sub.ID.String(), OrderId: o.ID.String(), SupplierId: sub.SupplierID.String(), Channel: o.Channel,
		Goods: moneyProto(sub.Goods), OccurredAt: timestamppb.New(now),
	}}}
}
