package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "github.com/crossdock/crossdock/gen/crossdock/orders/v1"
	"github.com/crossdock/crossdock/pkg/apperr"
	"github.com/crossdock/crossdock/pkg/auth"
	"github.com/crossdock/crossdock/pkg/idempotency"
	"github.com/crossdock/crossdock/services/orders/internal/domain"
)

// AfterSaleRepository stores the buyers' return and exchange requests.
type AfterSaleRepository interface {
	// InsertAfterSale stores a new request; false when one with its id
	// exists (a retried filing).
	InsertAfterSale(ctx context.Context, a domain.AfterSale) (bool, error)
	// GetAfterSale returns a request, locked for the transaction when lock
	// is set; NotFound when there is none.
	GetAfterSale(ctx context.Context, id uuid.UUID, lock bool) (domain.AfterSale, error)
	// AfterSalesOf returns a sub-order's requests, oldest first.
	AfterSalesOf(ctx context.Context, subOrderID uuid.UUID) ([]domain.AfterSale, error)
	// SaveAfterSale writes a request's changed state.
	SaveAfterSale(ctx context.Context, a domain.AfterSale) error
	// ListAfterSales returns the requests matching f, newest first, after
	// the cursor.
	ListAfterSales(ctx context.Context, f AfterSaleFilter, after *OrderCursor, limit int) ([]domain.AfterSale, error)
}

// AfterSaleFilter narrows a list of requests; zero fields match all.
type AfterSaleFilter struct {
	// BuyerID selects the requests a person filed on orders of their own:
	// those on a merchant's orders are the merchant's (MerchantOrgID).
	BuyerID    string
	SupplierID uuid.UUID
	// MerchantOrgID selects the requests on a merchant's orders, whichever
	// member filed them.
	MerchantOrgID uuid.UUID
	OrderID       uuid.UUID
	Status        domain.AfterSaleStatus
}

// Subjects of the after-sale events: one per status a request reaches
// (orders.after_sale.requested, .approved, .rejected, ...).
const subjectAfterSalePrefix = "orders.after_sale."

// ErrDisputedForOperators refuses a supplier's decision on a disputed
// request: an operator decides it.
var ErrDisputedForOperators = apperr.FailedPrecondition("the buyer disputed the rejection: an operator decides it now").WithReason("DISPUTED")

// ErrAfterSaleIDReused refuses a filing whose request id names a request
// of the sub-order with other goods, kind or reason.
var ErrAfterSaleIDReused = apperr.AlreadyExists("this request id was used for another request on the sub-order").WithReason(idempotency.ReasonKeyReused)

// ErrNoVirtualExchange refuses an exchange of virtual goods: they are
// returned and refunded instead.
var ErrNoVirtualExchange = apperr.FailedPrecondition("virtual goods are returned, not exchanged").WithReason("NOT_PHYSICAL")

// FileAfterSale is the buyer asking to return or exchange goods of a
// delivered sub-order. Idempotent on the client's request id: filing it
// again answers the request as it is.
func (s *Service) FileAfterSale(ctx context.Context, c auth.Caller, subID uuid.UUID, in domain.AfterSaleInput) (domain.AfterSale, error) {
	o, sub, err := s.subOrder(ctx, subID)
	if err != nil {
		return domain.AfterSale{}, err
	}
	if !isBuyerOf(c, o) {
		return domain.AfterSale{}, notFoundSubOrder(subID)
	}
	if in.Kind == domain.Exchange && sub.Type != domain.Physical {
		return domain.AfterSale{}, ErrNoVirtualExchange
	}
	var out domain.AfterSale
	err = s.store.InTx(ctx, func(r Repository) error {
		o, err := r.GetOrder(ctx, o.ID, true)
		if err != nil {
			return err
		}
		prior, err := r.AfterSalesOf(ctx, subID)
		if err != nil {
			return err
		}
		id := domain.AfterSaleID(subID, in.RequestID)
		for _, p := range prior {
			if p.ID == id && !p.SameRequest(in) {
				return ErrAfterSaleIDReused.WithMetadata("after_sale_id", id.String())
			}
			if p.ID == id {
				out = p
				return nil
			}
		}
		out, err = domain.NewAfterSale(*o.SubOrder(subID), o, in, prior, s.cfg.AfterSaleWindow, s.clock())
		if err != nil {
			return err
		}
		if _, err := r.InsertAfterSale(ctx, out); err != nil {
			return err
		}
		return s.recordAfterSale(ctx, r, out, out.Filed(actor(c)), nil)
	})
	return out, err
}

