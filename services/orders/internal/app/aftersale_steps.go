package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/money"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// The after-sale steps, each idempotent on the request's id.
const (
	// TaskBookReturn books an approved request's parcel back to the
	// supplier.
	TaskBookReturn TaskKind = "book_return"
	// TaskReserveReplacement holds an approved exchange's replacement.
	TaskReserveReplacement TaskKind = "reserve_replacement"
	// TaskRestock puts goods received back, and marked restockable, on hand.
	TaskRestock TaskKind = "restock"
	// TaskReturnRefund refunds a received return to the buyer.
	TaskReturnRefund TaskKind = "return_refund"
	// TaskReclaimCoupon takes back from the supplier the platform's coupon
	// funding of goods a return clawed back after settlement.
	TaskReclaimCoupon TaskKind = "reclaim_coupon"
	// TaskReceiveReturn receives a request's goods without the supplier:
	// an approved virtual return at once, goods ReturnReceipt after the
	// carrier delivered their parcel back.
	TaskReceiveReturn TaskKind = "receive_return"
	// TaskExpireReturn closes an approved request whose goods were not sent
	// back within ReturnSendBy.
	TaskExpireReturn TaskKind = "expire_return"
	// TaskReturnParcelBack closes a request whose return parcel the
	// carrier took back to the buyer, undelivered.
	TaskReturnParcelBack TaskKind = "return_parcel_back"
	// TaskCheckReplacement looks a shipped replacement up at logistics
	// daily, in case its delivered or returned event was lost.
	TaskCheckReplacement TaskKind = "check_replacement"
)

// runAfterSaleTask runs an after-sale step; ok is false for a kind that is
// not one.
func (s *Service) runAfterSaleTask(ctx context.Context, t Task) (ok bool, err error) {
	switch t.Kind {
	case TaskBookReturn:
		return true, s.bookReturn(ctx, t.Subject)
	case TaskReserveReplacement:
		return true, s.reserveReplacement(ctx, t.Subject)
	case TaskRestock:
		return true, s.restock(ctx, t.Subject)
	case TaskReturnRefund:
		return true, s.refundReturn(ctx, t.Subject)
	case TaskReceiveReturn:
		return true, s.receiveUnconfirmed(ctx, t.Subject)
	case TaskReclaimCoupon:
		return true, s.reclaimCoupon(ctx, t.Subject)
	case TaskExpireReturn:
		return true, s.expireReturn(ctx, t.Subject)
	case TaskReturnParcelBack:
		return true, s.returnParcelBack(ctx, t.Subject)
	case TaskCheckReplacement:
		return true, s.checkReplacement(ctx, t.Subject)
	}
	return false, nil
}

// reclaimCoupon takes back a clawed-back return's share of a
// platform-funded discount from the supplier; a payable that cannot pay it
// yet is asked again an hour later.
func (s *Service) reclaimCoupon(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil {
		return err
	}
	o, err := s.store.GetOrder(ctx, a.OrderID, false)
	if err != nil {
		return err
	}
	sub := o.SubOrder(a.SubOrderID)
	share := sub.CouponFundingBack(a)
	if share <= 0 {
		return nil
	}
	err = s.Finance.ReclaimCoupon(ctx, sub.ID, sub.CouponID, "return:"+a.ID.String(), money.Money{Amount: share, Currency: sub.Goods.Currency})
	if fundsShort(err) {
		return errNotYet{until: s.clock().Add(time.Hour)}
	}
	return err
}

// receiveUnconfirmed receives a request's goods its supplier did not
// confirm, not restocked; nothing to do for one received already or no
// longer awaiting its goods (withdrawn, say).
func (s *Service) receiveUnconfirmed(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || !a.AwaitsReceipt() {
		return err
	}
	_, err = s.receive(ctx, id, system, "goods back with the supplier, not confirmed by it: received", false, nil)
	return err
}