// recordAfterSale logs a request's change and emits its event, with the
// steps it starts.
func (s *Service) recordAfterSale(ctx context.Context, r Repository, a domain.AfterSale, change domain.Change, tasks []Task) error {
	if err := r.AppendChanges(ctx, []domain.Change{change}); err != nil {
		return err
	}
	if len(tasks) > 0 {
		if err := r.Schedule(ctx, tasks...); err != nil {
			return err
		}
	}
	return r.Emit(ctx, Event{Subject: subjectAfterSalePrefix + string(a.Status), Payload: &ordersv1.AfterSaleChanged{
		AfterSaleId: a.ID.String(), SubOrderId: a.SubOrderID.String(), OrderId: a.OrderID.String(), BuyerId: a.BuyerID,
		SupplierId: a.SupplierID.String(), Kind: string(a.Kind), Status: string(a.Status), Reason: change.Reason,
		ActorKind: string(change.Actor.Kind), OccurredAt: timestamppb.New(change.At),
	}})
}

// afterSaleEdit checks a locked request (and its locked order, when the
// change moves the request) and may change them, reading what else it
// needs through r; it returns the steps the change starts.
type afterSaleEdit func(r Repository, a *domain.AfterSale, o *domain.Order, now time.Time) ([]Task, error)

// moveAfterSale moves a request in a transaction of its own: edit checks
// the locked request and its order and may change them; the move is
// logged, its event emitted and its steps scheduled together. A request
// already at to is answered as it is.
func (s *Service) moveAfterSale(ctx context.Context, id uuid.UUID, to domain.AfterSaleStatus, by domain.Actor, reason string,
	edit afterSaleEdit) (domain.AfterSale, error) {
	var out domain.AfterSale
	err := s.store.InTx(ctx, func(r Repository) error {
		a, o, err := lockAfterSale(ctx, r, id)
		if err != nil {
			return err
		}
		if out = a; a.Status == to {
			return nil
		}
		now := s.clock()
		var tasks []Task
		if edit != nil {
			if tasks, err = edit(r, &a, &o, now); err != nil {
				return err
			}
		}
		change, err := a.Move(to, by, reason, now)
		if err != nil {
			return err
		}
		out = a
		if err := r.SaveAfterSale(ctx, a); err != nil {
			return err
		}
		if err := r.SaveOrder(ctx, o); err != nil {
			return err
		}
		if a.Status == domain.AfterSaleRefunded {
			if err := r.Emit(ctx, returnRefunded(a, o.Channel)); err != nil {
				return err
			}
		}
		return s.recordAfterSale(ctx, r, a, change, tasks)
	})
	s.nudge()
	return out, err
}

// afterSaleFor loads a request for a caller: its buyer, its supplier,
// admins and services read it; anyone else is told it does not exist.
func (s *Service) afterSaleFor(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.AfterSale, error) {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil {
		return a, err
	}
	if s.buysFor(ctx, c, a) || actsFor(c, a.SupplierID) || c.IsAdmin() || c.IsService() {
		return a, nil
	}
	return domain.AfterSale{}, notFoundAfterSale(id)
}

// buysFor reports the caller is the request's buyer as it is the order's
// (isBuyerOf): the person who filed it, or, for a merchant's order, a
// member of that merchant now, whoever filed it. A member who filed it and
// left the merchant no longer acts on it, as on the order.
func (s *Service) buysFor(ctx context.Context, c auth.Caller, a domain.AfterSale) bool {
	if c.Kind != auth.KindUser {
		return false
	}
	o, err := s.store.GetOrder(ctx, a.OrderID, false)
	return err == nil && isBuyerOf(c, o)
}