// expireReturn closes a request still approved ReturnSendBy after its
// approval: its goods never left the buyer. Its return parcel is cancelled
// first; one the carrier has picked up is on its way, and the request waits
// for it, looking it up at logistics now and then (lookUpReturnParcel). The buyer keeps the goods, and its sub-order settles on them; an
// exchange's replacement stock is given back once the request is expired.
// An exchange whose original the supplier has received back (before its
// replacement shipped) does not expire: the supplier owes the replacement.
// An exchange whose replacement shipped while the original never left the
// buyer keeps its status; its return parcel is cancelled and the request's
// log says the buyer kept the original, for the supplier and an operator to
// take up.
func (s *Service) expireReturn(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil {
		return err
	}
	if a.Kind == domain.Exchange && !a.Received && a.ReturnShipmentID != nil &&
		(a.Status == domain.AfterSaleReplacementShipped || a.Status == domain.AfterSaleExchanged) {
		return s.originalKept(ctx, a)
	}
	if a.Kind == domain.Exchange && a.Status == domain.AfterSaleExpired {
		// Expired by an earlier run of this step whose release of the
		// replacement did not get through: give it back now.
		return s.releaseReplacement(ctx, a.ID)
	}
	if a.Status != domain.AfterSaleApproved || a.Received {
		return nil
	}
	if a.ReturnShipmentID != nil {
		cancelled, err := s.Logistics.CancelReturn(ctx, *a.ReturnShipmentID, "the goods were not sent back in time")
		switch {
		case apperr.IsKind(err, apperr.KindNotFound):
			return s.returnParcelGone(ctx, a, err)
		case err != nil:
			return err
		case !cancelled:
			return s.lookUpReturnParcel(ctx, a)
		}
	}
	expired, err := s.expire(ctx, id, fmt.Sprintf("the goods were not sent back within %s of the approval", s.cfg.ReturnSendBy))
	if err != nil || expired.ReturnShipmentID == nil || a.ReturnShipmentID != nil {
		return err
	}
	// A return parcel booked since the request was read (its booking step
	// running beside this one): nobody awaits the goods any more.
	_, err = s.Logistics.CancelReturn(ctx, *expired.ReturnShipmentID, "the goods were not sent back in time")
	return err
}

// ReturnParcelOverdue is how long past its send-by time a request's return
// parcel, picked up and looked up daily, may stay on its way before the
// failing-steps gauge counts it for an operator (return_parcel_overdue):
// a cross-border parcel back takes weeks, not months.
const ReturnParcelOverdue = 30 * 24 * time.Hour

// lookUpReturnParcel looks up the return parcel of a request (approved, or
// an exchange whose replacement shipped) whose expiry found it picked up,
// on its way to the supplier: one delivered or brought back to the buyer is
// taken as its event would have been (in case the event was lost; a
// delivery already known is scheduled for receipt again at the same time),
// one logistics no longer has (or cancelled since the expiry's attempt) is
// noted for an operator and looked up no more, and one still on its way is
// looked up again after deliveryCheckEvery. Before, a lost event left the
// request open for good.
func (s *Service) lookUpReturnParcel(ctx context.Context, a domain.AfterSale) error {
	p, err := s.Logistics.ReturnParcel(ctx, *a.ReturnShipmentID)
	if err != nil {
		return err
	}
	switch {
	case p == nil || p.Cancelled():
		// Nothing will come of it: looking again would not either.
		return s.noteReturnParcelGone(ctx, a)
	case p.Delivered():
		err = s.store.InTx(ctx, func(r Repository) error { return s.returnParcelDelivered(ctx, r, a.ID, *p.DeliveredAt) })
	case p.ReturnedToSender():
		err = s.store.InTx(ctx, func(r Repository) error { return s.ReturnParcelBack(ctx, r, a.ID) })
	default:
		return errNotYet{until: s.clock().Add(deliveryCheckEvery)}
	}
	s.nudge()
	return err
}

// returnParcelGone answers an expiry whose cancellation of the return
// parcel logistics answered NotFound (notFound): a parcel logistics no
// longer has is noted for an operator, and the step is done; one it still
// has (the NotFound was its carrier's, or its method's) fails the step as
// before, for the failing-steps alert.
func (s *Service) returnParcelGone(ctx context.Context, a domain.AfterSale, notFound error) error {
	p, err := s.Logistics.ReturnParcel(ctx, *a.ReturnShipmentID)
	switch {
	case err != nil:
		return err
	case p != nil:
		return notFound
	}
	return s.noteReturnParcelGone(ctx, a)
}