func notFoundAfterSale(id uuid.UUID) error { return apperr.NotFound("after-sale request", id.String()) }

// GetAfterSale returns a request to those who may read it.
func (s *Service) GetAfterSale(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.AfterSale, error) {
	return s.afterSaleFor(ctx, c, id)
}

// ListAfterSales lists requests newest first: a buyer's own, a merchant's
// (on its orders, whichever member filed them), a supplier's own, or, for
// admins, any (filtered by order or status).
func (s *Service) ListAfterSales(ctx context.Context, c auth.Caller, f AfterSaleFilter, size int, token string) ([]domain.AfterSale, string, error) {
	org, isSupplier := c.SupplierOrg()
	merchant, isMerchant := c.MerchantOrg()
	switch {
	case c.IsAdmin():
	case isSupplier:
		f.BuyerID, f.SupplierID, f.MerchantOrgID = "", org, uuid.Nil
	case isMerchant:
		f.BuyerID, f.SupplierID, f.MerchantOrgID = "", uuid.Nil, merchant
	case c.Kind == auth.KindUser && c.Subject != "":
		f.BuyerID, f.SupplierID, f.MerchantOrgID = c.Subject, uuid.Nil, uuid.Nil
	default:
		return nil, "", ErrBuyersOnly
	}
	limit, after, err := page(size, token, f)
	if err != nil {
		return nil, "", err
	}
	list, err := s.store.ListAfterSales(ctx, f, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	return pageOf(list, limit, func(a domain.AfterSale) OrderCursor { return OrderCursor{At: a.CreatedAt, ID: a.ID} }, f)
}

// DecideAfterSale is the supplier (or its ERP) approving or rejecting a
// request, with a reason; on a disputed request, an operator. Approved, a
// physical sub-order's goods come back by a return parcel booked at once,
// and an exchange's replacement is reserved; a virtual sub-order's return
// is received as approved and refunded.
func (s *Service) DecideAfterSale(ctx context.Context, c auth.Caller, id uuid.UUID, approve bool, reason string) (domain.AfterSale, error) {
	a, err := s.afterSaleFor(ctx, c, id)
	if err != nil {
		return a, err
	}
	if !c.IsAdmin() && !actsFor(c, a.SupplierID) {
		return domain.AfterSale{}, notFoundAfterSale(id)
	}
	if !approve && strings.TrimSpace(reason) == "" {
		return domain.AfterSale{}, apperr.InvalidField("reason", "a rejection says why, in at most 1000 characters")
	}
	if err := domain.CheckAfterSaleText("reason", reason, 0); err != nil {
		return domain.AfterSale{}, err
	}
	to, why := domain.AfterSaleRejected, "rejected: "+reason
	if approve {
		to, why = domain.AfterSaleApproved, "approved"
		if reason != "" {
			why += ": " + reason
		}
	}
	a, err = s.moveAfterSale(ctx, id, to, actor(c), why, func(_ Repository, a *domain.AfterSale, o *domain.Order, now time.Time) ([]Task, error) {
		if a.Status == domain.AfterSaleDisputed && !c.IsAdmin() {
			return nil, ErrDisputedForOperators
		}
		a.Decision = reason
		if !approve {
			return nil, nil
		}
		var tasks []Task
		if sub := o.SubOrder(a.SubOrderID); sub.Type == domain.Virtual {
			// Received below, as approved; the step does it should this
			// call stop before.
			tasks = append(tasks, task(TaskReceiveReturn, a.ID, a.OrderID, now))
		} else {
			if !sub.ExternalParcel() {
				// Goods that came by a parcel outside our logistics go
				// back the way their supplier says; it confirms their
				// receipt.
				tasks = append(tasks, task(TaskBookReturn, a.ID, a.OrderID, now))
			}
			// Goods never sent back close the request.
			tasks = append(tasks, task(TaskExpireReturn, a.ID, a.OrderID, now.Add(s.cfg.ReturnSendBy)))
		}
		if a.Kind == domain.Exchange {
			tasks = append(tasks, task(TaskReserveReplacement, a.ID, a.OrderID, now))
		}
		return tasks, nil
	})
	if err != nil || !approve || a.Status != domain.AfterSaleApproved {
		return a, err
	}
	if sub, _, err := s.afterSaleSubOrder(ctx, a); err == nil && sub.Type == domain.Virtual {
		// Nothing travels back: the return is received as approved.
		return s.receive(ctx, a.ID, system, "virtual goods: nothing to send back", false, nil)
	}
	return a, nil
}

// afterSaleSubOrder returns the request's sub-order and order.
func (s *Service) afterSaleSubOrder(ctx context.Context, a domain.AfterSale) (domain.SubOrder, domain.Order, error) {
	o, err := s.store.GetOrder(ctx, a.OrderID, false)
	if err != nil {
		return domain.SubOrder{}, o, err
	}
	return *o.SubOrder(a.SubOrderID), o, nil
}

// DisputeAfterSale is the buyer contesting a rejection: an operator decides.
func (s *Service) DisputeAfterSale(ctx context.Context, c auth.Caller, id uuid.UUID, reason string) (domain.AfterSale, error) {
	a, err := s.afterSaleFor(ctx, c, id)
	if err != nil {
		return a, err
	}
	if !s.buysFor(ctx, c, a) {
		return domain.AfterSale{}, notFoundAfterSale(id)
	}
	if strings.TrimSpace(reason) == "" {
		return domain.AfterSale{}, apperr.InvalidField("reason", "a dispute says why, in at most 1000 characters")
	}
	if err := domain.CheckAfterSaleText("reason", reason, 1); err != nil {
		return domain.AfterSale{}, err
	}
	return s.moveAfterSale(ctx, id, domain.AfterSaleDisputed, actor(c), "disputed: "+reason,
		func(r Repository, a *domain.AfterSale, o *domain.Order, _ time.Time) ([]Task, error) {
			others, err := r.AfterSalesOf(ctx, a.SubOrderID)
			if err != nil {
				return nil, err
			}
			if err := a.CheckDispute(*o.SubOrder(a.SubOrderID), others); err != nil {
				return nil, err
			}
			a.Dispute = reason
			return nil, nil
		})
}

// WithdrawAfterSale is the buyer taking back a request not yet approved.
func (s *Service) WithdrawAfterSale(ctx context.Context, c auth.Caller, id uuid.UUID) (domain.AfterSale, error) {
	a, err := s.afterSaleFor(ctx, c, id)
	if err != nil {
		return a, err
	}
	if !s.buysFor(ctx, c, a) {
		return domain.AfterSale{}, notFoundAfterSale(id)
	}
	return s.moveAfterSale(ctx, id, domain.AfterSaleWithdrawn, actor(c), "withdrawn by the buyer", nil)
}

// ReceiveReturn is the supplier confirming the goods came back: a return
// is refunded; an exchange waits for its replacement to arrive. Restockable
// goods go back on hand in the given warehouse of the supplier's. A return
// that expired is received all the same when its goods reach the supplier
// late (domain.AfterSale.ReceivedLate), unless another request claimed
// them since: the supplier has them, and the buyer is owed their money
// (clawed back from the supplier's payable if the sub-order settled).
func (s *Service) ReceiveReturn(ctx context.Context, c auth.Caller, id uuid.UUID, restockable bool, warehouseID *uuid.UUID) (domain.AfterSale, error) {
	if restockable && (warehouseID == nil || *warehouseID == uuid.Nil) {
		return domain.AfterSale{}, apperr.InvalidField("warehouse_id", "restockable goods go back to one of your warehouses")
	}
	a, err := s.afterSaleFor(ctx, c, id)
	if err != nil {
		return a, err
	}
	if !c.IsAdmin() && !actsFor(c, a.SupplierID) {
		return domain.AfterSale{}, notFoundAfterSale(id)
	}
	if restockable {
		// Checked now, while the supplier is there to hear it: the restock
		// runs later, and inventory refuses a warehouse that is not the
		// supplier's for good.
		owner, err := s.Inventory.WarehouseSupplier(ctx, *warehouseID)
		if apperr.IsKind(err, apperr.KindNotFound) || err == nil && owner != a.SupplierID {
			return domain.AfterSale{}, apperr.InvalidField("warehouse_id", "is not one of the supplier's warehouses")
		}
		if err != nil {
			return domain.AfterSale{}, err
		}
	}
	return s.receive(ctx, id, actor(c), "goods received back", restockable, warehouseID)
}

// receive records a request's goods back with the supplier: a return moves
// to received and is refunded; an exchange's original is only recorded.
func (s *Service) receive(ctx context.Context, id uuid.UUID, by domain.Actor, why string, restockable bool, warehouseID *uuid.UUID) (domain.AfterSale, error) {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil {
		return a, err
	}
	kind := a.Kind
	edit := func(r Repository, a *domain.AfterSale, o *domain.Order, now time.Time) ([]Task, error) {
		if a.Kind != kind {
			// The exchange became a return since it was read (its
			// replacement came back): it is received as a return.
			return nil, errConverted
		}
		var tasks []Task
		if a.Kind == domain.Return {
			// Moving to received: the refund is next, even for goods an
			// earlier receipt already recorded.
			tasks = append(tasks, task(TaskReturnRefund, a.ID, a.OrderID, now))
		}
		if a.Received {
			return tasks, nil
		}
		switch {
		case a.ReceivedLate():
			// Moved to received under the order's lock (o): no other
			// request may have claimed the goods since it expired.
			others, err := r.AfterSalesOf(ctx, a.SubOrderID)
			if err != nil {
				return nil, err
			}
			if err := a.CheckGoodsStillItsOwn(*o.SubOrder(a.SubOrderID), others); err != nil {
				return nil, err
			}
		case !a.AwaitsGoods():
			return nil, apperr.FailedPrecondition("the request is " + string(a.Status) + ": nothing is on its way back").WithReason("INVALID_TRANSITION")
		}
		a.Received, a.Restockable, a.WarehouseID = true, restockable, warehouseID
		if restockable {
			tasks = append(tasks, task(TaskRestock, a.ID, a.OrderID, now))
		}
		return tasks, nil
	}
	if kind == domain.Return {
		return s.moveAfterSale(ctx, id, domain.AfterSaleReceived, by, why, edit)
	}
	out, err := s.noteAfterSale(ctx, id, by, why, edit)
	if errors.Is(err, errConverted) {
		return s.moveAfterSale(ctx, id, domain.AfterSaleReceived, by, why, func(r Repository, a *domain.AfterSale, o *domain.Order, now time.Time) ([]Task, error) {
			kind = a.Kind
			return edit(r, a, o, now)
		})
	}
	return out, err
}

// noteAfterSale records a change of a request that keeps its status (an
// exchange's original received back, a return parcel booked).
func (s *Service) noteAfterSale(ctx context.Context, id uuid.UUID, by domain.Actor, why string,
	edit afterSaleEdit) (domain.AfterSale, error) {
	var out domain.AfterSale
	err := s.store.InTx(ctx, func(r Repository) error {
		a, _, err := lockAfterSale(ctx, r, id)
		if err != nil {
			return err
		}
		before, now := a, s.clock()
		tasks, err := edit(r, &a, nil, now)
		if out = a; err != nil || equalAfterSale(before, a) {
			return err
		}
		a.UpdatedAt = now
		out = a
		if err := r.SaveAfterSale(ctx, a); err != nil {
			return err
		}
		if len(tasks) > 0 {
			if err := r.Schedule(ctx, tasks...); err != nil {
				return err
			}
		}
		return r.AppendChanges(ctx, []domain.Change{a.Note(by, why, now)})
	})
	s.nudge()
	return out, err
}

// equalAfterSale reports that an edit changed nothing worth recording.
func equalAfterSale(a, b domain.AfterSale) bool {
	return a.Received == b.Received && a.ReturnWaybill == b.ReturnWaybill && a.ReplacementWaybill == b.ReplacementWaybill &&
		a.OriginalKept == b.OriginalKept
}

// ShipReplacement is the supplier sending an approved exchange's
// replacement: logistics books it as a parcel of its own (keyed by the
// request), and its pick-up commits the replacement's reservation.
func (s *Service) ShipReplacement(ctx context.Context, c auth.Caller, id, methodID uuid.UUID, from domain.Address) (domain.AfterSale, error) {
	var v apperr.Violations
	if methodID == uuid.Nil {
		v.Add("method_id", "is required: a shipping method of logistics")
	}
	domain.CheckAddress(&v, "from", from)
	if err := v.Err(); err != nil {
		return domain.AfterSale{}, err
	}
	a, err := s.afterSaleFor(ctx, c, id)
	if err != nil {
		return a, err
	}
	if !c.IsAdmin() && !actsFor(c, a.SupplierID) {
		return domain.AfterSale{}, notFoundAfterSale(id)
	}
	if a.Kind != domain.Exchange {
		return domain.AfterSale{}, apperr.FailedPrecondition("only an exchange ships a replacement").WithReason("NOT_EXCHANGE")
	}
	if a.Status == domain.AfterSaleReplacementShipped || a.Status == domain.AfterSaleExchanged {
		return a, nil
	}
	if a.Status != domain.AfterSaleApproved {
		return domain.AfterSale{}, apperr.FailedPrecondition("the exchange is " + string(a.Status) + ", not approved").WithReason("INVALID_TRANSITION")
	}
	sub, o, err := s.afterSaleSubOrder(ctx, a)
	if err != nil {
		return a, err
	}
	if err := s.holdReplacement(ctx, a, sub); err != nil {
		return domain.AfterSale{}, err
	}
	// The replacement's freight is the platform's, as a return parcel's
	// is: no escrow holds it (the buyer paid the outbound freight only).
	sh, err := s.Logistics.Ship(ctx, ShipInput{Order: o, SubOrder: replacement(a, sub), MethodID: methodID, From: from, PlatformPays: true})
	if err != nil {
		return domain.AfterSale{}, err
	}
	return s.moveAfterSale(ctx, id, domain.AfterSaleReplacementShipped, actor(c), replacementShipped(sh),
		func(_ Repository, a *domain.AfterSale, _ *domain.Order, now time.Time) ([]Task, error) {
			a.ReplacementShipmentID, a.ReplacementWaybill = &sh.ID, sh.Waybill
			return []Task{checkReplacementTask(*a, now)}, nil
		})
}

// holdReplacement extends the hold on an exchange's replacement from now,
// as a sub-order's is at shipping: taken at the approval for as long as a
// paid order's goods are held, it may lapse before a replacement shipped
// only once the original came back, weeks on, and the stock would go back
// on sale while the carrier picks the goods up. One lapsed already ships
// all the same (the supplier has the goods in hand), noted for an operator:
// inventory's count of them is wrong.
func (s *Service) holdReplacement(ctx context.Context, a domain.AfterSale, sub domain.SubOrder) error {
	held, err := s.Inventory.Reserve(ctx, a.ID, replacement(a, sub).Lines, s.cfg.FulfilmentHold)
	if err != nil || held {
		return err
	}
	return s.noteForOperator(ctx, a.OrderID, a.SubOrderID, "exchange "+a.ID.String()+
		": the replacement's stock hold lapsed before it shipped; inventory's count needs an operator")
}

// checkReplacementTask looks up a shipped replacement's parcel a day on.
func checkReplacementTask(a domain.AfterSale, now time.Time) Task {
	return task(TaskCheckReplacement, a.ID, a.OrderID, now.Add(deliveryCheckEvery))
}

func replacementShipped(sh Shipment) string { return "replacement shipped: waybill " + sh.Waybill }

// ReplacementBooked: logistics booked an exchange's replacement (it
// travels under the request's id). It is recorded if the supplier's
// ShipReplacement did not get to (its answer lost, logistics' bookings
// worker finished the booking): the exchange must not wait for the
// supplier to call again. One booked for an exchange that expired
// meanwhile (the supplier shipping as the expiry ran; its replacement
// stock is given back) is cancelled: the buyer kept the original.
// Applied in the inbox's transaction.
func (s *Service) ReplacementBooked(ctx context.Context, r Repository, id uuid.UUID, sh Shipment) error {
	a, _, err := lockAfterSale(ctx, r, id)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil
	}
	if err != nil || a.Kind != domain.Exchange {
		return err
	}
	switch a.Status {
	case domain.AfterSaleApproved:
		return s.recordReplacementShipped(ctx, r, &a, sh)
	case domain.AfterSaleExpired:
		return r.Schedule(ctx, task(TaskCancelShipment, a.ID, a.OrderID, s.clock()))
	}
	return nil
}