// noteReturnParcelGone tells an operator that a request's return parcel is
// not at logistics, or was cancelled on its way: nothing will come of it.
func (s *Service) noteReturnParcelGone(ctx context.Context, a domain.AfterSale) error {
	return s.store.InTx(ctx, func(r Repository) error {
		return r.AppendChanges(ctx, []domain.Change{a.Note(system, "the return parcel (waybill "+a.ReturnWaybill+
			") is not at logistics, or was cancelled on its way: the request needs an operator", s.clock())})
	})
}

// expire closes an approved request whose goods did not come back (why),
// gives an exchange's replacement stock back, and returns the request as
// it closed it (zero when the goods were received meanwhile).
func (s *Service) expire(ctx context.Context, id uuid.UUID, why string) (domain.AfterSale, error) {
	// Checked again under the request's lock: goods received meanwhile
	// (the parcel's cancellation came too late for them) keep the request
	// open, and this step is done.
	received := false
	a, err := s.moveAfterSale(ctx, id, domain.AfterSaleExpired, system, why,
		func(_ Repository, a *domain.AfterSale, _ *domain.Order, _ time.Time) ([]Task, error) {
			if received = a.Received; received {
				return nil, errGoodsReceived
			}
			return nil, nil
		})
	if received {
		return domain.AfterSale{}, nil
	}
	if err != nil || a.Kind != domain.Exchange || a.Status != domain.AfterSaleExpired {
		return a, err
	}
	// A failed release (or a crash before it) fails the step: it runs
	// again, finds the request expired and gives the replacement back then.
	return a, s.releaseReplacement(ctx, a.ID)
}

// releaseReplacement gives back the replacement stock an expired exchange
// held (under its request's id); giving it back again changes nothing.
func (s *Service) releaseReplacement(ctx context.Context, id uuid.UUID) error {
	return s.Inventory.Release(ctx, id, "exchange expired")
}

// errGoodsReceived stops an expiry that found the request's goods received
// under its lock; it is never returned to a caller.
var errGoodsReceived = errors.New("the request's goods were received")

// originalKept cancels the return parcel of an exchange whose replacement
// shipped and whose original was not sent back in time, and records it on
// the request; a parcel the carrier picked up is on its way, and is looked
// up now and then (lookUpReturnParcel).
func (s *Service) originalKept(ctx context.Context, a domain.AfterSale) error {
	cancelled, err := s.Logistics.CancelReturn(ctx, *a.ReturnShipmentID, "the original was not sent back in time")
	switch {
	case apperr.IsKind(err, apperr.KindNotFound):
		return s.returnParcelGone(ctx, a, err)
	case err != nil:
		return err
	case !cancelled:
		return s.lookUpReturnParcel(ctx, a)
	}
	return s.noteOriginalKept(ctx, a.ID, fmt.Sprintf("the original was not sent back within %s of the approval: its return parcel (waybill %s) is cancelled, and the buyer kept it as well as the replacement",
		s.cfg.ReturnSendBy, a.ReturnWaybill))
}

// noteOriginalKept records on an exchange that its buyer kept the original
// as well as the replacement (why), its return parcel over. One that became
// a return meanwhile (its replacement came back to the supplier as this
// step read it) awaits an original that is not coming: it expires.
func (s *Service) noteOriginalKept(ctx context.Context, id uuid.UUID, why string) error {
	converted := false
	_, err := s.noteAfterSale(ctx, id, system, why, func(_ Repository, a *domain.AfterSale, _ *domain.Order, _ time.Time) ([]Task, error) {
		if converted = a.Kind != domain.Exchange; converted {
			return nil, errConverted
		}
		a.ReturnShipmentID, a.ReturnWaybill, a.OriginalKept = nil, "", true
		return nil, nil
	})
	if !converted {
		return err
	}
	_, err = s.expire(ctx, id, why)
	return err
}

// errConverted stops a step that found, under the request's lock, that its
// exchange became a return since it read it; it is never returned to a
// caller.
var errConverted = errors.New("the exchange became a return")

// ReturnParcelBack: the carrier took a request's return parcel back to the
// buyer, undelivered (the supplier's address refused it, say). Applied in
// the inbox's transaction: the request is closed by TaskReturnParcelBack.
func (s *Service) ReturnParcelBack(ctx context.Context, r Repository, id uuid.UUID) error {
	a, err := r.GetAfterSale(ctx, id, false)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return r.Schedule(ctx, task(TaskReturnParcelBack, a.ID, a.OrderID, s.clock()))
}

// returnParcelBack closes a request whose return parcel came back to the
// buyer, as one whose goods were never sent: an approved request expires
// (the buyer has the goods; the sub-order settles on them; an exchange's
// replacement stock is given back), and the buyer may file again while the
// sub-order's window is open. An exchange whose replacement shipped notes
// that the buyer kept the original as well. Before, the request stayed
// approved for good: no refund, no new request, an exchange's replacement
// held.
func (s *Service) returnParcelBack(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || a.Received || a.ReturnShipmentID == nil {
		return err
	}
	why := fmt.Sprintf("the return parcel (waybill %s) came back to the buyer: the carrier could not deliver it", a.ReturnWaybill)
	switch a.Status {
	case domain.AfterSaleApproved:
		_, err := s.expire(ctx, id, why)
		return err
	case domain.AfterSaleReplacementShipped, domain.AfterSaleExchanged:
		return s.noteOriginalKept(ctx, id, why+"; the buyer kept the original as well as the replacement")
	case domain.AfterSaleExpired:
		if a.Kind == domain.Exchange {
			// Expired by an earlier run whose release did not get through.
			return s.releaseReplacement(ctx, a.ID)
		}
	}
	return nil
}

// ReturnParcelDelivered: the carrier delivered a request's goods back to
// its supplier at deliveredAt, whose confirmation is awaited until
// ReturnReceipt after it; then they count as received. The time is the
// carrier's, not the event's arrival: an event applied late (retried, or
// replayed from the dead letters) would put the buyer's refund off by as
// long. A zero or future time is taken as now. Applied in the inbox's
// transaction.
func (s *Service) ReturnParcelDelivered(ctx context.Context, r Repository, id uuid.UUID, deliveredAt time.Time) error {
	now := s.clock()
	if deliveredAt.IsZero() || deliveredAt.After(now) {
		deliveredAt = now
	}
	return s.returnParcelDelivered(ctx, r, id, deliveredAt)
}

// returnParcelDelivered is ReturnParcelDelivered of a parcel delivered at
// at: the supplier's confirmation is awaited until ReturnReceipt after it.
func (s *Service) returnParcelDelivered(ctx context.Context, r Repository, id uuid.UUID, at time.Time) error {
	a, err := r.GetAfterSale(ctx, id, false)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	if err != nil || !a.AwaitsReceipt() {
		return err
	}
	return r.Schedule(ctx, task(TaskReceiveReturn, a.ID, a.OrderID, at.Add(s.cfg.ReturnReceipt)))
}

// bookReturn books the parcel back, from the sub-order's address to where
// its goods were shipped from, by the same method.
func (s *Service) bookReturn(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || a.ReturnShipmentID != nil || (a.Status != domain.AfterSaleApproved && a.Status != domain.AfterSaleReplacementShipped) {
		return err
	}
	sub, o, err := s.afterSaleSubOrder(ctx, a)
	if err != nil {
		return err
	}
	p, err := s.Logistics.Parcel(ctx, sub.ID)
	if err != nil {
		return err
	}
	if p == nil || p.From == nil || sub.Address == nil {
		return apperr.FailedPrecondition("the sub-order has no parcel to return along").WithReason("NO_PARCEL")
	}
	sh, err := s.Logistics.ShipReturn(ctx, ReturnInput{AfterSale: a, SubOrder: sub, MethodID: p.MethodID, To: *p.From, MerchantOrgID: o.MerchantOrgID})
	if err != nil {
		return err
	}
	closed := false
	_, err = s.noteAfterSale(ctx, id, system, "return parcel booked: waybill "+sh.Waybill,
		func(_ Repository, a *domain.AfterSale, _ *domain.Order, _ time.Time) ([]Task, error) {
			if closed = !a.AwaitsReceipt(); closed {
				return nil, nil
			}
			a.ReturnShipmentID, a.ReturnWaybill = &sh.ID, sh.Waybill
			return nil, nil
		})
	if err != nil || !closed {
		return err
	}
	// The request no longer awaits its goods (it expired while logistics
	// was slow, say, or they came back otherwise): nobody awaits the
	// parcel, and a buyer sending it would not be refunded.
	_, err = s.Logistics.CancelReturn(ctx, sh.ID, "the request closed before its return parcel was booked")
	return err
}