// recordReplacementShipped moves an approved exchange to replacement
// shipped on the system's word, with its parcel.
func (s *Service) recordReplacementShipped(ctx context.Context, r Repository, a *domain.AfterSale, sh Shipment) error {
	now := s.clock()
	change, err := a.Move(domain.AfterSaleReplacementShipped, system, replacementShipped(sh), now)
	if err != nil {
		return err
	}
	a.ReplacementShipmentID, a.ReplacementWaybill = &sh.ID, sh.Waybill
	if err := r.SaveAfterSale(ctx, *a); err != nil {
		return err
	}
	return s.recordAfterSale(ctx, r, *a, change, []Task{checkReplacementTask(*a, now)})
}

// lockAfterSale locks a request after its order, the order every change of
// a request takes its locks in, and returns both; NotFound when there is no
// such request.
func lockAfterSale(ctx context.Context, r Repository, id uuid.UUID) (domain.AfterSale, domain.Order, error) {
	a, err := r.GetAfterSale(ctx, id, false)
	if err != nil {
		return a, domain.Order{}, err
	}
	o, err := r.GetOrder(ctx, a.OrderID, true)
	if err != nil {
		return a, o, err
	}
	a, err = r.GetAfterSale(ctx, id, true)
	return a, o, err
}

// shippedReplacement locks the exchange a replacement's event names (id)
// and records its parcel (sh) if the supplier's call did not get to; nil
// when the id is no request of ours, or no exchange whose replacement is on
// its way. Applied in the inbox's transaction.
func (s *Service) shippedReplacement(ctx context.Context, r Repository, id uuid.UUID, sh Shipment) (*domain.AfterSale, error) {
	a, _, err := lockAfterSale(ctx, r, id)
	if apperr.IsKind(err, apperr.KindNotFound) {
		return nil, nil
	}
	if err != nil || a.Kind != domain.Exchange {
		return nil, err
	}
	if a.Status == domain.AfterSaleApproved {
		if err := s.recordReplacementShipped(ctx, r, &a, sh); err != nil {
			return nil, err
		}
	}
	if a.Status != domain.AfterSaleReplacementShipped {
		return nil, nil
	}
	return &a, nil
}