// reserveReplacement holds an exchange's replacement stock (keyed by the
// request) until it ships, for as long as a paid order's goods are held.
func (s *Service) reserveReplacement(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || a.Kind != domain.Exchange || a.Status != domain.AfterSaleApproved {
		return err
	}
	sub, _, err := s.afterSaleSubOrder(ctx, a)
	if err != nil {
		return err
	}
	_, err = s.Inventory.Reserve(ctx, a.ID, replacement(a, sub).Lines, s.cfg.FulfilmentHold)
	return err
}

// restock puts a request's goods back in the warehouse the supplier named.
func (s *Service) restock(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || !a.Restockable || a.WarehouseID == nil {
		return err
	}
	return s.Inventory.Restock(ctx, *a.WarehouseID, "after-sale:"+a.ID.String(), a.Lines)
}

// settlingOverdue is how long a return received after its sub-order's
// settlement began waits quietly for the settlement to finish; a minute or
// two when all is well.
const settlingOverdue = time.Hour

// refundReturn refunds a received return: finance pays it from the
// sub-order's escrow before settlement (the goods then settle less it) or
// claws it back from the supplier's payable after it. A claw-back the
// payable cannot pay yet is retried until finance has paid it.
func (s *Service) refundReturn(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || a.Status != domain.AfterSaleReceived {
		return err
	}
	var res Refund
	o, err := s.store.GetOrder(ctx, a.OrderID, false)
	if err != nil {
		return err
	}
	if !o.External() {
		sub := o.SubOrder(a.SubOrderID)
		if sub != nil && sub.Status == domain.AwaitingTopUp {
			// Settled without the request (it stayed open past the
			// wait) and short: finance's top-up request is for the goods
			// as they were, and a refund out of the escrow now would
			// leave it asking the wrong amount. Once the top-up is paid
			// and the sub-order completes, the refund is clawed back
			// from the supplier's payable.
			return errNotYet{until: s.clock().Add(time.Hour)}
		}
		if sub != nil && sub.Status == domain.Delivered && sub.SettlingAt != nil {
			// Settlement began without the request (received after it
			// read the requests under the order's lock): its amounts are
			// fixed, and a refund out of the escrow now would be settled
			// as goods kept. Once the sub-order completes, the refund is
			// clawed back from the supplier's payable. A settlement that
			// does not finish (its step failing) holds the buyer's refund:
			// past settlingOverdue the refund's step fails too, so it is
			// counted among the failing steps for an operator.
			if since := s.clock().Sub(*sub.SettlingAt); since > settlingOverdue {
				return apperr.Unavailable(fmt.Sprintf("the sub-order's settlement began %s ago and has not finished; the refund is clawed back once it has",
					since.Round(time.Minute)))
			}
			return errNotYet{until: s.clock().Add(time.Minute)}
		}
		if a.Refund.Amount > 0 {
			if res, a, err = s.payReturn(ctx, o, a); err != nil {
				return err
			}
			if res.Waiting {
				return errNotYet{until: s.clock().Add(time.Minute)}
			}
		} else {
			// Nothing to refund (a platform coupon took the goods' whole
			// price off) asks finance for no refund; whether the escrow was
			// settled is asked instead: if so the supplier was paid the
			// coupon's share for goods it has back, and gives it back.
			esc, err := s.Finance.Escrow(ctx, a.SubOrderID)
			if err != nil {
				return err
			}
			res.ClawBack = esc != nil && esc.Settled
		}
	}
	why := "refunded " + a.Refund.String()
	if a.CashRefund != nil {
		why = fmt.Sprintf("refunded %d of %s: %d netted against the freight the carrier charged over the buffer",
			*a.CashRefund, a.Refund, a.Refund.Amount-*a.CashRefund)
	}
	_, err = s.moveAfterSale(ctx, id, domain.AfterSaleRefunded, system, why,
		func(_ Repository, a *domain.AfterSale, o *domain.Order, now time.Time) ([]Task, error) {
			sub := o.SubOrder(a.SubOrderID)
			a.ClawBack = res.ClawBack
			switch {
			case !a.ClawBack:
				sub.Refunded += a.Refund.Amount
			case sub.CouponFundingBack(*a) > 0:
				return []Task{task(TaskReclaimCoupon, a.ID, a.OrderID, now)}, nil
			}
			return nil, nil
		})
	return err
}