// replacement is an exchange's parcel as logistics books it: the request's
// lines of the sub-order, to its address, under the request's id (which is
// also the replacement's reservation).
func replacement(a domain.AfterSale, sub domain.SubOrder) domain.SubOrder {
	r := sub
	r.ID, r.Lines, r.Goods = a.ID, nil, a.Refund
	for _, l := range a.Lines {
		for _, bought := range sub.Lines {
			if bought.SKUID == l.SKUID {
				r.Lines = append(r.Lines, domain.OrderLine{SKUID: l.SKUID, ProductID: l.ProductID, Quantity: l.Quantity, UnitPrice: bought.UnitPrice})
				break
			}
		}
	}
	r.WeightG, r.VolumeCM3 = a.Parcel(sub)
	return r
}

// ReplacementReturned: the carrier could not deliver an exchange's
// replacement and took it back to its supplier. The exchange becomes a
// return of its lines (domain.AfterSale.ReplacementBack): refunded now if
// the supplier has the original, once it arrives if it is on its way, and
// closed if the buyer kept it. Its shipment is recorded first when the
// booking's answer and event are behind. Applied in the inbox's
// transaction.
func (s *Service) ReplacementReturned(ctx context.Context, r Repository, id uuid.UUID, sh Shipment) error {
	a, err := s.shippedReplacement(ctx, r, id, sh)
	if err != nil || a == nil {
		return err
	}
	return s.replacementEnded(ctx, r, a, system, "the replacement (waybill "+a.ReplacementWaybill+") came back to the supplier undelivered")
}

// replacementEnded makes an exchange whose replacement will not reach its
// buyer (come back to its supplier, or declared lost) a return of its lines
// (domain.AfterSale.ReplacementBack), with the steps that follow from what
// it became, and the extra ones given.
func (s *Service) replacementEnded(ctx context.Context, r Repository, a *domain.AfterSale, by domain.Actor, why string, extra ...Task) error {
	now := s.clock()
	change, err := a.ReplacementBack(by, why, now)
	if err != nil {
		return err
	}
	change.Reason += ": " + replacementBackOutcome(a.Status, s.cfg.ReturnSendBy)
	if err := r.SaveAfterSale(ctx, *a); err != nil {
		return err
	}
	tasks := append([]Task{}, extra...)
	switch a.Status {
	case domain.AfterSaleReceived:
		tasks = append(tasks, task(TaskReturnRefund, a.ID, a.OrderID, now))
	case domain.AfterSaleApproved:
		// The buyer learns only now that no replacement is coming: the
		// original may be sent back within a window from now (a parcel
		// already on its way is awaited, as for any return).
		tasks = append(tasks, task(TaskExpireReturn, a.ID, a.OrderID, now.Add(s.cfg.ReturnSendBy)))
	}
	if err := r.Unschedule(ctx, TaskCheckReplacement, a.ID); err != nil {
		return err
	}
	return s.recordAfterSale(ctx, r, *a, change, tasks)
}