// payReturn asks finance to refund a return. Before settlement the escrow
// may no longer hold it all: the carrier's legs cost more than the freight
// buffer, and the buyer would be asked for that overrun at settlement. The
// refund is then netted against it: escrow pays back what it holds beyond
// what settling the goods kept needs, and nothing is asked of the buyer
// later for that part. The cash part is stored before it is paid, so a
// retry pays the same amount under its own key.
func (s *Service) payReturn(ctx context.Context, o domain.Order, a domain.AfterSale) (Refund, domain.AfterSale, error) {
	key := "return:" + a.ID.String()
	if a.CashRefund == nil {
		res, err := s.Finance.Refund(ctx, a.SubOrderID, key, a.Refund)
		if !escrowShort(err) {
			return res, a, err
		}
		cash, err := s.cashRefund(ctx, o, a)
		if err != nil {
			return Refund{}, a, err
		}
		err = s.store.InTx(ctx, func(r Repository) error {
			cur, err := r.GetAfterSale(ctx, a.ID, true)
			if err != nil {
				return err
			}
			if cur.CashRefund == nil {
				cur.CashRefund = &cash
				if err := r.SaveAfterSale(ctx, cur); err != nil {
					return err
				}
			}
			a = cur
			return nil
		})
		if err != nil {
			return Refund{}, a, err
		}
	}
	if *a.CashRefund == 0 {
		return Refund{}, a, nil
	}
	res, err := s.Finance.Refund(ctx, a.SubOrderID, key+":net", money.Money{Amount: *a.CashRefund, Currency: a.Refund.Currency})
	return res, a, err
}

// escrowShort reports finance refusing a refund the escrow cannot pay.
func escrowShort(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Kind == apperr.KindFailedPrecondition && e.Reason == "INSUFFICIENT_FUNDS"
}

// cashRefund is what escrow can pay of a return before settlement: what it
// holds beyond what settling the goods kept will take from it (the
// platform's coupon funding is paid in then), at most the refund.
func (s *Service) cashRefund(ctx context.Context, o domain.Order, a domain.AfterSale) (int64, error) {
	e, err := s.Finance.Escrow(ctx, a.SubOrderID)
	if err != nil {
		return 0, err
	}
	if e == nil || e.Settled {
		return 0, apperr.Unavailable("the sub-order's escrow changed while refunding; retrying")
	}
	afterSales, err := s.store.AfterSalesOf(ctx, a.SubOrderID)
	if err != nil {
		return 0, err
	}
	for i := range afterSales {
		if afterSales[i].ID == a.ID {
			afterSales[i].Status, afterSales[i].ClawBack = domain.AfterSaleRefunded, false
		}
	}
	sub := *o.SubOrder(a.SubOrderID)
	sub.Refunded += a.Refund.Amount
	returned := sub.ReturnedDiscount(afterSales)
	needed := sub.SettledGoods(returned).Amount - sub.PlatformFunding(returned)
	return min(max(e.Balance.Amount-needed, 0), a.Refund.Amount), nil
}

// returnRefunded is a refunded return as sales data and docking read it.
func returnRefunded(a domain.AfterSale, channel string) Event {
	ev := &ordersv1.ReturnRefunded{
		ReturnId: a.ID.String(), SubOrderId: a.SubOrderID.String(), OrderId: a.OrderID.String(), SupplierId: a.SupplierID.String(),
		Channel: channel, Amount: moneyProto(a.Refund), ClawBack: a.ClawBack, OccurredAt: timestamppb.New(a.UpdatedAt),
	}
	for _, l := range a.Lines {
		ev.Lines = append(ev.Lines, &ordersv1.ReturnedLine{SkuId: l.SKUID.String(), ProductId: l.ProductID.String(), Quantity: l.Quantity, Amount: moneyProto(l.Amount)})
	}
	return Event{Subject: SubjectReturnRefunded, Payload: ev}
}