// replacementBackOutcome says what an exchange whose replacement came back
// became (its status now), for its change log and the buyer.
func replacementBackOutcome(st domain.AfterSaleStatus, sendBy time.Duration) string {
	switch st {
	case domain.AfterSaleReceived:
		return "the original is back, and the request is refunded as a return"
	case domain.AfterSaleExpired:
		return "the buyer kept the original, and the request is closed"
	}
	return fmt.Sprintf("the request is now a return, refunded when the original is back (to be sent within %s)", sendBy)
}

// ReplacementDelivered: an exchange's replacement reached the buyer; the
// exchange is done (its shipment recorded first when the booking's
// answer and event are behind). Applied in the inbox's transaction.
func (s *Service) ReplacementDelivered(ctx context.Context, r Repository, id uuid.UUID, sh Shipment) error {
	a, err := s.shippedReplacement(ctx, r, id, sh)
	if err != nil || a == nil {
		return err
	}
	change, err := a.Move(domain.AfterSaleExchanged, system, "replacement delivered", s.clock())
	if err != nil {
		return err
	}
	if err := r.SaveAfterSale(ctx, *a); err != nil {
		return err
	}
	if err := r.Unschedule(ctx, TaskCheckReplacement, a.ID); err != nil {
		return err
	}
	return s.recordAfterSale(ctx, r, *a, change, nil)
}

// checkReplacement looks a shipped replacement up at logistics, in case
// the event saying it was delivered or came back to its supplier was lost:
// either is applied as if the event came; otherwise it looks again a day
// later. A parcel logistics no longer has, or cancelled, is noted for an
// operator in the log, and not looked at again.
func (s *Service) checkReplacement(ctx context.Context, id uuid.UUID) error {
	a, err := s.store.GetAfterSale(ctx, id, false)
	if err != nil || a.Kind != domain.Exchange || a.Status != domain.AfterSaleReplacementShipped {
		return err
	}
	// A replacement travels under its request's id.
	p, err := s.Logistics.Parcel(ctx, a.ID)
	if err != nil {
		return err
	}
	if p == nil || p.Cancelled() {
		// Nothing will come of it: looking again would not either.
		return s.store.InTx(ctx, func(r Repository) error {
			return r.AppendChanges(ctx, []domain.Change{a.Note(system, "the replacement's parcel (waybill "+a.ReplacementWaybill+
				") is not at logistics or was cancelled: the exchange needs an operator", s.clock())})
		})
	}
	ended, err := s.applyParcelEnd(ctx, id, p)
	if err == nil && !ended {
		return errNotYet{until: s.clock().Add(deliveryCheckEvery)}
	}
	return err
}
